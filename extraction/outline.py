"""Outline: the report's generation and its sections, with character offsets.

Real reports rename, renumber, glue and drop headings (see docs/report-format.md), so a
heading is found by what it says, not only by its number: a top-level marker (一、 / 第一部分)
followed by a title that names a section kind, at a line start or right after a sentence end,
or a bare title alone on its line. Table rows that read like headings (四、结转下年度继续办理)
and table-of-contents lines are rejected.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

SECTION_KINDS = (
    "overview", "active_disclosure", "applications", "review_litigation",
    "problems_improvements", "other_matters", "fees", "statistics", "other",
)
# Sections whose body is a table in the 2019/2021 templates.
TABLE_KINDS = {"active_disclosure", "applications", "review_litigation", "statistics"}

# Order matters: the first kind whose pattern matches the title wins
# (因…申请行政复议 is review_litigation, not applications; 收费及减免 is fees).
_KIND_RULES: list[tuple[str, re.Pattern]] = [
    ("statistics", re.compile(r"统计表|附表|统计情况|数据统计")),
    ("other_matters", re.compile(r"其[他它]需要?报告|其[他它]事项|其[他它]需要?说明|需要说明的")),
    ("problems_improvements", re.compile(r"问题|不足|改进|整改|努力方向|工作(?:计划|打算|安排)|下一步|工作重点")),
    ("review_litigation", re.compile(r"复议|诉讼")),
    ("fees", re.compile(r"收费|减免|费用")),
    ("applications", re.compile(r"依申请|收到和处理|申请公开|公开申请|申请情况|申请的情况|申请办理|申请受理")),
    ("active_disclosure", re.compile(r"主动公开")),
    ("overview", re.compile(r"总体情况|概\s*述|概况|基本情况|总体|工作情况|开展情况")),
]
# Row labels of 表三 that carry a top-level number and read like section titles.
_TABLE_ROW = re.compile(r"本年新收|上年结转|本年度办理结果|结转下年度|继续办理|办理结果|本年度新收")
_TOP_MARKER = r"(?:第[一二三四五六七八九十]{1,3}部分|[一二三四五六七八九十]{1,3}\s*[、.．]|[⼀-⿕]{1}\s*、)"
_TITLE_END_WORDS = ("情况统计表", "统计表", "附表", "情况", "概述", "概况", "事项", "措施", "计划", "问题",
                    "不足", "方向", "打算", "改进", "整改", "工作")
_TITLE_STOP = re.compile(r"[,，。:：;；!?！？(（\d\s]|第[一二三四五六七八九十]+条")
_GAP = re.compile(r"[ \t\u3000]+")
_DIGIT_RUN = re.compile(r"\d{2,}")
_TERMINATOR_BEFORE = "。！？!?；;”\"」）)"
_CN_NUM = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}

# A leading lookahead of the first characters lets sre skip to them (see figures._NUMBER).
_HEADING_AT = re.compile(
    r"(?=[第一二三四五六七八九十])(?P<marker>第(?P<pn>[一二三四五六七八九十]{1,3})部分\s*[、.．:：]?|(?P<num>[一二三四五六七八九十]{1,3})\s*[、.．])\s*"
)
# Bare titles accepted without a number, alone on their line.
_BARE_TITLE = re.compile(
    r"^(?:附件\d?[:：]?\s*|附表\d?[:：]?\s*)?(?:概\s*述|总体情况|基本情况|主动公开政府信息(?:的)?情况|政府信息主动公开情况"
    r"|收到和处理政府信息公开申请(?:的)?情况|(?:政府信息)?依申请公开(?:政府信息)?(?:工作)?(?:的)?(?:办理)?情况"
    r"|(?:因)?政府信息公开(?:工作)?(?:申请)?(?:被申请|提起)?行政复议[、和及](?:提起)?行政诉讼(?:的)?情况"
    r"|政府信息公开(?:工作)?(?:的)?收费及减免(?:的)?情况"
    r"|(?:政府信息公开工作)?存在的(?:主要)?问题(?:及|和)改进(?:情况|措施)|其[他它]需要报告的事项"
    r"|政府信息公开(?:工作)?(?:情况)?统计表|附表)$"
)

_ATTACHED_STATS = re.compile(r"(?:附件|附表)\s*\d{0,2}\s*[:：]\s*[^。，,；;:：\n]{0,40}?统计表"
                             r"|[^。，,；;:：\s|]{1,40}?统计表(?=[\s|]*指标名称)")

# A short line that may hold a bare title, matched at the start of a line.
_SHORT_LINE = re.compile(r"[ \t]*(\S[^\n]{0,30}?)(?<=[述况施项表。:：\s])[ \t]*(?=\n|\Z)")
# Every _BARE_TITLE ends in one of 述况施项表, and so must any other title read off a short line,
# before any 。:： and spaces; none starts with a number. Only the lines that end so are tried
# (one-cell-per-line tables are hundreds of short lines, prose lines are long, and both end
# otherwise), and of those not the numbered headings.
_SHORT_TITLE_END = re.compile(r"[述况施项表][。:：]*[^\S\n]*(?=\n|\Z)")
_NUMBERED = "一二三四五六七八九十第(（0123456789"


def _short_lines(text: str, start: int) -> Iterator[re.Match]:
    """_SHORT_LINE's matches on the lines from `start` on (the first from `start`) that may hold a
    bare title: those that end as one does and start with no number."""
    for end in _SHORT_TITLE_END.finditer(text, start):
        line_start = max(start, text.rfind("\n", 0, end.start()) + 1)
        if text[line_start] in _NUMBERED:
            continue
        m = _SHORT_LINE.match(text, line_start)
        if m:
            yield m

# The standard titles, the only ones accepted glued to table digits; one stray character may
# sit in 行政复议 (a typo seen in print: "行政法复议").
_STRONG_TITLE = re.compile(
    r"(?:总体情况|概\s*述|主动公开政府信息(?:的)?情况|收到和处理政府信息公开申请(?:的)?情况"
    r"|(?:政府信息)?依申请公开(?:政府信息)?(?:工作)?(?:的)?(?:办理)?情况"
    r"|(?:因)?政府信息公开(?:工作)?(?:申请)?(?:被申请)?行政[^、，。\s]?复议、?(?:提起)?行政诉讼(?:的)?情况"
    r"|(?:政府信息公开工作)?(?:存在的)?(?:主要)?问题(?:及|和)改进(?:情况|措施)|其[他它]需要报告的事项"
    r"|政府信息公开(?:工作)?(?:情况)?统计表)"
)
_GENERATION_2021 = re.compile(r"本年制发件数|本年废止件数|现行有效件数|本年处理决定数量|逾期不补正|逾期未按收费通知")
_GENERATION_2019 = re.compile(r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|本年增/减|本年增减|第二十条第\(九\)项|采购项目数量")
_GENERATION_LEGACY = re.compile(r"指标名称|计量单位|历年累计|收费及减免|依申请公开(?:政府)?信息(?:的)?(?:办理)?情况|概\s*述")


@dataclass
class Section:
    kind: str
    heading: str
    start: int  # offset of the heading
    body_start: int  # offset just after the heading text
    end: int
    number: int | None = None


@dataclass
class Outline:
    generation: str  # legacy | 2019 | 2021 | unknown
    body_start: int  # first offset after title / crawler header / site chrome
    title: str
    title_start: int
    title_end: int
    sections: list[Section]
    body_end: int = 0

    def section_at(self, offset: int) -> Section | None:
        for s in self.sections:
            if s.start <= offset < s.end:
                return s
        return None


# (a heading's title is classified up to three times, and the standard titles recur in every report)
@lru_cache(maxsize=4096)
def classify_title(title: str) -> str | None:
    if _TABLE_ROW.search(title):
        return None
    for kind, pattern in _KIND_RULES:
        if pattern.search(title):
            return kind
    return None


def _title_after(text: str, pos: int, line_end: int) -> str:
    """The heading title starting at `pos`: up to the line end when the line is short,
    else up to the last closing word before the first stop character (glued headings)."""
    rest = text[pos:line_end]
    stripped = rest.strip()
    if len(stripped) <= 40 and "。" not in stripped and not _DIGIT_RUN.search(stripped):
        # "其他需要报告的事项 无": a standard title, then a gap, then a short body
        head = _GAP.split(stripped, maxsplit=1)[0]
        if head != stripped and _STRONG_TITLE.fullmatch(head):
            return head
        return stripped.rstrip(":：")
    # A standard title is exactly as long as itself: "其他需要报告的事项本年度无其他需要报告的
    # 事项。" would otherwise run on to the last closing word in the window.
    strong = _STRONG_TITLE.match(rest, len(rest) - len(rest.lstrip()))
    if strong:
        return strong.group(0)
    stop = _TITLE_STOP.search(rest)
    window = rest[: stop.start() if stop else 40][:40]
    best = -1
    for word in _TITLE_END_WORDS:
        i = window.rfind(word)
        if i >= 0:
            best = max(best, i + len(word))
    if best > 0:
        return window[:best]
    return window.strip()


def _candidates(text: str, start: int, unnamed: list[Section]) -> list[Section]:
    """The section headings after `start`; numbered parts whose title names no section kind go
    to `unnamed` (see _unnamed_part), found by the same scan."""
    found: list[Section] = []
    for m in _HEADING_AT.finditer(text, start):
        i = m.start()
        line_start = text.rfind("\n", 0, i) + 1
        before = text[line_start:i].strip()
        glued = bool(before) and before[-1] not in _TERMINATOR_BEFORE and not before.endswith("-->")
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        if glued:
            # After a table's digits or mid-sentence only a standard title counts.
            strong = _STRONG_TITLE.match(text, m.end(), line_end)
            if not strong:
                continue
            title = strong.group(0)
        else:
            title = _title_after(text, m.end(), line_end)
            if m.group("num") and (not before or before[-1] in _TERMINATOR_BEFORE):
                part = _unnamed_part(text, m.start(), m.end(), line_end, title, m.group("num"))
                if part is not None:
                    unnamed.append(part)
            title, line_end = _wrapped_title(text, m.end(), line_end, title)
        number = _CN_NUM.get((m.group("num") or m.group("pn") or "")[-1:])
        section = _titled_section(text, i, m.end(), line_end, title, number)
        if section is not None:
            found.append(section)
    # An attached 统计表 glued into a one-line crawl ("…二○一二年二月二十日 附件1：某县…统计表 指标名称…"),
    # or its bare title right before the table's header row.
    first = text.find("统计表", start)  # the pattern tries 40 characters at every position: only near one
    for m in _ATTACHED_STATS.finditer(text, max(start, first - 80)) if first >= 0 else ():
        before = text[max(start, m.start() - 1):m.start()]
        if not before or before.isspace() or before in _TERMINATOR_BEFORE:
            found.append(Section("statistics", m.group(0), m.start(), m.end(), -1, None))
    # Bare titles alone on their line, or wrapped over two ("附件：政府信息公开\n情况统计表").
    for m in _short_lines(text, start):
        line = m.group(1).strip().rstrip("。:：")
        s = m.start(1)
        if not _BARE_TITLE.match(line):
            # a heading's second half starts with no number (an indented line's first character
            # is only seen here; _short_lines saw that every line ends as a title does)
            if line[:1] in _NUMBERED:
                continue
            line, s = _wrapped_bare_title(text, s, line)
            if not line:
                continue
            # its second half read alone before a table ("情况统计表\n指标名称…") is this heading
            found = [c for c in found if not s < c.start < m.end(1)]
        kind = classify_title(line)
        if kind:
            found.append(Section(kind, line, s, m.end(1), -1, None))
    if not any(c.kind == "overview" for c in found):
        found.extend(_glued_overview(text, start, min((c.start for c in found), default=len(text))))
    found.sort(key=lambda s: s.start)
    return found


def _wrapped_bare_title(text: str, at: int, line: str) -> tuple[str, int]:
    """A bare title whose first half ends the line above `line` (read at `at`): (the joined
    title, where it starts), or ("", -1)."""
    line_start = text.rfind("\n", 0, at) + 1
    if not line_start or len(line) > 24:
        return "", -1
    prev_start = text.rfind("\n", 0, line_start - 1) + 1
    prev = text[prev_start:line_start - 1].strip()
    if not prev or len(prev) > 24 or _WRAP_STOP.search(prev):
        return "", -1
    joined = prev + line
    if not _BARE_TITLE.match(joined):
        return "", -1
    return joined, text.index(prev, prev_start)


def _glued_overview(text: str, start: int, before: int) -> list[Section]:
    """An unnumbered 概述 right after a sentence end, text following on its line: a legacy body
    collapsed onto one line ("…请与本局办公室联系。概述2015年，本局…"). Only before the first
    section found; a sentence that names it ("全文由概述，…", "。概述如下") does not count."""
    i = text.find("概述", start, before)
    while i >= 0:
        j = i
        while j > start and text[j - 1] in " \t\u3000":
            j -= 1
        after = text[i + 2:i + 3]
        # not after a bracket: "（一）概述" is a sub-heading
        if (j == start or text[j - 1] in "。！？!?；;”\"」\n") and after not in "，,、和及与了如":
            return [Section("overview", "概述", i, i + 2, -1, None)]
        i = text.find("概述", i + 2, before)
    return []


_MINOR_HEADING_AT = re.compile(
    r"(?m)^[ \t\u3000]*(?:[(（](?P<cn>[一二三四五六七八九十]{1,3})[)）]|(?P<digit>\d{1,2})[ \t]*[、.．])[ \t\u3000]*"
)


def _minor_candidates(text: str, start: int) -> list[Section]:
    """Headings numbered （一） or 1. at the start of their line, with a standard section title.
    Only asked for when the 一、二、 headings are not there: in a report that has them, these
    markers number sub-headings ("（一）主动公开情况" inside 总体情况)."""
    found: list[Section] = []
    for m in _MINOR_HEADING_AT.finditer(text, start):
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        number = _CN_NUM.get((m.group("cn") or "")[-1:]) or (int(m.group("digit")) if m.group("digit") else None)
        title, line_end = _wrapped_title(text, m.end(), line_end, _title_after(text, m.end(), line_end))
        section = _titled_section(text, m.start(), m.end(), line_end, title, number)
        if section is not None:
            found.append(section)
    return found


def _minor_sections(text: str, start: int, body_end: int) -> list[Section]:
    """The parts of a report numbered （一） or 1. at the top level. The parts share one marker
    style and count up: a "（一）主动公开方面" sub-heading under "1.总体情况", or a 表三 row
    "1.申请人无正当理由逾期不补正…" after "3.收到和处理…", is none of them."""
    cands = _minor_candidates(text, start)
    best: list[Section] = []
    for paren in (True, False):
        kept: list[Section] = []
        styled = [c for c in cands if (text[c.start:c.start + 3].lstrip(" \t\u3000")[:1] in "(（") == paren]
        for c in _drop_toc_and_dupes(styled, text):
            if kept and c.number is not None and kept[-1].number is not None and c.number <= kept[-1].number:
                continue
            kept.append(c)
        kept = [s for s in _in_template_order(kept) if s.start < body_end]
        if len(kept) > len(best):
            best = kept
    return best


def _wrapped_title(text: str, after: int, line_end: int, title: str) -> tuple[str, int]:
    """A heading wrapped over two lines ("四、政府信息公开行政复\n议、行政诉讼情况"): when the
    title is its whole line but does not end as a title does, and the next line is short, has no
    sentence punctuation and completes it, the title is both lines; returns (title, its end)."""
    if not title or title.endswith(_TITLE_END_WORDS) or len(title) > 30 \
            or text[after:line_end].strip().rstrip(":：") != title:
        return title, line_end
    nxt_end = text.find("\n", line_end + 1)
    nxt_end = len(text) if nxt_end < 0 else nxt_end
    nxt = text[line_end + 1:nxt_end].strip().rstrip(":：")
    if not nxt or len(nxt) > 24 or len(title) + len(nxt) > 40 or _WRAP_STOP.search(nxt):
        return title, line_end
    joined = title + nxt
    if not joined.endswith(_TITLE_END_WORDS) or classify_title(joined) is None:
        return title, line_end
    return joined, nxt_end


_WRAP_STOP = re.compile(r"[。，,；;！？!?|\t]|^[(（]?[一二三四五六七八九十\d]{1,2}[)）、.．]")


def _titled_section(text: str, start: int, after: int, line_end: int, title: str, number: int | None) -> Section | None:
    """The section a heading at `start` opens when `title`, read after its marker (`after`), is a
    standard section title; its body starts after the title (or at the next line)."""
    if not title or len(title) > 40:
        return None
    kind = classify_title(title)
    if kind is None:
        return None
    at = text.find(title, after, line_end)
    body_start = at + len(title) if at >= 0 else line_end
    heading = text[start:body_start].strip()
    if "\n" in heading:  # wrapped over two lines
        heading = re.sub(r"\s*\n\s*", "", heading)
    return Section(kind, heading, start, body_start, -1, number)


def _unnamed_part(text: str, start: int, after: int, line_end: int, title: str, num: str) -> Section | None:
    """A numbered heading (一、 at a line start or after a sentence end) whose title names no
    section kind: a legacy report's part of its own (审批事项及处理情况, 工作人员及经费支出情况)."""
    if not title or len(title) > 30 or not title.endswith(_TITLE_END_WORDS) or _TABLE_ROW.search(title) \
            or classify_title(title) is not None:
        return None
    body_start = text.find(title, after, line_end) + len(title)
    return Section("other", text[start:body_start].strip(), start, body_start, -1, _CN_NUM.get(num[-1:]))


