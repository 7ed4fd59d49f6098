"""Turn a submitted file (.txt, .html/.htm, .docx, .pdf; .zip via `iter_archive`) into a LoadedDocument.

Every format ends in the same normal form: NFKC text (Kangxi radicals and full-width forms folded),
"\\n" line ends, no control characters except "\\n"/"\\t", no trailing spaces, at most two blank lines
in a row; only a blank cell of a table printed one cell a line stays a line holding a tab. Real tables (HTML, DOCX) become `Grid`s and are rendered into the text as pipe rows
(`| 一、本年新收… | 3 | 0 |`), one line per grid row, with `Grid.start`/`end` pointing at them.

Only user-facing `GovdigestError`s leave this module: a parser's own exception is wrapped as
`decode_error`. Whether the text is a report at all (`not_a_report`) is decided by a later stage.

The heavy parsers (pdfplumber, python-docx, BeautifulSoup, charset-normalizer) are imported lazily,
so importing this module and loading a plain-text file stay cheap.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from .document import Grid, LoadedDocument
from .errors import GovdigestError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "iter_archive",
    "load",
    "load_path",
    "max_bytes_limit",
    "nfkc",
    "normalise_text",
]

SUPPORTED_SUFFIXES = frozenset({".txt", ".html", ".htm", ".docx", ".pdf", ".zip"})
DOCUMENT_SUFFIXES = SUPPORTED_SUFFIXES - {".zip"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_BYTES_ENV = "GOVDIGEST_MAX_BYTES"

# Archive limits: total expansion relative to max_bytes, per-member compression ratio (only for
# members big enough to matter), and member count.
ZIP_TOTAL_FACTOR = 10
ZIP_MAX_RATIO = 100
ZIP_RATIO_MIN_SIZE = 64 * 1024
ZIP_MAX_MEMBERS = 10_000

# A decoded text with more than this share of U+FFFD / control characters is not text.
_MAX_BAD_SHARE = 0.05
# A lenient (errors="replace") decode is accepted only below this share of U+FFFD.
_MAX_LENIENT_SHARE = 0.01
# Share of CJK characters that must be common (GB2312 level 1 or Big5 frequent) for a guessed
# encoding to be believed; real text is ~0.97+, mojibake ~0.3.
_MIN_COMMON_SHARE = 0.7
# A PDF whose text layer holds fewer non-whitespace characters than this has no usable text.
_MIN_PDF_CHARS = 20


# --------------------------------------------------------------------------------------------
# limits and entry points


def max_bytes_limit(max_bytes: int | None = None) -> int:
    """The size limit in force: `max_bytes` if given, else $GOVDIGEST_MAX_BYTES, else the default."""
    if max_bytes is not None:
        return int(max_bytes)
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise ValueError(f"{MAX_BYTES_ENV}={raw!r} is not a whole number of bytes") from None
    if value <= 0:
        raise ValueError(f"{MAX_BYTES_ENV}={raw!r} must be positive")
    return value


def _suffix(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return os.path.splitext(base)[1].lower()


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise GovdigestError("too_large", f"{size} bytes > limit {limit}")


def load(data: bytes, filename: str, *, max_bytes: int | None = None) -> LoadedDocument:
    """Decode one document. Raises GovdigestError (never a parser's own exception)."""
    limit = max_bytes_limit(max_bytes)
    suffix = _suffix(filename)
    if suffix not in SUPPORTED_SUFFIXES:
        raise GovdigestError("unsupported_format", f"{suffix or 'no suffix'}: {filename}")
    _check_size(len(data), limit)
    if suffix == ".zip":
        raise GovdigestError(
            "unsupported_format", "a .zip is an archive, not a document: expand it with iter_archive()"
        )
    if not data:
        raise GovdigestError("empty_document", "0 bytes")
    data = bytes(data)
    try:
        if suffix == ".txt":
            doc = _load_txt(data, filename)
        elif suffix in (".html", ".htm"):
            doc = _load_html(data, filename)
        elif suffix == ".docx":
            doc = _load_docx(data, filename, limit)
        else:
            doc = _load_pdf(data, filename)
    except GovdigestError:
        raise
    except RecursionError:
        raise GovdigestError("decode_error", "document nesting too deep") from None
    except Exception as exc:  # any parser failure is the file's fault, not ours
        raise GovdigestError("decode_error", _describe(exc)) from exc
    if not doc.text.strip():
        raise GovdigestError("empty_document", "no text after decoding")
    return doc


def load_path(path: str | os.PathLike) -> LoadedDocument:
    """`load()` on a file; the size limit is checked on the file size before reading it."""
    p = Path(path)
    limit = max_bytes_limit()
    suffix = _suffix(p.name)
    if suffix not in SUPPORTED_SUFFIXES:
        raise GovdigestError("unsupported_format", f"{suffix or 'no suffix'}: {p.name}")
    _check_size(p.stat().st_size, limit)
    return load(p.read_bytes(), p.name, max_bytes=limit)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return (f"{name}: {text}" if text else name)[:300]


# --------------------------------------------------------------------------------------------
# normalisation

_LINE_BREAKS = "\r\x0b\x0c\x85\u2028\u2029"
_LINE_BREAK_RE = re.compile(f"[{_LINE_BREAKS}]")
# Control characters (except \t, \n), zero-width and bidi marks, BOM, soft hyphen, noncharacters.
_STRIP_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufdd0-\ufdef\ufff9-\ufffb]+"
)
_BLANK_LINES_RE = re.compile(r"\n{4,}")
_WS_RE = re.compile(r"\s+")
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A source line break between two CJK characters joins them (CSS Text 3 segment-break rule).
_CJK_BREAK = rf"(?<=[{_CJK}])[ \t\r\f\v\u3000\xa0]*\n\s*(?=[{_CJK}])"
# Blocks whose characters NFKC commonly rewrites in Chinese text: Latin-1, general punctuation,
# letterlike/number forms, enclosed alphanumerics (①), Kangxi radicals, CJK symbols and compatibility
# (㈠ ㎡), compatibility ideographs, vertical/small forms, full-width and half-width forms.
_NFKC_FAST_RANGES = (
    (0xA0, 0xFF),
    (0x2000, 0x2BFF),
    (0x2E80, 0x2FDF),
    (0x3000, 0x33FF),
    (0xF900, 0xFAFF),
    (0xFE10, 0xFE6F),
    (0xFF00, 0xFFEF),
)
_nfkc_fast: tuple[re.Pattern, dict[str, str]] | None = None


def _nfkc_table() -> tuple[re.Pattern, dict[str, str]]:
    global _nfkc_fast
    if _nfkc_fast is None:
        table = {}
        for lo, hi in _NFKC_FAST_RANGES:
            for o in range(lo, hi + 1):
                ch = chr(o)
                mapped = unicodedata.normalize("NFKC", ch)
                if mapped != ch:
                    table[ch] = mapped
        pattern = re.compile("[" + "".join(re.escape(ch) for ch in sorted(table)) + "]")
        _nfkc_fast = (pattern, table)
    return _nfkc_fast


