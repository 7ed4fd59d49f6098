"""The body of an extract task: a chunk of document ids through the same pipeline as `govdigest process`.

Kept apart from Celery so it can be called (and tested) directly. A chunk is worked through in
batches of up to `BATCH` documents:
liveness locks (one round trip) -> claim those waiting for their first attempt (attempts counted,
one committed transaction) -> `extraction.pipeline.process_many` over them -> `save_summaries` /
`save_failure` for those this attempt still owns (one committed transaction) -> unlock.
A document whose last attempt was cut short (its worker died, or a time limit struck in its
batch) is claimed and processed alone: a document that kills its worker costs its batch one
attempt once, then only itself. A bad document ends `failed` with its code and the chunk goes on.
"""
from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from extraction.errors import GovdigestError
from extraction.pipeline import PIPELINE_VERSION, process_bytes, process_many
from store import queue
from store.db import database_url, engine
from store.repository import now, save_failure, save_summaries

from .settings import Settings, settings

log = logging.getLogger("govdigest.worker")

# Documents per pipeline call and per pair of claim/write transactions: the classifier labels a
# batch in one call, and the database work (claim, lock, write, two commits) is per batch. Two
# batches per default chunk of 50. Measured on 2,000 reports (bench/celery_bench.py): 8 -> 25 took
# one worker from 144 to 220 reports/s; the pool process peaks at 291 MB RSS (a larger batch holds
# more at once: 25 cost ~8 MB over 8 before the classifier's lookup tables were slimmed).
BATCH = 25

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