def _fill_numbered_gaps(sections: list[Section], unnamed: list[Section]) -> list[Section]:
    """Add the unnamed parts that continue the numbering of the parts found: numbered one after
    the part before them and one before the part after them (or after the last part). A numbered
    sub-point inside a section restarts at 一 and fails this."""
    out = list(sections)
    for u in unnamed:
        prev = next((s for s in reversed(out) if s.start < u.start), None)
        nxt = next((s for s in out if s.start > u.start), None)
        if prev is None or prev.number is None or u.number != prev.number + 1:
            continue
        if nxt is not None and nxt.number != u.number + 1:
            continue
        if prev.kind == "statistics":  # rows of the legacy 统计表 are numbered too
            continue
        out.insert(out.index(prev) + 1, u)
    return out


# at least twelve characters that are not whitespace (no copy of the body with its spaces removed)
_TWELVE_VISIBLE = re.compile(r"(?:\s*\S){12}")


def _drop_toc_and_dupes(cands: list[Section], text: str) -> list[Section]:
    """A heading with next to no body, whose kind comes again later, is a table-of-contents entry."""
    kept: list[Section] = []
    for i, c in enumerate(cands):
        nxt = cands[i + 1].start if i + 1 < len(cands) else len(text)
        if not _TWELVE_VISIBLE.match(text, c.body_start, nxt) and any(o.kind == c.kind for o in cands[i + 1:]):
            continue
        # the last entry of a contents list, followed by the preamble: its heading comes again
        if i and cands[i - 1].body_start + 12 > c.start and any(
                o.kind == c.kind and o.heading == c.heading for o in cands[i + 1:]):
            continue
        if kept and kept[-1].start == c.start:
            continue
        kept.append(c)
    return kept


