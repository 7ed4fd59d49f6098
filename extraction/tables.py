"""The three standard tables: 表二 (active_disclosure), 表三 (applications), 表四 (review_litigation),
and the legacy 统计表 (statistics).

Each table is located (its section, else its own header words anywhere in the body) and read
by the reader that fits how it arrived (extraction/table_layouts.py): real grids, pipe rows,
or a text stream. Ambiguous layouts go through the identity solver (extraction/solver.py).

Output beside the plain numbers (which other tools and the evaluator read unchanged):

* tables["evidence"]: cell id -> {value, source_text, start, end, status} where status is
  read (printed, taken as printed), solved (the layout allowed several readings and the
  identities left one), uncertain (several left, "alternatives" lists the values), or
  inferred (an empty cell the text layer dropped, placed by the identities).
  Cell ids: applications.<row>[<col>], review_litigation.<block>[<i>],
  active_disclosure.<row>.<column>, statistics[<i>].this_year / .cumulative.
* tables["readings"]: per table {layout, outcome read|solved|ambiguous|inconsistent,
  identities_failing, readings_left, missing}.

Legacy reports get only tables["statistics"] (list of {indicator, unit, this_year, cumulative,
key}); their gold has no 表二/三/四, and a legacy report never prints them.
"""
from __future__ import annotations

import re

from .document import Grid
from .solver import row_readings, split_plain  # noqa: F401  (re-exported for callers and tests)
from .table_layouts import (
    TableRead,
    cell_line_rows,
    grid_rows,
    pipe_rows,
    read_active_rows,
    read_active_text,
    read_applications_rows,
    read_applications_text,
    read_review_rows,
    read_review_text,
    read_statistics_rows,
    read_statistics_text,
)
from .table_template import (
    AD_FACT_CELLS,
    AD_ROWS_2019,
    AD_ROWS_2021,
    APP_ROWS_2019,
    APP_ROWS_2021,
    APPLICATION_COLUMNS,
    REVIEW_BLOCKS,
    REVIEW_COLUMNS,
    Tok,
    fact_cells,
    prose_facts,
)

__all__ = ["APP_ROWS_2019", "APP_ROWS_2021", "APPLICATION_COLUMNS", "REVIEW_BLOCKS", "REVIEW_COLUMNS",
           "application_identity_failures", "extract_tables", "parse_applications_text", "parse_review_text",
           "split_glued"]

_SIGNATURE = {
    "applications": re.compile(r"勾稽关系|本年新收政府信息公开申请|申请人情况"),
    "review_litigation": re.compile(r"结果\s*维持|维持\s*纠正|尚未\s*审结"),
    "active_disclosure": re.compile(r"第二十条第"),
    "statistics": re.compile(r"指标名称|历年累计"),
}


def _regions(text: str, sections: list, kind: str) -> list[tuple[int, int]]:
    """Where to look for a table: its section's body, then (heading lost or table elsewhere)
    from its header words to the next section start."""
    own = [(s.body_start, s.end) for s in sections if s.kind == kind]
    # a prose part named like the section may come first ("三、主动公开工作情况" in the overview)
    with_header = [r for r in own if _SIGNATURE[kind].search(text, *r)]
    if with_header:
        return with_header[:1]
    out = own[:1]
    m = _SIGNATURE[kind].search(text)
    if m:
        starts = sorted(s.start for s in sections if s.start > m.start())
        lo = max(0, m.start() - 200)
        prev = [s.end for s in sections if s.end <= m.start()]
        lo = max(lo, max(prev, default=0))
        for s in sections:
            if s.start <= m.start() < s.end and s.kind not in ("overview", "other"):
                lo = max(lo, s.body_start)
        found = (lo, starts[0] if starts else len(text))
        if found not in out:
            out.append(found)
    return out


