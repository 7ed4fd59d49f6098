"""Paragraphs of the prose, and the problems / improvements items.

Paragraph borders come from line breaks where the source has them, from re-joined lines
where a PDF wrapped them at a fixed width, and from sub-heading markers ((一) 1. (1))
where a crawler collapsed the body onto one line. Sub-headings alone are kept apart as
headings: the narrative is what gets classified.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .outline import TABLE_KINDS, Outline

_TERMINATORS = "。！？!?；;"
_CLOSERS = "”\"’』」)）"
_ENDINGS = _TERMINATORS + _CLOSERS
# The first character is matched on its own, then the rest of whichever marker it starts (told by
# looking back at it): a pattern that opens with one character class lets sre skip to those.
_MARKER = re.compile(
    r"[(（\d一二三四五六七八九十①-⑳](?:"
    r"(?<=[(（])(?:[一二三四五六七八九十]{1,3}|\d{1,2})[)）]"  # (一) (1)
    r"|(?<=\d)(?<![\d.]\d)\d?[.．、](?![\d%])"  # 1. 2、 (no digit or point before)
    r"|(?<=[一二三四五六七八九十])[一二三四五六七八九十]{0,2}、"  # 一、
    r"|(?<=[①-⑳]))"
)
_NOT_MARKER_BEFORE = "第条款项和及与或、"
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGIT = re.compile(r"\d")
_TERMINATOR_RE = re.compile(f"[{_TERMINATORS}]")
_PROSE_PUNCT = re.compile(r"[,，。:：;；]")
_LINE_BREAK = re.compile(r"\s*\n\s*")


@dataclass
class Paragraph:
    text: str
    start: int
    end: int
    section: str | None  # section kind; None for the preamble
    is_heading: bool = False
    spans: list[dict] = field(default_factory=list)


def _is_table_line(line: str) -> bool:
    s = line.strip()
    if not s:
        return True
    if _PIPE_ROW.match(s):
        return True
    if not _CJK.search(s):
        return True
    if _PROSE_PUNCT.search(s):
        return False  # prose punctuation (contact lines carry digits too)
    # Rows such as "行政许可 0 0 0" or "一、本年新收…数量640020470".
    digits = len(_DIGIT.findall(s))
    return digits >= 3 and digits > 0.25 * len(s.replace(" ", ""))


def _wrapped_width(lines: list[str]) -> int | None:
    """The fixed line width of a PDF text layer, or None when lines are real paragraphs.
    `lines`: the prose lines, stripped, none empty."""
    lengths = [n for n in map(len, lines) if n >= 18]
    if len(lengths) < 6:
        return None
    common, count = Counter(lengths).most_common(1)[0]
    near = sum(1 for n in lengths if abs(n - common) <= 3)
    if near < 0.4 * len(lengths):
        return None
    unterminated = sum(1 for line in lines if line[-1] not in _ENDINGS)
    if unterminated >= 0.3 * len(lines):
        return max(n for n in lengths if abs(n - common) <= 3)
    return None


def wrapped_width(text: str) -> int | None:
    return _wrapped_width([line for _, _, line in filter(None, _lines(text, 0, len(text)))])


def _lines(text: str, start: int, end: int) -> list[tuple[int, int, str] | None]:
    """The lines of text[start:end], stripped, with their spans (start, end, line); None for a
    blank line or a table row, where a paragraph breaks."""
    lines: list[tuple[int, int, str] | None] = []
    pos = start
    for raw in text[start:end].split("\n"):
        s = pos
        pos += len(raw) + 1
        line = raw.strip()
        if not line or _is_table_line(line):
            lines.append(None)
            continue
        s += len(raw) - len(raw.lstrip())
        lines.append((s, s + len(line), line))
    return lines


def _join_lines(text: str, lines: list[tuple[int, int, str] | None], width: int | None) -> list[tuple[int, int]]:
    """(start, end) spans of the physical paragraphs of `lines` (see _lines)."""
    paras: list[tuple[int, int]] = []
    cur_s = cur_e = -1  # the paragraph being read, or -1
    last = ""  # its last line
    for ln in lines:
        if ln is None:  # a break
            if cur_s >= 0:
                paras.append((cur_s, cur_e))
                cur_s = -1
            continue
        s, e, line = ln
        if cur_s < 0:
            cur_s, cur_e = s, e
        elif width and _continues(text[cur_s:cur_e], line, width, last):
            cur_e = e
        else:
            paras.append((cur_s, cur_e))
            cur_s, cur_e = s, e
        last = line
    if cur_s >= 0:
        paras.append((cur_s, cur_e))
    return paras


def _continues(para: str, line: str, width: int, prev_line: str) -> bool:
    """In a wrapped text layer, does `line` continue the paragraph whose last line is `prev_line`?"""
    if _MARKER.match(line.strip()):
        return False
    prev = prev_line.strip()
    ends = prev[-1] in _TERMINATORS or (prev[-1] in _CLOSERS and len(prev) > 1 and prev[-2] in _TERMINATORS)
    if not ends:
        # A short unterminated line stands alone (a heading); a long one wrapped.
        return len(prev) >= 0.75 * width or len(para) > len(prev)
    return len(prev) >= width - 1  # a full line ending in 。 is usually mid-paragraph


def _split_markers(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Split a paragraph before sub-heading markers that start a new unit."""
    cuts = [s]
    for m in _MARKER.finditer(text, s, e):
        i = m.start()
        if i == s:
            continue
        j = i - 1
        while j > s and text[j] in " \t\n":
            j -= 1
        prev = text[j]
        if prev in _NOT_MARKER_BEFORE or text[m.end():m.end() + 1] in "项款条":
            continue
        piece = text[cuts[-1]:i]
        after_terminator = prev in _TERMINATORS + ":：" or (prev in _CLOSERS and text[j - 1:j] in _TERMINATORS)
        # A short unterminated piece before a marker is a run-in heading: "（一）着力加强…工作1.围绕…".
        after_heading = "。" not in piece and len(piece.strip()) <= 40 and _MARKER.match(piece.strip() or " ")
        if m.group(0).endswith("、") and not after_terminator:
            continue
        if after_terminator or after_heading:
            cuts.append(i)
    if len(cuts) == 1:  # (most paragraphs)
        return [(s, e)] if text[s:e].strip() else []
    cuts.append(e)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if text[a:b].strip()]