# Where each kind stands in every template; fees and review/litigation trade places in old reports.
_RANK = {"overview": 0, "active_disclosure": 1, "applications": 2, "fees": 3, "review_litigation": 3,
         "problems_improvements": 5, "other_matters": 6, "statistics": 7}


def _in_template_order(cands: list[Section]) -> list[Section]:
    """The longest run of headings whose kinds never go back in template order.

    A sub-heading that happens to name a section ("三、依申请公开工作" inside 总体情况) breaks
    the order of the real headings around it and is dropped; `other` fits anywhere."""
    # Group rows of the legacy 统计表 ("一、主动公开情况") are not sections; only 其他事项 may follow it.
    stats_at = next((c.start for c in cands if c.kind == "statistics"), None)
    if stats_at is not None:
        cands = [c for c in cands if c.start <= stats_at or c.kind == "other_matters"]
    ranked = [c for c in cands if c.kind in _RANK]
    n = len(ranked)
    if n <= 1:
        return cands
    # Longest non-decreasing chain; a repeat of the kind just before counts half, so distinct
    # sections win over a table's group rows that repeat kinds.
    kinds = [c.kind for c in ranked]
    ranks = [_RANK[k] for k in kinds]
    best = [1.0] * n
    prev = [-1] * n
    for i in range(n):
        kind, rank = kinds[i], ranks[i]
        for j in range(i):
            if ranks[j] <= rank:
                score = best[j] + (0.5 if kinds[j] == kind else 1.0)
                if score >= best[i]:
                    best[i], prev[i] = score, j
    i = max(range(n), key=lambda k: (best[k], k))
    keep = set()
    while i >= 0:
        keep.add(id(ranked[i]))
        i = prev[i]
    return [c for c in cands if c.kind not in _RANK or id(c) in keep]


