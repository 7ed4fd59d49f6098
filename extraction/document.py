"""Plain data passed between the pipeline stages."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Grid:
    """A real table (HTML/DOCX, or a PDF table finder), merged cells expanded.

    `rows` is rectangular: a cell spanning k columns or rows is repeated in each
    grid position it covers, and `spans` marks those repeats as (row, col) pairs
    so a reader can tell a merged label from a repeated value. Empty cells are "".
    `start`/`end` are the offsets of this table's rendering inside the document text.
    """

    rows: list[list[str]]
    start: int = 0
    end: int = 0
    spans: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class LoadedDocument:
    """What `extraction.load` returns: normalised text plus any real tables.

    `text` is NFKC-normalised with "\n" line ends. Real tables are rendered into
    the text as pipe rows (`| 一、本年新收… | 3 | 0 | … |`), one line per table row,
    so offsets stay meaningful for evidence; `tables` holds the same tables as grids.
    """

    text: str
    format: str  # txt | html | docx | pdf
    filename: str = ""
    tables: list[Grid] = field(default_factory=list)
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)
    # The file's bytes, kept only for PDFs: pdfplumber's table finder re-reads them (tables stage).
    raw: bytes | None = field(default=None, repr=False)