_COMMON_NFKC = [(ch, unicodedata.normalize("NFKC", ch)) for ch in "，：；（）！？％\u3000\u00a0"]


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), fast for Chinese text.

    Chinese text is full of full-width punctuation, which sends CPython's NFKC down its slow path.
    Each character is first replaced by its own NFKC form from a table (this keeps the NFKC of the
    whole string unchanged); only a string that is still not normalised (combining marks, rare
    characters) goes through the full algorithm.
    """
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    # The usual full-width punctuation by str.replace (a C loop, no pattern): a Chinese report is
    # then mostly normalised already, and the pattern search below finds what is left.
    for ch, plain in _COMMON_NFKC:
        if ch in text:
            text = text.replace(ch, plain)
    if unicodedata.is_normalized("NFKC", text):
        return text
    pattern, table = _nfkc_table()
    # one search per distinct character (no list of every occurrence): all of it is replaced at
    # once, so the next search goes on from where it stood
    m = pattern.search(text)
    while m:
        ch = m.group()
        text = text.replace(ch, table[ch])
        m = pattern.search(text, m.start())
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def normalise_text(text: str) -> str:
    """NFKC, "\\n" line ends, control characters stripped, trailing spaces stripped, <= 2 blank lines."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if any(ch in text for ch in _LINE_BREAKS):  # (str.find each: a regex scan costs more)
        text = _LINE_BREAK_RE.sub("\n", text)
    text = nfkc(text)
    # every character _STRIP_RE removes is unprintable, and so are only a few others (str.isprintable
    # is one pass that needs no regex): most texts are printable but for their line ends and tabs
    if not text.replace("\n", "").replace("\t", "").isprintable():
        text = _STRIP_RE.sub("", text)
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        kept = _has_blank_cells(text)
        if kept:
            text = _mark_blank_cells(text)
        text = "\n".join([line.rstrip(" \t") for line in text.split("\n")])  # (faster than a regex)
        if kept:
            text = text.replace(_BLANK_CELL_MARK, "\t")
    if "\n\n\n\n" in text:
        text = _BLANK_LINES_RE.sub("\n\n\n", text)
    if _SPACED_RUN_RE.search(text):
        text = _SPACED_LINE_RE.sub(_join_spaced_line, text)
    return text.strip("\n")


# A crawled web table arrives one cell a line, each line opening with a tab, rows apart by an
# empty line ("\t一、本年新收…" then "\t3", "\t0", …). A cell the agency left empty is a line
# holding only whitespace with a tab: it stays as "\t", or the row loses a cell. Only in a document
# that does have blank value cells (`_has_blank_cells`), and there only a run of them that follows
# a cell line, that a number cell follows (a row of numbers without a label), or of two or more
# that the row's end follows (a row left all blank); a run before a label (the empty corner of a
# header) or a lone one between paragraphs still becomes empty lines, as in every other document.
_NUMBER_CELL_RE = re.compile(r"\t[ ]*[-+]?\d[\d.,]*[ \t]*")
_BLANK_CELL_MARK = "\t\x01"  # (control characters are gone by now: the mark cannot be in the text)


def _is_blank_cell(line: str) -> bool:
    return "\t" in line and not line.strip(" \t")


def _has_blank_cells(text: str) -> bool:
    """A blank cell line by a number cell, two or more ending a row, or a row's last cell blank
    twice (one such is the empty corner of a header: "\t其他", "\t"). Looks only at lines that
    end in a tab (str.find: most texts have none), and not at a "\t" line before a label or another
    "\t" line (a run of blank cells is judged at its last line)."""
    pos = text.find("\t\n")
    last_cells = 0
    while pos >= 0:
        # (a cell-a-line table without blank cells has dozens of these lines where merged cells
        # were, between an empty line or another such line and a label: passed over on two characters)
        if text[pos - 1:pos] in ("\n", "\t") and text[pos + 2:pos + 3] == "\t" \
                and not text[pos + 3:pos + 4].isdigit():
            pos = text.find("\t\n", pos + 2)
            continue
        start = text.rfind("\n", 0, pos) + 1
        if not text[start:pos].strip(" \t"):  # a blank cell line, text[start:pos + 1]
            prev_start = text.rfind("\n", 0, max(start - 1, 0)) + 1
            prev = text[prev_start:start - 1] if start else ""
            end = text.find("\n", pos + 2)
            after = text[pos + 2:end if end >= 0 else len(text)]
            if _NUMBER_CELL_RE.fullmatch(prev) or _NUMBER_CELL_RE.fullmatch(after):
                return True
            if not after.startswith("\t") and _is_blank_cell(prev):
                return True
            if not after and prev.startswith("\t") and prev.strip():
                last_cells += 1
                if last_cells >= 2:
                    return True
        pos = text.find("\t\n", pos + 2)
    return False


def _mark_blank_cells(text: str) -> str:
    lines = text.split("\n")
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        if not _is_blank_cell(line):
            i += 1
            continue
        j = i  # lines[i:j] is a run of blank cell lines
        while j < n and _is_blank_cell(lines[j]):
            j += 1
        after = lines[j] if j < n else ""
        if (i > 0 and lines[i - 1].startswith("\t") and lines[i - 1].strip()) or _NUMBER_CELL_RE.fullmatch(after) \
                or (j - i >= 2 and not after.startswith("\t")):
            lines[i:j] = [_BLANK_CELL_MARK] * (j - i)
        i = j
    return "\n".join(lines)


# Some PDF text layers (wide letter spacing, justified lines) space every character out:
# "政 府 信 息 公 开 工 作 年 度 报 告". Chinese puts no spaces between words, so on a line where
# most characters stand apart like this the single spaces are the extractor's, not the author's.
_CJK_CLASS = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
# (a space first, the character before it looked back at: sre skips to the spaces)
_SPACED_RUN_RE = re.compile(rf" (?<=[{_CJK_CLASS}] )[{_CJK_CLASS}] [{_CJK_CLASS}] [{_CJK_CLASS}]")
_SPACED_LINE_RE = re.compile(rf"(?m)^[^\n]*[{_CJK_CLASS}] [{_CJK_CLASS}] [{_CJK_CLASS}] [{_CJK_CLASS}][^\n]*$")
_CJK_CHAR_RE = re.compile(rf"[{_CJK_CLASS}]")
_SPACED_PAIR_RE = re.compile(rf"(?<=[{_CJK_CLASS}]) (?=[{_CJK_CLASS}])")
_SPACE_BY_CJK_RE = re.compile(rf"(?<=[{_CJK_CLASS}]) (?=\S)|(?<=\S) (?=[{_CJK_CLASS}])")
_SPACED_NUMBER_RE = re.compile(r"(?<![\d.])\d(?: \d)+(?=[年月日条件项次个篇场%万元])")


def _join_spaced_line(m: re.Match) -> str:
    line = m.group(0)
    if len(_SPACED_PAIR_RE.findall(line)) * 2 < len(_CJK_CHAR_RE.findall(line)):
        return line  # a few spaces between words or table cells ("自然人 商业企业 科研机构"): kept
    line = _SPACE_BY_CJK_RE.sub("", line)
    # "2 0 2 2年", "1 0 0条": a spaced-out number before its unit; bare numbers ("0 0 0", cells) stay apart
    return _SPACED_NUMBER_RE.sub(lambda n: n.group(0).replace(" ", ""), line)


def _norm_inline(raw: str) -> str:
    """One rendered line (HTML) or a table cell: segment breaks joined, whitespace collapsed."""
    if "\n" in raw:
        raw = re.sub(_CJK_BREAK, "", raw)  # compiled on first use (re's cache), not at import
    text = _STRIP_RE.sub("", nfkc(raw))
    return _WS_RE.sub(" ", text).strip()


