"""Celery tasks. Each carries document ids; the database says what to do with them."""
from __future__ import annotations

import logging

import psycopg
from celery.exceptions import Reject
from sqlalchemy.exc import InterfaceError, OperationalError

from .app import app
from .process import process_chunk

log = logging.getLogger("govdigest.worker")


@app.task(name="govdigest.extract", bind=True, max_retries=10)
def extract(self, ids: list[int]) -> dict:
    """Process a chunk of documents. Safe to run twice: done documents are skipped."""
    try:
        redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
        result = process_chunk(ids, redelivered=redelivered)
    except (OperationalError, InterfaceError, psycopg.OperationalError) as exc:
        # The database is away: the chunk runs again later (its finished documents are skipped).
        raise self.retry(exc=exc, countdown=min(60, 2 ** self.request.retries)) from exc
    if result.remaining:
        # The chunk ran out of its time budget: the rest goes back as a new task before this one is acked.
        try:
            from .enqueue import PUBLISH_RETRY

            extract.apply_async(args=[result.remaining], retry=True, retry_policy=PUBLISH_RETRY)
        except Exception as exc:
            raise Reject(exc, requeue=True) from exc
    counts = result.as_dict()
    log.info("chunk of %d: %s", len(ids), counts)
    return counts


@app.task(name="govdigest.sweep", ignore_result=True)
def sweep() -> dict:
    """The periodic sweep (Celery beat): enqueue never-enqueued and stuck documents again."""
    from .enqueue import sweep as run_sweep

    out = run_sweep(check_backlog=True)
    if out["found"]:
        log.info("sweep: %s", out)
    return out


@app.task(name="govdigest.ping")
def ping() -> str:
    """A no-op: health checks and the benchmark's per-task overhead."""
    return "pong"


@app.task(name="govdigest.train", acks_late=False, time_limit=3600, soft_time_limit=3500)
def train(promote: bool = False, include_reviews: bool = False, force: bool = False, who: str | None = None) -> str:
    """Train a classifier version on the `train` queue (acknowledged on receipt: a training run lasts
    longer than the visibility timeout, so it must not be redelivered; re-run it if a worker dies).
    The same run as `govdigest train [--include-reviews] [--promote] [--force]` (api.retrain)."""
    from api.retrain import run_training

    run = run_training(include_reviews=include_reviews, promote=promote, force=force, who=who)
    log.info("trained %s (%d reviews): held-out %s; promoted %s: %s", run.version, run.reviews,
             run.card.get("held_out"), run.promoted, run.reason)
    return run.version