def batches(ids: list[int], size: int = BATCH) -> list[list[int]]:
    """`ids` in the fewest batches of at most `size`, evened out (50 -> 13 + 13 + 12 + 12, not 16 x 3 + 2)."""
    if not ids:
        return []
    count = -(-len(ids) // max(1, size))
    step = -(-len(ids) // count)
    return [ids[k:k + step] for k in range(0, len(ids), step)]


def process_chunk(ids: list[int], *, url: str | None = None, cfg: Settings | None = None,
                  redelivered: bool = False, batch_size: int = BATCH) -> ChunkResult:
    """Process `ids` in order, in batches. Takes no new batch after `cfg.chunk_budget` seconds and
    returns the rest in `remaining`; after the soft time limit struck, everything not settled yet
    is in `remaining` too. `redelivered`: the message came back from a dead worker (wait briefly
    for its locks to be freed)."""
    cfg = cfg or settings()
    url = database_url(url)
    locks = liveness_locks(url)
    result = ChunkResult()
    ids = [int(i) for i in ids]
    wait = REDELIVERED_LOCK_WAIT if redelivered else 0.0
    t0 = time.monotonic()
    # One connection for the whole chunk: no pool checkout, ping and reset around every transaction.
    conn = engine(url).connect()
    _prefer_lz4(conn)
    s = Session(bind=conn, expire_on_commit=False)
    start = 0
    try:
        for part in batches(ids, batch_size):
            if start and time.monotonic() - t0 > cfg.chunk_budget:
                result.remaining = ids[start:]
                break
            try:
                _batch(s, locks, part, cfg, result, wait)
            except SoftTimeLimitExceeded:
                # Unreached documents are still queued; one in hand is `processing` with a free
                # lock, which the next task takes over (alone). Either way: hand them on.
                settled = {*result.done, *result.failed, *result.skipped, *result.crashed}
                result.remaining = [i for i in ids[start:] if i not in settled]
                break
            start += len(part)
    finally:
        s.close()
        conn.close()
    return result


def _prefer_lz4(conn) -> None:
    """A summary is ~40 KB of JSON, which PostgreSQL compresses as it stores it: lz4 does that in
    about half the server CPU of the default pglz (measured). A session setting, once per
    connection: no server setting or migration needed; a server without lz4 keeps pglz."""
    if conn.dialect.name != "postgresql" or conn.info.get("govdigest_lz4") is not None:
        return
    try:
        conn.exec_driver_sql("SET default_toast_compression = 'lz4'")
        conn.commit()
        conn.info["govdigest_lz4"] = True
    except DBAPIError:
        conn.rollback()
        conn.info["govdigest_lz4"] = False


def _acquire(locks: queue.LivenessLocks, part: list[int], wait: float) -> list[int]:
    """The liveness locks of `part` that this process could take (each id once, in order)."""
    held = set(locks.acquire_many(part))
    missing = [i for i in dict.fromkeys(part) if i not in held]
    deadline = time.monotonic() + wait
    while missing and time.monotonic() < deadline:
        time.sleep(0.1)
        held.update(locks.acquire_many(missing))
        missing = [i for i in missing if i not in held]
    return [i for i in dict.fromkeys(part) if i in held]


def _batch(s, locks: queue.LivenessLocks, part: list[int], cfg: Settings, result: ChunkResult, wait: float) -> None:
    held = _acquire(locks, part, wait)
    taken: set[int] = set()
    for doc_id in part:
        if doc_id in taken or doc_id not in held:
            result.skipped.append(doc_id)  # a live process is on it (if it dies, its message comes back), or a repeat
        taken.add(doc_id)
    try:
        claims = queue.claim_many(s, held, pipeline_version=PIPELINE_VERSION)
        if claims:
            _run(s, [(i, claims[i]) for i in held if i in claims], cfg, result)
        for doc_id in held:
            if doc_id not in claims:
                _alone(s, doc_id, cfg, result)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        s.rollback()
        raise
    finally:
        locks.release_many(held)
        s.expunge_all()


def _alone(s, doc_id: int, cfg: Settings, result: ChunkResult) -> None:
    """A document that is not waiting for its first attempt: done or failed already (skipped), or
    `processing` with nobody alive on it (taken over, or set aside after too many attempts)."""
    c = queue.claim(s, doc_id, pipeline_version=PIPELINE_VERSION, max_attempts=cfg.max_attempts)
    if c.state == "crashed":
        log.warning("document %s set aside as worker_crash after %s attempts", doc_id, c.attempts)
        result.crashed.append(doc_id)
    elif c.state != "claimed":
        result.skipped.append(doc_id)
    else:
        _run(s, [(doc_id, c)], cfg, result)


def _run(s, group: list[tuple[int, queue.Claim]], cfg: Settings, result: ChunkResult) -> None:
    """Claimed documents through the pipeline, their results written in one transaction."""
    for _, c in group:
        _test_hooks(cfg, c.filename)
    outcomes = _pipeline([c for _, c in group])
    cut_short = False
    write = []
    for (doc_id, c), outcome in zip(group, outcomes, strict=True):
        if outcome is None or isinstance(outcome, SoftTimeLimitExceeded):
            cut_short = True
            if outcome is not None and len(group) == 1:
                detail = f"the task's soft time limit of {cfg.soft_time_limit:g} s struck in this document"
                write.append((doc_id, c, ("timeout", GovdigestError("timeout", detail).message)))
            # in a batch the limit may have struck in a neighbour's stage: not a verdict on this
            # document, which is handed on and tried again alone
            continue
        write.append((doc_id, c, outcome))
    written = _finish(s, write)
    for doc_id, _, outcome in write:
        if doc_id not in written:
            result.skipped.append(doc_id)
        else:
            (result.done if isinstance(outcome, dict) else result.failed).append(doc_id)
    if cut_short:
        raise SoftTimeLimitExceeded()


Outcome = dict | tuple[str, str] | SoftTimeLimitExceeded | None  # None: not reached


def _pipeline(claims: list[queue.Claim]) -> list[Outcome]:
    try:
        results: list = process_many([(c.data, c.filename) for c in claims])
    except SoftTimeLimitExceeded as exc:
        return [exc] * len(claims)
    except Exception:  # a bug outside the stages: each document alone, so the error lands on its own
        log.exception("batch of %d failed as a whole; processing its documents one by one", len(claims))
        results = []
        for c in claims:
            try:
                results.append(process_bytes(c.data, c.filename))
            except SoftTimeLimitExceeded as exc:
                results.append(exc)
                break
            except Exception as exc:  # noqa: BLE001 - mapped to its code below
                results.append(exc)
        results += [None] * (len(claims) - len(results))
    return [_outcome(c, r) for c, r in zip(claims, results, strict=True)]


def _outcome(c: queue.Claim, result) -> Outcome:
    if result is None or isinstance(result, dict | SoftTimeLimitExceeded):
        return result
    if isinstance(result, GovdigestError):
        return result.code, result.message
    # a bug must not stop the chunk; the document is kept and marked
    log.error("internal error on document %s", c.filename, exc_info=result)
    return "internal_error", GovdigestError("internal_error", f"{type(result).__name__}: {result}"[:1000]).message


def _finish(s, items: list[tuple[int, queue.Claim, dict | tuple[str, str]]]) -> set[int]:
    """Write the results of the documents this attempt still owns (one transaction); returns their ids."""
    if not items:
        return set()
    docs = queue.owned_many(s, {doc_id: c.attempts for doc_id, c, _ in items})
    finished = now()
    summaries = []
    for doc_id, c, outcome in items:
        doc = docs.get(doc_id)
        if doc is None:
            log.warning("document %s was taken over while attempt %s ran; result dropped", doc_id, c.attempts)
            continue
        timings = dict(outcome["pipeline"].get("timings_ms") or {}) if isinstance(outcome, dict) else {}
        # from claim to write: with a batch, the whole batch's time (`batch` says how many shared it)
        timings["worker_ms"] = round((finished - c.started_at).total_seconds() * 1000, 3)
        timings["batch"] = len(items)
        if c.queued_at is not None:
            queued_at = c.queued_at if c.queued_at.tzinfo else c.queued_at.replace(tzinfo=finished.tzinfo)
            timings["queue_wait_ms"] = round(max(0.0, (c.started_at - queued_at).total_seconds()) * 1000, 3)
        timings["attempts"] = c.attempts
        if isinstance(outcome, dict):
            summaries.append((doc_id, outcome, {"timings": timings, "updated_at": finished}))
        else:
            save_failure(s, doc, outcome[0], outcome[1], PIPELINE_VERSION)
            doc.timings = timings
            doc.updated_at = finished
    save_summaries(s, summaries)
    s.commit()
    return set(docs)


def _test_hooks(cfg: Settings, filename: str | None) -> None:
    """GOVDIGEST_TEST_CRASH_ON / GOVDIGEST_TEST_TASK_DELAY, for the fault tests only."""
    if cfg.test_crash_on and filename and cfg.test_crash_on in filename:
        log.error("GOVDIGEST_TEST_CRASH_ON matches %s: killing this worker process", filename)
        os.kill(os.getpid(), signal.SIGKILL)
    if cfg.test_task_delay:
        time.sleep(cfg.test_task_delay)