def _with_lost_problems_heading(text: str, sections: list[Section], body_end: int) -> list[Section]:
    """A problems part whose heading the extraction lost ("五、存在的主要问题…") still opens with its
    sub-heading ("（一）主要问题", "（一）上年问题的改进情况") after the last table: the part starts
    there, the sub-heading kept in its body (it tells problems from improvements)."""
    if any(s.kind == "problems_improvements" for s in sections):
        return sections
    tables = [i for i, s in enumerate(sections) if s.kind in TABLE_KINDS - {"statistics"}]
    if not tables:
        return sections
    i = tables[-1]
    hi = sections[i + 1].start if i + 1 < len(sections) else body_end
    for m in _MINOR_HEADING_AT.finditer(text, sections[i].body_start, hi):
        line_end = text.find("\n", m.end())
        line_end = hi if line_end < 0 else min(line_end, hi)
        line = text[m.start():line_end].strip()
        if len(line) <= 40 and "。" not in line and classify_title(text[m.end():line_end]) == "problems_improvements":
            lost = Section("problems_improvements", line, m.start(), m.start(), -1)
            return sections[:i + 1] + [lost] + sections[i + 1:]
    return sections


def detect_generation(text: str, year: int | None = None) -> str:
    if _GENERATION_2021.search(text):
        return "2021"
    if _GENERATION_2019.search(text):
        return "2019"
    if year is not None:
        if year <= 2018:
            return "legacy"
        return "2019" if year <= 2020 else "2021"
    if _GENERATION_LEGACY.search(text):
        return "legacy"
    return "unknown"