def _norm_line(raw: str) -> str:
    """One DOCX paragraph line: normalised, inner spacing kept, ends trimmed."""
    text = nfkc(_LINE_BREAK_RE.sub("\n", raw))
    return _STRIP_RE.sub("", text).strip()


# --------------------------------------------------------------------------------------------
# text decoding

_BAD_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_common_cache: dict[str, bool] = {}


def _bad_share(text: str) -> float:
    """Share of U+FFFD and control characters; a handful (<= 4) is tolerated in any text."""
    bad = sum(1 for _ in _BAD_RE.finditer(text))
    return bad / len(text) if bad > 4 else 0.0


def _is_cjk(o: int) -> bool:
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


def _is_common(ch: str) -> bool:
    hit = _common_cache.get(ch)
    if hit is None:
        hit = False
        try:
            b = ch.encode("gb2312")
            hit = 0xB0 <= b[0] <= 0xD7  # GB2312 level 1: the 3755 most frequent characters
        except UnicodeEncodeError:
            pass
        if not hit:
            try:
                b = ch.encode("big5")
                hit = 0xA440 <= (b[0] << 8 | b[1]) <= 0xC67E  # Big5 frequently used characters
            except UnicodeEncodeError:
                pass
        _common_cache[ch] = hit
    return hit


def _common_share(text: str, limit: int = 400) -> tuple[int, float]:
    """(number of CJK characters looked at, share of them that are common characters)."""
    cjk = common = 0
    for ch in text:
        if _is_cjk(ord(ch)):
            cjk += 1
            common += _is_common(ch)
            if cjk >= limit:
                break
    return cjk, (common / cjk if cjk else 1.0)


def _plausible(text: str) -> bool:
    if _bad_share(text) > _MAX_BAD_SHARE:
        return False
    cjk, share = _common_share(text)
    return cjk == 0 or share >= _MIN_COMMON_SHARE


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _canonical_encoding(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'").lower()).name
    except LookupError:
        return None
    if codec in ("gb2312", "gbk", "gb18030", "cp936", "hz"):
        return "gb18030"  # superset: pages declaring GB2312 routinely hold GBK characters
    if codec in ("big5", "cp950"):
        return "big5hkscs"
    if codec.startswith(("utf-16", "utf-32")):
        return None  # a meta tag readable as ASCII cannot be in UTF-16 (HTML spec: treat as UTF-8)
    return codec


def _utf16_by_nuls(data: bytes) -> str | None:
    """UTF-16 without BOM: ASCII characters leave NULs at odd (LE) or even (BE) positions."""
    n = len(data) - len(data) % 2
    even, odd = data[0:n:2].count(0), data[1:n:2].count(0)
    # (Chinese characters U+xx00 put a NUL on the other side too, so only ask for a majority;
    # the plausibility of the decoded characters is the real test.)
    if max(even, odd) < 2 or even == odd:
        return None
    encoding = "utf-16-le" if odd > even else "utf-16-be"
    text = _strict(data[:n], encoding)
    return text if text is not None and _plausible(text) else None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str, list[str]]:
    """(text, encoding, warnings). Never assumes an encoding; raises decode_error if nothing fits."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            text = _strict(body, encoding)
            if text is not None:
                return text, encoding + "-bom", []
            text = body.decode(encoding, "replace")
            if _bad_share(text) <= _MAX_LENIENT_SHARE:
                return text, encoding + "-bom", [f"invalid {encoding} bytes replaced by U+FFFD"]
            raise GovdigestError("decode_error", f"byte-order mark says {encoding} but the bytes are not")
    if data.find(0, 0, 65536) >= 0:
        text = _utf16_by_nuls(data)
        if text is not None:
            return text, "utf-16", []
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8", []
    text = _strict(data, "gb18030")
    if text is not None and _plausible(text):
        return text, "gb18030", []
    declared = _canonical_encoding(declared)
    if declared and declared not in ("utf-8", "gb18030"):
        text = _strict(data, declared)
        if text is not None and _plausible(text):
            return text, declared, []
    if len(data) % 2 == 0:
        for encoding in ("utf-16-le", "utf-16-be"):
            text = _strict(data, encoding)
            if text is not None and _common_share(text)[0] and _plausible(text):
                return text, encoding, []
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        text = str(best)
        if _plausible(text):
            return text, best.encoding, []
    # Last resort: a mostly valid file with a few broken bytes (e.g. truncated mid-character).
    candidates = []
    for encoding in dict.fromkeys(e for e in (declared, "utf-8", "gb18030") if e):
        text = data.decode(encoding, "replace")
        candidates.append((text.count("\ufffd"), encoding, text))
    count, encoding, text = min(candidates, key=lambda c: c[0])
    if count / max(len(text), 1) <= _MAX_LENIENT_SHARE and _plausible(text):
        return text, encoding, [f"{count} invalid {encoding} byte sequence(s) replaced by U+FFFD"]
    raise GovdigestError("decode_error", "no text encoding fits (binary data?)")


def _check_text_quality(text: str) -> None:
    if _bad_share(text) > _MAX_BAD_SHARE:
        raise GovdigestError("decode_error", "too many replacement or control characters: not text")


_MAGIC = (
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a ZIP/DOCX archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office (.doc/.xls) file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an executable"),
    (b"{\\rtf", "an RTF file"),
)


_MAGIC_PREFIXES = tuple(magic for magic, _ in _MAGIC)


def _refuse_binary(data: bytes, suffix: str) -> None:
    head = data[:16]
    if not head.startswith(_MAGIC_PREFIXES):
        return
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise GovdigestError("decode_error", f"named {suffix} but the content is {what}")


# --------------------------------------------------------------------------------------------
# .txt

_HTML_START_RE = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)


def _load_txt(data: bytes, filename: str) -> LoadedDocument:
    _refuse_binary(data, ".txt")
    text, _encoding, notes = decode_bytes(data)
    _check_text_quality(text)
    if _HTML_START_RE.match(text[:2048]):
        doc = _html_document(text, filename)
        doc.warnings.insert(0, "named .txt but the content is HTML: parsed as HTML")
        doc.warnings.extend(notes)
        return doc
    return LoadedDocument(text=normalise_text(_drop_markdown_headings(_drop_page_furniture(text))), format="txt",
                          filename=filename, warnings=notes)


# Text converted to Markdown ("## 一、总体情况", "### （一）…") keeps the heading marks in front
# of the headings, where they hide the numbering from the outline and stick to the agency name;
# bold marks around a heading hide it the same way.
_MD_HEADING = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+(?=\S)")


def _drop_markdown_headings(text: str) -> str:
    if "**" in text:  # bold: "**一、总体情况**" (no Chinese text writes "**")
        text = text.replace("**", "")
    if "#" not in text or len(_MD_HEADING.findall(text, 0, 20_000)) < 2:
        return text
    return _MD_HEADING.sub("", text)


# Text saved from a PDF keeps its pages: form feeds (pdftotext) or marker lines ("=== page 3 ===",
# "--- Page 3 ---"), page numbers at their edges, and a tool's notes in brackets. Left in, a
# footer's digits land among a table's numbers when a table crosses a page.
_PAGE_MARKER_RE = re.compile(r"[=\-#*~]{2,}\s*(?:page\s*\d{1,4}|第\s*\d{1,4}\s*页)\s*[=\-#*~]{2,}", re.I)
_MARKER_RUNS = ("==", "--", "##", "**", "~~")
_DASH_AT_LINE_END = re.compile(r"[\-‐‑‒–—―−─━~－页]\s*(?:\n|$)")
_LINE_END_DASHES = frozenset("-‐‑‒–—―−─━~－页")  # _DASH_AT_LINE_END's characters


def _furniture_hint(text: str) -> bool:
    """A page marker's run, or a line ending in _DASH_AT_LINE_END's dash: most texts have neither.
    (Substring tests and a rstrip per line: a regex scan with a character class at every
    position cost ~40 µs a report, measured.)"""
    return (any(m in text for m in _MARKER_RUNS)
            or any(line.rstrip()[-1:] in _LINE_END_DASHES for line in text.split("\n")))
_LONE_PAGE_NUMBER = re.compile(
    r"(?m)^[ \t\u3000]*(?:[\-‐‑‒–—―−─━~－]+[ \t\u3000]*\d{1,4}[ \t\u3000]*[\-‐‑‒–—―−─━~－]+"
    r"|第[ \t\u3000]*\d{1,4}[ \t\u3000]*页[ \t\u3000]*[,，/、]?[ \t\u3000]*共[ \t\u3000]*\d{1,4}[ \t\u3000]*页)"
    r"[ \t\u3000]*(?:\n|$)"
)
_TOOL_NOTE_RE = re.compile(r"\[[^\u3000-\u9fff\uff00-\uffef\[\]]*\]")  # no CJK inside: "[2 table(s) detected]"


def _drop_page_furniture(text: str) -> str:
    if "\f" not in text:
        if not _furniture_hint(text):
            return text
        if not (any(m in text for m in _MARKER_RUNS) and _PAGE_MARKER_RE.search(text)):
            # no page breaks kept (text copied out of a PDF viewer): a line that is only a dashed
            # page number ("- 3 -", "—3—") or "第3页 共9页" is still a footer, wherever it stands
            if _DASH_AT_LINE_END.search(text):
                text = _LONE_PAGE_NUMBER.sub("", text)
            return text  # (substring tests first: a regex scan of every text costs more)
    pages: list[list[str | None]] = [[]]
    for line in text.replace("\f", "\n\f\n").split("\n"):
        if line == "\f" or _PAGE_MARKER_RE.fullmatch(line.strip()):
            pages.append([])
        else:
            pages[-1].append(line)
    if len(pages) < 2:
        return text
    for lines in pages:
        idx = [k for k, line in enumerate(lines) if line.strip()]
        for k in set(idx[:2] + idx[-2:]):
            if _TOOL_NOTE_RE.fullmatch(lines[k].strip()):
                lines[k] = None
    _strip_page_numbers(pages)
    return "\n".join("\n".join(ln for ln in lines if ln is not None) for lines in pages)


# --------------------------------------------------------------------------------------------
# rendering shared by HTML and DOCX: lines plus grids


class _Builder:
    """Collects normalised lines and tables; tracks offsets of each table's rendering."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.length = -1  # length of "\n".join(lines); -1 while empty
        self.tables: list[Grid] = []

    def add(self, line: str) -> None:
        if line:
            self.lines.append(line)
            self.length += len(line) + 1

    def add_grid(self, origins: list[list[tuple[int, int] | None]], texts: dict) -> None:
        origins, texts = _drop_padding(origins, texts)
        width = max((len(r) for r in origins), default=0)
        rows: list[list[str]] = []
        spans: set[tuple[int, int]] = set()
        rendered: list[str] = []
        for r, row in enumerate(origins):
            row = row + [None] * (width - len(row))
            cells = []
            shown: list[str] = []
            previous = None
            for c, origin in enumerate(row):
                cells.append(texts.get(origin, "") if origin is not None else "")
                if origin is not None and origin != (r, c):
                    spans.add((r, c))
                if origin is None or origin != previous:
                    shown.append(cells[-1])
                previous = origin
            rows.append(cells)
            rendered.append("| " + " | ".join(shown) + " |")
        start = self.length + 1
        for line in rendered:
            self.add(line)
        self.tables.append(Grid(rows=rows, start=start, end=self.length, spans=spans))

    def text(self) -> str:
        return "\n".join(self.lines)


