"""The body of an extract task: a chunk of document ids through the same pipeline as `govdigest process`.

Kept apart from Celery so it can be called (and tested) directly. For each id:
liveness lock -> claim (attempt counted, committed) -> `extraction.pipeline.process_bytes` on the
stored original -> `save_summary` / `save_failure` (committed) -> unlock. A bad document ends
`failed` with its code and the chunk goes on.
"""
from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.orm import Session

from extraction.errors import GovdigestError
from extraction.pipeline import PIPELINE_VERSION, process_bytes
from store import queue
from store.db import database_url, engine
from store.repository import now, save_failure, save_summary

from .settings import Settings, settings

log = logging.getLogger("govdigest.worker")

_locks: dict[str, queue.LivenessLocks] = {}


def liveness_locks(url: str) -> queue.LivenessLocks:
    locks = _locks.get(url)
    if locks is None:
        locks = _locks[url] = queue.LivenessLocks(url)
    return locks


def reset_after_fork() -> None:
    """In a new pool process: forget connections and locks inherited from the parent (never close them)."""
    _locks.clear()


@dataclass
class ChunkResult:
    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # already done/failed, or held by a live worker
    crashed: list[int] = field(default_factory=list)  # set aside as worker_crash now
    remaining: list[int] = field(default_factory=list)  # not reached: the caller enqueues them again

    def as_dict(self) -> dict:
        return {k: len(v) for k, v in self.__dict__.items()}


# A redelivered message may reach a document a moment before the database has noticed that the
# previous holder's connection is gone; wait this long for its liveness lock before skipping it.
REDELIVERED_LOCK_WAIT = 3.0


def process_chunk(ids: list[int], *, url: str | None = None, cfg: Settings | None = None,
                  redelivered: bool = False) -> ChunkResult:
    """Process `ids` in order. Stops taking new documents after `cfg.chunk_budget` seconds and returns
    the rest in `remaining`; a soft time limit inside a document fails that document with `timeout`.
    `redelivered`: the message came back from a dead worker (wait briefly for its locks to be freed)."""
    cfg = cfg or settings()
    url = database_url(url)
    locks = liveness_locks(url)
    result = ChunkResult()
    t0 = time.monotonic()
    # One connection for the whole chunk: no pool checkout, ping and reset around every transaction.
    conn = engine(url).connect()
    s = Session(bind=conn, expire_on_commit=False)
    try:
        for k, doc_id in enumerate(ids):
            if k and time.monotonic() - t0 > cfg.chunk_budget:
                result.remaining = list(ids[k:])
                break
            try:
                _one(s, locks, int(doc_id), cfg, result, REDELIVERED_LOCK_WAIT if redelivered else 0.0)
            except SoftTimeLimitExceeded:
                # the document in hand failed with `timeout` (or, if the limit struck between two
                # database steps, is handed on: its liveness lock is free, the next task takes it over)
                result.remaining = list(ids[k + 1:] if doc_id in result.failed else ids[k:])
                break
    finally:
        s.close()
        conn.close()
    return result


def _acquire(locks: queue.LivenessLocks, doc_id: int, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while not locks.acquire(doc_id):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def _one(s, locks: queue.LivenessLocks, doc_id: int, cfg: Settings, result: ChunkResult, wait: float) -> None:
    if not _acquire(locks, doc_id, wait):
        result.skipped.append(doc_id)  # a live process is on it; if it dies, its message comes back
        return
    try:
        c = queue.claim(s, doc_id, pipeline_version=PIPELINE_VERSION, max_attempts=cfg.max_attempts)
        if c.state == "crashed":
            log.warning("document %s set aside as worker_crash after %s attempts", doc_id, c.attempts)
            result.crashed.append(doc_id)
            return
        if c.state != "claimed":
            result.skipped.append(doc_id)
            return
        _test_hooks(cfg, c.filename)
        try:
            outcome = _run_pipeline(c)
        except SoftTimeLimitExceeded:
            s.rollback()
            detail = f"the task's soft time limit of {cfg.soft_time_limit:g} s struck in this document"
            if _finish(s, doc_id, c, ("timeout", GovdigestError("timeout", detail).message)):
                result.failed.append(doc_id)
            raise
        if _finish(s, doc_id, c, outcome):
            (result.done if isinstance(outcome, dict) else result.failed).append(doc_id)
        else:
            result.skipped.append(doc_id)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        s.rollback()
        raise
    finally:
        locks.release(doc_id)
        s.expunge_all()


def _run_pipeline(c: queue.Claim) -> dict | tuple[str, str]:
    try:
        return process_bytes(c.data, c.filename)
    except GovdigestError as exc:
        return exc.code, exc.message
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:  # a bug must not stop the chunk; the document is kept and marked
        log.exception("internal error on document %s", c.filename)
        return "internal_error", GovdigestError("internal_error", f"{type(exc).__name__}: {exc}"[:1000]).message


def _finish(s, doc_id: int, c: queue.Claim, outcome) -> bool:
    """Write the result if this attempt still owns the document (one transaction)."""
    doc = queue.owned(s, doc_id, c.attempts)
    if doc is None:
        s.rollback()
        log.warning("document %s was taken over while attempt %s ran; result dropped", doc_id, c.attempts)
        return False
    if isinstance(outcome, dict):
        save_summary(s, doc, outcome)
        timings = dict(outcome["pipeline"].get("timings_ms") or {})
    else:
        save_failure(s, doc, outcome[0], outcome[1], PIPELINE_VERSION)
        timings = {}
    finished = now()
    timings["worker_ms"] = round((finished - c.started_at).total_seconds() * 1000, 3)
    if c.queued_at is not None:
        queued_at = c.queued_at if c.queued_at.tzinfo else c.queued_at.replace(tzinfo=finished.tzinfo)
        timings["queue_wait_ms"] = round(max(0.0, (c.started_at - queued_at).total_seconds()) * 1000, 3)
    timings["attempts"] = c.attempts
    doc.timings = timings
    doc.updated_at = finished
    s.commit()
    return True


def _test_hooks(cfg: Settings, filename: str | None) -> None:
    """GOVDIGEST_TEST_CRASH_ON / GOVDIGEST_TEST_TASK_DELAY, for the fault tests only."""
    if cfg.test_crash_on and filename and cfg.test_crash_on in filename:
        log.error("GOVDIGEST_TEST_CRASH_ON matches %s: killing this worker process", filename)
        os.kill(os.getpid(), signal.SIGKILL)
    if cfg.test_task_delay:
        time.sleep(cfg.test_task_delay)
