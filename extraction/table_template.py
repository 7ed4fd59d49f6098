"""The fixed parts of the three standard tables and the legacy 统计表, shared by the readers,
the solver and the checks: row keys in template order, the label patterns that find a row,
text helpers (masking the digits that belong to labels, squashing whitespace with an offset
map, number tokens) and the prose statements that name a table cell ("受理申请70件" = 一's 总计).

Everything here works on NFKC text (the loader normalises), so brackets are ASCII "()".
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from itertools import accumulate

APPLICATION_COLUMNS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other", "total"]
REVIEW_COLUMNS = ["maintained", "corrected", "other", "pending", "total"]
REVIEW_BLOCKS = ["review", "litigation_direct", "litigation_after_review"]

HEAD_ROWS = ["new_received", "carried_over"]
REFUSED = ["refused_state_secret", "refused_prohibited", "refused_security_stability", "refused_third_party",
           "refused_internal", "refused_process", "refused_enforcement_file", "refused_query"]
UNAVAILABLE = ["unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear"]
REJECTED = ["rejected_petition", "rejected_duplicate", "rejected_publication", "rejected_excessive",
            "rejected_confirmation"]
OTHER_2021 = ["other_no_correction", "other_no_fee", "other"]
RESULT_ROWS_2021 = ["granted", "partially_granted", *REFUSED, *UNAVAILABLE, *REJECTED, *OTHER_2021]
RESULT_ROWS_2019 = ["granted", "partially_granted", *REFUSED, *UNAVAILABLE, *REJECTED, "other"]
APP_ROWS_2021 = [*HEAD_ROWS, *RESULT_ROWS_2021, "total", "carried_forward"]
APP_ROWS_2019 = [*HEAD_ROWS, *RESULT_ROWS_2019, "total", "carried_forward"]
# Every result row of either template (other_* only in 2021); identity B sums the ones present.
RESULT_KEYS = frozenset(RESULT_ROWS_2021)
BALANCE_KEYS = ("new_received", "carried_over", "total", "carried_forward")
# Canonical order of every row key (for output order when rows arrive shuffled).
APP_ORDER = {k: i for i, k in enumerate(APP_ROWS_2021)}

# Row label patterns, matched on squashed text (no whitespace). Keywords are short on purpose:
# PDF extraction wraps labels, drops characters ("其他法律行政止公开") and interleaves the
# one-character vertical group labels.
APP_LABELS: list[tuple[str, str]] = [
    ("new_received", r"本年度?新收|新收[^,，。;；]{0,6}申请(?:数量|数)"),
    ("carried_over", r"上年度?结转"),
    ("granted", r"予以公开"),
    ("partially_granted", r"部分公开"),
    ("refused_state_secret", r"国家秘密"),
    ("refused_prohibited", r"法律行政法规禁止|其他法律|法规禁止公开"),
    ("refused_security_stability", r"三安全一稳定|危及"),
    ("refused_third_party", r"第三方"),
    ("refused_internal", r"内部事务"),
    ("refused_process", r"过程性"),
    ("refused_enforcement_file", r"执法案卷"),
    ("refused_query", r"行政查询|查询事项"),
    ("unavailable_not_held", r"不掌握"),
    ("unavailable_needs_creation", r"另行制作|没有现成"),
    ("unavailable_unclear", r"补正后|仍不明确"),
    ("rejected_petition", r"信访|举报投诉"),
    ("rejected_duplicate", r"重复申请"),
    ("rejected_publication", r"出版物"),
    ("rejected_excessive", r"大量反复"),
    ("rejected_confirmation", r"重新出具|确认或"),
    ("other_no_correction", r"不补正"),
    ("other_no_fee", r"收费通知|缴纳费用"),
    ("carried_forward", r"结转下年度?|结转至下|下年度继续|转入下年"),
]
APP_LABEL_RES = [(k, re.compile(p)) for k, p in APP_LABELS]
OTHER_2021_RE = re.compile(r"3\.其他|其他(?!法律|结果|处理|组织|情形)")
OTHER_2019_RE = re.compile(r"其他处理")
TOTAL_RE = re.compile(r"七\)?、?总计|\(七\)合计")
TOTAL_LOOSE_RE = re.compile(r"总计|合计")
# The table's own header ("自然人" alone also occurs in prose: "其中自然人申请3件").
APP_HEADER_RE = re.compile(r"勾稽|申请人情况|自然人(?=.{0,24}?(?:法人|商业|科研|总计))")

REVIEW_HEADER_CHARS = set("行政复议诉讼未经直接起诉后结果维持纠正其他尚未审结总计合情况()、:")
REVIEW_BLOCK_LABELS = [("review", re.compile(r"^行政复议|复议(?!后)")),
                       ("litigation_after_review", re.compile(r"复议后")),
                       ("litigation_direct", re.compile(r"未经复议|直接起诉"))]

# 表二 rows: (key, pattern, columns per generation)
AD_ROWS_2021 = [
    ("regulations", r"^规章|规章$|(?<!行政)规章(?!制度)", ["issued", "repealed", "in_force"]),
    ("normative_documents", r"规范性文件", ["issued", "repealed", "in_force"]),
    ("licensing", r"行政许可", ["decisions"]),
    ("punishment", r"行政处罚", ["decisions"]),
    ("coercion", r"行政强制", ["decisions"]),
    ("fees", r"行政事业性收费|事业性收费", ["amount"]),
]
AD_ROWS_2019 = [
    ("regulations", r"^规章|规章$|(?<!行政)规章(?!制度)", ["new_made", "new_published", "total_published"]),
    ("normative_documents", r"规范性文件", ["new_made", "new_published", "total_published"]),
    ("licensing", r"行政许可", ["previous", "change", "decisions"]),
    ("other_services", r"其他对外管理服务事项|对外管理服务", ["previous", "change", "decisions"]),
    ("punishment", r"行政处罚", ["previous", "change", "decisions"]),
    ("coercion", r"行政强制", ["previous", "change", "decisions"]),
    ("fees", r"行政事业性收费|事业性收费", ["previous", "change"]),
    ("procurement", r"政府集中采购|集中采购", ["projects", "amount"]),
]
AD_HEADER_RE = re.compile(r"第二十条|信息内容|本年制发|本年废止|现行有效|本年处理决定|本年收费金额|本年新制作|本年新公开"
                          r"|对外公开总数|上一年项目|本年增|处理决定数量|采购项目数量|采购总金额|单位:万元")

# Legacy 统计表
STAT_UNITS = ("万元", "人次", "元", "条", "件", "次", "个", "篇", "项", "份", "场", "人", "户", "家", "天", "%")
STAT_KEYS: list[tuple[str, re.Pattern]] = [
    ("review", re.compile(r"行政复议")),
    ("litigation", re.compile(r"^(?!.*举报).*行政诉讼")),
    ("complaints", re.compile(r"举报|申诉")),
    ("fees", re.compile(r"收取费用|收费|费用")),
    ("active_normative", re.compile(r"主动公开.*规范性文件")),
    ("normative_issued", re.compile(r"制发.*规范性文件|规范性文件.*总数")),
    ("active_total", re.compile(r"主动公开(?:政府)?(?:信息|文件)(?:总?数|条数)|主动公开.*总数|主动公开(?:政府)?信息$")),
    ("hotspot_responses", re.compile(r"回应")),
    ("applications_in_person", re.compile(r"当面")),
    ("applications_online", re.compile(r"网络申请|网上申请|电子邮件|互联网")),
    ("applications_mail", re.compile(r"信函|传真")),
    ("applications_total", re.compile(r"(?:受理|收到).*(?:申请|依申请).*(?:总数|数)$|申请总数")),
    ("partially_granted", re.compile(r"部分公开")),
    ("refused", re.compile(r"不同意公开|不予公开|否决公开")),
    ("granted", re.compile(r"同意公开")),
    ("not_exist", re.compile(r"不存在|非本机关")),
    ("other_answers", re.compile(r"其他类型答复|其他答复")),
    ("answers_total", re.compile(r"答复(?:总数|数)$|答复总数")),
    ("trainings", re.compile(r"培训")),
]
STAT_GROUPS = {"applications_total": ("applications_in_person", "applications_online", "applications_mail"),
               "answers_total": ("granted", "partially_granted", "refused", "not_exist", "other_answers")}
STAT_HEADER_RE = re.compile(r"指标名称|计量单位|本年度|历年累计|(?:19|20)\d\d年度?|累计")
STAT_GROUP_LINE_RE = re.compile(r"^[一二三四五六七八九十]{1,2}、[^\d]{0,14}?(?:情况|统计)")


_STAT_KEY_PREFIX = re.compile(r"^(?:其中[:：]?)?\s*(?:\d{1,2}[.、.]|[(（]\d{1,2}[)）])?")


def stat_key(indicator: str) -> str | None:
    # indicator names recur in every legacy report: each is matched once
    try:
        return _STAT_KEY_CACHE[indicator]
    except KeyError:
        pass
    name = _STAT_KEY_PREFIX.sub("", indicator)
    key = next((k for k, pat in STAT_KEYS if pat.search(name)), None)
    if len(indicator) <= 300:
        if len(_STAT_KEY_CACHE) >= 4096:
            _STAT_KEY_CACHE.clear()
        _STAT_KEY_CACHE[indicator] = key
    return key


_STAT_KEY_CACHE: dict[str, str | None] = {}


# ------------------------------------------------------------------------------------ text helpers

# Digits that belong to labels: enumerators ("1.属于国家秘密", glued "00000002.其他法律"),
# 第二十条第(一)项, "(1)", notes "(其中修订16件)", years in headers ("2017年度").
# Spelled as one character class first and the alternatives after it: a pattern that opens
# with a class lets the regex engine skip to the candidate characters in C, and alternatives that
# open with a class fail at once on the usual digit followed by a space or line break (each
# checks the characters already read by lookbehind). 5x fewer steps on a table than, and
# equivalent to,
#   (?<![\d.])\d{1,2}[.．、](?=[^\d\s]) | \d[.．、](?=[\u4e00-\u9fff]) | 第[一二三四五六七八九十\d]+[项条]
#   | [(（]\d{1,2}[)）] | (?<!\d)(?:199\d|20[0-4]\d)[ \t]?年度?
# The lookahead after the class is the second character any alternative needs (a digit, a point,
# a numeral): the usual digit of a table, followed by a space or line break, fails there once
# instead of once per alternative.
LABEL_DIGITS = re.compile(
    r"[\d第(（](?=[\d.．、一二三四五六七八九十])(?:\d[.．、](?<=\d..)(?<![\d.]...)(?=[^\d\s])"
    r"|[.．、](?<=\d.)(?<![\d.]..)(?=[^\d\s])"
    r"|[.．、](?<=\d.)(?=[\u4e00-\u9fff])"
    r"|[一二三四五六七八九十\d](?<=第.)[一二三四五六七八九十\d]*[项条]"
    r"|\d(?<=[(（].)\d?[)）]"
    r"|99\d(?<=1...)(?<!\d....)[ \t]?年度?"
    r"|0[0-4]\d(?<=2...)(?<!\d....)[ \t]?年度?)"
)
_NOTE_WORDS = ("其中", "含", "包括", "注")  # what a note in brackets opens with
NOTE = re.compile(rf"[(（](?:{'|'.join(_NOTE_WORDS)})[^)）]{{0,40}}[)）]")
# Same trick; equivalent to [-+]?\d+(?:,\d{3})*(?:\.\d+)? | (?:(?<=[ \t|])|(?<=^))[—–－/](?=[ \t|]|$)
NUMBER = re.compile(r"[-+\d—–－/](?:(?<=[-+])\d+(?:,\d{3})*(?:\.\d+)?|(?<=\d)\d*(?:,\d{3})*(?:\.\d+)?"
                    r"|(?<=[—–－/])(?:(?<=[ \t|].)|(?<=^.))(?=[ \t|]|$))", re.M)
# NUMBER on a text without signs, dashes or slashes (the usual table), captured for a split
_PLAIN_NUMBER = re.compile(r"(\d\d*(?:,\d{3})*(?:\.\d+)?)")
_DIGIT_RUN = re.compile(r"(\d\d*)")
# on one line: a cell per line may read "—", "3", "—" (a dash for an empty cell)
PAGE_FOOTER = re.compile(r"(?m)^[ \t]*(?:[-—–][ \t]*\d{1,3}[ \t]*[-—–]|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[,，/]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?)[ \t]*$")


def mask_labels(text: str) -> str:
    """`text` with label digits, notes and page footers blanked (same length, offsets kept)."""
    def blank(m: re.Match) -> str:
        return " " * len(m.group(0))

    if "页" in text or "-" in text or "—" in text or "–" in text:
        text = PAGE_FOOTER.sub(blank, text)
    if ("(" in text or "（" in text) and any(w in text for w in _NOTE_WORDS):
        text = NOTE.sub(blank, text)
    return LABEL_DIGITS.sub(blank, text)


@dataclass(slots=True)
class Tok:
    """One printed number (or an explicit empty cell) with its document offsets."""

    text: str
    start: int
    end: int
    blank: bool = False  # an explicit empty cell of a grid / pipe row: 0

    @property
    def splittable(self) -> bool:
        return not self.blank and self.text.isdigit() and len(self.text) > 1


def plain_numbers(m: str, lo: int) -> tuple[list[str], list[int], list[int]] | None:
    """tokens() of a masked text without signs, dashes or slashes (the usual table) as three
    lists (text, start, end), before any Tok is made; None for any other text."""
    if "+" in m or "-" in m or "/" in m or "—" in m or "–" in m or "－" in m:
        return None
    # numbers and text alternate in one split; offsets are running lengths. Runs of digits are
    # the numbers unless some run is followed by "," or "." and another run ("1,234", "0.5"):
    # only then is the fuller (slower) pattern needed
    parts = _DIGIT_RUN.split(m)
    between = parts[2::2]
    full = "," in between or "." in between
    if full:
        parts = _PLAIN_NUMBER.split(m)
    ends = list(accumulate(map(len, parts), initial=lo))
    nums = parts[1::2]
    if full and "," in m:
        nums = [x.replace(",", "") for x in nums]
    return nums, ends[1:-1:2], ends[2::2]


def tokens(text: str, lo: int, hi: int, masked: str | None = None) -> list[Tok]:
    """Number tokens of text[lo:hi] (document offsets); `masked` is mask_labels(text[lo:hi]) if known."""
    m = masked if masked is not None else mask_labels(text[lo:hi])
    plain = plain_numbers(m, lo)
    if plain is not None:
        return list(map(Tok, *plain))
    signs = "+" in m or "-" in m
    commas = "," in m
    out = []
    for t in NUMBER.finditer(m):
        raw = t.group(0)
        s = t.start()
        if raw in "—–－/":  # a dash or slash standing alone in a row: an empty cell, 0
            out.append(Tok("", lo + s, lo + s, blank=True))
            continue
        if signs and raw[0] in "+-":
            before = m[s - 1:s]
            if before and not before.isspace() and before != "|":
                raw, s = raw[1:], s + 1
        if commas and "," in raw:
            raw = raw.replace(",", "")
        out.append(Tok(raw, lo + s, lo + t.end()))
    return out


# int() of a numeral converts the whole string first and is a table's costliest step per cell;
# the small counts that fill these tables are looked up instead
SMALL_INTS = {str(i): i for i in range(1000)}


def int_values(texts) -> list[int]:
    """[int(x) if x else 0 for x in texts] for digit strings (or "" for a blank cell)."""
    vals = list(map(SMALL_INTS.get, texts))
    if None in vals:
        vals = [v if v is not None else int(x) if x else 0 for v, x in zip(vals, texts, strict=True)]
    return vals


def number_value(raw: str) -> int | float:
    v = SMALL_INTS.get(raw)
    if v is not None:
        return v
    if raw.isdigit():
        return int(raw)
    if raw == "":
        return 0
    v = float(raw)
    return int(v) if v.is_integer() and "." not in raw else v


_FOLD = {ord("（"): "(", ord("）"): ")", ord("："): ":", ord("，"): ",", ord("、"): "、"}


# deletion runs, captured: one split gives both the squashed text and the offset map
_DEL_WS = re.compile(r"([ \t\n\r\f\v|\u3000\xa0]+)")
_DEL_WS_DIGITS = re.compile(r"([ \t\n\r\f\v|\u3000\xa00-9.+\-]+)")


class Squashed:
    """text[lo:hi] without whitespace and pipes (and, with `digits=False`, without digits, points
    and signs: labels that a PDF wrapped around their own numbers read whole again), with a map
    back to document offsets."""

    __slots__ = ("s", "_lo", "_parts", "_sq_starts", "_orig_starts")

    def __init__(self, text: str, lo: int, hi: int, digits: bool = True):
        # kept and deleted runs alternate; str.translate with a deletion table is several times
        # slower on CJK text than this split, and the folds are rare after NFKC
        self._parts = parts = (_DEL_WS if digits else _DEL_WS_DIGITS).split(text[lo:hi])
        s = "".join(parts[::2])
        if "（" in s or "）" in s or "：" in s or "，" in s:
            s = s.translate(_FOLD)
        self.s = s
        self._lo = lo
        self._sq_starts: list[int] | None = None
        self._orig_starts: list[int] = []

    def _build(self) -> None:
        # after the j-th deleted run: squashed position = kept length so far, document offset =
        # the run's end
        lens = list(map(len, self._parts))
        n = len(lens) // 2
        self._sq_starts = [0, *accumulate(lens[0:2 * n:2])]
        self._orig_starts = [0, *list(accumulate(lens))[1::2]]

    def offset(self, i: int) -> int:
        """Document offset of squashed position i (i may equal len(s))."""
        if self._sq_starts is None:
            self._build()
        k = bisect.bisect_right(self._sq_starts, i) - 1
        return self._lo + self._orig_starts[k] + (i - self._sq_starts[k])

    def offsets(self, spans) -> list[tuple[int, int]]:
        """[(offset(a), end_offset(b)) for a, b in spans], in one pass (labels come by the dozen)."""
        if self._sq_starts is None:
            self._build()
        sq, orig, lo = self._sq_starts, self._orig_starts, self._lo
        out = []
        for a, b in spans:
            k = bisect.bisect_right(sq, a) - 1
            start = lo + orig[k] + (a - sq[k])
            if b > 0:
                k = bisect.bisect_right(sq, b - 1) - 1
                end = lo + orig[k] + (b - 1 - sq[k]) + 1
            else:
                k = bisect.bisect_right(sq, 0) - 1
                end = lo + orig[k] - sq[k]
            out.append((start, end))
        return out

    def end_offset(self, i: int) -> int:
        """Document offset just after squashed position i-1."""
        return self.offset(i - 1) + 1 if i > 0 else self.offset(0)


# ------------------------------------------------------------------------------------ prose facts

@dataclass
class Fact:
    """A prose statement about a table figure: the cells of `rule` (see fact_cells) add up to value."""

    rule: str
    value: float
    start: int
    end: int
    phrase: str
    with_carried: bool = False  # "受理…(含上年结转)": 一 + 二 is an accepted reading too


_FACT_CELLS = {
    "prose.applications_received": (["applications.new_received[6]"], ["statistics.applications_total.this_year"]),
    "prose.applications_answered": (["applications.total[6]"], ["statistics.answers_total.this_year"]),
    "prose.carried_over": (["applications.carried_over[6]"], []),
    "prose.carried_forward": (["applications.carried_forward[6]"], []),
    "prose.review_total": (["review_litigation.review[4]"], ["statistics.review.this_year"]),
    "prose.litigation_total": (["review_litigation.litigation_direct[4]",
                                "review_litigation.litigation_after_review[4]"], ["statistics.litigation.this_year"]),
    "prose.active_total": ([], ["statistics.active_total.this_year"]),
}


def fact_cells(rule: str, legacy: bool) -> list[str]:
    modern, old = _FACT_CELLS.get(rule, ([], []))
    return old if legacy else modern


_CLAUSE_STOP = "，,。；;：:！!？?\n（）()"
_BOTH = re.compile(r"行政复议[、和及与或]行政诉讼|复议[、和及与或]诉讼")
_PROSE_RULES: list[tuple[str, re.Pattern, tuple[str, ...]]] = [
    ("prose.carried_over", re.compile(r"上年(?:度)?结转"), ("件",)),
    ("prose.carried_forward", re.compile(r"结转(?:至|到)?下(?:一)?年度?|顺延|转入下(?:一)?年|下年度继续|结转下一年"), ("件",)),
    ("prose.applications_received", re.compile(r"(?:受理|收到|新收|接收|共收)[^，,。；;]{0,14}申请"
                                               r"|申请[^，,。；;]{0,4}(?:受理|收到)|受理依申请|依申请公开[^，,。；;]{0,6}(?:事项|申请)"),
     ("件",)),
    ("prose.applications_answered", re.compile(r"答复|办结|办理完毕|已办理"), ("件",)),
    ("prose.review_total", re.compile(r"行政复议"), ("件",)),
    ("prose.litigation_total", re.compile(r"行政诉讼"), ("件",)),
    # 表二's 行政规范性文件 row told in prose ("现行有效行政规范性文件698件", "制发规范性文件62件"): no
    # check (the prose may count 规章 too), only a hint for a glued row's cut (see _AD_FACT_CELLS)
    ("prose.normative_in_force", re.compile(r"现行有效[^，,。；;]{0,8}规范性文件[^，,。；;]{0,2}$"), ("件",)),
    ("prose.normative_issued", re.compile(r"(?:制发|印发|出台|制定)[^，,。；;]{0,8}规范性文件[^，,。；;]{0,2}$"), ("件",)),
    # only words that name no topic between 主动公开 and 信息: "主动公开采购信息25条" is one topic's count
    ("prose.active_total", re.compile(r"主动公开(?:了|的|各类|各项|各种|政府|政务)*信息|主动公开[^，,。；;]{0,6}文件"),
     ("条", "件")),
]
# the 表二 cells a prose rule names: (row, column of the 2021 form, column of the 2019 form)
AD_FACT_CELLS = {"prose.normative_in_force": ("normative_documents", "in_force", "total_published"),
                 "prose.normative_issued": ("normative_documents", "issued", "new_made")}
_ABOUT_APPLICATIONS = re.compile(r"申请")
_OTHER_CHANNEL = re.compile(r"热线|12345|留言|咨询|来信|信件|诉求|投诉件|建议|提案")
# a service hall's counts ("开设窗口24个，共受理申请136437件") are licence requests, not disclosure ones
_SERVICE_HALL = re.compile(r"窗口|审批服务|行政服务中心|政务服务|办件|便民服务")
_NOT_COUNT_CONTEXT = re.compile(r"率|%|比|同比|万元|人次|工作日|日内|天|其中|分别")
_AFTER_KEYWORD = {"prose.carried_forward": re.compile(r"^[^，,。；;]{0,4}(?:结转|顺延|转入下)"),
                  "prose.applications_received": re.compile(r"^件?(?:依)?申请"),
                  "prose.carried_over": re.compile(r"^[^，,。；;]{0,4}上年(?:度)?结转")}


_STOP_RE = re.compile("[" + re.escape(_CLAUSE_STOP) + "]")
# _PROSE_RULES by unit, in order, each with its after-the-figure pattern (or None)
_RULES_FOR_UNIT = {unit: [(rule, pat, _AFTER_KEYWORD.get(rule)) for rule, pat, units in _PROSE_RULES if unit in units]
                   for unit in ("件", "条")}
_NOT_COUNT_AFTER = re.compile(r"[^，,。；;]{0,3}(?:次|%)")
_NOT_ANSWER_BEFORE = re.compile(r"结转|上年|复议|诉讼|同意|不予|部分|类型|不存在")
_NOT_TOTAL_BEFORE = re.compile(r"复议后|不服|纠错")
_NOT_RECEIVED_BEFORE = re.compile(r"结转|答复|办结|复议|诉讼")
_WITH_CARRIED = re.compile(r"含上年|包括上年|含结转")
_FACTS_CACHE: dict[int, tuple] = {}  # id(text) -> (text, figures' fingerprint, facts) of recent calls


def prose_facts(text: str, figures: list[dict]) -> list[Fact]:
    """Prose figures that state a table figure. The clause around the number decides which:
    "共收到70件申请" = 一's 总计, "1件结转下年度继续办理" = 四, "行政复议、行政诉讼0件" = both zero.
    The first statement of each kind counts (later ones are usually breakdowns)."""
    # the tables stage and the checks stage ask for the same document's facts in turn (a batch of
    # documents at a time): the answers are kept by text (the cache holds the text, so its id is
    # not reused) and checked against every figure field read here
    key = [(f.get("unit"), f.get("approximate"), f.get("start"), f.get("end"), _exactly(f.get("value")), f.get("text"))
           for f in figures]
    hit = _FACTS_CACHE.get(id(text))
    if hit is not None and hit[0] is text and hit[1] == key:
        return list(hit[2])
    out = _prose_facts(text, figures)
    if len(_FACTS_CACHE) >= 128:
        _FACTS_CACHE.clear()
    _FACTS_CACHE[id(text)] = (text, key, out)
    return list(out)


def _exactly(v):
    """A value as the cache compares it: 1, 1.0 and -0.0 are equal numbers but print apart."""
    return v if type(v) is int else (type(v), repr(v))


def _clause(text: str, n: int, s: int, e: int) -> tuple[int, int]:
    """The clause around text[s:e]: back to a stop (at most 40 characters), on to one (24)."""
    if 0 <= s <= n and 0 <= e <= n:
        lo = max(0, s - 40)
        m = _STOP_RE.search(text[lo:s][::-1])  # the nearest stop before s
        hi = min(n, e + 24)
        m2 = _STOP_RE.search(text, e, hi)
        return (s - m.start() if m else lo), (m2.start() if m2 else hi)
    a = s
    while a > 0 and s - a < 40 and text[a - 1] not in _CLAUSE_STOP:
        a -= 1
    b = e
    while b < n and b - e < 24 and text[b] not in _CLAUSE_STOP:
        b += 1
    return a, b


def _service_hall(figure: dict) -> bool:
    sentence = figure.get("text") or ""
    return "公开" not in sentence and bool(_SERVICE_HALL.search(sentence))


def _prose_facts(text: str, figures: list[dict]) -> list[Fact]:
    out: list[Fact] = []
    seen: set[str] = set()
    n = len(text)
    for f in figures:
        unit = f.get("unit")
        if unit not in ("件", "条") or f.get("approximate"):
            continue
        s, e = f["start"], f["end"]
        a, b = _clause(text, n, s, e)
        before, after = text[a:s], text[e:b]
        if text[s:s + 1] in "一两" or before[-1:] in ("每", "逐", "单"):  # "每一件申请" is no count
            continue
        if _NOT_COUNT_CONTEXT.search(before[-4:]) or _NOT_COUNT_AFTER.match(after):
            continue
        value = f["value"]
        if unit == "件" and _BOTH.search(before[-12:]) and value == 0:
            for rule in ("prose.review_total", "prose.litigation_total"):
                if rule not in seen:
                    seen.add(rule)
                    out.append(Fact(rule, 0, s, e, text[a:b]))
            continue
        for rule, pat, after_pat in _RULES_FOR_UNIT[unit]:
            if not (pat.search(before) or (after_pat is not None and after_pat.search(after))):
                continue
            if rule == "prose.applications_answered" and (_NOT_ANSWER_BEFORE.search(before[-10:])
                                                           or not _ABOUT_APPLICATIONS.search(f.get("text") or "")
                                                           or _OTHER_CHANNEL.search(f.get("text") or "")):
                continue
            if rule in ("prose.review_total", "prose.litigation_total") and _NOT_TOTAL_BEFORE.search(before):
                continue
            if rule == "prose.applications_received" and _NOT_RECEIVED_BEFORE.search(before[-8:]):
                continue
            if rule in ("prose.applications_received", "prose.applications_answered") and _service_hall(f):
                continue
            if rule == "prose.review_total" and "诉讼" in before[-4:]:
                continue
            with_carried = rule == "prose.applications_received" and bool(
                _WITH_CARRIED.search(text[a:min(n, b + 12)]))
            if rule not in seen:
                seen.add(rule)
                out.append(Fact(rule, value, s, e, text[a:b], with_carried))
            break
    return out