_NUMBER_TEXT_RE = re.compile(r"[-+]?\d[\d.,]*%?")


def _drop_padding(origins: list[list], texts: dict) -> tuple[list[list], dict]:
    """A CMS page's spacer rows (empty, merged or short of cells) go; so do columns empty from top to bottom at
    either edge when header rows stand above the numbers: padding, not a column of zeros. Inner
    blank columns stay (zeros between filled columns), and so do the blank columns of a table
    without header rows (the body half of a split table)."""
    width = max((len(r) for r in origins), default=0)
    grid = [row + [None] * (width - len(row)) for row in origins]

    def blank(o) -> bool:
        return o is None or not texts.get(o, "")

    def spacer(r: int, row: list) -> bool:
        # a row of separate empty cells may be a row of zeros, and so may a <tr> with no cells
        # at all (a converter dropping the empty cells of a zero row): both stay
        own = [c for c, o in enumerate(row) if o == (r, c)]
        return all(blank(o) for o in row) and bool(own) and len(own) < len(row)

    rows = [r for r, row in enumerate(grid) if not spacer(r, row)]
    if not rows:
        return origins, texts
    cols = list(range(width))
    first_numbers = next((i for i, r in enumerate(rows)
                          if any(o is not None and _NUMBER_TEXT_RE.fullmatch(texts.get(o, "")) for o in grid[r])), 0)
    if first_numbers > 0:
        filled = [c for c in cols if not all(blank(grid[r][c]) for r in rows)]
        cols = list(range(filled[0], filled[-1] + 1))
    if len(rows) == len(grid) and len(cols) == width:
        return origins, texts
    moved: dict = {}
    new_texts: dict = {}
    new_origins: list[list] = []
    for i, r in enumerate(rows):
        out = []
        for j, c in enumerate(cols):
            o = grid[r][c]
            if o is not None and o not in moved:
                moved[o] = (i, j)
                new_texts[(i, j)] = texts.get(o, "")
            out.append(None if o is None else moved[o])
        new_origins.append(out)
    return new_origins, new_texts


def _is_layout_table(origins: list[list], texts: dict) -> bool:
    """A one-column table, or one with a page of prose in a cell, frames content: not data."""
    width = max((len(r) for r in origins), default=0)
    if width <= 1:
        return True
    return any(len(t) > 1000 for t in texts.values())


# --------------------------------------------------------------------------------------------
# .html / .htm

