"""The embedded default: process files in this process or a local process pool, store results.

Used by `govdigest process`; the Celery worker calls the same `process_many` on its batches.
"""
from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from extraction.errors import GovdigestError
from extraction.pipeline import process_many

# Documents per pipeline call: the classifier labels a batch in one go (about twice as fast per
# document as one at a time, measured); larger batches gain nothing and delay the progress bar.
BATCH = 16


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


def _run_batch(batch: list[tuple[str, str, bytes]]) -> list[Outcome]:
    import hashlib

    outcomes = []
    results = process_many([(data, name) for name, _, data in batch])
    for (name, stem, data), result in zip(batch, results, strict=True):
        sha = hashlib.sha256(data).hexdigest()
        if isinstance(result, dict):
            outcomes.append(Outcome(name, stem, sha, summary=result, format=result["document"]["format"]))
        elif isinstance(result, GovdigestError):
            outcomes.append(Outcome(name, stem, sha, code=result.code, message=result.message))
        else:  # a bug must not stop the batch; the file is kept and marked
            outcomes.append(Outcome(name, stem, sha, code="internal_error",
                                    message=f"{type(result).__name__}: {result}"))
    return outcomes


def _batches(items: Iterator[tuple[str, str, bytes]], size: int) -> Iterator[list[tuple[str, str, bytes]]]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


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
    # The loaded tables and model never die: moved out of the collector's sight, full collections
    # stop rescanning them (they were 110-160 ms pauses every few hundred documents).
    gc.freeze()


def run_many(items: Iterator[tuple[str, str, bytes]], jobs: int = 1) -> Iterator[Outcome]:
    """Outcomes in input order; `jobs` > 1 uses a local process pool (no broker needed)."""
    if jobs <= 1:
        warm_worker()
        for batch in _batches(items, BATCH):
            yield from _run_batch(batch)
        return
    # A bounded window of batches in flight (pool.map would read every file into memory first).
    with ProcessPoolExecutor(max_workers=jobs, initializer=warm_worker) as pool:
        pending: deque = deque()
        for batch in _batches(items, BATCH):
            pending.append(pool.submit(_run_batch, batch))
            if len(pending) >= 4 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))