def _read(kind: str, text: str, lo: int, hi: int, grids: list[Grid], generation: str, facts) -> TableRead | None:
    reads: list[TableRead] = []
    # the table's rows from the first layout that has them and reads: real grids, pipe rows,
    # one cell a line with blank cells
    row_sources = (("grid", lambda: [r for g in grids if lo <= g.start < hi for r in grid_rows(g, text)]),
                   ("pipe", lambda: pipe_rows(text, lo, hi)),
                   ("cells", lambda: cell_line_rows(text, lo, hi)))
    for layout, rows_of in row_sources:
        rows = rows_of()
        r = _read_rows(kind, rows, generation, facts, layout) if rows else None
        if r is not None:
            reads.append(r)
            break
    if not reads or reads[0].missing or reads[0].failures or _partial_active(reads[0], generation):
        r = _read_text(kind, text, lo, hi, generation, facts)
        if r is not None:
            reads.append(r)
    if not reads:
        return None
    if len(reads) == 1:  # score() walks every cell's evidence; nothing to compare
        return reads[0]
    # equally sure: the reading with more cells (the text around a partial table holds the rest)
    return min(reads, key=lambda r: (r.score(), -len(r.evidence)))


def _partial_active(r: TableRead, generation: str) -> bool:
    """表二 read from rows that hold only some of its blocks: a converter may have made a table
    of the first block and left the others as text lines."""
    return r.kind == "active_disclosure" and len(r.data) < len(AD_ROWS_2021 if generation == "2021" else AD_ROWS_2019)


def _read_rows(kind, rows, generation, facts, layout):
    if kind == "applications":
        return read_applications_rows(rows, facts, layout)
    if kind == "review_litigation":
        return read_review_rows(rows, facts, layout)
    if kind == "active_disclosure":
        return read_active_rows(rows, generation, layout)
    return read_statistics_rows(rows, facts, layout)


def _read_text(kind, text, lo, hi, generation, facts):
    if kind == "applications":
        return read_applications_text(text, lo, hi, facts)
    if kind == "review_litigation":
        return read_review_text(text, lo, hi, facts)
    if kind == "active_disclosure":
        return read_active_text(text, lo, hi, generation, facts)
    return read_statistics_text(text, lo, hi, facts)


def _facts_for(kind: str, facts, legacy: bool) -> list:
    out = []
    for f in facts:
        cells = _fact_cells_in(kind, f.rule, legacy)
        if cells is None or (kind == "applications" and f.with_carried):
            continue
        # 表二's entry as it stands; the readers' cells of the others in a list of their own
        out.append((cells if kind == "active_disclosure" else list(cells), f.value))
    return out


_FACT_CELLS_IN: dict[tuple, tuple | None] = {}


def _fact_cells_in(kind: str, rule: str, legacy: bool) -> tuple | None:
    """The cells of the `kind` table that a fact of `rule` names, as that table's reader takes
    them (None: none); a pure function of the three, so the cell ids are parsed once."""
    ck = (kind, rule, legacy)
    if ck in _FACT_CELLS_IN:
        return _FACT_CELLS_IN[ck]
    cells = fact_cells(rule, legacy)
    hit = None
    if kind == "active_disclosure":
        hit = AD_FACT_CELLS.get(rule)
    elif not cells:
        pass
    elif kind == "applications" and cells[0].startswith("applications."):
        hit = tuple(_app_cell(c) for c in cells)
    elif kind == "review_litigation" and cells[0].startswith("review_litigation."):
        hit = tuple(_review_index(c) for c in cells)
    elif kind == "statistics" and cells[0].startswith("statistics."):
        hit = tuple(cells)
    if len(_FACT_CELLS_IN) < 1024:  # a few kinds × a few rules
        _FACT_CELLS_IN[ck] = hit
    return hit


_APP_CELL = re.compile(r"applications\.(\w+)\[(\d)\]")
_REVIEW_CELL = re.compile(r"review_litigation\.(\w+)\[(\d)\]")


def _app_cell(cell: str) -> tuple[str, int]:
    m = _APP_CELL.match(cell)
    return m.group(1), int(m.group(2))


def _review_index(cell: str) -> int:
    m = _REVIEW_CELL.match(cell)
    return REVIEW_BLOCKS.index(m.group(1)) * 5 + int(m.group(2))


def _needs_second_opinion(r: TableRead | None) -> bool:
    if r is None:
        return True
    if r.missing or r.outcome in ("ambiguous", "inconsistent"):
        return True
    return r.failures > 0 and r.outcome != "read"