_META_CHARSET_RE = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING_RE = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_:.\-]+)""", re.I)
_LOOKS_HTML_RE = re.compile(r"<(?:!doctype|html|head|body|meta|title|div|p|br|table|span|h[1-6])[\s/>]", re.I)

_DROP_TAGS = frozenset(
    "script style noscript iframe template svg canvas object embed audio video select option button "
    "textarea input head title meta link".split()
)
_CHROME_TAGS = frozenset(["nav", "header", "footer", "aside", "form"])
_CHROME_ATTR_RE = re.compile(
    r"nav|menu|header|footer|foot\b|breadcrumb|crumb|share|sidebar|toolbar|copyright", re.I
)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CONTENT_ATTR_RE = re.compile(r"content|article|main|zoom|trs_editor|detail|zhengwen|text", re.I)
_CONTENT_TAGS = ("div", "article", "td", "section", "main")
_TITLE_ATTR_RE = re.compile(r"title|tit\b|\bbt\b", re.I)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td "
    "tfoot th thead tr ul".split()
)


def _attr_text(el) -> str:
    attrs = el.attrs or {}
    cls = attrs.get("class") or []
    if isinstance(cls, str):
        cls = [cls]
    return " ".join([*cls, str(attrs.get("id") or "")])


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if _is_cjk(ord(ch)))


def _load_html(data: bytes, filename: str) -> LoadedDocument:
    _refuse_binary(data, _suffix(filename))
    head = data[:4096]
    match = _META_CHARSET_RE.search(head) or _XML_ENCODING_RE.search(head)
    declared = match.group(1).decode("ascii", "replace") if match else None
    text, _encoding, notes = decode_bytes(data, declared)
    _check_text_quality(text)
    if not _LOOKS_HTML_RE.search(text[:65536]):
        notes.append("named .html but holds no HTML markup: read as plain text")
        return LoadedDocument(text=normalise_text(text), format="txt", filename=filename, warnings=notes)
    doc = _html_document(text, filename)
    doc.warnings.extend(notes)
    return doc


def _html_document(text: str, filename: str) -> LoadedDocument:
    from bs4 import BeautifulSoup

    if text.lstrip().startswith("<?xml"):
        text = re.sub(r"\A\s*<\?xml[^>]*\?>", "", text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bs4's "looks like a URL/XML" hints are not errors here
        soup = BeautifulSoup(text, "lxml")
    root = soup.body or soup
    for el in root.find_all(_DROP_TAGS):
        el.decompose()
    _drop_chrome(root)
    container = _main_container(root)
    builder = _Builder()
    title = _outside_title(root, container) if container is not root else None
    title = title or _head_title(soup, container)
    if title:
        builder.add(title)
    _render_html(container, builder)
    return LoadedDocument(text=builder.text(), format="html", filename=filename, tables=builder.tables)


def _drop_chrome(root) -> None:
    total = _cjk_count(root.get_text())
    doomed = []
    for el in root.find_all(True):
        if el.name in _CHROME_TAGS or el.has_attr("hidden") or _HIDDEN_STYLE_RE.search(str(el.get("style") or "")):
            by_tag = True  # a hidden copy of the article (mobile view), a hidden share text: not shown
        elif _CHROME_ATTR_RE.search(_attr_text(el)):
            by_tag = False
        else:
            continue
        doomed.append((el, by_tag))
    for el, by_tag in doomed:
        if el.decomposed or _detached(el, root):
            continue
        body = el.get_text()
        # A "chrome" element holding most of the page is a wrapper (e.g. an ASP.NET <form>).
        if total and _cjk_count(body) > 0.5 * total:
            continue
        if not by_tag and any("报告" in h.get_text() for h in el.find_all(["h1", "h2", "h3"])):
            continue  # e.g. <div class="article-header"><h1>…年度报告</h1>
        el.decompose()


def _detached(el, root) -> bool:
    for parent in el.parents:
        if parent is root:
            return False
        if getattr(parent, "decomposed", False):
            return True
    return root is not None and el is not root


def _leaf_tables(el) -> list:
    """Tables that look like report data (not a calendar or a visitor counter): rows, digits, labels."""
    found = []
    for t in el.find_all("table"):
        if t.find("table") is not None or len(t.find_all("tr")) < 3:
            continue
        text = t.get_text()
        if re.search(r"\d", text) and _cjk_count(text) >= 20:
            found.append(t)
    return found


def _main_container(root):
    """The content element holding most of the Chinese text (and every data table), else root."""
    total = _cjk_count(root.get_text())
    if not total:
        return root
    best, best_count = None, 0
    for el in root.find_all(_CONTENT_TAGS):
        if el.name not in ("article", "main") and not _CONTENT_ATTR_RE.search(_attr_text(el)):
            continue
        count = _cjk_count(el.get_text())
        if count > best_count:
            best, best_count = el, count
    if best is None or best_count < 0.4 * total:
        return root
    tables = _leaf_tables(root)
    while best is not root and best.parent is not None:
        inside = {id(t) for t in _leaf_tables(best)}
        if all(id(t) in inside for t in tables):
            break
        best = best.parent
    return best


def _outside_title(root, container) -> str | None:
    inside = {id(el) for el in container.find_all(True)} | {id(container)}
    candidates = root.find_all(["h1", "h2", "h3"]) + [
        el for el in root.find_all(["div", "p", "span", "td"]) if _TITLE_ATTR_RE.search(_attr_text(el))
    ]
    for el in candidates:
        if id(el) in inside or any(id(p) == id(container) for p in el.parents):
            continue
        title = _norm_inline(el.get_text(" "))
        if "报告" in title and len(title) <= 100:
            if title not in _norm_inline(container.get_text(" "))[:300]:
                return title
            return None
    return None


_HEAD_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜]|--|——|\s-\s)\s*")
_REPORT_NAMED = re.compile(r"年度报告|年报|工作报告")


def _head_title(soup, container) -> str | None:
    """The page's <title> ("某某局2022年政府信息公开工作年度报告_某某县人民政府", site name cut off)
    when the body names no report near its top: some pages print the report's name nowhere else."""
    if soup.title is None:
        return None
    parts = _HEAD_TITLE_SPLIT.split(_norm_inline(soup.title.get_text(" ")))
    name = next((p for p in parts if "报告" in p and ("信息公开" in p or "政务公开" in p)), None)
    if not name or len(name) > 100 or _names_report_at_top(container, name):
        return None
    return name


def _names_report_at_top(container, name: str) -> bool:
    """The body's first lines hold the report's name: a short line calling itself a report (the
    title, "二〇二二年度报告"); a preamble sentence citing "年度报告编制工作" or naming the report
    ("由办公室编制的某镇2008年度…报告。") is not one."""
    seen = 0
    for raw in container.get_text("\n").split("\n"):
        line = _norm_inline(raw)
        if not line:
            continue
        if len(line) <= 80 and "。" not in line and _REPORT_NAMED.search(line):
            return True
        seen += len(line)
        if seen >= 300:
            break
    return False


def _html_raw_text(el) -> str:
    """Text of an element with "\\n" at block boundaries and <br> (for table cells)."""
    from bs4 import NavigableString, Tag

    parts: list[str] = []
    stack: list = [el]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            parts.append(node)  # a block-boundary marker pushed below
            continue
        if isinstance(node, Tag):
            if node.name == "br":
                parts.append("\n")
                continue
            block = node.name in _BLOCK_TAGS
            if block:
                parts.append("\n")
                stack.append("\n")
            stack.extend(reversed(node.contents))
        elif type(node) is NavigableString:
            parts.append(str(node))
    return "".join(parts)


