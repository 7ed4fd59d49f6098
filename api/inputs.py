"""Expanding command-line inputs: files, folders (recursively) and zip archives."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from extraction.errors import GovdigestError
from extraction.load import SUPPORTED_SUFFIXES, iter_archive


@dataclass
class Input:
    name: str  # what the user sees: a path, or "archive.zip:member"
    stem: str
    data: bytes | None
    error: GovdigestError | None = None


def expand(paths: list[str], skipped: list[str] | None = None) -> Iterator[Input]:
    """Inputs in order. Inside folders only supported files are taken; the others are
    appended to `skipped` (a file named explicitly with another suffix is an error)."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file() and not x.name.startswith(".")):
                if f.suffix.lower() not in SUPPORTED_SUFFIXES:
                    if skipped is not None:
                        skipped.append(str(f))
                    continue
                yield from _file(f)
        elif p.exists():
            yield from _file(p)
        else:
            yield Input(str(p), p.stem, None, GovdigestError("empty_document", f"{p} does not exist"))


def _file(path: Path) -> Iterator[Input]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Input(str(path), _stem(path), None, GovdigestError("unsupported_format", path.suffix or "no suffix"))
        return
    data = path.read_bytes()
    if suffix == ".zip":
        try:
            for member, content in iter_archive(data, path.name):
                yield Input(f"{path}:{member}", _stem(Path(member)), content)
        except GovdigestError as exc:
            yield Input(str(path), _stem(path), None, exc)
        return
    yield Input(str(path), _stem(path), data)


def _stem(path: Path) -> str:
    return path.name[: -len(path.suffix)] if path.suffix else path.name
