"""Readers that turn one table, in whatever layout it arrived, into cells with evidence.

Two shapes of input:

* cell rows — a real grid (HTML/DOCX, a PDF table finder) or pipe rows in text
  (`| 一、本年新收… | 3 |  | 0 |`, with or without the outer pipes). A row is its label cells
  and the numeric cells after the last label; an empty cell there is a printed 0.
* a stream — any other text: one cell per line (web pages), rows flattened to numbers (PDF
  text layers, where labels wrap, come after their numbers or are interleaved with the
  one-character lines of a vertical merged label), columns emitted one after another, or
  every row's digits glued together. Row labels are found by short keywords on the text
  with whitespace squeezed out; the numbers are then assigned in several ways (in label
  order as one stream, column by column, run by run after or before each label) and the
  identity solver judges each assignment. The best one (fewest broken identities, fewest
  open cells) wins, so a layout is never guessed from its look alone, and a missing row
  leaves a gap instead of shifting the rows after it.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import chain, combinations

from .document import Grid
from .solver import (
    Cell,
    Choice,
    Reading,
    choose_applications,
    choose_single,
    pair_readings,
    row_readings,
)
from .table_template import (
    AD_HEADER_RE,
    AD_ROWS_2019,
    AD_ROWS_2021,
    APP_HEADER_RE,
    APP_LABEL_RES,
    APP_ORDER,
    APP_ROWS_2019,
    APP_ROWS_2021,
    APPLICATION_COLUMNS,
    BALANCE_KEYS,
    NOTE,
    OTHER_2019_RE,
    OTHER_2021_RE,
    RESULT_KEYS,
    RESULT_ROWS_2019,
    RESULT_ROWS_2021,
    REVIEW_BLOCK_LABELS,
    REVIEW_BLOCKS,
    REVIEW_HEADER_CHARS,
    STAT_GROUP_LINE_RE,
    STAT_GROUPS,
    STAT_HEADER_RE,
    STAT_UNITS,
    TOTAL_LOOSE_RE,
    TOTAL_RE,
    Squashed,
    Tok,
    int_values,
    mask_labels,
    number_value,
    plain_numbers,
    stat_key,
    tokens,
)

APP_GROUPS = ((0, 6),)
REVIEW_GROUPS = ((0, 4), (5, 9), (10, 14))

# patterns of the readers below, compiled once (re's own cache costs a lookup per call)
_FIRST_ROW = re.compile(r"一、本年度?新收|本年度?新收[^,，。;；]{0,12}(?:数量|数)")
_REVIEW_HEADER_WORD = re.compile(r"维持|纠正|审结|起诉")
_REVIEW_HEADER = re.compile(r"维\s*持|纠\s*正|审\s*结")
_REVIEW_WORD = re.compile(r"行政复议")
_LEADING_NUMBER = re.compile(r"\s*\d")
_SIGNED_GLUE = re.compile(r"\d[-+]")
_ARTICLE_20 = re.compile(r"第二十条")
_SIGNED_NUMBER_TEXT = re.compile(r"[-+\d.]+")
_CELL_SEPARATORS = re.compile(r"[\s|]+")
_STAT_HEADER_PREFIX = re.compile(r"^(?:指标名称|计量单位|本年度|历年累计|(?:19|20)\d\d年度?)+")
_STAT_THIS_YEAR_CELL = re.compile(r"statistics\.(\w+)\.this_year$")
_STAT_HEADER_WORDS = re.compile(r"指标名称|计量单位|历年累计")
_STAT_UNIT_LINE = re.compile(r"\n\s*计量单位\s*\n")
_STAT_YEAR_LINE = re.compile(r"\n\s*(?:本年度|(?:19|20)\d\d\s*年度?)\s*\n")
_STAT_CUM_LINE = re.compile(r"\n\s*(?:历年)?累计\s*\n")
_STAT_NAME_HEADER = re.compile(r"指标名称")
_STAT_CUM = re.compile(r"累计")
_STAT_UNIT = re.compile(r"计量单位|单位")
_STAT_NAME_LINE = re.compile(r"指标名称\s*\n")
_NUMBER_TEXT = re.compile(r"[\d.]+")
_ENUM_BEFORE = re.compile(r"\d\s*[.、．]\s*$")
_ENUM_INSIDE = re.compile(r"其中\s*[:：]?\s*\d\s*[.、．]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class TableRead:
    kind: str
    data: object
    evidence: dict = field(default_factory=dict)
    layout: str = ""
    outcome: str = "read"  # read | solved | ambiguous | inconsistent
    failures: int = 0  # identities broken by the kept reading
    missing: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    solutions: int = 1

    def score(self) -> tuple:
        unsure = sum(1 for e in self.evidence.values() if e["status"] in ("uncertain", "inferred"))
        return (len(self.missing), self.failures, unsure)

    def meta(self) -> dict:
        out = {"layout": self.layout, "outcome": self.outcome, "identities_failing": self.failures}
        if self.outcome in ("solved", "ambiguous"):
            out["readings_left"] = self.solutions
        if self.missing:
            out["missing"] = list(self.missing)
        return out


# ==================================================================================== cell rows

_BLANK_CELL = re.compile(r"^[\s\-—–－/／\\无]*$")
_CELL_NUMBER = re.compile(r"^\s*([-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?)\s*(?:件|条|个|万元|元|项|次)?\s*$")


class CRow:
    """A table row: its cells (text, start, end). A pipe row is kept as its line's cells at
    offset 0 and their shape (see _row_shape), both made once per line text (rows recur), with
    where the line starts; its document cells are made only when asked for."""

    __slots__ = ("_cells", "rel", "pos", "shape")

    def __init__(self, cells: list | None = None, rel: list | None = None, pos: int = 0, shape: tuple | None = None):
        self._cells = cells
        self.rel = rel  # cells at offset 0 (a pipe row), else None
        self.pos = pos  # what rel's offsets are relative to
        self.shape = shape  # _row_shape(rel), else None

    @property
    def cells(self) -> list:
        if self._cells is None:
            pos = self.pos
            self._cells = [(t, s + pos, e + pos) for t, s, e in self.rel]
        return self._cells


_CACHE_SIZE = 8192  # entries per cache of short texts (labels, cells), each at most _CACHED_TEXT_LEN long
_CACHED_TEXT_LEN = 300
_UNSEEN = object()
_BLANK = object()
_CELL_PARSE: dict = {}


def _cell_parsed(text: str):
    # the same label and note cells recur in every report of a template: parse each text once
    hit = _CELL_PARSE.get(text, _UNSEEN)
    if hit is _UNSEEN:
        hit = _parse_cell(text)
        if len(text) <= _CACHED_TEXT_LEN:
            if len(_CELL_PARSE) >= _CACHE_SIZE:
                _CELL_PARSE.clear()
            _CELL_PARSE[text] = hit
    return hit


def _parse_cell(text: str):
    """None (a label), _BLANK, or (number without commas, its offset in the cell, printed length)."""
    body = NOTE.sub(lambda m: " " * len(m.group(0)), text) if ("(" in text or "（" in text) else text
    if _BLANK_CELL.match(body):
        return _BLANK
    m = _CELL_NUMBER.match(body)
    if not m:
        return None
    raw = m.group(1)
    return raw.replace(",", ""), m.start(1), len(raw)


def _row_shape(cells: list) -> tuple[tuple, tuple, bool]:
    """(label cells, numeric tail, plain) of a row's cells: the tail is the cells after the last
    label cell, each (number text, start, end, blank): the number a cell holds (notes like
    "22(其中修订16件)" dropped), or a blank for an empty cell or a dash; plain when every tail cell
    is digits or empty. A pure function of the cells (a pipe line's are cached with it)."""
    tail = []
    plain = True
    k = len(cells)
    while k > 0:
        text, start, end = cells[k - 1]
        if text.isdigit():  # the usual cell, without the call
            tail.append((text, start, end, False))
        elif not text:
            tail.append(("", start, start, True))
        else:
            hit = _cell_parsed(text)
            if hit is None:
                break
            plain = False
            if hit is _BLANK:
                tail.append(("", start, start, True))
            else:
                raw, at, n = hit
                tail.append((raw, start + at, start + at + n, False))
        k -= 1
    tail.reverse()
    return tuple(c for c in cells[:k] if c[0].strip()), tuple(tail), plain


def split_row(row: CRow) -> tuple[list, list[Tok]]:
    """(label cells, numeric tail): the numbers after the last label cell."""
    labels, tail, _ = row.shape or _row_shape(row.cells)
    pos = row.pos
    if pos:
        return [(t, s + pos, e + pos) for t, s, e in labels], [Tok(t, s + pos, e + pos, b) for t, s, e, b in tail]
    return list(labels), [Tok(*c) for c in tail]


def grid_rows(grid: Grid, text: str | None) -> list[CRow]:
    """A grid's rows with horizontal repeats of merged cells dropped; offsets from the pipe
    rendering of the grid in the document text when it lines up."""
    lines = text[grid.start:grid.end].split("\n") if text is not None and grid.end > grid.start else []
    out = []
    line_start = grid.start
    for r, row in enumerate(grid.rows):
        shown = []
        for c, t in enumerate(row):
            if t is None:
                continue
            if c > 0 and (r, c) in grid.spans and (row[c - 1] == t or t == ""):
                continue  # covered by a merged cell (HTML repeats its text, a PDF finder leaves it empty)
            shown.append(t)
        segs = None
        if r < len(lines):
            segs = _pipe_segments(lines[r], line_start)
            line_start += len(lines[r]) + 1
        if segs is not None and len(segs) == len(shown):
            out.append(CRow([(t, s, e) for t, (_, s, e) in zip(shown, segs, strict=True)]))
        else:
            out.append(CRow([(t, grid.start, grid.start) for t in shown]))
    return out


def _pipe_segments(line: str, offset: int) -> list[tuple[str, int, int]] | None:
    if "|" not in line:
        return None
    parts = line.split("|")
    stripped = line.strip()
    pos = offset
    if len(parts) >= 3 and stripped.startswith("|") and stripped.endswith("|"):  # bounded: drop the outer parts
        pos += len(parts[0]) + 1
        parts = parts[1:-1]
    segs = []
    for raw in parts:
        body = raw.strip()
        if body:
            s = pos + raw.index(body)
            segs.append((body, s, s + len(body)))
        else:
            segs.append((body, pos, pos))
        pos += len(raw) + 1
    return segs


def pipe_rows(text: str, lo: int, hi: int) -> list[CRow] | None:
    """Pipe rows of text[lo:hi] (≥ 3 lines with a pipe), else None."""
    if text.count("|", lo, hi) < 6:
        return None
    rows = []
    pos = lo
    n_pipe = 0
    for line in text[lo:hi].split("\n"):
        if "|" in line:
            # rows recur (a row of zeros, the header rows): a line's cells are cut, and split into
            # labels and numbers, once, at offset 0 (a separator line is never cached)
            hit = _LINE_SEGMENTS.get(line)
            if hit is None:
                if _MD_SEPARATOR.match(line):
                    n_pipe += 1  # a markdown header's |---| line: a table, but no row of blank cells
                    pos += len(line) + 1
                    continue
                rel = _pipe_segments(line, 0)
                hit = (rel, _row_shape(rel) if len(rel) >= 2 else None)
                if len(line) <= _CACHED_TEXT_LEN:
                    if len(_LINE_SEGMENTS) >= _CACHE_SIZE // 4:  # a line's cells weigh more than a label
                        _LINE_SEGMENTS.clear()
                    _LINE_SEGMENTS[line] = hit
            if hit[1] is not None:
                rows.append(CRow(None, hit[0], pos, hit[1]))
                n_pipe += 1
        pos += len(line) + 1
    return rows if n_pipe >= 3 else None


_LINE_SEGMENTS: dict[str, tuple] = {}  # line -> (its cells at offset 0, their _row_shape or None)
_MD_SEPARATOR = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*(?::?-{3,}:?\s*)?$")


def cell_line_rows(text: str, lo: int, hi: int) -> list[CRow] | None:
    """One cell a line with blank cells: a crawled web table whose lines each open with a tab,
    rows apart by an empty line, a blank cell a line holding only the tab (the loader keeps
    those: extraction/load.py). A blank cell is an empty cell at its line, read as 0 like an empty
    grid cell. None unless text[lo:hi] holds such a blank cell."""
    if text.find("\n\t\n", lo, hi) < 0:
        return None
    rows: list[CRow] = []
    cells: list = []
    pos = lo
    for line in text[lo:hi].split("\n"):
        if line.startswith("\t"):
            body = line.strip()
            if body:
                s = pos + line.index(body)
                cells.append((body, s, s + len(body)))
            else:
                cells.append(("", pos + len(line), pos + len(line)))
        elif cells:
            rows.append(CRow(cells))
            cells = []
        pos += len(line) + 1
    if cells:
        rows.append(CRow(cells))
    return rows or None


# ==================================================================================== 表三

_WS_RUN = re.compile(r"\s+")
_TOTAL_CELL = re.compile(r"(?:\(七\))?(?:总计|合计)")
_OTHER_CELL = re.compile(r"(?:3\.)?其他|(?:\(六\))?其他处理|(?:\(六\))?其他")
_OTHER_2021_ROWS = re.compile(r"不补正|收费通知|缴纳费用")
_PATTERNS: dict[str, re.Pattern] = {}


def _compiled(pattern: str) -> re.Pattern:
    p = _PATTERNS.get(pattern)
    if p is None:
        p = _PATTERNS[pattern] = re.compile(pattern)
    return p


def _app_key_of_labels(labels: list, has_2021_other: bool) -> str | None:
    if not labels:
        return None
    last = labels[-1][0]
    joined = last if len(labels) == 1 else "".join([t for t, _, _ in labels])
    # a pure function of the label texts, which recur in every report of a template
    ck = (last, joined, has_2021_other)
    key = _APP_KEYS.get(ck, _UNSEEN)
    if key is _UNSEEN:
        key = _app_key_of_texts(last, joined, has_2021_other)
        if len(joined) <= _CACHED_TEXT_LEN:
            if len(_APP_KEYS) >= _CACHE_SIZE:
                _APP_KEYS.clear()
            _APP_KEYS[ck] = key
    return key


_APP_KEYS: dict = {}


def _app_key_of_texts(last: str, joined: str, has_2021_other: bool) -> str | None:
    for text in ((last,) if joined == last else (last, joined)):
        t = _WS_RUN.sub("", text).replace("（", "(").replace("）", ")")
        for key, pat in APP_LABEL_RES:
            if pat.search(t):
                return key
        if TOTAL_RE.search(t) or _TOTAL_CELL.fullmatch(t):
            return "total"
        if _OTHER_CELL.fullmatch(t) or (not has_2021_other and "其他处理" in t):
            return "other"
    return None


def read_applications_rows(rows: list[CRow], facts: list, layout: str) -> TableRead | None:
    fast = _fast_cell_rows(rows, layout)
    if fast is not None:
        return fast
    split = [split_row(r) for r in rows]
    # one search over every label (no pattern spans a line break) instead of one per label
    has_2021 = bool(_OTHER_2021_ROWS.search("\n".join(t for lb, _ in split for t, _, _ in lb)))
    tails: dict[str, list[Tok]] = {}
    warnings: list[str] = []
    for labels, tail in split:
        if len(tail) < 4 or all(t.blank for t in tail) and not labels:
            continue
        key = _app_key_of_labels(labels, has_2021)
        if key is None:
            if labels:
                warnings.append(f"applications: a row with numbers and an unknown label {labels[-1][0][:20]!r} was skipped")
            continue
        if key in tails:
            warnings.append(f"applications.{key}: row printed twice; the first is kept")
            continue
        if len(tail) > 7 and all(t.blank for t in tail[:len(tail) - 7]):
            tail = tail[len(tail) - 7:]
        tails[key] = tail
    if len(tails) < 3:
        return None
    if not warnings and all(len(t) == 7 for t in tails.values()):
        keys = list(tails)
        fast = _fast_stream(keys, [t for k in keys for t in tails[k]], has_2021, layout)
        if fast is not None:
            return fast
    opts = {k: row_readings(t, 7, APP_GROUPS) for k, t in tails.items()}
    modes = {k: "direct" if len(t) == 7 else "split" for k, t in tails.items()}
    return assemble_applications(opts, modes, facts, layout, warnings, has_2021)


def _fast_cell_rows(rows: list[CRow], layout: str) -> TableRead | None:
    """read_applications_rows' common case on the cells themselves, before any Tok is made:
    every numeric cell plain digits or empty, every row known once, seven numbers a row, every
    identity holding. None whenever the general path could read otherwise (a note or a dash in
    a cell, a row it would warn about, a broken identity): that path then reads the table."""
    parts = []
    for row in rows:
        labels, tail, plain = row.shape or _row_shape(row.cells)
        if not plain:  # a number in another form, or a blank mark
            return None
        parts.append((labels, tail, row.pos))
    has_2021 = bool(_OTHER_2021_ROWS.search("\n".join(t for lb, _, _ in parts for t, _, _ in lb)))
    tails: dict[str, tuple] = {}
    for labels, tail, pos in parts:
        if len(tail) < 4 or all(not c[0] for c in tail) and not labels:
            continue
        key = _app_key_of_labels(labels, has_2021)
        if key is None:
            if labels:
                return None
            continue
        if key in tails:
            return None
        if len(tail) > 7 and all(not c[0] for c in tail[:len(tail) - 7]):
            tail = tail[len(tail) - 7:]
        tails[key] = (tail, pos)
    if len(tails) < 3 or not all(len(t) == 7 for t, _ in tails.values()):
        return None
    keys = list(tails)
    # an empty cell is a blank token: no text, zero width at the cell's start (as its tail entry has)
    texts, starts, ends = [], [], []
    for k in keys:
        tail, pos = tails[k]
        for t, a, b, _ in tail:
            texts.append(t)
            starts.append(a + pos)
            ends.append(b + pos)
    return _fast_rows(keys, texts, starts, ends, has_2021, layout)


def _cell_evidence(cell, alts: list | None, status: str) -> dict:
    """A cell's evidence entry; `status` is what a cell read plainly gets (inferred and uncertain
    cells say so instead)."""
    if cell.status == "inferred":
        status = "inferred"
    elif alts:
        status = "uncertain"
    e = {"value": cell.value, "source_text": cell.text, "start": cell.start, "end": cell.end, "status": status}
    if alts:
        e["alternatives"] = alts
    return e


def assemble_applications(opts: dict[str, list[Reading]], modes: dict[str, str], facts: list, layout: str,
                          warnings: list[str], has_2021: bool) -> TableRead:
    expected = RESULT_ROWS_2021 if has_2021 else RESULT_ROWS_2019
    results_complete = all(k in opts for k in expected) and not any(
        k in opts for k in RESULT_KEYS if k not in expected)
    fact_list = [(cells, v) for cells, v in facts]
    choice = choose_applications(opts, fact_list, results_complete)
    keys = sorted(opts, key=lambda k: APP_ORDER[k])
    rows = {k: choice.rows[k].values for k in keys}
    evidence = {}
    alternatives, decided = choice.alternatives, choice.decided
    for k in keys:
        r = choice.rows[k]
        plain = ("solved" if r.ok else "uncertain") if modes.get(k) == "split" else "read"
        ids = _CELL_IDS[k] if len(r.cells) <= 7 else [f"applications.{k}[{c}]" for c in range(len(r.cells))]
        for c, cell in enumerate(r.cells):
            alts = alternatives.get((k, c)) if alternatives else None
            evidence[ids[c]] = _cell_evidence(cell, alts, "solved" if decided and (k, c) in decided else plain)
    failures = _app_failures(rows, results_complete)
    missing = [k for k in [*("new_received", "carried_over"), *expected, "total", "carried_forward"] if k not in opts]
    for k in missing:
        warnings.append(f"applications.{k}: row not found")
    outcome = choice.outcome
    if outcome == "read" and any(m == "split" for m in modes.values()):
        outcome = "solved" if not failures else "inconsistent"
    if any(r.note for r in choice.rows.values()):
        for k in keys:
            if choice.rows[k].note:
                warnings.append(f"applications.{k}: {choice.rows[k].note}")
    if outcome == "ambiguous":
        warnings.append(f"applications: {choice.solutions} readings satisfy the identities; the most plausible was kept")
    res = TableRead("applications", {"columns": list(APPLICATION_COLUMNS), "rows": rows}, evidence, layout, outcome,
                    failures, missing, warnings, choice.solutions or 1)
    return res


def _app_failures(rows: dict[str, list], results_complete: bool) -> int:
    n = 0
    if all(k in rows for k in BALANCE_KEYS):
        a, b, t, f = (rows[k] for k in BALANCE_KEYS)
        n += sum(1 for c in range(7) if a[c] + b[c] != t[c] + f[c])
    if "total" in rows and results_complete:
        res = [v for k, v in rows.items() if k in RESULT_KEYS]
        total = rows["total"]
        # column sums in row order, as sum(r[c] for r in res) per column
        sums = [sum(col) for col in zip(*res, strict=False)] if res else [0] * 7
        n += sum(1 for c in range(7) if sums[c] != total[c])
    n += sum(1 for v in rows.values() if sum(v[:6]) != v[6])
    return n


_OTHER_HEADER_BEFORE = re.compile(r"(?:服务|机构|组织|企业)$")
_OTHER_HEADER_AFTER = re.compile(r"总计|企业|机构")
_APP_HEADER_CHARS = "申请人情况自然法或其他组织商业企科研机构社会公益律服务总计合()（）:：、,，"


def find_app_labels(sq: Squashed, start: int) -> tuple[list[tuple[str, int, int]], bool]:
    """(key, squashed start, squashed end) of each row label found after `start`, in text order."""
    # a pure function of the squashed text, which has no digits: every report of one template
    # and layout squashes to the same text, so the label search runs once per layout
    ck = (sq.s, start)
    hit = _LABELS.get(ck)
    if hit is None:
        hit = _find_app_labels(sq.s, start)
        if len(sq.s) <= _CACHED_SQUASHED_LEN:
            if len(_LABELS) >= _TEXT_CACHE_SIZE:
                _LABELS.clear()
            _LABELS[ck] = hit
    return list(hit[0]), hit[1]


_TEXT_CACHE_SIZE = 256  # entries per cache of squashed table texts, each at most _CACHED_SQUASHED_LEN long
_CACHED_SQUASHED_LEN = 8000
_LABELS: dict = {}


def _find_app_labels(s: str, start: int) -> tuple[list[tuple[str, int, int]], bool]:
    found: dict[str, tuple[int, int]] = {}
    claimed = bytearray(len(s) + 1)
    for key, pat in APP_LABEL_RES:
        for m in pat.finditer(s, start):
            a, b = m.span()
            if not any(claimed[a:b]):
                found[key] = (a, b)
                claimed[a:b] = b"\x01" * (b - a)
                break
    has_2021 = "other_no_correction" in found or "other_no_fee" in found
    if has_2021:
        # 3.其他: the "其他" that is neither part of another label nor the column header,
        # preferably right after the other （六） rows
        after = max(found[k][1] for k in ("other_no_correction", "other_no_fee") if k in found)
        best = None
        for m in OTHER_2021_RE.finditer(s, start):
            a, b = m.span()
            if any(claimed[a:b]) or _OTHER_HEADER_BEFORE.search(s, max(0, a - 2), a) or \
                    _OTHER_HEADER_AFTER.match(s, b):
                continue
            if best is None or (best < after <= a):
                best = a
                found["other"] = (a, b)
            if a >= after:
                break
    else:
        m = OTHER_2019_RE.search(s, start)
        if m and not any(claimed[m.start():m.end()]):
            found["other"] = (m.start(), m.end())
    m = TOTAL_RE.search(s, start)
    if m is None:
        results = [v[1] for k, v in found.items() if k in RESULT_KEYS]
        if results:
            m = TOTAL_LOOSE_RE.search(s, max(results))
    if m is not None:
        found["total"] = (m.start(), m.end())
    out = sorted(((k, a, b) for k, (a, b) in found.items()), key=lambda x: x[1])
    return out, has_2021


def _runs(toks: list[Tok], masked: str, lo: int) -> list[list[Tok]]:
    runs: list[list[Tok]] = []
    for t in toks:
        if runs:
            gap = masked[runs[-1][-1].end - lo:t.start - lo]
            if not gap.strip(" \t\n|,，.+-"):
                runs[-1].append(t)
                continue
        runs.append([t])
    return runs


def _numlike(ch: str) -> bool:
    return ch.isdigit() or ch in "—–－/"


# where str.isdigit() can be true: a decimal digit, or a character outside the ranges that hold no
# other digit (ASCII, general punctuation, CJK punctuation and ideographs, fullwidth forms); with
# the dashes and the slash, the candidates for _numlike, which checks each one
_NUMLIKE_CANDIDATE = re.compile(r"[\d—–－/]|[^\x00-\x7f\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_ZONE_RUN = re.compile(r"[\d—–－/ \t\n|.,+\-]*")  # numbers and what may sit between them
_NOT_BODY = re.compile(r"[\s|.\-+—–－/]+")  # what a chunk between numbers holds besides words


def _next_numlike(s: str, i: int, stop: int) -> int:
    """The first index from i (before stop) of a _numlike character of s, else stop."""
    m = _NUMLIKE_CANDIDATE.search(s, i, stop)
    while m is not None and not _numlike(m.group()):
        m = _NUMLIKE_CANDIDATE.search(s, m.end(), stop)
    return m.start() if m is not None else stop


def _zone_end(masked: str, lo: int, pos: int, hi: int, allowed: str) -> int:
    """End of the numbers that follow the last label: runs of numbers, the rest of that label
    (up to 16 characters) and chunks made only of header words (a table emitted column by
    column puts its column headers between the columns); prose ends it. `masked` starts at lo,
    `allowed` spells the header words' characters."""
    end = pos
    i, stop = pos - lo, hi - lo  # indices into masked
    first = True
    while i < stop:
        j = _next_numlike(masked, i, stop)
        body = _NOT_BODY.sub("", masked[i:j])
        if body and not (first and len(body) <= 48 and "。" not in body) and body.strip(allowed):
            break
        first = False
        if j >= stop:
            break
        k = _ZONE_RUN.match(masked, j, stop).end()
        while k < stop and _numlike(masked[k]):  # a digit outside \d ("²"), then more of the run
            k = _ZONE_RUN.match(masked, k + 1, stop).end()
        end = lo + j + len(masked[j:k].rstrip(" \t\n|.,+-"))
        i = k
    return end


def _table_end(text: str, masked: str, lo: int, pos: int, hi: int, label_rest: int = 16) -> int:
    """End of the number run right after the label ending at `pos` (the rest of the label, up to
    `label_rest` characters, and whitespace may come first), else pos."""
    i = pos
    rest = 0
    while i < hi and not _numlike(masked[i - lo]):
        if masked[i - lo] not in " \t\n|":
            rest += 1
            if rest > label_rest:
                return pos
        i += 1
    if i < hi and (_numlike(masked[i - lo]) or masked[i - lo] in "+-" and i + 1 < hi and masked[i + 1 - lo].isdigit()):
        j = i
        while j < hi and (_numlike(masked[j - lo]) or masked[j - lo] in " \t\n|.,+-"):
            j += 1
        while j > i and masked[j - 1 - lo] in " \t\n|.,+-":
            j -= 1
        return j
    return pos


def read_applications_text(text: str, lo: int, hi: int, facts: list) -> TableRead | None:
    sq = Squashed(text, lo, hi, digits=False)
    h = APP_HEADER_RE.search(sq.s)
    hstart = h.start() if h else 0
    if h is None:
        # no header: prose before the table may name outcomes ("予以公开30件"); the rows start
        # with 一、本年新收
        first = _FIRST_ROW.search(sq.s)
        hstart = first.start() if first else 0
    labels, has_2021 = find_app_labels(sq, hstart)
    if len(labels) < 3:
        return _applications_by_count(text, lo, hi, facts)
    # document offsets: where the labels end, where the zone starts; every label's span only when
    # the numbers must be assigned to rows by position (see candidates)
    last_end = sq.end_offset(labels[-1][2])
    zone_lo = sq.offset(hstart if h else labels[0][1])
    masked = mask_labels(text[lo:hi])
    zone_hi = _zone_end(masked, lo, last_end, hi, _APP_HEADER_CHARS)
    keys = [k for k, _, _ in labels]
    K = len(keys)
    zone = masked[zone_lo - lo:zone_hi - lo]
    plain = plain_numbers(zone, zone_lo)
    anchors = _pipe_anchors(text, zone_lo, zone_hi, keys, has_2021)
    tried_fast = False
    if plain is not None and len(plain[0]) == 7 * K and last_end > plain[1][0]:
        # the common case (seven plain numbers a row, a label after the first number: not a
        # table emitted column by column) is read before any Tok is made
        tried_fast = True
        if "".join(plain[0]).isdigit() and _stream_agrees(keys, plain[1], anchors):
            fast = _fast_rows(keys, *plain, has_2021, "stream")
            if fast is not None:
                return fast
    toks = list(map(Tok, *plain)) if plain is not None else tokens(text, zone_lo, zone_hi, zone)

    # a table emitted column by column puts every row label before every number, and its runs of
    # numbers are as long as a column, not as a row
    by_column = False
    raw_runs: list[list[Tok]] | None = None
    if toks and last_end <= toks[0].start:
        raw_runs = _runs(toks, masked, lo)
        by_column = sum(len(r) for r in raw_runs if len(r) >= K - 1 and len(r) > 7) * 2 > len(toks)

    def label_spans(ks: list[str]) -> list[tuple[str, int, int]]:
        at = {k: (a, b) for k, a, b in labels}
        return [(k, a, b) for k, (a, b) in zip(ks, sq.offsets([at[k] for k in ks]), strict=True)]

    def candidates():
        # (name, prior, cells per row): the prior breaks ties between readings that break as
        # many identities (a table with few non-zero cells reads "right" in several ways)
        col = int(by_column)
        if anchors and not _stream_agrees(keys, [t.start for t in toks], anchors):
            # rows that carry their own label are theirs wherever the stream puts that label
            # (a converter floats wrapped labels away from their numbers); the others are
            # taken in label order
            yield "anchored", 0, _anchored_rows(keys, toks, anchors, masked, lo, label_spans)
        if len(toks) == 7 * K:
            yield "stream", 2 * col, [toks[7 * i:7 * i + 7] for i in range(K)]
        runs = _split_multiples(raw_runs if raw_runs is not None else _runs(toks, masked, lo))
        if len(runs) == K:
            yield "runs", 2 * col, runs
        else:
            spans = label_spans(keys)
            yield "runs_after", 2 * col, _assign_runs(runs, spans, after=True)
            yield "runs_before", 2 * col, _assign_runs(runs, spans, after=False)
        if len(toks) == 7 * K:
            yield "columns", 1, [[toks[c * K + i] for c in range(7)] for i in range(K)]
        # labels read column by column (a PDF extractor emitting the label columns one after
        # another) are out of row order: the template's order is the other candidate
        order = sorted(range(K), key=lambda i: APP_ORDER[keys[i]])
        if order != list(range(K)) and len(toks) == 7 * K:
            pos = {i: r for r, i in enumerate(order)}
            yield "stream", 2 + col, [toks[7 * pos[i]:7 * pos[i] + 7] for i in range(K)]
            yield "columns", 3 - 3 * col, [[toks[c * K + pos[i]] for c in range(7)] for i in range(K)]

    if len(toks) == 7 * K and not by_column and not tried_fast and _stream_agrees(keys, [t.start for t in toks], anchors):
        fast = _fast_stream(keys, toks, has_2021)
        if fast is not None:
            return fast
    best: TableRead | None = None
    best_score: tuple = ()
    best_prior = 0
    seen: set = set()
    for name, prior, per_row in candidates():
        sig = (tuple(map(len, per_row)), tuple(map(id, chain.from_iterable(per_row))))
        if sig in seen:
            continue
        seen.add(sig)
        layout = name if name != "runs" else _run_layout(per_row)
        res = _glued_digit_rows(keys, per_row, layout, has_2021)
        if res is not None:  # every row a glued run of seven digits: opts has every key
            opts = dict.fromkeys(keys)
        else:
            opts: dict[str, list[Reading]] = {}
            modes: dict[str, str] = {}
            for key, row_toks in zip(keys, per_row, strict=True):
                if not row_toks:
                    continue
                opts[key] = row_readings(row_toks, 7, APP_GROUPS)
                modes[key] = "direct" if len(row_toks) == 7 else "split"
            if len(opts) < 3:
                continue
            res = assemble_applications(opts, modes, facts, layout, [], has_2021)
        missing_rows = [k for k in keys if k not in opts]
        res.missing = sorted(set(res.missing) | set(missing_rows), key=lambda k: APP_ORDER[k])
        # score() walks every cell: only when two candidates are compared
        if best is None:
            best, best_score, best_prior = res, (), prior
        else:
            if not best_score:
                best_score = (*best.score(), best_prior)
            score = (*res.score(), prior)
            if score < best_score:
                best, best_score = res, score
        if not res.failures and not res.missing and res.outcome == "read" and prior == 0:
            break
    return best


def _pipe_anchors(text: str, lo: int, hi: int, keys: list[str], has_2021: bool) -> dict[str, list[Tok]]:
    """key -> numbers of the pipe rows in text[lo:hi] whose own label cells name a row of the
    table (a row named twice names neither). A converter that mixes pipe rows with loose text
    keeps a row's label and numbers together only inside a pipe row."""
    rows = pipe_rows(text, lo, hi)
    if not rows:
        return {}
    out: dict[str, list[Tok]] = {}
    twice: set[str] = set()
    for row in rows:
        labels, tail = split_row(row)
        key = _app_key_of_labels(labels, has_2021)
        if key is None or key not in keys or len(tail) < 4:
            continue
        if key in out:
            twice.add(key)
        # an empty cell past the seventh is the converter's, not the table's
        while len(tail) > 7 and (tail[0].blank or tail[-1].blank):
            tail = tail[1:] if tail[0].blank else tail[:-1]
        out[key] = tail
    for key in twice:
        del out[key]
    return out


def _stream_agrees(keys: list[str], starts: list[int], anchors: dict[str, list[Tok]]) -> bool:
    """Reading the stream seven numbers a row in label order gives every anchored row its own numbers."""
    if not anchors:
        return True
    if len(starts) != 7 * len(keys):
        return False
    pos = {k: i for i, k in enumerate(keys)}
    return all(len(t) == 7 and starts[7 * pos[k]] == t[0].start for k, t in anchors.items())


def _anchored_rows(keys: list[str], toks: list[Tok], anchors: dict[str, list[Tok]], masked: str, lo: int,
                   label_spans) -> list[list[Tok]]:
    """Rows for `keys`: an anchored key's own pipe row; the numbers outside the anchored rows,
    cut in runs, go to the other keys in label order (run by run after each label when the
    counts differ)."""
    spans = sorted((t[0].start, t[-1].end) for t in anchors.values())
    free: list[list[Tok]] = []
    prev = -1
    for i, t in enumerate(toks):
        if any(a <= t.start < b for a, b in spans):
            continue
        gap = masked[toks[prev].end - lo:t.start - lo] if free and prev == i - 1 else "x"
        if gap.strip(" \t\n|,，.+-"):
            free.append([t])
        else:
            free[-1].append(t)
        prev = i
    free = _split_multiples(free)
    others = [k for k in keys if k not in anchors]
    if len(free) == len(others):
        given = dict(zip(others, free, strict=True))
    else:
        given = dict(zip(others, _assign_runs(free, label_spans(others), after=True), strict=True)) if others else {}
    return [anchors[k] if k in anchors else given[k] for k in keys]


def _glued_digit_rows(keys: list[str], per_row: list[list[Tok]], layout: str, has_2021: bool) -> TableRead | None:
    """assemble_applications for the usual glued table, without the solver's objects: every row
    (three or more) one run of seven digits whose first six add up to the seventh, which
    row_readings reads one digit a cell, the only reading; so nothing is left to choose and
    every cell is `solved`. None for any other table."""
    if len(keys) < 3 or len(keys) != len(set(keys)):
        return None
    vals: dict[str, list[int]] = {}
    for key, row in zip(keys, per_row, strict=True):
        if len(row) != 1:
            return None
        t = row[0]
        if t.blank or len(t.text) != 7 or not t.text.isdigit():
            return None
        v = int_values(t.text)
        if sum(v[:6]) != v[6]:
            return None
        vals[key] = v
    expected = RESULT_ROWS_2021 if has_2021 else RESULT_ROWS_2019
    results_complete = all(k in vals for k in expected) and not any(
        k in vals for k in RESULT_KEYS if k not in expected)
    ordered = sorted(vals, key=APP_ORDER.__getitem__)
    rows = {k: vals[k] for k in ordered}
    tok = {k: row[0] for k, row in zip(keys, per_row, strict=True)}
    # one digit a cell: the cells' texts are the rows' digits, their starts the digits' offsets
    digits = "".join([tok[k].text for k in ordered])
    starts = [s + c for k in ordered for s in (tok[k].start,) for c in range(7)]
    flat = [v for k in ordered for v in rows[k]]
    evidence = {cid: {"value": v, "source_text": ch, "start": s, "end": s + 1, "status": "solved"}
                for cid, v, ch, s in zip(_flat_ids(ordered), flat, digits, starts, strict=True)}
    failures = _app_failures(rows, results_complete)
    missing = [k for k in [*("new_received", "carried_over"), *expected, "total", "carried_forward"] if k not in vals]
    warnings = [f"applications.{k}: row not found" for k in missing]
    return TableRead("applications", {"columns": list(APPLICATION_COLUMNS), "rows": rows}, evidence, layout,
                     "solved" if not failures else "inconsistent", failures, missing, warnings, 1)


def _applications_by_count(text: str, lo: int, hi: int, facts: list) -> TableRead | None:
    """No row label readable: the template's own row order, when the count of numbers (or of
    glued rows) is exactly that of the 2021 (25 rows) or the 2019 (23 rows) template."""
    masked = mask_labels(text[lo:hi])
    toks = tokens(text, lo, hi, masked)
    runs = _split_multiples(_runs(toks, masked, lo))
    for keys in (APP_ROWS_2021, APP_ROWS_2019):
        per_row = None
        if len(toks) == 7 * len(keys):
            per_row = [toks[7 * i:7 * i + 7] for i in range(len(keys))]
        elif len(runs) == len(keys):
            per_row = runs
        if per_row is None:
            continue
        opts = {k: row_readings(r, 7, APP_GROUPS) for k, r in zip(keys, per_row, strict=True)}
        modes = {k: "direct" if len(r) == 7 else "split" for k, r in zip(keys, per_row, strict=True)}
        res = assemble_applications(opts, modes, facts, "template_order", [], keys is APP_ROWS_2021)
        res.warnings.append("applications: no row label was readable; rows were taken in the template's order")
        return res
    return None


def _fast_stream(keys: list[str], toks: list[Tok], has_2021: bool, layout: str = "stream") -> TableRead | None:
    """The common case without the solver: seven printed numbers a row, in label order, every
    row present and every identity holding (an empty grid cell is a printed 0)."""
    texts = [t.text for t in toks]
    if "".join(texts).isdigit():  # every text digits or empty; an empty one must be a blank
        if "" in texts and not all(t.blank for t in toks if not t.text):
            return None
    elif not all(t.blank or t.text.isdigit() for t in toks):
        return None
    return _fast_rows(keys, texts, [t.start for t in toks], [t.end for t in toks], has_2021, layout)


def _fast_rows(keys: list[str], texts: list[str], starts: list[int], ends: list[int], has_2021: bool,
               layout: str) -> TableRead | None:
    """_fast_stream on the tokens' texts (digits, or "" for a blank cell), starts and ends."""
    expected = _RESULT_SET_2021 if has_2021 else _RESULT_SET_2019
    if len(keys) != len(expected) + 4 or not expected.issubset(keys):
        return None
    vals = int_values(texts)
    rows = {k: vals[7 * i:7 * i + 7] for i, k in enumerate(keys)}
    if _app_failures(rows, True):
        return None
    ordered = sorted(keys, key=APP_ORDER.__getitem__)
    if ordered != keys:  # rows printed out of template order: the cells in template order
        at = [7 * i + c for i in sorted(range(len(keys)), key=lambda i: APP_ORDER[keys[i]]) for c in range(7)]
        vals, texts, starts, ends = ([x[i] for i in at] for x in (vals, texts, starts, ends))
    evidence = {cid: {"value": v, "source_text": t, "start": s, "end": e, "status": "read"}
                for cid, v, t, s, e in zip(_flat_ids(ordered), vals, texts, starts, ends, strict=True)}
    return TableRead("applications", {"columns": list(APPLICATION_COLUMNS), "rows": {k: rows[k] for k in ordered}},
                     evidence, layout, "read", 0, [], [])


_CELL_IDS = {k: [f"applications.{k}[{c}]" for c in range(7)] for k in APP_ORDER}
_RESULT_SET_2021 = frozenset(RESULT_ROWS_2021)
_RESULT_SET_2019 = frozenset(RESULT_ROWS_2019)
_FLAT_IDS: dict[tuple, list[str]] = {}  # every cell id of a table's rows, in order (a handful of row sets)


def _flat_ids(ordered: list[str]) -> list[str]:
    ids = _FLAT_IDS.get(tuple(ordered))
    if ids is None:
        if len(_FLAT_IDS) >= 256:
            _FLAT_IDS.clear()
        ids = _FLAT_IDS[tuple(ordered)] = [cid for k in ordered for cid in _CELL_IDS[k]]
    return ids


def _run_layout(per_row: list[list[Tok]]) -> str:
    if all(len(r) == 1 for r in per_row):
        return "glued"
    return "runs"


def _split_lines(text: str, runs: list[list[Tok]], width: int) -> list[list[Tok]]:
    """A run spread over several lines of exactly `width` numbers each is that many rows (a row's
    numbers after its label, then the next row's before its own label)."""
    out = []
    for r in runs:
        if len(r) <= width or len(r) % width:
            out.append(r)
            continue
        lines: list[list[Tok]] = [[r[0]]]
        for a, b in zip(r, r[1:], strict=False):
            if "\n" in text[a.end:b.start]:
                lines.append([b])
            else:
                lines[-1].append(b)
        out.extend(lines if all(len(x) == width for x in lines) else [r])
    return out


def _split_multiples(runs: list[list[Tok]]) -> list[list[Tok]]:
    """A run of 14 or 21 separated numbers is two or three rows whose labels sit elsewhere."""
    out = []
    for r in runs:
        if len(r) > 7 and len(r) % 7 == 0:
            out.extend(r[i:i + 7] for i in range(0, len(r), 7))
        else:
            out.append(r)
    return out


def _assign_runs(runs: list[list[Tok]], spans: list[tuple[str, int, int]], after: bool) -> list[list[Tok]]:
    per_row: list[list[Tok]] = [[] for _ in spans]
    starts = [s for _, s, _ in spans]
    for run in runs:
        pos = run[0].start
        if after:
            i = max((k for k, s in enumerate(starts) if s <= pos), default=None)
            if i is None:
                continue
        else:
            i = min((k for k, s in enumerate(starts) if s >= pos), default=len(starts) - 1)
        # a row takes runs until it has seven numbers (or one glued run)
        cur = per_row[i]
        if cur and (len(cur) >= 7 or (len(cur) == 1 and cur[0].splittable and len(cur[0].text) >= 7)):
            continue
        cur.extend(run)
    return per_row


# ==================================================================================== 表四

def read_review_rows(rows: list[CRow], facts: list, layout: str) -> TableRead | None:
    split = [split_row(r) for r in rows]
    # one data row of fifteen cells
    for labels, tail in split:
        if len(tail) >= 12 and not any(_looks_header(t) for t, _, _ in labels[-1:]):
            if len(tail) > 15 and all(t.blank for t in tail[:len(tail) - 15]):
                tail = tail[len(tail) - 15:]
            return _review_from_tokens(tail, facts, layout)
    # transposed: one row per block
    blocks: dict[str, list[Tok]] = {}
    for labels, tail in split:
        if len(tail) == 5 and labels:
            t = "".join(x for x, _, _ in labels)
            for key, pat in REVIEW_BLOCK_LABELS:
                if pat.search(t) and key not in blocks:
                    blocks[key] = tail
                    break
    if len(blocks) == 3:
        return _review_from_tokens([t for b in REVIEW_BLOCKS for t in blocks[b]], facts, layout + "_transposed")
    return None


def _looks_header(text: str) -> bool:
    return bool(_REVIEW_HEADER_WORD.search(text))


_REVIEW_IDS = [f"review_litigation.{b}[{j}]" for b in REVIEW_BLOCKS for j in range(5)]


def _review_from_tokens(toks: list[Tok], facts: list, layout: str) -> TableRead:
    readings = row_readings(toks, 15, REVIEW_GROUPS)
    choice: Choice = choose_single(readings, list(facts))
    r = choice.rows["row"]
    direct = len(toks) == 15
    vals = r.values
    data = {b: vals[i * 5:(i + 1) * 5] for i, b in enumerate(REVIEW_BLOCKS)}
    evidence = {}
    alternatives = choice.alternatives
    plain = "read" if direct else "solved" if r.ok else "uncertain"
    for i, cell in enumerate(r.cells):
        alts = alternatives.get(("row", i)) if alternatives else None
        evidence[_REVIEW_IDS[i]] = _cell_evidence(cell, alts, plain)
    failures = sum(1 for a, t in REVIEW_GROUPS if sum(vals[a:t]) != vals[t])
    outcome = "read" if direct and len(readings) == 1 else choice.outcome
    if outcome == "read" and not direct:
        outcome = "solved" if r.ok else "inconsistent"
    warnings = []
    if r.note:
        warnings.append(f"review_litigation: {r.note}")
    if outcome == "ambiguous":
        warnings.append(f"review_litigation: {choice.solutions} readings satisfy the block totals; the most plausible was kept")
    return TableRead("review_litigation", data, evidence, layout if direct else "glued" if len(toks) < 15 else layout,
                     outcome, failures, [], warnings, choice.solutions or 1)


def _cjk_except(chars) -> re.Pattern:
    """One CJK ideograph (U+4E00..U+9FFF) that is not among `chars`."""
    ranges, lo = [], 0x4E00
    for c in sorted(ord(ch) for ch in chars if 0x4E00 <= ord(ch) <= 0x9FFF):
        if c > lo:
            ranges.append(f"{chr(lo)}-{chr(c - 1)}")
        lo = c + 1
    if lo <= 0x9FFF:
        ranges.append(f"{chr(lo)}-\u9fff")
    return re.compile("[" + "".join(ranges) + "]")


_REVIEW_STRAY = _cjk_except(REVIEW_HEADER_CHARS)


def read_review_text(text: str, lo: int, hi: int, facts: list) -> TableRead | None:
    seg = text[lo:hi]
    m = _REVIEW_HEADER.search(seg) or _REVIEW_WORD.search(seg)
    if m:
        start = lo + m.start()
    elif _LEADING_NUMBER.match(seg):  # no header at all: the numbers open the section
        start = lo
    else:
        return None
    masked = mask_labels(text[start:hi])
    toks_all = tokens(text, start, hi, masked)
    toks: list[Tok] = []
    prev_end = start
    stray = _REVIEW_STRAY.search
    for t in toks_all:
        # two characters between numbers that belong to no header: the table has ended
        if toks:
            m = stray(text, prev_end, t.start)
            if m is not None and stray(text, m.end(), t.start) is not None:
                break
        toks.append(t)
        prev_end = t.end
    if not toks:
        return None
    return _review_from_tokens(toks, facts, "stream" if len(toks) == 15 else "glued")


# ==================================================================================== 表二

_AD_HEADER_CHARS = ("本年制发件数废止现行有效处理决定数量收费金额单位万元新制作公开对外总上一项目增减采购第二十条"
                    "一二三四五六七八九信息内容()（）:：/")


def runs_between(runs: list[list[Tok]], a: int, b: int) -> list[Tok]:
    """The tokens of the last run that lies wholly between offsets a and b."""
    inside = [r for r in runs if r[0].start >= a and r[-1].end <= b]
    return inside[-1] if inside else []


def _ad_rows(generation: str):
    return AD_ROWS_2021 if generation == "2021" else AD_ROWS_2019


def _ad_key(label: str, rows) -> tuple[str, list[str]] | None:
    # a pure function of the label (labels recur in every report); cached for the two templates
    ck = (label, 0 if rows is AD_ROWS_2021 else 1 if rows is AD_ROWS_2019 else id(rows))
    hit = _AD_KEYS.get(ck, _UNSEEN)
    if hit is _UNSEEN:
        hit = _ad_key_uncached(label, rows)
        if ck[1] in (0, 1) and len(label) <= _CACHED_TEXT_LEN:
            if len(_AD_KEYS) >= _CACHE_SIZE:
                _AD_KEYS.clear()
            _AD_KEYS[ck] = hit
    return hit


_AD_KEYS: dict = {}


def _ad_key_uncached(label: str, rows) -> tuple[str, list[str]] | None:
    t = _WS_RUN.sub("", label)
    for key, pat, cols in rows:
        if _compiled(pat).search(t):
            return key, cols
    return None


def _ad_possible(cols: list[str], values: list) -> bool:
    """Hard limits: a count of items cannot drop below zero (上一年项目数量 + 本年增/减 ≥ 0)."""
    d = dict(zip(cols, values, strict=False))
    return not ("change" in d and d["previous"] + d["change"] < 0)


def _ad_plausible(key: str, cols: list[str], values: list) -> bool:
    """Soft limits (ranking only): stocks are at least this year's additions."""
    d = dict(zip(cols, values, strict=False))
    if "in_force" in d and d["in_force"] < d["issued"] and d["in_force"] != 0:
        return False
    if "change" in d and d["previous"] + d["change"] < 0:
        return False
    if "total_published" in d and d["total_published"] < d["new_published"]:
        return False
    return not ("new_made" in d and d["new_published"] > d["new_made"] and d["new_made"])


_AD_DECIMAL = {"amount"}
_AD_SIGNED = {"change"}
_INT = re.compile(r"0|[1-9]\d*")
_DEC = re.compile(r"(?:0|[1-9]\d*)\.\d+")


def _ad_piece(piece: str, col: str) -> bool:
    if col in _AD_SIGNED and piece[:1] in "-+":
        piece = piece[1:]
        if piece == "0":
            return False
    if _INT.fullmatch(piece):
        return True
    return col in _AD_DECIMAL and bool(_DEC.fullmatch(piece))


# 政府集中采购: what one purchase costs, in 元 (a glued "395" + "73802895.90" is 395 purchases
# of some 190 000 元 each, not 3 of three billion)
_TYPICAL_PURCHASE = 1e5


def _ad_size(d: dict) -> float:
    """How far a glued row's cut is from cells of like size, in decades."""
    if "projects" in d and "amount" in d:
        return abs(math.log10((1 + d["amount"]) / (1 + d["projects"])) - math.log10(_TYPICAL_PURCHASE))
    return math.log10(1 + max(abs(v) for v in d.values()))


def _ad_stated(key: str, cols: list[str], facts: list | None) -> dict[str, float]:
    """The cells of row `key` that the prose states ("现行有效行政规范性文件698件"), by column."""
    out: dict[str, float] = {}
    for (row, *names), value in facts or ():
        col = next((c for c in names if c in cols), None)
        if row == key and col is not None:
            out.setdefault(col, value)
    return out


def _ad_glued(raw: str, start: int, key: str, cols: list[str], facts: list | None = None) -> list[Reading]:
    """Every cut of a glued 表二 row ("4-31058", "11.4184", "693665") into its columns: a sign
    only opens 本年增/减, a decimal point only sits in an amount; the cells the prose states
    come first, then the template's soft limits (现行有效 ≥ 本年制发, 本年新公开 ≤ 本年新制作,
    上一年 + 增减 ≥ 0) filter when they can."""
    stated = _ad_stated(key, cols, facts)
    # the cuts and their ranks are a pure function of the printed digits, the row and what the
    # prose states (rows like "000" or "010" recur in every report): worked out once, and only
    # the cells (which callers may change) made anew at this row's offsets
    ck = (raw, key, tuple(cols), tuple(stated.items()))
    cuts = _AD_CUTS.get(ck)
    if cuts is None:
        cuts = _ad_cuts(raw, key, cols, stated)
        if len(raw) <= _CACHED_TEXT_LEN:
            if len(_AD_CUTS) >= _CACHE_SIZE:
                _AD_CUTS.clear()
            _AD_CUTS[ck] = cuts
    return [Reading([Cell(v, p, start + a, start + b) for v, p, a, b in cells], True, cost) for cells, cost in cuts]


_AD_CUTS: dict = {}


def _ad_cuts(raw: str, key: str, cols: list[str], stated: dict[str, float]) -> list[tuple[tuple, tuple]]:
    """_ad_glued's readings at offset 0, best first: ((value, piece, start, end) per cell, cost)."""
    n = len(cols)
    out = []
    for cuts in combinations(range(1, len(raw)), n - 1):
        bounds = (0, *cuts, len(raw))
        pieces = [raw[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
        if not all(_ad_piece(p, c) for p, c in zip(pieces, cols, strict=True)):
            continue
        cells = tuple((number_value(p.lstrip("+")), p, a, b) for p, a, b in zip(pieces, bounds, bounds[1:], strict=False))
        vals = [c[0] for c in cells]
        d = dict(zip(cols, vals, strict=True))
        # what such rows usually hold: 本年增/减 0 or small, 新制作 = 新公开, nothing repealed or
        # fewer than stay in force; weighed against the size of the largest cell, one unit per
        # decade: "208112" is 20 8 112 rather than 2 0 8112 (a row's cells are of like size more
        # often than not), "8855698" 88 55 698 rather than 88 556 98
        prior = ((d.get("change", 0) != 0) + (d.get("new_made", 0) != d.get("new_published", 0))
                 + (d.get("repealed", 0) != 0) + (d.get("repealed", 0) > d.get("in_force", 0)))
        size = _ad_size(d)
        small = abs(d.get("change", 0)) + d.get("repealed", 0)
        multi = sum(1 for p in pieces if len(p.lstrip("+-")) > 1)
        if not _ad_possible(cols, vals):
            continue
        soft = not _ad_plausible(key, cols, vals)
        unlike = sum(1 for c, v in stated.items() if d[c] != v)
        out.append((cells, (unlike, soft, prior + size, small, multi, max(abs(v) for v in vals))))
    out.sort(key=lambda r: r[1])
    return out


def _ad_readings(key: str, cols: list[str], toks: list[Tok], raw: tuple[str, int] | None = None,
                 facts: list | None = None) -> tuple[Reading, str, list | None, int]:
    """(reading, status, alternatives per column, readings left) for one 表二 row; `raw` is the
    row's printed text (start offset) when it is one glued string of digits, signs and points;
    `facts` ((row, *columns), value) are cells the prose states."""
    n = len(cols)
    signed_glue = raw is not None and _SIGNED_GLUE.search(raw[0])
    if len(toks) == n and not signed_glue:
        r = Reading([Cell(number_value(t.text), t.text, t.start, t.end) for t in toks], True)
        return r, "read", None, 1
    if raw is not None and n > 1 and (len(toks) < n or signed_glue):
        good = _ad_glued(raw[0], raw[1], key, cols, facts)
        if good:
            if len(good) == 1:
                return good[0], "solved", None, 1
            alts = [sorted({r.cells[c].value for r in good}) for c in range(n)]
            return good[0], "uncertain", alts, len(good)
    if len(toks) < n:
        # invisible blanks: the most often empty columns take them (本年废止, 本年增/减)
        order = {"repealed": 0, "change": 0, "new_made": 2, "issued": 3}
        blanks = sorted(range(n), key=lambda c: (order.get(cols[c], 1), -c))[:n - len(toks)]
        it = iter(toks)
        cells = [_blank(toks[0]) if c in blanks else _cell(next(it)) for c in range(n)]
        return Reading(cells, False), "inferred", None, 1
    return Reading([_cell(t) for t in toks[:n]], False), "uncertain", None, 1


def _cell(t: Tok):
    return Cell(number_value(t.text), t.text, t.start, t.end)


def _blank(t: Tok):
    return Cell(0, "", t.start, t.start, "inferred")


_AD_COLUMNS = {c for _, _, cols in AD_ROWS_2021 + AD_ROWS_2019 for c in cols}
_AD_RANK = {gen_2021: {k: i for i, (k, _, _) in enumerate(_ad_rows("2021" if gen_2021 else "2019"))}
            for gen_2021 in (True, False)}  # a row's place in its template
_AD_IDS: dict[str, dict[str, str]] = {}  # row key -> column -> cell id


def _ad_finish(found: dict[str, tuple], generation: str, layout: str, warnings: list[str]) -> TableRead | None:
    if not found:
        return None
    data: dict[str, dict] = {}
    evidence: dict[str, dict] = {}
    outcome = "read"
    solutions = 1
    for key in sorted(found, key=_AD_RANK[generation == "2021"].__getitem__):
        cols, reading, status, alts, count = found[key]
        solutions = max(solutions, count)
        data[key] = {c: cell.value for c, cell in zip(cols, reading.cells, strict=True)}
        ids = _AD_IDS.get(key)
        if ids is None:
            ids = _AD_IDS[key] = {c: f"active_disclosure.{key}.{c}" for c in _AD_COLUMNS}
        for i, (c, cell) in enumerate(zip(cols, reading.cells, strict=True)):
            st = "inferred" if cell.status == "inferred" else status if status != "inferred" else "read"
            a = alts[i] if alts and len(alts[i]) > 1 else None
            if status == "uncertain" and alts and not a:
                st = "solved"
            e = {"value": cell.value, "source_text": cell.text, "start": cell.start, "end": cell.end, "status": st}
            if a:
                e["alternatives"] = a
            evidence[ids[c] if c in ids else f"active_disclosure.{key}.{c}"] = e
        if status == "uncertain":
            outcome = "ambiguous"
            warnings.append(f"active_disclosure.{key}: the printed digits allow several readings; the most plausible was kept")
        elif status == "solved" and outcome == "read":
            outcome = "solved"
    return TableRead("active_disclosure", data, evidence, layout, outcome, 0, [], warnings, solutions)


def read_active_rows(rows: list[CRow], generation: str, layout: str) -> TableRead | None:
    rdefs = _ad_rows(generation)
    found: dict[str, tuple] = {}
    warnings: list[str] = []
    last_key = None
    for row in rows:
        labels, tail = split_row(row)
        if not tail or all(AD_HEADER_RE.search(t) for t, _, _ in labels) and labels:
            continue
        hit = None
        for t, _, _ in labels:
            hit = _ad_key(t, rdefs)
            if hit:
                break
        if hit is None:
            if last_key == "other_services" and labels and len(tail) == 3:
                hit = ("other_services", rdefs[3][2])
            else:
                continue
        key, cols = hit
        if len(tail) > len(cols) and all(t.text == tail[0].text for t in tail):
            tail = tail[:len(cols)]
        reading, status, alts, count = _ad_readings(key, cols, tail)
        if key in found:
            if key == "other_services":
                prev = found[key][1]
                for i, cell in enumerate(reading.cells):
                    prev.cells[i].value += cell.value
                continue
            continue
        found[key] = (cols, reading, status, alts, count)
        last_key = key
    return _ad_finish(found, generation, layout, warnings)


_AD_LABELS: dict = {}


def _find_ad_labels(s: str, rdefs) -> tuple[bool, int, list]:
    """(header found, where the rows begin, (key, squashed start, end, columns) of each row label)."""
    h = _ARTICLE_20.search(s)
    begin = h.start() if h else 0
    claimed = bytearray(len(s) + 1)
    labels = []
    for key, pat, cols in rdefs:
        pat = pat.replace("^规章|规章$|", "")
        for m in _compiled(pat).finditer(s[begin:]):
            a, b = m.start() + begin, m.end() + begin
            if not any(claimed[a:b]):
                claimed[a:b] = b"\x01" * (b - a)
                labels.append((key, a, b, cols))
                break
    return h is not None, begin, labels


_LABEL_NOTE = re.compile(r"\s*[(（][^()（）\n]{4,160}[)）]")


def _past_note(text: str, end: int, hi: int) -> int:
    """A row label's end, past the note some forms print after it ("规范性文件（行政机关制定的…
    一般情况下属于规范性文件）"): its words are no header and end no table."""
    m = _LABEL_NOTE.match(text, end, hi)
    return m.end() if m else end


def read_active_text(text: str, lo: int, hi: int, generation: str, facts: list | None = None) -> TableRead | None:
    rdefs = _ad_rows(generation)
    sq = Squashed(text, lo, hi, digits=False)
    # the label search is a pure function of the squashed text (no digits), cached as for 表三
    ck = (sq.s, generation == "2021")
    found = _AD_LABELS.get(ck)
    if found is None:
        found = _find_ad_labels(sq.s, rdefs)
        if len(sq.s) <= _CACHED_SQUASHED_LEN:
            if len(_AD_LABELS) >= _TEXT_CACHE_SIZE:
                _AD_LABELS.clear()
            _AD_LABELS[ck] = found
    h, begin, at = found
    labels = [(key, a, b, cols) for (key, _, _, cols), (a, b) in zip(at, sq.offsets([(a, b) for _, a, b, _ in at]),
                                                                        strict=True)]
    if not labels:
        return None
    labels = sorted(((key, a, _past_note(text, b, hi), cols) for key, a, b, cols in labels), key=lambda x: x[1])
    masked = mask_labels(text[lo:hi])
    zone_lo = sq.offset(begin) if h else labels[0][1]
    zone_hi = _zone_end(masked, lo, labels[-1][2], hi, _AD_HEADER_CHARS)
    toks = tokens(text, zone_lo, zone_hi, masked[zone_lo - lo:zone_hi - lo])
    per_label: list[list[Tok]] = []
    widths = [len(c) for _, _, _, c in labels]
    runs = _runs(toks, masked, lo) if len(toks) != sum(widths) else []  # only the last two ways use runs
    if len(toks) == sum(widths) and toks and all(e <= toks[0].start for _, _, e, _ in labels):
        # every label before every number: the table was emitted column by column
        per_label = [[] for _ in labels]
        it = iter(toks)
        for j in range(max(widths)):
            for i, w in enumerate(widths):
                if w > j:
                    per_label[i].append(next(it))
    elif len(toks) == sum(widths):
        # as many numbers as the rows found have cells: read them in label order
        k = 0
        for w in widths:
            per_label.append(toks[k:k + w])
            k += w
    elif len(runs) == len(labels):
        per_label = runs
    else:
        # numbers after their label up to the next label or header, or (a PDF that centres a
        # wrapped label on its numbers) before it: the way that fills more rows exactly wins
        after, before = [], []
        for i, (_key, s0, e, _cols) in enumerate(labels):
            nxt = labels[i + 1][1] if i + 1 < len(labels) else zone_hi
            hd = AD_HEADER_RE.search(text, e, nxt)
            stop = hd.start() if hd else nxt
            after.append([t for t in toks if e <= t.start < stop])
            prv = labels[i - 1][2] if i else zone_lo
            before.append([t for t in runs_between(runs, prv, s0)])

        def exact(per):
            return sum(1 for (_, _, _, c), r in zip(labels, per, strict=True) if len(r) == len(c))

        per_label = before if exact(before) > exact(after) else after
    found: dict[str, tuple] = {}
    warnings: list[str] = []
    for (key, _s, _e, cols), row in zip(labels, per_label, strict=True):
        if not row:
            continue
        if key == "other_services" and len(row) > len(cols) and len(row) % len(cols) == 0:
            k = len(cols)
            sums = [sum(number_value(row[j].text) for j in range(c, len(row), k)) for c in range(k)]
            cells = [Cell(v, "+".join(row[j].text for j in range(c, len(row), k)), row[c].start, row[-k + c].end)
                     for c, v in enumerate(sums)]
            found[key] = (cols, Reading(cells, True), "read", None, 1)
            continue
        printed = text[row[0].start:row[-1].end]
        raw = (printed, row[0].start) if _SIGNED_NUMBER_TEXT.fullmatch(printed) else None
        reading, status, alts, count = _ad_readings(key, cols, row, raw, facts)
        found[key] = (cols, reading, status, alts, count)
        if len(row) > len(cols):
            warnings.append(f"active_disclosure.{key}: {len(row)} numbers, {len(cols)} expected")
    return _ad_finish(found, generation, "text", warnings)


# ==================================================================================== legacy 统计表

@dataclass
class StatRow:
    indicator: str
    unit: str | None
    toks: list[Tok]
    start: int
    raw: tuple[str, int] | None = None  # the run as printed when it is one string of digits and points
    enumerated: bool = False  # printed with an item number ("其中:1.", "2.")


def _clean_indicator(raw: str, has_unit: bool) -> tuple[str, str | None]:
    # a pure function of the label text, which recurs in every legacy report
    if len(raw) > _CACHED_TEXT_LEN:
        return _clean_indicator_uncached(raw, has_unit)
    ck = (raw, has_unit)
    hit = _INDICATORS.get(ck)
    if hit is None:
        if len(_INDICATORS) >= _CACHE_SIZE:
            _INDICATORS.clear()
        hit = _INDICATORS[ck] = _clean_indicator_uncached(raw, has_unit)
    return hit


_INDICATORS: dict = {}


def _clean_indicator_uncached(raw: str, has_unit: bool) -> tuple[str, str | None]:
    parts = [p for p in _CELL_SEPARATORS.split(raw) if p]
    parts = [p for p in parts if not STAT_HEADER_RE.fullmatch(p) and not STAT_GROUP_LINE_RE.fullmatch(p)]
    unit = None
    if has_unit and parts and parts[-1] in STAT_UNITS and len(parts) > 1:
        unit = parts.pop()
    name = "".join(parts)
    name = _STAT_HEADER_PREFIX.sub("", name)
    m = STAT_GROUP_LINE_RE.match(name)
    if m and len(name) > m.end():
        name = name[m.end():]
    if has_unit and unit is None:
        for u in sorted(STAT_UNITS, key=len, reverse=True):
            if name.endswith(u) and len(name) > len(u) + 1:
                unit, name = u, name[:-len(u)]
                break
    return name, unit


_STAT_IDS = [(f"statistics[{i}].this_year", f"statistics[{i}].cumulative") for i in range(128)]  # made once


def _stats_finish(srows: list[StatRow], has_cum: bool, glued: bool, facts: list, layout: str) -> TableRead | None:
    if not srows:
        return None
    n = 2 if has_cum else 1
    keys = [stat_key(r.indicator) for r in srows]
    options: list[list[Reading]] = []
    modes: list[str] = []
    for r in srows:
        if n == 2 and glued and r.raw is not None:
            opts = pair_readings(Tok(r.raw[0], r.raw[1], r.raw[1] + len(r.raw[0])))
            options.append(opts or [Reading([_cell(r.toks[0]), _blank(r.toks[0])], False)])
            modes.append("split")
        elif len(r.toks) == n:
            options.append([Reading([_cell(t) for t in r.toks], True)])
            modes.append("read")
        elif n == 2 and len(r.toks) == 1:
            t = r.toks[0]
            options.append([Reading([_blank(t), _cell(t)], True)])  # an empty 本年度 cell
            modes.append("inferred")
        else:
            options.append([Reading([_cell(t) for t in r.toks[:n]] + [_blank(r.toks[-1])] * max(0, n - len(r.toks)), False)])
            modes.append("uncertain")
    chosen, alts, outcome, sols = _solve_stats(keys, options, facts, _enumerated_groups(srows))
    data, evidence = [], {}
    for i, (r, reading) in enumerate(zip(srows, chosen, strict=True)):
        vals = reading.values
        entry = {"indicator": r.indicator, "unit": r.unit, "this_year": vals[0],
                 "cumulative": vals[1] if n == 2 else None, "key": keys[i]}
        data.append(entry)
        ids = _STAT_IDS[i] if i < len(_STAT_IDS) else (f"statistics[{i}].this_year", f"statistics[{i}].cumulative")
        for c, _name in enumerate(("this_year", "cumulative")[:n]):
            cell = reading.cells[c]
            a = alts.get((i, c))
            if cell.status == "inferred":
                st = "inferred"
            elif a:
                st = "uncertain"
            elif modes[i] == "split":
                st = "solved"
            elif modes[i] == "uncertain":
                st = "uncertain"
            else:
                st = "read"
            e = {"value": cell.value, "source_text": cell.text, "start": cell.start, "end": cell.end, "status": st}
            if a:
                e["alternatives"] = a
            evidence[ids[c]] = e
    warnings = []
    if outcome == "ambiguous":
        warnings.append(f"statistics: {sols} readings of the glued rows remain; the most plausible was kept")
    return TableRead("statistics", data, evidence, layout, outcome, _stat_failures(data), [], warnings, sols)


def _stat_failures(data: list[dict]) -> int:
    n = 0
    idx = {}
    for i, e in enumerate(data):
        if e["key"] and e["key"] not in idx:
            idx[e["key"]] = i
    for parent, kids in STAT_GROUPS.items():
        present = [k for k in kids if k in idx]
        if parent in idx and len(present) >= 2:
            for col in ("this_year", "cumulative"):
                if data[idx[parent]][col] is None:
                    continue
                if abs(sum(data[idx[k]][col] for k in present) - data[idx[parent]][col]) > 1e-9:
                    n += 1
    return n


def _enumerated_groups(srows: list[StatRow]) -> list[tuple[int, list[int]]]:
    """"X 其中:1.a 2.b …": the numbered sub-rows of a row, a breakdown that usually adds up."""
    groups = []
    i = 0
    while i < len(srows):
        if srows[i].indicator.startswith("其中") and srows[i].enumerated and i > 0:
            kids = [i]
            j = i + 1
            while j < len(srows) and srows[j].enumerated and not srows[j].indicator.startswith("其中"):
                kids.append(j)
                j += 1
            if len(kids) >= 2:
                groups.append((i - 1, kids))
            i = j
        else:
            i += 1
    return groups


def _solve_stats(keys: list, options: list[list[Reading]], facts: list,
                 soft_groups: list[tuple[int, list[int]]] = ()) -> tuple[list[Reading], dict, str, int]:
    amb = [i for i, o in enumerate(options) if len(o) > 1]
    chosen = [o[0] for o in options]
    if not amb:
        return chosen, {}, "read" if all(len(o) == 1 for o in options) else "solved", 1
    idx: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k and k not in idx:
            idx[k] = i
    groups = []
    for parent, kids in STAT_GROUPS.items():
        present = [idx[k] for k in kids if k in idx]
        if parent in idx and len(present) >= 2:
            groups.append((idx[parent], present))
    fact_cells = []
    for cells, value in facts:
        for cell in cells:
            m = _STAT_THIS_YEAR_CELL.match(cell)
            if m and m.group(1) in idx and len(cells) == 1:
                fact_cells.append((idx[m.group(1)], value))

    def ok(assign: list[Reading]) -> bool:
        for p, kids in groups:
            for c in range(len(assign[p].cells)):
                if sum(assign[k].cells[c].value for k in kids) != assign[p].cells[c].value:
                    return False
        return True

    sols: list[tuple[int, list[Reading]]] = []
    nodes = [0]

    def rec(j: int, cur: list[Reading], cost: int) -> None:
        if nodes[0] > 20000 or len(sols) >= 64:
            return
        nodes[0] += 1
        if j == len(amb):
            if ok(cur):
                sols.append((cost, list(cur)))
            return
        i = amb[j]
        for rank, r in enumerate(options[i]):
            cur[i] = r
            rec(j + 1, cur, cost + rank)
        cur[i] = options[i][0]

    rec(0, list(chosen), 0)
    if not sols:
        alts = {}
        for i in amb:
            for c in range(2):
                vals = sorted({r.cells[c].value for r in options[i]})
                if len(vals) > 1:
                    alts[(i, c)] = vals
        return chosen, alts, "inconsistent", 0
    for i, v in fact_cells:  # each prose fact narrows on its own; one that fits no reading is ignored
        kept = [s for s in sols if s[1][i].cells[0].value == v]
        if kept:
            sols = kept
    for p, kids in soft_groups:  # numbered breakdowns that add up are preferred, never required
        kept = [s for s in sols if all(sum(s[1][k].cells[c].value for k in kids) == s[1][p].cells[c].value
                                       for c in range(len(s[1][p].cells)))]
        if kept:
            sols = kept
    sols.sort(key=lambda s: s[0])
    best = sols[0][1]
    alts = {}
    for i in amb:
        for c in range(2):
            vals = sorted({s[1][i].cells[c].value for s in sols})
            if len(vals) > 1:
                alts[(i, c)] = vals
    return best, alts, "solved" if len(sols) == 1 else "ambiguous", len(sols)


def read_statistics_rows(rows: list[CRow], facts: list, layout: str) -> TableRead | None:
    has_cum = has_unit = False
    srows: list[StatRow] = []
    for row in rows:
        labels, tail = split_row(row)
        text = "".join(t for t, _, _ in labels)
        if _STAT_HEADER_WORDS.search(text) and not [t for t in tail if not t.blank]:
            has_cum = has_cum or "累计" in text
            has_unit = has_unit or "单位" in text
            continue
        if not labels or not tail:
            continue
        raw = " ".join(t for t, _, _ in labels)
        name, unit = _clean_indicator(raw, has_unit)
        if not name:
            continue
        srows.append(StatRow(name, unit, tail, labels[0][1]))
    if not srows:
        return None
    if not has_cum and all(len(r.toks) >= 2 for r in srows):
        has_cum = True
    return _stats_finish(srows, has_cum, False, facts, layout)


_STAT_NOISE = re.compile(
    r"^(?:[-—–_~·*]+|指标名称|计量单位|本?年度|历年累计|累计|第页(?:共页)?|[^,，。;；]{0,40}?(?:年度报告|工作年报|工作报告)"
    r"|[一二三四五六七八九十]{1,2}、[^:：,，。]{1,14}?(?:情况|统计))")


def _clean_stat_name(name: str) -> str:
    """An indicator found on the squeezed text, without what a page break or the table's own
    header and group rows left in front of it (page footer, running title, 一、主动公开情况)."""
    while True:
        m = _STAT_NOISE.match(name)
        if not m or m.end() == 0 or m.end() >= len(name):
            return name
        name = name[m.end():]


# an indicator names a count (…数, …金额, …量) or, as a sub-row, where items went out (1.网站公开 条)
_STAT_INDICATOR = re.compile(r"(.+?(?:[数额量]|公开))(万元|元|人次|条|件|次|个|篇|项|份|场|人|户|家|天)")
_STAT_HEAD = re.compile(r"^(?:指标名称|计量单位|本?年度|历年累计|累计)+")


def _statistics_columns(text: str, start: int, hi: int, facts: list) -> TableRead | None:
    """A 统计表 emitted column by column: the names under 指标名称, the units under 计量单位, then
    the 本年度 numbers and the 历年累计 numbers."""
    seg = text[start:hi]
    m_unit = _STAT_UNIT_LINE.search(seg)
    m_year = _STAT_YEAR_LINE.search(seg)
    m_cum = _STAT_CUM_LINE.search(seg)
    if not (m_unit and m_year and m_cum and m_unit.end() <= m_year.start() and m_year.end() <= m_cum.start()):
        return None
    names = []
    pos = start + seg.index("指标名称") + 4 if "指标名称" in seg else start
    for line in text[pos:start + m_unit.start()].split("\n"):
        name = line.strip()
        if name and not STAT_GROUP_LINE_RE.fullmatch(name):
            names.append((name, pos + line.index(name)))
        pos += len(line) + 1
    units = [u.strip() for u in text[start + m_unit.end():start + m_year.start()].split("\n") if u.strip()]
    this = tokens(text, start + m_year.end(), start + m_cum.start())
    rest = tokens(text, start + m_cum.end(), hi)
    if not (len(names) == len(units) == len(this)) or len(rest) < len(names):
        return None
    cum = rest[:len(names)]
    srows = [StatRow(n, u, [a, b], s0) for (n, s0), u, a, b in zip(names, units, this, cum, strict=True)]
    res = _stats_finish(srows, True, False, facts, "columns")
    return res


_STAT_LABELS: dict = {}


def _find_stat_indicators(s: str) -> list[tuple[str, str, int, int]]:
    """(name, unit, squashed start, squashed end) of each indicator, up to the first too long to be one."""
    inds = []
    for mm in _STAT_INDICATOR.finditer(s):
        name = _clean_stat_name(mm.group(1))
        if len(name) > 40:
            break
        inds.append((name, mm.group(2), mm.start(1), mm.end()))
    return inds


def read_statistics_text(text: str, lo: int, hi: int, facts: list) -> TableRead | None:
    seg = text[lo:hi]
    m = _STAT_NAME_HEADER.search(seg)
    start = lo + (m.start() if m else 0)
    head = text[start:min(hi, start + 80)]
    has_cum = bool(_STAT_CUM.search(head))
    has_unit = bool(_STAT_UNIT.search(head))
    if m and _STAT_NAME_LINE.match(seg[m.start():]) and "累计" in seg:
        cols = _statistics_columns(text, start, hi, facts)
        if cols is not None:
            return cols
    masked = mask_labels(text[start:hi])
    srows: list[StatRow] = []
    if has_unit:
        # indicators end with their unit ("…数 条", glued "…数条"); found on the text without its
        # numbers, so a label a PDF wrapped around its own numbers reads whole
        sq = Squashed(text, start, hi, digits=False)
        found = _STAT_LABELS.get(sq.s)  # a pure function of the squashed text, cached as for 表三
        if found is None:
            found = _find_stat_indicators(sq.s)
            if len(sq.s) <= _CACHED_SQUASHED_LEN:
                if len(_STAT_LABELS) >= _TEXT_CACHE_SIZE:
                    _STAT_LABELS.clear()
                _STAT_LABELS[sq.s] = found
        inds = [(name, unit, a, b) for (name, unit, _, _), (a, b) in zip(found, sq.offsets([(a, b) for _, _, a, b in found]),
                                                                         strict=True)]
        if inds:
            end = _table_end(text, masked, start, inds[-1][3], hi, label_rest=0)
            toks = tokens(text, start, end, masked[:end - start])
            runs = _split_lines(text, _runs(toks, masked, start), 2 if has_cum else 1)
            if len(runs) != len(inds):  # after-mode: a run belongs to the indicator before it
                per = [[] for _ in inds]
                for run in runs:
                    i = max((k for k, x in enumerate(inds) if x[3] <= run[0].start), default=None)
                    if i is not None and not per[i]:
                        per[i] = run
                runs = per
            for (name, unit, s0, e0), run in zip(inds, runs, strict=True):
                if not run:
                    continue
                printed = text[run[0].start:run[-1].end]
                raw = (printed, run[0].start) if _NUMBER_TEXT.fullmatch(printed) else None
                enum = bool(_ENUM_BEFORE.search(text[max(start, s0 - 4):s0])) or \
                    bool(_ENUM_INSIDE.search(text[s0:e0]))
                srows.append(StatRow(name, unit, run, s0, raw, enum))
    if not srows:
        toks = tokens(text, start, hi, masked)
        runs = _runs(toks, masked, start)
        prev = start
        for run in runs:
            raw_label = text[prev:run[0].start]
            prev = run[-1].end
            name, unit = _clean_indicator(raw_label, has_unit)
            if not name or not _CJK.search(name):
                continue
            if len(name) > 40 or (has_unit and unit is None and srows):  # prose or a signature after the table
                break
            printed = text[run[0].start:run[-1].end]
            raw = (printed, run[0].start) if _NUMBER_TEXT.fullmatch(printed) else None
            srows.append(StatRow(name, unit, run, run[0].start, raw))
    if not srows:
        return None
    single = sum(1 for r in srows if len(r.toks) == 1)
    glued = single * 2 > len(srows)
    return _stats_finish(srows, has_cum, glued, facts, "glued" if glued else "text")


__all__ = [
    "CRow", "TableRead", "grid_rows", "pipe_rows", "read_active_rows", "read_active_text",
    "read_applications_rows", "read_applications_text", "read_review_rows", "read_review_text",
    "read_statistics_rows", "read_statistics_text", "split_row",
]