def _html_grid(table) -> tuple[list[list], dict] | None:
    origins: dict[tuple[int, int], tuple[int, int]] = {}
    texts: dict[tuple[int, int], str] = {}
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    nrows = len(rows)
    width = 0
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in origins:
                c += 1
            colspan = _span(cell.get("colspan"), 1000)
            rowspan = _span(cell.get("rowspan"), 65534)
            if rowspan == 0:
                rowspan = nrows - r
            rowspan = max(1, min(rowspan, nrows - r))
            colspan = max(1, colspan)
            texts[(r, c)] = _norm_inline(_html_raw_text(cell))
            for dr in range(rowspan):
                for dc in range(colspan):
                    origins.setdefault((r + dr, c + dc), (r, c))
            c += colspan
            width = max(width, c)
    if not origins:
        return None
    width = max(width, max(c for _, c in origins) + 1)
    grid = [[origins.get((r, c)) for c in range(width)] for r in range(nrows)]
    return grid, texts


def _span(value, cap: int) -> int:
    try:
        return min(int(str(value).strip().rstrip(";")), cap)
    except (TypeError, ValueError):
        return 1


def _render_html(container, builder: _Builder) -> None:
    from bs4 import NavigableString, Tag

    parts: list[str] = []

    def flush() -> None:
        if parts:
            builder.add(_norm_inline("".join(parts)))
            parts.clear()

    end = object()
    stack: list = [container]
    while stack:
        node = stack.pop()
        if node is end:
            flush()
            continue
        if isinstance(node, Tag):
            name = node.name
            if name == "br":
                flush()
                continue
            if name == "table" and node.find("table") is None:
                flush()
                grid = _html_grid(node)
                if grid is not None and not _is_layout_table(*grid):
                    caption = node.find("caption")
                    if caption is not None:
                        builder.add(_norm_inline(_html_raw_text(caption)))
                    builder.add_grid(*grid)
                    continue
                # a layout table: render its cells as blocks
            if name == "pre":
                flush()
                for line in normalise_text(node.get_text()).split("\n"):
                    builder.add(line.strip())
                continue
            if name in _BLOCK_TAGS:
                flush()
                stack.append(end)
            stack.extend(reversed(node.contents))
        elif type(node) is NavigableString:  # not Comment, CData, Doctype, …
            parts.append(str(node))
    flush()


# --------------------------------------------------------------------------------------------
# .docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC, _T = _W + "p", _W + "tbl", _W + "tr", _W + "tc", _W + "t"
_SDT, _SDT_CONTENT, _CUSTOM_XML = _W + "sdt", _W + "sdtContent", _W + "customXml"
_VAL = _W + "val"
_SKIP_IN_PARAGRAPH = frozenset(
    [_W + "del", _W + "moveFrom", _MC_FALLBACK, _W + "instrText", _W + "delText", _W + "rPr", _W + "pPr"]
)
_WRAPPERS = (_SDT, _CUSTOM_XML, _SDT_CONTENT)


def _docx_check(data: bytes, limit: int) -> zipfile.ZipFile:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise GovdigestError("decode_error", "this is a legacy Word 97-2003 file (.doc): save it as .docx")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise GovdigestError("decode_error", f"not a .docx (not a ZIP package: {_describe(exc)})") from None
    if "word/document.xml" not in names:
        raise GovdigestError("decode_error", "not a .docx (no word/document.xml in the package)")
    total = sum(info.file_size for info in zf.infolist())
    if total > ZIP_TOTAL_FACTOR * limit:
        raise GovdigestError("zip_unsafe", f"the .docx package expands to {total} bytes")
    return zf


def _load_docx(data: bytes, filename: str, limit: int) -> LoadedDocument:
    zf = _docx_check(data, limit)
    notes: list[str] = []
    try:
        import docx

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = docx.Document(io.BytesIO(data))
        body = document.element.body
        numbering = _Numbering(
            _part_element(lambda: document.part.numbering_part.element),
            _part_element(lambda: document.styles.element),
        )
    except Exception as exc:  # e.g. a .dotx/.docm content type python-docx refuses: read the XML
        body, numbering = _raw_docx(zf)
        notes.append(f"python-docx refused the package ({_describe(exc)}); read word/document.xml directly")
    builder = _Builder()
    _docx_blocks(body, builder, numbering, 0)
    return LoadedDocument(
        text=builder.text(), format="docx", filename=filename, tables=builder.tables, warnings=notes
    )


def _part_element(getter):
    try:
        return getter()
    except Exception:
        return None


def _raw_docx(zf: zipfile.ZipFile):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)

    def part(name):
        try:
            return etree.fromstring(zf.read(name), parser)
        except KeyError:
            return None

    root = part("word/document.xml")
    body = root.find(_W + "body") if root is not None else None
    if body is None:
        raise GovdigestError("decode_error", "word/document.xml has no body")
    return body, _Numbering(part("word/numbering.xml"), part("word/styles.xml"))


def _docx_blocks(container, builder: _Builder, numbering, depth: int) -> None:
    for child in container:
        tag = child.tag
        if tag == _P:
            for line in _docx_paragraph(child, numbering).split("\n"):
                builder.add(_norm_line(line))
        elif tag == _TBL:
            _docx_table(child, builder, numbering, depth)
        elif tag in _WRAPPERS:
            _docx_blocks(child, builder, numbering, depth)


def _docx_paragraph(p, numbering) -> str:
    parts: list[str] = []
    label = numbering.label(p) if numbering is not None else ""
    if label:
        parts.append(label)
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        tag = el.tag
        if el is _PARA_END:
            parts.append("\n")
            continue
        if not isinstance(tag, str) or tag in _SKIP_IN_PARAGRAPH:
            continue
        if tag == _T:
            parts.append(el.text or "")
        elif tag in (_W + "tab", _W + "ptab"):
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        elif tag == _P:  # a paragraph inside a text box
            parts.append("\n")
            stack.append(_PARA_END)
            stack.extend(reversed(list(el)))
        else:
            stack.extend(reversed(list(el)))
    return "".join(parts)


_PARA_END = object()  # marks the end of a text-box paragraph while walking a paragraph


def _docx_cell_text(tc, numbering) -> str:
    lines = []
    for child in _iter_wrapped(tc, _P):
        lines.append(_docx_paragraph(child, numbering))
    return _norm_inline("\n".join(lines))