def _marker_family(text: str) -> str | None:
    m = _MARKER.match(text)
    if not m:
        return None
    g = m.group(0)
    if g[0] in "(（":
        return "paren-digit" if g[1].isdigit() else "paren-cn"
    if g[0].isdigit():
        return "digit"
    return "circled" if g[0] in "①②③④⑤⑥⑦⑧⑨⑩" else "cn"


# Where problems end and their fixes begin inside one block of the problems section (after the
# sentence end a match starts with, see _cut_before).
_TRANSITION = re.compile(
    r"[。！？!?]\s*(?=下一步|针对(?:上述|以上|存在的?|这些)?(?:问题|不足)|今后|在今后的工作中|为此[,，]|"
    r"(?:19|20)\d{2}年[,，]?(?:我|本)[\u4e00-\u9fff]{0,3}将|我们将)"
)


def _cut_before(pattern: re.Pattern, text: str, s: int, e: int) -> list[tuple[int, int]]:
    """text[s:e] cut where `pattern` matches (a transition, a paragraph opener), right after the
    sentence end the match starts with. (The patterns match that character rather than look
    behind for it, so that the regex engine skips from one sentence end to the next.)"""
    cuts = [s] + [m.start() + 1 for m in pattern.finditer(text, s, e)] + [e]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if text[a:b].strip()]


# Sentences that open a paragraph of their own ("2022年，我局…", "本报告…", "根据《条例》…"). Where
# a crawler collapsed the body onto one line, the page's paragraph borders are gone; cutting
# before these keeps a preamble apart from the overview, or a fee statement apart from the
# applications it follows, which one label for the whole run cannot.
_OPENER = re.compile(
    r"[。！？!?]\s*(?=(?:19|20)\d{2}年度?[,，]|本报告|根据《|依据《|按照《|如对本报告|本年度[,，]?[我本])"
)