_CRAWLER_END = re.compile(r"^=+\s*正文\s*=+\s*$", re.M)
_CHROME_TAIL = re.compile(r"(?:相关链接[:：]?\s*-->|-->|【\s*打印\s*】|\[\s*打印\s*\]|打印本页|关闭窗口|字号[:：]?\s*[大中小\s]+)")
def _wrappable(pattern: str) -> str:
    """Let a line break fall between any two characters (PDF titles wrap: "…年度报\n告")."""
    out = []
    for i, ch in enumerate(pattern):
        out.append(ch)
        if "\u4e00" <= ch <= "\u9fff" and i + 1 < len(pattern) and "\u4e00" <= pattern[i + 1] <= "\u9fff":
            out.append(r"\n?")
    return "".join(out)


_TITLE = re.compile(
    _wrappable("政府信息公开") + r"\n?(?:" + _wrappable("工作") + r")?\n?(?:" + _wrappable("年度") + r")?\n?(?:"
    + _wrappable("报告") + "|" + _wrappable("年报") + ")|" + _wrappable("政务公开") + r"(?:工作)?\n?"
    + _wrappable("年度报告") + "|" + _wrappable("信息公开年报")
)


def find_body_start(text: str) -> int:
    """Skip a crawler header block and the site chrome in front of the report."""
    start = 0
    m = _crawler_end(text)
    if m:
        start = m.end()
    head = text[start:start + 1500]
    if "当前位置" in head or "您所在的位置" in head:
        tails = list(_CHROME_TAIL.finditer(head))
        if tails:
            start += tails[-1].end()
    while start < len(text) and text[start] in " \t\n":
        start += 1
    return start


