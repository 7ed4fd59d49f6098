"""Themes: the campaigns, platforms and slogans a report names.

Three sources, each kept with its kind: names in quotes or book-title marks (laws,
regulations and notices filtered out), a domain lexicon matched with spaCy's PhraseMatcher
over our segmenter, and TF-IDF keywords scored with an IDF table built from our own corpus.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache
from operator import itemgetter
from pathlib import Path

from . import segment
from .figures import sentence_bounds

DATA = Path(__file__).parent / "data"
LEXICON_PATH = DATA / "themes_lexicon.txt"
IDF_PATH = DATA / "idf.txt"

# A name in quotes (group 1) or in book-title marks (group 2). Starting with one character class
# (the opening mark, which the lookbehinds then tell apart) lets sre skip to the opening marks
# instead of trying both alternatives at every position (twice as fast).
_QUOTED = re.compile(r"[“\"「『《](?:(?<=[“\"「『])([^”\"」』\n]{2,24})[”\"」』]|(?<=《)([^》\n]{2,30})》)")
# Titles of laws, regulations, notices and reports are documents, not themes.
_DOCUMENT_TITLE = re.compile(
    r"(?:条例|办法|规定|法|通知|意见|决定|方案|规划|细则|指南|公告|函|纲要|标准|规则|制度|目录|报告|要点|批复|清单|决议"
    r"|讲话|精神|指引|措施|实施|守则|章程|准则|汇编|白皮书)$|^关于|〔|\[\d{4}\]"
)
_GENERIC = {
    "政府信息公开", "依申请公开", "政务公开", "主动公开", "信息公开", "政府信息", "政府网站", "政务新媒体",
    "三安全一稳定", "本年增/减", "条例", "办法", "以下简称", "公开", "政策解读", "环境保护", "证明事项清单",
}
_STOPWORDS = set(
    "的 了 和 与 及 等 在 对 为 是 将 把 被 并 或 也 都 又 其 之 以 于 由 从 向 中 上 下 年 月 日 个 件 条 次 我 本 "
    "目前 全体 全区 全县 全市 全镇 各部 进行 开展 有关 相关 以及 其中 通过 一是 二是 三是 十九 方面 情况 工作".split()
)


@cache
def lexicon() -> tuple[str, ...]:
    words = []
    for line in LEXICON_PATH.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line)
    return tuple(words)


@cache
def idf_table() -> tuple[dict[str, float], float]:
    table: dict[str, float] = {}
    if IDF_PATH.exists():
        for line in IDF_PATH.read_text(encoding="utf-8").splitlines():
            parts = line.split(" ")
            if len(parts) == 2:
                table[parts[0]] = float(parts[1])
    median = sorted(table.values())[len(table) // 2] if table else 10.0
    return table, median


@cache
def _nlp():
    """A blank Chinese spaCy pipeline on our segmenter, with the theme lexicon as a PhraseMatcher."""
    from spacy.matcher import PhraseMatcher

    from .spacy_tokenizer import blank_pipeline

    nlp = blank_pipeline()
    matcher = PhraseMatcher(nlp.vocab)
    matcher.add("THEME", [nlp.make_doc(w) for w in lexicon()])
    return nlp, matcher


def warm() -> None:
    """Build the spaCy pipeline and read the tables now (about a second, once per process)."""
    _nlp()
    idf_table()


def quoted_names(text: str) -> Counter:
    found: Counter = Counter()
    for m in _QUOTED.finditer(text):
        name = (m.group(1) or m.group(2) or "").strip()
        if not name or name in _GENERIC or _DOCUMENT_TITLE.search(name):
            continue
        if re.fullmatch(r"[\d\W_]+", name) or len(name) > 24:
            continue
        found[name] += 1
    return found


@cache
def _any_lexicon_phrase() -> re.Pattern:
    # every alternative starts with a literal character, so sre skips to those characters
    return re.compile("|".join(map(re.escape, lexicon())) or "(?!)")


def lexicon_hits(text: str) -> Counter:
    """Lexicon phrases: a character scan finds candidates, spaCy's PhraseMatcher confirms them
    on token borders in the sentences that hold them (building a Doc of the whole report costs
    ~1.5 ms, of those sentences a few µs)."""
    hits: Counter = Counter()
    if not _any_lexicon_phrase().search(text):  # one scan, where most reports name none
        return hits
    candidates = [w for w in lexicon() if w in text]
    nlp, matcher = _nlp()
    # The sentences (text cut after each sentence end) holding a candidate, in text order; a
    # phrase holds no sentence end, so each occurrence lies inside one.
    spans = set()
    for word in candidates:
        at = text.find(word)
        while at >= 0:
            span = sentence_bounds(text, at, 0, len(text))
            spans.add(span)
            at = text.find(word, span[1])
    sentences = [text[start:end] for start, end in sorted(spans)]
    for doc in nlp.pipe(sentences):
        for _, start, end in matcher(doc):
            hits[doc[start:end].text] += 1
    # The segmenter may cut a phrase differently in context; the character match stands then.
    for word in candidates:
        if word not in hits:
            hits[word] = text.count(word)
    return hits


_MIN_IDF = 1 + math.log(4)
_WORDLIKE = re.compile(r"[\u4e00-\u9fff]{2,}")


def keywords(text: str, top: int = 5) -> list[tuple[str, float]]:
    counts = Counter(segment.cut(text))
    weight = _keyword_weight
    tf = _SUBLINEAR_TF
    scored = []
    for w, c in counts.items():
        idf = weight.get(w, _UNSEEN)
        if idf is _UNSEEN:
            if len(weight) > 500_000:  # bound a long-lived worker's memory
                weight.clear()
            idf = weight[w] = _idf_if_keyword(w)
        if idf is not None:
            scored.append((w, (tf[c] if c < len(tf) else 1 + math.log(c)) * idf))
    # best first; the sort is stable, so among equal scores the first-seen word stays first
    scored.sort(key=itemgetter(1), reverse=True)
    return [(w, round(sc, 4)) for w, sc in scored[:top]]


# 1 + log(count), the sublinear term frequency, for the counts most words have
_SUBLINEAR_TF = [0.0] + [1 + math.log(c) for c in range(1, 64)]


# A token's keyword weight depends on the token alone: worked out once per process (the
# vocabulary of these reports is small), which saves most of this stage's per-token work.
_UNSEEN = object()
_keyword_weight: dict[str, float | None] = {}


def _idf_if_keyword(token: str) -> float | None:
    """The token's IDF when it can be a keyword, else None."""
    if len(token) < 2 or token in _STOPWORDS or not _WORDLIKE.fullmatch(token):
        return None
    table, median = idf_table()
    idf = table.get(token, median)
    # Words found in more than ~a quarter of our corpus (工作, 公开, 本年) say nothing about this report.
    return idf if idf >= _MIN_IDF else None


def extract_themes(text: str, prose: str | None = None) -> list[dict]:
    """Themes of a report: `text` is the whole body (names are quoted in headings and tables
    too); keywords are scored on `prose`, the narrative paragraphs, when given."""
    out: list[dict] = []
    seen: set[str] = set()
    for name, count in quoted_names(text).most_common():
        out.append({"text": name, "kind": "quoted", "count": count})
        seen.add(name)
    for name, count in lexicon_hits(text).most_common():
        if not any(name in s or s in name for s in seen):
            out.append({"text": name, "kind": "lexicon", "count": count})
            seen.add(name)
    for word, score in keywords(prose if prose is not None else text):
        if not any(word in s for s in seen):  # "办实事" says less than the listed “我为群众办实事”
            out.append({"text": word, "kind": "keyword", "count": text.count(word), "score": score})
            seen.add(word)
    return out


def build_idf(texts: list[str]) -> dict[str, float]:
    """IDF in jieba.analyse's file format (word idf), from documents we wrote ourselves."""
    df: Counter = Counter()
    for t in texts:
        df.update(set(segment.cut(t)))
    n = len(texts)
    return {w: round(math.log((n + 1) / (c + 1)) + 1, 4) for w, c in df.items() if len(w) >= 2}