def _collapsed(text: str, start: int, end: int) -> bool:
    """Is the body one long line (a crawler's page text)?"""
    # A line at least half the body long holds one of the two characters in the middle.
    mid = (start + end) // 2
    for at in (mid - 1, mid):
        if start <= at < end and text[at] != "\n":
            line_start = max(start, text.rfind("\n", start, at) + 1)
            line_end = text.find("\n", at, end)
            if (end if line_end < 0 else line_end) - line_start >= 0.5 * (end - start):
                return True
    return False


def _looks_like_heading(piece: str, after_lead_in: bool = False) -> bool:
    """A sub-heading standing alone: "(三)加强学习培训,提高工作水平。", "(一)主要问题".

    Not a heading: a list item ("1.队伍建设有待加强；"), nor anything after a lead-in
    that ends with a colon ("存在以下问题：")."""
    p = piece.strip()
    if not p:
        return True
    if p[-1] in "；;，," or after_lead_in:
        return False
    if _MARKER.match(p):
        return len(p) <= 32 and not _TERMINATOR_RE.search(p, 0, len(p) - 1)  # one sentence
    return len(p) <= 20 and p[-1] not in _ENDINGS


_TABLE_VOCAB = re.compile(r"勾稽关系|区分处理的|申请人情况|法人或其他组织|信息内容|第二十条第|结果维持|尚未审结|计量单位|指标名称")


def _prose_like(piece: str) -> bool:
    """Narrative inside a table section (a sentence before or after the table)."""
    p = piece.strip()
    return len(p) >= 16 and p[-1] in "。" and not _is_table_line(p) and not _TABLE_VOCAB.search(p)


def split_paragraphs(text: str, outline: Outline) -> list[Paragraph]:
    regions: list[tuple[int, int, str | None]] = []
    first = outline.sections[0].start if outline.sections else outline.body_end
    pre_start = max(outline.title_end, outline.body_start)
    if first > pre_start:
        regions.append((pre_start, first, None))
    for sec in outline.sections:
        regions.append((sec.body_start, sec.end, sec.kind))
    table_sections = TABLE_KINDS if outline.generation in ("2019", "2021") else {"statistics"}
    out: list[Paragraph] = []
    families: list[str | None] = []  # the marker family of each paragraph in `out`
    last: dict[str | None, Paragraph] = {}  # section kind -> its last paragraph so far
    last_of_family: dict[tuple[str | None, str], Paragraph] = {}  # (kind, marker family) -> its last paragraph
    # a table section without a sentence: nothing in it is kept (see below)
    region_lines = [None if kind in table_sections and text.find("。", rs, re_) < 0 else _lines(text, rs, re_)
                    for rs, re_, kind in regions]
    # The wrap width is read off the prose only: table labels have lengths of their own.
    width = _wrapped_width([ln[2] for (_, _, kind), lines in zip(regions, region_lines, strict=True)
                            if kind not in table_sections for ln in lines if ln])
    collapsed = _collapsed(text, outline.body_start, outline.body_end)
    for (_, _, kind), lines in zip(regions, region_lines, strict=True):
        if lines is None:
            continue
        in_table = kind in table_sections
        for ps, pe in _join_lines(text, lines, width):
            if in_table and text.find("。", ps, pe) < 0:
                continue  # only prose (a piece ending in 。) is kept from a table section
            pieces = _split_markers(text, ps, pe)
            if kind == "problems_improvements":
                pieces = [q for a, b in pieces for q in _cut_before(_TRANSITION, text, a, b)]
            elif collapsed:  # not where problems are: each paragraph there is an item
                pieces = [q for a, b in pieces for q in _cut_before(_OPENER, text, a, b)]
            for a, b in pieces:
                raw = text[a:b]
                clean = (_LINE_BREAK.sub("", raw) if "\n" in raw else raw).strip()
                if not _CJK.search(clean):
                    continue
                if in_table and not _prose_like(clean):
                    continue
                prev = last.get(kind)
                in_list = prev is not None and not prev.is_heading and prev.text[-1] in ":：；;" or \
                    (prev is not None and prev.text[-1] in ":：")
                family = _marker_family(clean)
                sibling = last_of_family.get((kind, family)) if family else None
                # "2.…" after a "1.…" that was prose is an item too; not after a run-in heading
                # with its lead-in ("（一）存在的不足…存在以下不足：" then 1. 2.), whose marker
                # numbers a part, so that "（二）下一步工作打算" is the next part's heading
                if sibling is not None and not sibling.is_heading and sibling.text[-1] not in ":：":
                    in_list = True
                p = Paragraph(clean, a, b, kind, is_heading=_looks_like_heading(clean, in_list))
                out.append(p)
                families.append(family)
                last[kind] = p
                if family:
                    last_of_family[kind, family] = p
    _headings_without_bodies_are_items(out, families)
    return out


