"""Report metadata: the agency, the year reported on (not the publication year), the region."""
from __future__ import annotations

import re

from .outline import Outline, crawler_title

_CN_YEAR_DIGITS = str.maketrans("〇○O零一二三四五六七八九", "0000123456789")
# a year in Chinese numerals; 〇 is also printed ○ (U+25CB) or a Latin O
_YEAR = r"(?:(?:19|20)\d{2}|[〇○O零一二][〇○O零一二三四五六七八九]{3})"
# a year followed by a month is a date ("（2023年1月）", "2023年1月20日"): when it was published
_YEAR_IN_TITLE = re.compile(r"(" + _YEAR + r")\s*年\s*度?(?!\s*\d{1,2}\s*月)")
_YEAR_IN_TEXT = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")
# the period reported on: "统计期限为2023年1月1日至…", "自二〇二三年一月一日起至…", "截至2023年12月31日"
_PERIOD = re.compile(r"(?:统计期限|统计时限|统计时间)[^。]{0,8}?(" + _YEAR + r")\s*年\s*(?:0?1|一)\s*月\s*(?:0?1|一)\s*日")
_PERIOD_SPAN = re.compile(r"(" + _YEAR + r")\s*年\s*(?:0?1|一)\s*月\s*(?:0?1|一)\s*日\s*(?:起\s*)?(?:至|到|[-—–~～])"
                          r"|截至\s*(" + _YEAR + r")\s*年\s*(?:12|十二)\s*月\s*(?:31|三十一)\s*日")
_AGENCY_SUFFIX = re.compile(
    r"(?:人民政府(?:办公[室厅])?|委员会|管委会|管理委员会|[局厅委办署院所站室馆队]|中心|政府|街道办事处|办事处|街道|镇|乡|实验区|新区|开发区|公司|集团"
    r"|联合会|联合社|合作社|红十字会|工会|海关)$"
)
_REGION = re.compile(r"^(.{2,6}?(?:省|自治区|市))?(.{1,8}?(?:市|州|盟|地区))?(.{1,8}?(?:区|县|旗))?")
# a PDF's letter-spaced title: "某某局2 0 2 3 年…"
_SPACED_DIGITS = re.compile(r"(?<=\d)[ \t　]+(?=\d)")
_PREFIX_NOISE = re.compile(r"^(?:标题[:：]\s*|关于|印发)")
_GAPS = re.compile(r"[\s　]+")
_TRAILING_GUANYU = re.compile(r"关于$")
_LEADING_BEN = re.compile(r"^(?:本|全)")
_PROVINCE_OR_CITY = re.compile(r"[\u4e00-\u9fff]{2,}(?:省|自治区|市)")


def _to_year(raw: str) -> int:
    return int(raw.translate(_CN_YEAR_DIGITS))


def report_year(text: str, outline: Outline) -> int | None:
    for title in (outline.title, crawler_title(text)):
        if title:
            m = _YEAR_IN_TITLE.search(_SPACED_DIGITS.sub("", title))
            if m:
                return _to_year(m.group(1))
    m = _PERIOD.search(text) or _PERIOD_SPAN.search(text, 0, outline.body_start + 4000)
    if m:
        return _to_year(m.group(1) or m.group(2))
    head = text[outline.body_start:outline.body_start + 3000]
    m = _YEAR_IN_TEXT.search(head)
    # A report is published in the year after the one it reports on: a year in the text that is
    # not before the publication date is a plan ("2024年，将…").
    published = _publication_year(text, outline)
    if published and (m is None or int(m.group(1)) >= published):
        return published - 1
    m = m or re.search(r"((?:19|20)\d{2})\s*年", head)
    return int(m.group(1)) if m else None


_DATE_LABEL = re.compile(r"(?:发布|发文|成文|公开|印发)?(?:时间|日期)\s*[:：]\s*(" + _YEAR + r")\s*[-./年]")


def _publication_year(text: str, outline: Outline) -> int | None:
    """The year of the signature's date, or of a 发布时间 line in the page header."""
    dates = _DATE_LINE.findall(text, max(0, outline.body_end - 400), outline.body_end)
    if dates:
        return _to_year(dates[-1])
    m = _DATE_LABEL.search(text, 0, max(outline.title_end, outline.body_start) + 300)
    return _to_year(m.group(1)) if m else None