# what follows a report's name when a notice or a circular speaks of the reports (格式, 发布情况的通报)
_NOT_THIS_REPORT = re.compile(r"有关事项|的通知|编制|格式|模板|发布情况|报送|检查|工作的")
_IN_SENTENCE = re.compile(r"[，,。；;][^\s，,。；;]*$")
_CRAWLER_TITLE = re.compile(r"^标题[:：]\s*(\S[^\n]*)$", re.M)
_TITLE_IN_CLAUSE = re.compile(r"(?:关于|编制|做好|公布)[^。\n]{0,24}$")
_TITLE_LINE_END = re.compile(r"[)）]?[ \t　]*(?:\n|$)")


def _crawler_end(text: str) -> re.Match | None:
    """The "==== 正文 ====" line ending a crawler's header block in the first 5000 characters."""
    # (most texts have no "=" there: one str.find instead of trying the pattern at every position)
    return _CRAWLER_END.search(text, 0, 5000) if text.find("=", 0, 5000) >= 0 else None


def crawler_title(text: str) -> str:
    m = _crawler_end(text)
    if not m:
        return ""
    t = _CRAWLER_TITLE.search(text, 0, m.start())
    return t.group(1).strip() if t else ""


def find_title(text: str, start: int) -> tuple[str, int, int]:
    """(title, title_start, title_end) of the report title near the top, or ("", start, start)."""
    window_end = min(len(text), start + 3000)
    in_table = None  # the first match inside a table row: the title only when no other is found
    for m in _TITLE.finditer(text, start, window_end):
        # "…关于编制2021年政府信息公开工作年度报告有关事项的通知" names a notice, not this report;
        # "某某镇人民政府关于2022年度政府信息公开工作年度报告" ending its line is the title.
        clause = _TITLE_IN_CLAUSE.search(text, max(start, m.start() - 30), m.start())
        if clause and clause.group(0).startswith("关于") and _TITLE_LINE_END.match(text, m.end()):
            clause = None
        if clause or _NOT_THIS_REPORT.match(text, m.end()):
            continue
        # inside a sentence ("按照要求，我办对全市2023年度政府信息公开工作年度报告…"): named, not the title
        if _IN_SENTENCE.search(text, max(start, m.start() - 40, text.rfind("\n", 0, m.start()) + 1), m.start()):
            continue
        # a page's metadata table ("| 名称 | 某某局2023年政府信息公开年度报告 |") names the report
        # too; the heading of the text comes after it
        if text[text.rfind("\n", 0, m.start()) + 1:m.start()].lstrip().startswith("|"):
            in_table = in_table or m
            continue
        break
    else:
        if in_table is None:
            return crawler_title(text), start, start
        m = in_table
    line_start = text.rfind("\n", 0, m.start()) + 1
    line_start = max(line_start, start, text.rfind("|", 0, m.start()) + 1)
    # A title glued to the preamble on one crawler line ends at the report name.
    end = m.end()
    if text[end:end + 1] == ")" or text[end:end + 1] == "）":
        end += 1
    title = text[line_start:end].strip().replace("\n", "")
    # Agency on its own line(s) just above the title ("北京市某某中心\n\n2020年政府信息公开…"), or
    # a title wrapped after its year ("某某县财政局2022年度\n政府信息公开工作年度报告").
    if line_start > start:
        prev_end = line_start - 1
        while prev_end > start and text[prev_end - 1] in " \t\n":
            prev_end -= 1
        prev_start = text.rfind("\n", 0, prev_end) + 1
        prev = text[max(prev_start, start):prev_end].strip()
        if prev and len(prev) <= 40 and "。" not in prev and (
                (_STARTS_WITH_YEAR.fullmatch(title) and not _YEAR_THEN_AGENCY.match(title))
                or (m.start() == line_start and _ENDS_WITH_YEAR.search(prev))
                or _year_split(prev, text[line_start:m.start()])):
            # joint issuers, one a line: "中共某某县委办公室\n某某县人民政府办公室\n2023年…"
            above_end = prev_start - 1
            above_start = text.rfind("\n", 0, max(above_end, 0)) + 1
            above = text[max(above_start, start):max(above_end, start)].strip()
            if above.startswith("中共") and len(above) <= 30 and not re.search(r"[，,。；;:：]", above):
                return above + " " + prev + title, max(above_start, start), end
            return prev + title, max(prev_start, start), end
    return title, line_start, end


