"""The embedded default: process files in this process or a local process pool, store results.

Used by `govdigest process`; the Celery worker calls the same `process_many` on its batches.
"""
from __future__ import annotations

import gc
import logging
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from extraction.errors import GovdigestError
from extraction.pipeline import process_many

# Documents per pipeline call: the classifier labels a batch in one go (about twice as fast per
# document as one at a time, measured); larger batches gain nothing and delay the progress bar.
BATCH = 16
log = logging.getLogger(__name__)


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


class OutcomeWriter:
    """Stores outcomes as they arrive, a group at a time: one `record_outcomes` and one commit per
    100 documents (a statement per table, not per document, keeps SQLite fast)."""

    GROUP = 100

    def __init__(self, url: str | None):
        from store.db import session

        self.s = session(url)
        self.pending: list = []

    def add(self, outcome: Outcome, data: bytes) -> None:
        from store.repository import NewFile

        self.pending.append(NewFile(data, outcome.name, outcome.summary, outcome.code, outcome.message,
                                    outcome.format))
        if len(self.pending) >= self.GROUP:
            self.flush()

    def flush(self) -> None:
        from store.repository import record_outcomes

        if self.pending:
            record_outcomes(self.s, self.pending)
            self.pending = []
        self.s.commit()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.s.close()


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


# A short report of our own: processing it loads what the pipeline loads lazily (cn2an alone
# is a quarter of a second of regex compiling), so the first real document does not pay for it.
WARMUP_REPORT = """某县示例局
2020年政府信息公开工作年度报告
一、总体情况
2020年，某县示例局全年主动公开政府信息12条，受理政府信息公开申请三件，办理建议十二件，围绕“放管服”改革开展工作。
二、主动公开政府信息情况
三、收到和处理政府信息公开申请情况
四、政府信息公开行政复议、行政诉讼情况
五、存在的主要问题及改进情况
一是政策解读形式单一。二是加强业务培训。
六、其他需要报告的事项
本年度未收取信息处理费。
"""

_warm = False


def warm_worker() -> None:
    """Load the segmenter, the model and everything the pipeline loads lazily, once per process,
    before the first document."""
    global _warm
    if _warm:
        return
    from extraction import segment, themes
    from extraction.classify import active_classifier

    segment.warm()
    themes.warm()
    try:
        active_classifier()
    except GovdigestError:
        pass
    try:
        process_many([(WARMUP_REPORT.encode("utf-8"), "warmup.txt")])
    except Exception:  # noqa: BLE001 - warming is an optimisation; the first document loads the rest anyway
        log.warning("warm-up document failed", exc_info=True)
    _warm = True
    # The loaded tables and model never die: moved out of the collector's sight, full collections
    # stop rescanning them (they were 110-160 ms pauses every few hundred documents).
    gc.freeze()


# Collector thresholds for bulk runs. A document leaves a few thousand short-lived dicts and lists
# and almost no cycles (~20 objects each), yet at the default (700, 10, 10) the collector ran
# ~800 times per 1,000 documents and took 0.24 ms of each document's ~4 ms; at these it runs
# ~20 times and takes 0.07-0.10 ms (measured on the bench corpus, peak RSS unchanged). Only the
# embedded path's own processes use them: a Celery worker keeps the default, where every MB of
# its pool processes counts.
BULK_GC_THRESHOLDS = (20_000, 20, 20)


@contextmanager
def bulk_gc():
    """The bulk thresholds while the block runs, the caller's again after it."""
    before = gc.get_threshold()
    gc.set_threshold(*BULK_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _warm_pool_process() -> None:
    warm_worker()
    gc.set_threshold(*BULK_GC_THRESHOLDS)  # the pool's processes do nothing but this run


def run_many(items: Iterator[tuple[str, str, bytes]], jobs: int = 1) -> Iterator[Outcome]:
    """Outcomes in input order; `jobs` > 1 uses a local process pool (no broker needed)."""
    if jobs <= 1:
        warm_worker()
        with bulk_gc():
            for batch in _batches(items, BATCH):
                yield from _run_batch(batch)
        return
    # A bounded window of batches in flight (pool.map would read every file into memory first).
    with ProcessPoolExecutor(max_workers=jobs, initializer=_warm_pool_process) as pool:
        pending: deque = deque()
        for batch in _batches(items, BATCH):
            pending.append(pool.submit(_run_batch, batch))
            if len(pending) >= 4 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))

