"""Key figures told in the prose: "累计主动公开政府信息264条" → 主动公开政府信息 = 264 条.

Numbers are matched on characters, not tokens: jieba splits "2020年本单位" into 年本, so a
token-level number pattern would miss spans that straddle a token border.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_UNITS = ("万人次", "人次", "批次", "万元", "亿元", "元", "条", "件", "篇", "场", "次", "个", "份", "期", "项",
          "家", "户", "名", "人", "部", "台", "天", "小时", "余条", "%", "％")
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
# The lookahead names every character a match can start with: sre then fails at once at any
# other character instead of trying the optional prefix there (a third faster).
_NUMBER = re.compile(
    rf"(?=[近约超逾\d{_CN_DIGITS}])"
    rf"(?P<approx>近|约|超过|逾)?(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|[{_CN_DIGITS}]+)"
    rf"\s*(?P<mult>万|亿|千)?\s*(?P<more>余|多)?\s*(?P<unit>{_UNIT_RE})"
)
_SENTENCE_END = "。!?！？;；\n"
_SENTENCE_END_CHAR = re.compile(f"[{_SENTENCE_END}]")
_THROUGH_LAST_END = re.compile(f".*[{_SENTENCE_END}]", re.S)  # greedy: backs up to the last end
_ARTICLE_UNITS = frozenset(("个", "项", "名", "人", "部", "天"))
_CLAUSE_BREAK = re.compile(r"[,，。;；:：、()（）\s“”\"《》]")
_NAME_PREFIX = re.compile(
    r"^(?:(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年度?|截至\S*?[,，]?|全年|本年度?|今年|上年|年内|当年"
    r"|[我本全][区县市局委办镇街乡厅所站中心单位机关部门]+|截至目前|目前|共计?|累计|其中|已|合计|总计|均|通过|在|了|有|向社会)+"
)
_LINE_BREAK = re.compile(r"\s*\n\s*")


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    text: str  # the sentence
    start: int  # offsets of the number and unit in the document text
    end: int
    approximate: bool = False

    def as_dict(self) -> dict:
        value = int(self.value) if float(self.value).is_integer() else self.value
        return {"name": self.name, "value": value, "unit": self.unit, "text": self.text, "start": self.start,
                "end": self.end, "approximate": self.approximate}


@lru_cache(maxsize=8192)  # the same few numerals recur in every report, and cn2an is slow
def parse_number(raw: str) -> float | None:
    raw = raw.replace(",", "")
    try:
        return float(raw)
    except ValueError:
        pass
    if raw in ("万", "亿", "千", "百"):
        return None
    try:
        import cn2an

        return float(cn2an.cn2an(raw.replace("〇", "零").replace("两", "二"), "smart"))
    except Exception:  # cn2an raises plain ValueError/KeyError on malformed numerals
        return None


def sentence_bounds(text: str, i: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentence around offset i, within [lo, hi) cut after each sentence end: from past the
    last end before i to past the first one from i on (the edges where there is none)."""
    before = _THROUGH_LAST_END.match(text, lo, i)
    after = _SENTENCE_END_CHAR.search(text, i, hi)
    return before.end() if before else lo, after.end() if after else hi


def _name_before(text: str, start: int, sent_start: int) -> str:
    pieces = _CLAUSE_BREAK.split("".join(text[sent_start:start].split()))  # no whitespace, then clauses
    name = pieces[-1]
    if not name and len(pieces) > 1:
        name = pieces[-2]
    return _NAME_PREFIX.sub("", name)[-16:]


def extract_figures(text: str, regions: list[tuple[int, int]]) -> list[Figure]:
    """Figures inside the given (start, end) prose regions of `text`."""
    out: list[Figure] = []
    for lo, hi in regions:
        s = e = lo  # the sentence of the last figure in this region; matches come in order
        sentence = ""
        for m in _NUMBER.finditer(text, lo, hi):
            approx, raw, mult, more, unit = m.groups()
            if len(raw) == 1 and raw in _CN_DIGITS and unit in _ARTICLE_UNITS:
                # "一个" / "一项" are articles far more often than counts.
                continue
            start = m.start()
            prev = text[start - 1] if start > lo else ""
            if prev.isdigit() or prev == "." or prev == "第":  # the tail of a longer number; 第3条 ranks
                continue
            value = parse_number(raw)
            if value is None:
                continue
            unit = unit.replace("％", "%")
            if mult == "万" and unit != "元":
                value *= 10_000
            elif mult == "万":
                unit = "万元"
            elif mult == "亿":
                value *= 100_000_000
            elif mult == "千":  # "3千余篇" (after Chinese numerals 千 is part of the number)
                value *= 1_000
            if start >= e:  # not inside the last figure's sentence
                s, e = sentence_bounds(text, start, lo, hi)
                sentence = text[s:e]
                sentence = (_LINE_BREAK.sub("", sentence) if "\n" in sentence else sentence).strip()
            name = _name_before(text, start, s)
            out.append(Figure(name, value, unit, sentence, start, m.end(), bool(approx or more)))
    return out