def _headings_without_bodies_are_items(paragraphs: list[Paragraph], families: list[str | None]) -> None:
    """Short numbered lines one after another with nothing under them ("1.信息发布不够及时。"
    "2.政策解读形式单一。") are a list, not sub-headings: a heading has text of its own below it.
    `families`: the marker family of each paragraph."""
    k = 0
    while k < len(paragraphs):
        p = paragraphs[k]
        family = families[k] if p.is_heading else None
        end = k + 1
        while (family and end < len(paragraphs) and paragraphs[end].is_heading
               and paragraphs[end].section == p.section and families[end] == family):
            end += 1
        if end - k >= 2 and family:
            for q in paragraphs[k:end]:
                if q.text[-1] in _TERMINATORS:  # a sentence, not a title ("（一）存在的问题")
                    q.is_heading = False
        k = end
    # A numbered sentence with no text of its own under it is the first item of a list: its
    # sibling follows as prose ("1.信息发布不够及时。" then "2.政策解读形式单一，…。"), or the
    # next part's heading does ("（二）改进措施").
    for k, p in enumerate(paragraphs):
        if not p.is_heading or p.text[-1] not in _TERMINATORS:
            continue
        family = families[k]
        if family is None:
            continue
        nxt = paragraphs[k + 1] if k + 1 < len(paragraphs) and paragraphs[k + 1].section == p.section else None
        if nxt is None:
            continue
        nxt_family = families[k + 1]
        if (nxt.is_heading and nxt_family not in (None, family)) or (not nxt.is_heading and nxt_family == family):
            p.is_heading = False


# ---------------------------------------------------------------- items

# 一是 may follow a run-in heading directly ("(二)下一步工作打算一是…"); later ones follow punctuation.
# (The leading lookaheads name the first characters, as in _MARKER.)
_ENUM = re.compile(r"(?=[一二三四五六七八九十首其再最第])"
                   r"(?:一是|(?:^|(?<=[。；;，,：:\s]))(?:[二三四五六七八九十]是|首先|其次|再次|最后|第[一二三四五六七八九十]，))")
_ITEM_MARKER = re.compile(r"(?=[(（\d])(?:^|(?<=[。；;：:\s]))(?:[(（][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[.．、](?!\d))")
_PROBLEM_WORDS = re.compile(
    r"有待|不够|不足|不强|差距|难以|不高|欠缺|有限|不到位|薄弱|滞后|单一|不多|不深|较少|不全面|不及时|不规范|不完善|不平衡"
    r"|待加强|待提高|待提升|还需|仍需|需进一步|需要进一步|未能|尚未|不熟悉|不精|偏少|不一"
)
_INTRO = re.compile(r"取得(?:了)?(?:一定|较好|明显)?(?:的)?成效|运行(?:状况|情况)?良好|但(?:仍|还)?存在(?:一些|一定|以下)?(?:不足|差距|问题)[。:：]?$")
_GOAL_CLAUSE = re.compile(r"^(?:推动|促进|确保|力争|努力|使|让|为|以)")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？!?])", text) if s.strip()]


def _split_enumerated(text: str) -> list[str] | None:
    level = _marker_level(text)
    if level and not _names_the_part(text):
        # a numbered item: only its siblings ("（一）…（二）…" run together) start items; its
        # own points (1.… / 一是…) belong to it
        return _cut(text, [m.start() for m in _ITEM_MARKER.finditer(text) if _marker_level(text[m.start():]) == level])
    for pattern in (_ENUM, _ITEM_MARKER):
        hits = [m.start() for m in pattern.finditer(text)]
        if len(hits) >= 2 or (len(hits) == 1 and hits[0] == 0):
            return _cut(text, hits)
    return None