def extract_tables(text: str, sections: list, generation: str, grids: list[Grid], *,
                   figures: list[dict] | None = None, pdf_bytes: bytes | None = None) -> tuple[dict, list[str]]:
    """tables {active_disclosure, applications, review_litigation | statistics, evidence, readings}
    and warnings. `figures` (prose figures) let the solver use statements like "受理申请70件";
    `pdf_bytes` allow a second reading of a PDF's ruled tables when the text layer leaves one open."""
    legacy = generation == "legacy"
    facts = prose_facts(text, figures or [])
    kinds = ["statistics"] if legacy else ["active_disclosure", "applications", "review_litigation"]
    reads: dict[str, TableRead] = {}
    warnings: list[str] = []
    for kind in kinds:
        kf = _facts_for(kind, facts, legacy)
        for lo, hi in _regions(text, sections, kind):  # its section, then where its header words are
            r = _read(kind, text, lo, hi, grids, generation, kf)
            if r is not None and (kind not in reads or r.score() < reads[kind].score()):
                reads[kind] = r
            if r is not None and not r.missing and not r.failures:
                break
    if pdf_bytes and any(_needs_second_opinion(reads.get(k)) for k in kinds):
        _pdf_second_opinion(pdf_bytes, kinds, reads, text, sections, generation, facts, legacy)
    tables: dict = {}
    evidence: dict = {}
    meta: dict = {}
    for kind in kinds:
        r = reads.get(kind)
        if r is None or not r.data:
            continue
        tables[kind] = r.data
        evidence.update(r.evidence)
        meta[kind] = r.meta()
        warnings += r.warnings
    if tables:
        tables["evidence"] = evidence
        tables["readings"] = meta
    return tables, warnings


def _pdf_second_opinion(data: bytes, kinds, reads, text, sections, generation, facts, legacy) -> None:
    from .pdf_tables import find_grids, grids_by_kind

    try:
        by_kind = grids_by_kind(find_grids(data))
    except Exception:  # the text reading stands
        return
    for kind in kinds:
        if not _needs_second_opinion(reads.get(kind)) or kind not in by_kind:
            continue
        rows = [r for g in by_kind[kind] for r in grid_rows(g, None)]
        r = _read_rows(kind, rows, generation, _facts_for(kind, facts, legacy), "pdf_grid")
        if r is None:
            continue
        old = reads.get(kind)
        _reconcile(r, old, sections, kind)
        if old is None or r.score() < old.score():
            reads[kind] = r


def _reconcile(grid_read: TableRead, text_read: TableRead | None, sections, kind: str) -> None:
    """Cells the grid reading shares with the text reading take the text's offsets; the others
    point at the table's section and say so (`approximate`)."""
    span = next(((s.body_start, s.end) for s in sections if s.kind == kind), (0, 0))
    for cell, ev in grid_read.evidence.items():
        old = text_read.evidence.get(cell) if text_read is not None else None
        if old is not None and old["value"] == ev["value"]:
            ev["start"], ev["end"], ev["source_text"] = old["start"], old["end"], old["source_text"]
        else:
            ev["start"], ev["end"] = span
            ev["approximate"] = True


# ------------------------------------------------------------------------------------ helpers kept for callers

def split_glued(digits: str, n: int, row_total: bool = True) -> list[list[int]]:
    """All readings of a glued digit string as n cells whose first n-1 sum to the last."""
    groups = ((0, n - 1),) if row_total else ()
    if row_total:
        return [r.values for r in row_readings([Tok(digits, 0, len(digits))], n, groups) if r.ok]
    return [r.values for r in split_plain(Tok(digits, 0, len(digits)), n)]


def parse_applications_text(text: str, generation: str = "2021"):
    """表三 from plain text (a convenience for tests and tools)."""
    return read_applications_text(text, 0, len(text), [])


def parse_review_text(text: str):
    return read_review_text(text, 0, len(text), [])


def application_identity_failures(rows: dict[str, list]) -> list[str]:
    """Names of the identities (A, B, C) that do not hold."""
    from .table_template import RESULT_KEYS

    fails = []
    for c in range(7):
        try:
            a = rows["new_received"][c] + rows["carried_over"][c] == rows["total"][c] + rows["carried_forward"][c]
            b = sum(v[c] for k, v in rows.items() if k in RESULT_KEYS) == rows["total"][c]
        except (KeyError, IndexError):
            return ["incomplete"]
        if not a:
            fails.append(f"A[{c}]")
        if not b:
            fails.append(f"B[{c}]")
    for k, v in rows.items():
        if sum(v[:6]) != v[6]:
            fails.append(f"C[{k}]")
    return fails