_STARTS_WITH_YEAR = re.compile(r"\s*(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年度?[^\n]*")
# "2023年某某局政府信息公开…" names its agency after the year: the line above it is no part of it
# (a converter's "正文" marker, a site name)
_YEAR_THEN_AGENCY = re.compile(r"\s*(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年度?\s*[\u4e00-\u9fff]{2,}?\s*(?:政府信息公开|政务公开)")
_ENDS_WITH_YEAR = re.compile(r"(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年度?$")
_YEAR_TAIL = re.compile(r"[\d〇零一二三四五六七八九]{0,3}\s*年?度?")


def _year_split(prev: str, head: str) -> bool:
    """A centred title wrapped inside its year: "某某局202" over "3年政府信息公开…", "某某局2020年"
    over "度政府信息公开…"."""
    head = head.strip()
    return bool(head) and bool(_YEAR_TAIL.fullmatch(head)) and prev[-1:] in "0123456789〇零一二三四五六七八九年" \
        and bool(_ENDS_WITH_YEAR.search(prev + head))


# (find_body_end's _CHROME_LAST holds the last characters of these words: keep the two in step)
_TRAILING_CHROME = re.compile(
    r"(?:\s*(?:附件下载|附件[:：]?|打印本页|关闭窗口|【\s*打印\s*】|【\s*关闭\s*】|返回顶部|分享到[:：]?|扫一扫在手机打开当前页))+\s*$"
)