def _cut(text: str, hits: list[int]) -> list[str]:
    return [text[a:b].strip(" ；;。，,") for a, b in zip(hits, hits[1:] + [len(text)], strict=False)]


def itemize(texts: list[str], kind: str) -> list[str]:
    """Items of a problems or improvements part, given its paragraphs (or spans) in order.

    A paragraph with enumerators (一是… / (1)… / 1.…) gives one item per enumerator; a lead-in
    ending in a colon gives none; any other paragraph is one item. A part that is a single
    unenumerated paragraph is split by its own structure (；-lists, 、-lists of shortcomings,
    the comma clauses of a one-sentence plan)."""
    texts = [t.strip() for t in texts if t and t.strip()]
    if not texts:
        return []
    if len(texts) == 1:
        enumerated = _split_enumerated(texts[0])
        if not enumerated:
            return _itemize_single(texts[0], kind)
        # one run-in sub-heading, "（一）存在的主要问题：A。B。": what follows it is unenumerated
        body = _RUN_IN_HEADING.sub("", texts[0], count=1)
        if len(enumerated) == 1 and body != texts[0] and body.strip():
            return _itemize_single(body.strip(), kind)
    items: list[str] = []
    texts = _nest_sub_items(texts)
    enumerated = [_split_enumerated(text) for text in texts]
    enumerated_at = [k for k, e in enumerate(enumerated) if e]
    for k, text in enumerate(texts):
        if text[-1] in ":：":
            continue  # a lead-in: "…存在以下问题："
        if enumerated_at and k < enumerated_at[0] and (_LEAD_IN.match(text) or _ANNOUNCES_LIST.search(text)):
            continue  # a lead-in without its colon: "针对上述问题，我县…推动工作再上新台阶；" then 一是…
        if enumerated_at and k > enumerated_at[-1] and _STATUS.match(text) and not _PLAN.search(text):
            continue  # a closing word on where the listed work stands ("目前，…正在有序进行中。"): no measure
        if enumerated[k]:
            items.extend(_strip_marker(i) for i in enumerated[k] if len(i) >= 4)
        else:
            items.append(_strip_marker(text))
    return [i for i in items if i]


def _marker_level(text: str) -> int:
    """Outline level of the marker a text starts with: （一） 1, 1./1、 2, （1） 3; 0 for none."""
    m = _LEVEL_MARKER.match(text)
    if m is None:
        return 0
    return 1 if m.group(1) else 2 if m.group(2) else 3


def _nest_sub_items(texts: list[str]) -> list[str]:
    """Paragraphs numbered one level below the item before them ("（三）规范公开行为" then
    "1、…" "2、…") are that item's sub-points: a reader counts （三） once. A part sub-heading
    in prose ("（二）改进措施。") is no item and keeps the points under it."""
    out: list[str] = []
    parent = 0  # level of the item the paragraphs that follow may belong to
    for text in texts:
        level = _marker_level(text)
        if out and parent and level > parent:
            out[-1] = out[-1] + text
            continue
        out.append(text)
        # an item that ends announcing a list ("…重点做好以下工作：") hands its points on as items
        parent = level if level and not _names_the_part(text) and text[-1] not in ":：" else 0
    return out


def _names_the_part(text: str) -> bool:
    """"（二）改进措施：…", "（一）存在的主要问题。": the marker heads the part, not one item."""
    title = _ITEM_TITLE.match(_LEVEL_MARKER.sub("", text, count=1))
    return bool(title and _PART_WORDS.search(title.group(0)))


def _itemize_single(text: str, kind: str) -> list[str]:
    items = _single_items(text, kind)
    if kind == "problems" and items:
        items[0] = _drop_lead_in(items[0])
    return items


