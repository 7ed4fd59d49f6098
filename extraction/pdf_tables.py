"""Ruled tables of a PDF as Grids, from pdfplumber's table finder.

Optional second opinion for the tables stage: the text layer is read first (it is cheap
and keeps offsets); when that reading leaves a standard table missing or undecided, the
page tables found here are read as grids and reconciled with it. pdfplumber reports a cell
covered by a merged cell as None; such cells become "" and are marked in `spans`, like the
repeats of a merged HTML cell.
"""
from __future__ import annotations

import io
import re
import unicodedata
import warnings

from .document import Grid


def _norm(cell: str | None) -> str:
    if cell is None:
        return ""
    t = unicodedata.normalize("NFKC", cell)
    # wrapped cell text: a line break inside a cell joins (CJK has no spaces)
    return re.sub(r"\s*\n\s*", "", t).strip()


def find_grids(data: bytes, max_pages: int = 40) -> list[Grid]:
    """Every table pdfplumber finds, page by page, as a Grid (start = end = 0: no text offsets)."""
    import pdfplumber

    grids: list[Grid] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages[:max_pages]:
                try:
                    found = page.extract_tables()
                except Exception:  # a malformed page: the text reading stands
                    found = []
                for table in found:
                    width = max((len(r) for r in table), default=0)
                    if width < 2:
                        continue
                    rows, spans = [], set()
                    for r, row in enumerate(table):
                        row = list(row) + [None] * (width - len(row))
                        out = []
                        for c, cell in enumerate(row):
                            if cell is None:
                                spans.add((r, c))
                                out.append("")
                            else:
                                out.append(_norm(cell))
                        rows.append(out)
                    grids.append(Grid(rows=rows, spans=spans))
                page.close()
    return grids


_KIND_WORDS = {
    "applications": re.compile(r"本年新收|上年结转|予以公开|部分公开|国家秘密|不掌握|信访|重复申请|总计|结转下年度|勾稽|自然人"),
    "review_litigation": re.compile(r"行政复议|行政诉讼|结果维持|结果纠正|尚未审结|复议后起诉"),
    "active_disclosure": re.compile(r"第二十条|规范性文件|行政许可|行政处罚|行政强制|行政事业性收费|集中采购"),
    "statistics": re.compile(r"指标名称|历年累计|计量单位"),
}


def classify(grid: Grid) -> str | None:
    text = "".join("".join(r) for r in grid.rows)
    scores = {k: len(p.findall(text)) for k, p in _KIND_WORDS.items()}
    kind = max(scores, key=lambda k: scores[k])
    return kind if scores[kind] >= 2 else None


def grids_by_kind(grids: list[Grid]) -> dict[str, list[Grid]]:
    """Page tables grouped into the standard tables; a table continued on the next page
    (same width, no header of another kind) joins the one before it."""
    out: dict[str, list[Grid]] = {}
    prev_kind = None
    prev_width = None
    for g in grids:
        kind = classify(g)
        width = len(g.rows[0]) if g.rows else 0
        if kind is None and prev_kind is not None:
            # the rest of a table on the next page: same width, or a few rows of the same table
            # (the table finder sees fewer columns when a merged label is cut off)
            text = "".join("".join(r) for r in g.rows)
            if width == prev_width or (len(g.rows) <= 3 and _KIND_WORDS[prev_kind].search(text)):
                kind = prev_kind
        if kind is None:
            prev_kind, prev_width = None, None
            continue
        out.setdefault(kind, []).append(g)
        prev_kind, prev_width = kind, width
    return out