# the last characters of the words _TRAILING_CHROME strips
_CHROME_LAST = frozenset("载件:：页口】部到")


def find_body_end(text: str) -> int:
    stripped = text.rstrip()
    if stripped[-1:] not in _CHROME_LAST:  # (most texts: no chrome ends them)
        return len(stripped)
    m = _TRAILING_CHROME.search(text, max(0, len(text) - 400))
    return m.start() if m else len(stripped)


def outline(text: str, year: int | None = None) -> Outline:
    body_start = find_body_start(text)
    body_end = max(body_start, find_body_end(text))
    title, title_start, title_end = find_title(text, body_start)
    scan_from = max(title_end, body_start)
    unnamed: list[Section] = []
    sections = [s for s in _in_template_order(_drop_toc_and_dupes(_candidates(text, scan_from, unnamed), text))
                if s.start < body_end]
    sections = _fill_numbered_gaps(sections, [u for u in unnamed if u.start < body_end])
    if len(sections) < 3:
        # Not numbered 一、二、: some reports number their parts （一） or 1. at the top level
        other = _minor_sections(text, scan_from, body_end)
        if len(other) > len(sections):
            # a bare "概述" before "1.主动公开…", or "附表：…统计表" after the last part, stays
            kinds = {s.kind for s in other}
            sections = sorted([s for s in sections if s.kind not in kinds and not other[0].start <= s.start
                               <= other[-1].start] + other, key=lambda s: s.start)
    sections = _with_lost_problems_heading(text, sections, body_end)
    for i, s in enumerate(sections):
        s.end = sections[i + 1].start if i + 1 < len(sections) else body_end
    return Outline(detect_generation(text, year), body_start, title, title_start, title_end, sections, body_end)