def _drop_lead_in(item: str) -> str:
    """The first shortcoming without the sentence that leads to it ("…取得了一定成效，但仍存在
    一些不足，如：X有待加强" -> "X有待加强")."""
    m = _PROBLEM_LEAD_IN.match(item) or _EXAMPLE_OPENER.match(item)
    return item[m.end():] if m and len(item) - m.end() >= 4 else item


def _single_items(text: str, kind: str) -> list[str]:
    parts = [p for p in re.split(r"[；;]", text) if len(p.strip(" 。")) >= 6]
    if len(parts) >= 2:
        return [_strip_marker(p.strip(" 。")) for p in parts]
    if kind == "problems":
        items: list[str] = []
        sentences = _sentences(text)
        for sent in sentences:
            pieces = sent.split("、")
            # A 、-list of shortcomings: every piece names one (the first from its last clause on).
            heads = [re.split(r"[,，]", pieces[0])[-1]] + pieces[1:]
            if len(pieces) >= 2 and all(len(p) >= 5 and "," not in p and "，" not in p and _PROBLEM_WORDS.search(p)
                                        for p in heads):
                items.extend(p.strip(" 。") for p in [pieces[0]] + pieces[1:])
            elif _INTRO.search(sent) and len(sentences) > 1:
                continue
            else:
                items.append(sent.strip(" 。"))
        return [_strip_marker(i) for i in items]
    # An improvements plan in one sentence: its comma clauses after the lead-in are the measures.
    sentences = _sentences(text)
    if len(sentences) == 1:
        lead = re.search(r"(?:将|要|拟|计划|继续)", text)
        body = text[lead.end():] if lead and lead.start() < 30 else text
        clauses = [c.strip(" 。") for c in re.split(r"[，,]", body) if len(c.strip(" 。")) >= 4]
        if len(clauses) >= 3 and _GOAL_CLAUSE.match(clauses[-1]):
            clauses = clauses[:-1]
        if len(clauses) >= 3:
            return clauses
    return [_strip_marker(s.strip(" 。")) for s in sentences]


_LEAD_IN = re.compile(r"(?:针对(?:上述|以上|存在的?|这些)|下一步|今后|下阶段|为此|对此)")
# "…着重落实如下几项举措。": a sentence that announces the list after it
_ANNOUNCES_LIST = re.compile(r"(?:如下|以下)[^。；;，,]{0,10}[。:：；;]?$")
_RUN_IN_HEADING = re.compile(r"^[(（][一二三四五六七八九十][)）][^:：。,，]{0,14}[:：]")
_LEVEL_MARKER = re.compile(r"^\s*(?:([(（][一二三四五六七八九十]{1,2}[)）])|(\d{1,2}[.．、](?!\d))|([(（]\d{1,2}[)）]))")
_ITEM_TITLE = re.compile(r"[^。:：，,；;]{1,20}")
_PART_WORDS = re.compile(r"问题|不足|短板|差距|改进|措施|整改|打算|计划|下一步|方向|思路")
# a paragraph on the present state of things, not a step to take
_STATUS = re.compile(r"(?:目前|截至目前|截止目前|当前|现阶段|现已)")
# "…，但仍存在一些不足，如：" / "主要问题表现在："; what follows is the first shortcoming
_PROBLEM_LEAD_IN = re.compile(
    r"^[^。；;]*?(?:(?:但|然而|不过)[^。；;，,]{0,4}?存在着?(?:一些|一定的?|以下|如下|诸多)?(?:不足|问题|短板|差距)?(?:之处)?"
    r"|(?:问题|不足|短板|差距|表现)[^。；;，,:：]{0,6}?[:：])[，,]?(?:(?:如|例如|主要(?:是|表现在|体现在|有))[:：，,]?)?")
_EXAMPLE_OPENER = re.compile(r"^(?:例如|比如|如)(?![何期实])[:：，,]?")
_PLAN = re.compile(r"将|要|拟|计划|下一步|今后|继续|进一步|持续")


_ITEM_START = re.compile(r"^(?:[一二三四五六七八九十]是|[(（][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[.．、])\s*")


def _strip_marker(item: str) -> str:
    item = _RUN_IN_HEADING.sub("", item.strip())
    return _ITEM_START.sub("", item).strip(" ；;。")