def agency(text: str, outline: Outline) -> str | None:
    for title in (outline.title, crawler_title(text)):
        if not title:
            continue
        title = _PREFIX_NOISE.sub("", _SPACED_DIGITS.sub("", title.strip()))
        m = _YEAR_IN_TITLE.search(title)
        name = title[:m.start()] if m else ""
        name = _GAPS.sub("", name).strip("《》“”\"'（）()")
        name = _TRAILING_GUANYU.sub("", name)
        if not name and m:
            # Year first: "2020年度某某县人民政府政府信息公开工作年度报告".
            rest = _GAPS.sub("", title[m.end():])
            k = rest.find("政府信息公开")
            k = k if k >= 0 else rest.find("政务公开")
            name = rest[:k] if k > 0 else ""
            name = _LEADING_BEN.sub("", name)
        if not name:
            # No year before the report's name: "某某县财政局政府信息公开工作年度报告（2022年）".
            flat = _GAPS.sub("", title)
            k = min((i for i in (flat.find("政府信息公开"), flat.find("政务公开")) if i > 0), default=-1)
            name = flat[:k] if k > 0 and _AGENCY_SUFFIX.search(flat[:k]) else ""
        if 2 <= len(name) <= 40:
            return _expand(name, text)
    # "本报告由某某县人民政府办公室编制" / "某某局根据…编制本报告"
    m = re.search(r"(?:本报告由|由)([\u4e00-\u9fff]{3,30}?(?:人民政府|局|委员会|中心|办公室|管委会))", text[:3000])
    if m:
        return m.group(1)
    named = _named_in_preamble(text[:3000])
    if named:
        return _full_form(named, text)
    # the signature under the report: "某某县财政局\n2023年1月20日"
    return _signature(text, max(0, outline.body_end - 400), outline.body_end)


# The report named inside the preamble: "现公布某某县某某镇人民政府2020年政府信息公开工作年度报告",
# "某某镇政府编制2020年政府信息公开年度报告", "现将某某局2020年度政府信息公开工作情况报告如下";
# not a notice about reports ("…年度报告有关事项的通知").
_NAMED_REPORT = re.compile(r"([\u4e00-\u9fff]{2,30}?)(?:编制了?)?\s*(?:19|20)\d{2}\s*年度?\s*(?:政府信息公开|政务公开)"
                           r"(?:工作)?(?:情况的?)?(?:年度)?(?:报告|年报)(?!有关|的通知|编制|工作的|格式)")
_CLAUSE_LEAD = re.compile(r"^.*(?:现将|特将|公布|发布|予以)")


def _named_in_preamble(head: str) -> str | None:
    for m in _NAMED_REPORT.finditer(head):
        if head[max(0, m.start() - 1):m.start()] == "《":
            continue
        name = _CLAUSE_LEAD.sub("", m.group(1))
        if len(name) >= 3 and _AGENCY_SUFFIX.search(name):
            return name
    return None


def _full_form(name: str, text: str) -> str:
    """"某某镇政府" is "某某镇人民政府" where the report writes it so."""
    if name.endswith("政府") and not name.endswith("人民政府") and name[:-2] + "人民政府" in text:
        return name[:-2] + "人民政府"
    return name


_DATE_TAIL = (r"\s*(?:年\s*[\d一二三四五六七八九十]{1,3}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日"
              r"|[-./]\s*\d{1,2}\s*[-./]\s*\d{1,2})")
_DATE = r"(?:\d{4}|[〇○零O一二三四五六七八九]{4})" + _DATE_TAIL
_SIGNER = r"([\u4e00-\u9fff（）()]{2,30}?" + _AGENCY_SUFFIX.pattern.rstrip("$") + ")"
# "某某县财政局\n2023年1月20日", a blank line between, both on one line, or the date first
_SIGNATURE = re.compile(r"(?m)^[ \t　]*" + _SIGNER + r"(?:[ \t　]*\n\s*|[ \t　]*)" + _DATE
                        + r"|^[ \t　]*" + _DATE + r"[ \t　]*\n\s*" + _SIGNER + r"[ \t　]*$")


# a date alone on its line, or after the signer on the same line
_DATE_LINE = re.compile(r"(?m)^[ \t　]*(?:[\u4e00-\u9fff（）()]{2,30}[ \t　]*)?(" + _YEAR + r")" + _DATE_TAIL + r"[ \t　]*$")


def _signature(text: str, lo: int, hi: int) -> str | None:
    found = [n for a, b in _SIGNATURE.findall(text, lo, hi) if len(n := a or b) >= 4]
    return found[-1] if found else None


_CJK_RUN_AT_END = re.compile(r"[\u4e00-\u9fff]*\Z")
_NOT_IN_PLACE = "由据在向的和与及报告将对"  # words that lead into a name, not part of its place


def _expand(name: str, text: str) -> str:
    """"洪泽区人民政府" becomes "淮安市洪泽区人民政府" when the report itself says so."""
    if _PROVINCE_OR_CITY.match(name):
        return name
    best = name
    i = text.find(name, 0, 6000)
    while i >= 0:
        window = text[max(0, i - 12):i]
        # the longest run of Chinese characters right before the name, none of them _NOT_IN_PLACE;
        # a place is 3 characters or more ending in 省市州盟
        run = _CJK_RUN_AT_END.search(window).group(0)
        run = run[max(map(run.rfind, _NOT_IN_PLACE)) + 1:]
        if len(run) >= 3 and run[-1] in "省市州盟" and len(run + name) > len(best):
            best = run + name
        i = text.find(name, i + len(name), 6000)
    return best


def region(agency_name: str | None) -> str | None:
    if not agency_name:
        return None
    m = _REGION.match(agency_name)
    parts = [p for p in (m.groups() if m else ()) if p]
    return "".join(parts) or None
