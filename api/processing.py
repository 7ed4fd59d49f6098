"""The embedded default: process files in this process or a local process pool, store results.

Used by `govdigest process`; the Celery worker calls the same `process_bytes`.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from extraction.errors import GovdigestError
from extraction.pipeline import process_bytes


@dataclass
class Outcome:
    name: str
    stem: str
    sha256: str | None
    summary: dict | None = None
    code: str | None = None
    message: str | None = None
    data: bytes | None = None
    format: str | None = None


def _run(name: str, stem: str, data: bytes) -> Outcome:
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    try:
        summary = process_bytes(data, name)
        return Outcome(name, stem, sha, summary=summary, format=summary["document"]["format"])
    except GovdigestError as exc:
        return Outcome(name, stem, sha, code=exc.code, message=exc.message)
    except Exception as exc:  # a bug must not stop the batch; the file is kept and marked
        return Outcome(name, stem, sha, code="internal_error", message=f"{type(exc).__name__}: {exc}")


def warm_worker() -> None:
    """Load the segmenter and the model once per process, before the first document."""
    from extraction import segment, themes
    from extraction.classify import active_classifier

    segment.warm()
    themes.warm()
    try:
        active_classifier()
    except GovdigestError:
        pass


def _run_packed(args):
    return _run(*args)


def run_many(items: Iterator[tuple[str, str, bytes]], jobs: int = 1) -> Iterator[Outcome]:
    """Outcomes in input order; `jobs` > 1 uses a local process pool (no broker needed)."""
    if jobs <= 1:
        warm_worker()
        for name, stem, data in items:
            yield _run(name, stem, data)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=warm_worker) as pool:
        yield from pool.map(_run_packed, items, chunksize=8)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))