def _iter_wrapped(parent, tag):
    """Children of `parent` with `tag`, looking through sdt/customXml wrappers."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _iter_wrapped(child, tag)


def _prop_val(el, *path) -> str | None:
    for name in path:
        if el is None:
            return None
        el = el.find(_W + name)
    return None if el is None else el.get(_VAL, "")


def _docx_table(tbl, builder: _Builder, numbering, depth: int) -> None:
    nested = depth < 20 and tbl.find(".//" + _TBL) is not None
    if not nested:
        origins, texts = _docx_grid(tbl, numbering)
        if origins and not _is_layout_table(origins, texts):
            builder.add_grid(origins, texts)
            return
    for tr in _iter_wrapped(tbl, _TR):
        for tc in _iter_wrapped(tr, _TC):
            _docx_blocks(tc, builder, numbering, depth + 1)


def _docx_grid(tbl, numbering) -> tuple[list[list], dict]:
    origins: list[list] = []
    texts: dict[tuple[int, int], str] = {}
    open_vmerge: dict[int, tuple[int, int]] = {}
    for r, tr in enumerate(_iter_wrapped(tbl, _TR)):
        row: list = []
        before = _int(_prop_val(tr, "trPr", "gridBefore"), 0)
        row.extend([None] * before)
        for tc in _iter_wrapped(tr, _TC):
            c = len(row)
            tcpr = tc.find(_W + "tcPr")
            span = max(1, _int(_prop_val(tcpr, "gridSpan"), 1))
            vmerge = _prop_val(tcpr, "vMerge")
            hmerge = _prop_val(tcpr, "hMerge")
            if vmerge is not None and vmerge != "restart" and c in open_vmerge:
                origin = open_vmerge[c]
            elif hmerge is not None and hmerge != "restart" and row and row[-1] is not None:
                origin = row[-1]
            else:
                origin = (r, c)
                texts[origin] = _docx_cell_text(tc, numbering)
            if vmerge is None:
                for k in range(c, c + span):
                    open_vmerge.pop(k, None)
            else:
                open_vmerge[c] = origin
            row.extend([origin] * span)
        origins.append(row)
    return origins, texts


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


_CN_DIGITS = "零一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def _roman(n: int) -> str:
    out = []
    for value, numeral in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out.append(numeral)
            n -= value
    return "".join(out)


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


def _format_number(n: int, fmt: str) -> str:
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
        "ideographLegalTraditional",
        "chineseLegalSimplified",
    ):
        return _chinese_number(n)
    if fmt == "ideographTraditional":
        return "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    return str(n)


class _Numbering:
    """Word's automatic list numbering (一、 （一） 1. …), which python-docx does not render."""

    def __init__(self, numbering, styles) -> None:
        self.levels: dict[
            str, dict[int, tuple[str, str, int]]
        ] = {}  # abstractNumId -> ilvl -> fmt, text, start
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> abstractNumId, start overrides
        self.styles: dict[
            str, tuple[str | None, str | None, str | None]
        ] = {}  # styleId -> numId, ilvl, basedOn
        self.counters: dict[str, list[int]] = {}
        self.started: set[str] = set()
        if numbering is not None:
            for abstract in numbering.iter(_W + "abstractNum"):
                levels = {}
                for lvl in abstract.iter(_W + "lvl"):
                    ilvl = _int(lvl.get(_W + "ilvl"), 0)
                    levels[ilvl] = (
                        _prop_val(lvl, "numFmt") or "decimal",
                        _prop_val(lvl, "lvlText") or "",
                        _int(_prop_val(lvl, "start"), 1),
                    )
                self.levels[abstract.get(_W + "abstractNumId", "")] = levels
            for num in numbering.iter(_W + "num"):
                overrides = {}
                for override in num.iter(_W + "lvlOverride"):
                    start = _prop_val(override, "startOverride")
                    if start is not None:
                        overrides[_int(override.get(_W + "ilvl"), 0)] = _int(start, 1)
                self.nums[num.get(_W + "numId", "")] = (_prop_val(num, "abstractNumId") or "", overrides)
        if styles is not None and self.nums:
            for style in styles.iter(_W + "style"):
                ppr = style.find(_W + "pPr")
                self.styles[style.get(_W + "styleId", "")] = (
                    _prop_val(ppr, "numPr", "numId"),
                    _prop_val(ppr, "numPr", "ilvl"),
                    _prop_val(style, "basedOn"),
                )

    def _style_numbering(self, style_id: str | None) -> tuple[str | None, str | None]:
        seen = set()
        while style_id and style_id not in seen and style_id in self.styles:
            seen.add(style_id)
            num_id, ilvl, based_on = self.styles[style_id]
            if num_id is not None:
                return num_id, ilvl
            style_id = based_on
        return None, None

    def label(self, p) -> str:
        if not self.nums:
            return ""
        ppr = p.find(_W + "pPr")
        if ppr is None:
            return ""
        num_id = _prop_val(ppr, "numPr", "numId")
        ilvl_s = _prop_val(ppr, "numPr", "ilvl")
        if num_id is None:
            num_id, style_ilvl = self._style_numbering(_prop_val(ppr, "pStyle"))
            ilvl_s = ilvl_s if ilvl_s is not None else style_ilvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract_id, overrides = self.nums[num_id]
        levels = self.levels.get(abstract_id)
        ilvl = _int(ilvl_s, 0)
        if not levels or ilvl not in levels:
            return ""
        if ilvl >= 9:
            return ""
        counters = self.counters.setdefault(abstract_id, [None] * 9)
        if num_id not in self.started:
            self.started.add(num_id)
            for level in overrides:
                if 0 <= level < 9:
                    counters[level] = None

        def start(level: int) -> int:
            return overrides.get(level, levels.get(level, ("", "", 1))[2])

        counters[ilvl] = start(ilvl) if counters[ilvl] is None else counters[ilvl] + 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = None
        fmt, text, _ = levels[ilvl]
        if fmt in ("bullet", "none") and "%" not in text:
            return "" if fmt == "bullet" else text

        def repl(m: re.Match) -> str:
            level = int(m.group(1)) - 1
            value = counters[level] if counters[level] is not None else start(level)
            return _format_number(value, levels.get(level, ("decimal", "", 1))[0])

        label = re.sub(r"%([1-9])", repl, text)
        if label and label[-1].isalnum():
            label += " "
        return label


# --------------------------------------------------------------------------------------------
# .pdf

_DASHES = r"\-‐‑‒–—―−─━~·•"
_PAGE_DECORATED = (
    rf"[{_DASHES}]+\s*\d{{1,4}}\s*[{_DASHES}]+"
    r"|第\s*\d{1,4}\s*页(?:\s*[,/、]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[,/、]?\s*第\s*\d{1,4}\s*页"
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?"
)
_PAGE_BARE_RE = re.compile(r"(\d{1,4})(?:\s*/\s*(\d{1,4}))?")
_CID_RE = re.compile(r"\(cid:\d+\)")


def _is_encryption_error(exc: BaseException) -> bool:
    seen = set()
    todo: list = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen or not isinstance(e, BaseException):
            continue
        seen.add(id(e))
        if re.search(r"password|encrypt", type(e).__name__, re.I):
            return True
        todo.extend([e.__cause__, e.__context__, *e.args])
    return False


