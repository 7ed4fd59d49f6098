"""The publishing side: store and commit first, then hand document ids to the broker in chunks.

Used by `govdigest submit`, `retry-failed`, `requeue`, the periodic sweep and the benchmark.
A broker that cannot be reached never loses a document: the rows are committed as `queued`
before anything is published, and ids that were not published keep `queued_at` NULL, which the
sweep (`govdigest requeue`, or the Celery beat entry) enqueues later.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from extraction.pipeline import PIPELINE_VERSION
from store import queue
from store.repository import get_or_create_batch, now, store_files

from .settings import settings

log = logging.getLogger("govdigest.enqueue")

# Submissions are spread over at least this many tasks when they are small, so every worker gets a share.
MIN_TASKS = 16
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# `submit` stores a round early once its files add up to this many bytes: what it holds in memory.
ROUND_BYTES = 64 * 1024 * 1024


def chunks(ids: list[int], chunk_size: int | None = None) -> list[list[int]]:
    """Ids in tasks of at most `chunk_size` (GOVDIGEST_CHUNK_SIZE); small sets in smaller tasks."""
    if not ids:
        return []
    limit = chunk_size or settings().chunk_size
    size = max(1, min(limit, math.ceil(len(ids) / MIN_TASKS)))
    return [ids[k:k + size] for k in range(0, len(ids), size)]


def publish(ids: list[int], *, chunk_size: int | None = None) -> tuple[list[int], Exception | None]:
    """Send `ids` to the extract queue. Returns the ids sent and the error that stopped sending."""
    from .tasks import extract

    sent: list[int] = []
    if not ids:
        return sent, None
    try:
        with extract.app.producer_or_acquire() as producer:
            for part in chunks(ids, chunk_size):
                extract.apply_async(args=[part], producer=producer, retry=True, retry_policy=PUBLISH_RETRY)
                sent.extend(part)
    except Exception as exc:  # broker down or unreachable: what was not sent stays queued in the DB
        log.info("broker unreachable after %d of %d ids: %s", len(sent), len(ids), exc)
        return sent, exc
    return sent, None


def enqueue(s: Session, ids: list[int], *, chunk_size: int | None = None) -> tuple[list[int], Exception | None]:
    """Publish committed ids and record when (only then does `queued_at` get a value)."""
    at = now()
    sent, err = publish(ids, chunk_size=chunk_size)
    if sent:
        queue.mark_enqueued(s, sent, at)
    return sent, err


def broker_backlog() -> int | None:
    """Messages waiting in the extract queue, or None if the broker cannot say."""
    from .app import EXTRACT_QUEUE, app

    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1)
            channel = conn.default_channel
            if hasattr(channel, "_size"):  # kombu's virtual transports (Redis): LLEN, honours the key prefix
                return int(channel._size(EXTRACT_QUEUE))
            try:
                return channel.queue_declare(queue=EXTRACT_QUEUE, passive=True).message_count
            except conn.channel_errors:
                return 0
    except Exception as exc:
        log.warning("cannot read the broker's backlog: %s", exc)
        return None


# --------------------------------------------------------------------------------------------
# submit


@dataclass
class SubmitReport:
    stored: int = 0  # new documents
    enqueued: int = 0
    deferred: int = 0  # stored and committed, not handed to the broker (the sweep will)
    already: dict[str, int] = field(default_factory=lambda: {"done": 0, "failed": 0, "in_progress": 0})
    requeued_new_version: int = 0
    input_errors: list = field(default_factory=list)  # api.inputs.Input with .error
    broker_error: Exception | None = None
    ids: list[int] = field(default_factory=list)  # every document of this submission


def submit(inputs: Iterable, *, batch: str | None = None, url: str | None = None, round_size: int = 500,
           chunk_size: int | None = None, on_error: Callable | None = None) -> SubmitReport:
    """Store every input (deduplicated by sha256), commit, then enqueue — in rounds.

    Inputs are stored `round_size` at a time (fewer when their bytes reach ROUND_BYTES) with
    store_files, a few statements per round, and every round is committed at once. The ids to
    enqueue are published, after that commit, whenever `round_size` of them are waiting, and at
    the end."""
    from store.db import session

    report = SubmitReport()
    s = session(url)
    try:
        b = get_or_create_batch(s, batch)
        s.commit()
        pending: list[int] = []
        seen: set[int] = set()

        def publish_pending() -> None:  # only ever after the commit of everything in `pending`
            if not pending:
                return
            if report.broker_error is None:
                sent, err = enqueue(s, pending, chunk_size=chunk_size)
                report.enqueued += len(sent)
                report.deferred += len(pending) - len(sent)
                report.broker_error = err
            else:
                report.deferred += len(pending)
            pending.clear()

        def store_round(items: list) -> None:
            for doc, created in store_files(s, [(item.data, item.name) for item in items], batch=b):
                if doc.id in seen:
                    continue
                seen.add(doc.id)
                report.ids.append(doc.id)
                if created:
                    report.stored += 1
                    pending.append(doc.id)
                elif queue.requeue_for_new_version(s, doc, PIPELINE_VERSION):
                    report.requeued_new_version += 1
                    pending.append(doc.id)
                elif doc.status == "queued" and doc.queued_at is None:
                    pending.append(doc.id)  # stored earlier while the broker was down
                else:
                    key = doc.status if doc.status in ("done", "failed") else "in_progress"
                    report.already[key] += 1
            s.commit()  # stored before anything is published
            s.expunge_all()
            items.clear()

        items: list = []
        size = 0
        for item in inputs:
            if item.error is not None:
                report.input_errors.append(item)
                if on_error:
                    on_error(item)
                continue
            items.append(item)
            size += len(item.data)
            if len(items) >= round_size or size >= ROUND_BYTES:
                store_round(items)
                size = 0
                if len(pending) >= round_size:
                    publish_pending()
        if items:
            store_round(items)
        publish_pending()
    finally:
        s.close()
    return report


# --------------------------------------------------------------------------------------------
# sweep and retry


def sweep(*, older_than: float | None = None, grace: float | None = None, batch_id: int | None = None,
          check_backlog: bool = False, url: str | None = None, limit: int | None = None) -> dict:
    """Enqueue again what was never enqueued or got stuck (see store.queue.stale_ids).

    `check_backlog` (the periodic sweep): while the broker still holds messages, documents that
    were enqueued and are merely waiting are left alone; only never-enqueued and stuck-processing
    ones are sent.
    """
    from store.db import session

    cfg = settings()
    older_than = cfg.sweep_older_than if older_than is None else older_than
    grace = cfg.sweep_grace if grace is None else grace
    include_queued = True
    backlog = None
    if check_backlog:
        backlog = broker_backlog()
        include_queued = backlog == 0
    with session(url) as s:
        ids = queue.stale_ids(s, older_than=older_than, never_enqueued_grace=grace, include_queued=include_queued,
                              batch_id=batch_id, limit=limit)
        sent, err = enqueue(s, ids)
    return {"found": len(ids), "enqueued": len(sent), "backlog": backlog,
            "error": f"{type(err).__name__}: {err}" if err else None}


def retry_failed(*, batch_id: int | None = None, codes: list[str] | None = None, url: str | None = None) -> dict:
    from store.db import session

    with session(url) as s:
        ids = queue.reset_failed(s, batch_id, codes)
        sent, err = enqueue(s, ids)
    return {"requeued": len(ids), "enqueued": len(sent), "error": f"{type(err).__name__}: {err}" if err else None}