def _load_pdf(data: bytes, filename: str) -> LoadedDocument:
    if b"%PDF" not in data[:1024]:
        raise GovdigestError("decode_error", "named .pdf but the content does not start with %PDF")
    import pdfplumber

    page_texts: list[str] = []
    image_only: list[int] = []
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            pdf = pdfplumber.open(io.BytesIO(data))
        except Exception as exc:
            if _is_encryption_error(exc):
                raise GovdigestError("encrypted_pdf", "a password is required to open it") from None
            if b"/Encrypt" in data:
                raise GovdigestError(
                    "encrypted_pdf", f"has /Encrypt and could not be opened ({_describe(exc)})"
                ) from None
            raise GovdigestError("decode_error", f"corrupt PDF ({_describe(exc)})") from None
        try:
            pages = len(pdf.pages)
            for number, page in enumerate(pdf.pages, 1):
                text = page.extract_text() or ""
                if not text.strip() and page.images:
                    image_only.append(number)
                page_texts.append(text)
                page.close()
        except Exception as exc:
            if _is_encryption_error(exc):
                raise GovdigestError("encrypted_pdf", _describe(exc)) from None
            raise GovdigestError("decode_error", f"corrupt PDF ({_describe(exc)})") from None
        finally:
            pdf.close()
    for w in caught:
        notes.append(f"pdf: {w.category.__name__}: {w.message}"[:200])

    joined = "".join(page_texts)
    junk = len(_CID_RE.findall(joined)) + joined.count("\ufffd")
    visible = len(_WS_RE.sub("", _CID_RE.sub("", joined)).replace("\ufffd", ""))
    if visible < _MIN_PDF_CHARS:
        detail = (
            "glyphs without Unicode mapping" if junk else f"{visible} characters of text on {pages} page(s)"
        )
        raise GovdigestError("no_text_layer", detail)
    if junk > 0.3 * (visible + junk):
        raise GovdigestError(
            "no_text_layer", f"{junk} glyphs have no Unicode mapping: the text layer is unreadable"
        )
    if image_only and len(image_only) * 2 > pages:
        raise GovdigestError("no_text_layer", f"{len(image_only)} of {pages} pages are images without text")
    if image_only:
        notes.append(f"page(s) {', '.join(map(str, image_only))} hold images but no text (scanned?)")
    if junk:
        notes.append(f"{junk} glyph(s) without Unicode mapping dropped")
        page_texts = [_CID_RE.sub("", t).replace("\ufffd", "") for t in page_texts]

    lines_per_page = [normalise_text(t).split("\n") for t in page_texts]
    _strip_page_numbers(lines_per_page)
    _strip_running_heads(lines_per_page)
    text = normalise_text(
        "\n".join("\n".join(ln for ln in lines if ln is not None) for lines in lines_per_page)
    )
    return LoadedDocument(text=text, format="pdf", filename=filename, pages=pages, warnings=notes, raw=data)


def _strip_page_numbers(pages: list[list[str | None]]) -> None:
    """Blank out page-number lines ("- 3 -", "第3页 共5页", "3/5", a bare "3") at page edges, in place.

    Decorated forms go when among a page's first or last two lines. A bare number (or "n/m") is
    only dropped as a page's first or last line when it agrees with the page index the same way on
    at least two pages (or it is "1" on a one-page document), so a table value at a page edge stays.
    """
    bare: list[tuple[int, int, int]] = []
    for i, lines in enumerate(pages):
        idx = [k for k, line in enumerate(lines) if line and line.strip()]
        for k in set(idx[:2] + idx[-2:]):
            if re.fullmatch(_PAGE_DECORATED, lines[k].strip(), re.I):
                lines[k] = None
        idx = [k for k in idx if lines[k] is not None]
        for k in {idx[0], idx[-1]} if idx else ():
            m = _PAGE_BARE_RE.fullmatch(lines[k].strip())
            if m and (m.group(2) is None or int(m.group(1)) <= int(m.group(2))):
                bare.append((i, k, int(m.group(1)) - (i + 1)))
    if not bare:
        return
    offset, count = Counter(o for _, _, o in bare).most_common(1)[0]
    if count >= 2 or (len(pages) == 1 and offset == 0):
        for i, k, o in bare:
            if o == offset:
                pages[i][k] = None


def _running_key(line: str) -> str:
    return _WS_RE.sub("", line)


def _strip_running_heads(pages: list[list[str | None]]) -> None:
    """Blank out a running header or footer (the agency name or the report title printed at the
    top or bottom of every page), in place.

    A page's first (last) line is one when the same line is the first (last) line of at least two
    pages and of at least 60% of the pages after the first, on full pages (five lines or more a
    page on average). Page 1 keeps it (there
    it is often the title itself) unless the next line repeats it (the agency name over a title
    that starts with it).
    """
    filled = sum(1 for lines in pages for line in lines if line is not None and line.strip())
    if len(pages) < 2 or filled < 5 * len(pages):
        return
    for edge in (0, -1):
        where: dict[str, list[tuple[int, int]]] = {}
        for i, lines in enumerate(pages):
            idx = [k for k, line in enumerate(lines) if line is not None and line.strip()]
            if idx:
                k = idx[edge]
                key = _running_key(lines[k])
                if _cjk_count(key) >= 2:
                    where.setdefault(key, []).append((i, k))
        for hits in where.values():
            later = [(i, k) for i, k in hits if i > 0]
            if len(hits) >= 2 and later and len(later) >= 0.6 * (len(pages) - 1):
                for i, k in later:
                    pages[i][k] = None
                if edge == 0 and hits[0][0] == 0:
                    k = hits[0][1]
                    rest = [ln for ln in pages[0][k + 1:] if ln is not None and ln.strip()]
                    if rest and _running_key(pages[0][k]) in _running_key(rest[0]):
                        pages[0][k] = None


# --------------------------------------------------------------------------------------------
# .zip


def _member_name(info: zipfile.ZipInfo) -> str:
    """Member names without the UTF-8 flag are often GBK (Chinese Windows tools), read as CP437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            return name
        for encoding in ("utf-8", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
    return name


def _unsafe_name(name: str) -> bool:
    norm = name.replace("\\", "/")
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm) or "\x00" in norm:
        return True
    return any(part == ".." for part in norm.split("/"))


def iter_archive(data: bytes, filename: str, *, max_bytes: int | None = None) -> Iterator[tuple[str, bytes]]:
    """Yield (member name, bytes) for each supported document in a .zip.

    The whole archive is checked before anything is yielded: absolute or parent ("..") member names,
    a total expansion over 10 x max_bytes, a member compressed more than 100:1 (members over 64 KiB),
    or more than 10,000 members raise zip_unsafe. Nested archives and unsupported members are
    skipped, as are macOS resource forks and Office lock files. A member larger than max_bytes is
    yielded cut to max_bytes + 1 bytes, so `load()` reports too_large without it being inflated.
    """
    limit = max_bytes_limit(max_bytes)
    suffix = _suffix(filename)
    if suffix != ".zip":
        raise GovdigestError("unsupported_format", f"{filename}: iter_archive() reads .zip archives only")
    _check_size(len(data), limit)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise GovdigestError("decode_error", f"corrupt ZIP archive ({_describe(exc)})") from None
    if len(infos) > ZIP_MAX_MEMBERS:
        raise GovdigestError("zip_unsafe", f"{len(infos)} members")
    total = 0
    members: list[tuple[zipfile.ZipInfo, str]] = []
    for info in infos:
        name = _member_name(info)
        if _unsafe_name(name):
            raise GovdigestError("zip_unsafe", f"unsafe member name {name!r}")
        total += info.file_size
        if total > ZIP_TOTAL_FACTOR * limit:
            raise GovdigestError("zip_unsafe", f"expands to more than {ZIP_TOTAL_FACTOR} x {limit} bytes")
        if info.file_size > ZIP_RATIO_MIN_SIZE and info.file_size > ZIP_MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise GovdigestError(
                "zip_unsafe", f"{name!r} is compressed {info.file_size // max(info.compress_size, 1)}:1"
            )
        if info.is_dir():
            continue
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if name.startswith("__MACOSX/") or base.startswith(("._", "~$")):
            continue
        if _suffix(name) in DOCUMENT_SUFFIXES:
            members.append((info, name))
    for info, name in members:
        if info.flag_bits & 0x1:
            raise GovdigestError("decode_error", f"{name!r} is password-protected inside the archive")
        try:
            with zf.open(info) as handle:
                content = handle.read(limit + 1)
        except GovdigestError:
            raise
        except Exception as exc:
            raise GovdigestError("decode_error", f"{name!r}: {_describe(exc)}") from None
        yield name, content
