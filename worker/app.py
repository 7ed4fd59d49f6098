"""The Celery app: `celery -A worker.app worker` or `govdigest worker`.

Messages carry document ids only (JSON); the database holds every status, attempt, error and timing.
No result backend: nothing reads task results. The settings below, and why, are in README.md
("Queued bulk processing and scale-out") and worker/settings.py.
"""
from __future__ import annotations

import gc
import logging
import os
import warnings

from celery import Celery, signals
from celery.exceptions import CPendingDeprecationWarning
from kombu import Exchange, Queue

from .settings import settings

log = logging.getLogger("govdigest.worker")

EXTRACT_QUEUE = "extract"
TRAIN_QUEUE = "train"


def make_config() -> dict:
    cfg = settings()
    from store.db import DEFAULT_DB_PATH

    transport = {
        # An unacknowledged message goes back to its queue after this long. It must exceed the
        # hard time limit, or a task still running would be handed to a second worker.
        "visibility_timeout": cfg.visibility_timeout,
        # How often kombu looks for such messages: every interval x throttle seconds
        # (defaults 10 x 10 = ~100 s; 5 x 1 brings a dead worker's tasks back within seconds
        # of the visibility timeout).
        "unacked_restore_interval": cfg.unacked_restore_interval,
        "unacked_restore_throttle": cfg.unacked_restore_throttle,
        # A publish on a half-open connection must fail, not hang (kombu's default: forever).
        "socket_timeout": 30,
        "socket_connect_timeout": 5,
    }
    if cfg.broker_prefix:
        transport["global_keyprefix"] = cfg.broker_prefix
    # beat's own bookkeeping (`govdigest worker --beat` creates the folder; `celery beat -s FILE` overrides it)
    schedule_file = DEFAULT_DB_PATH.parent / "celerybeat-schedule"
    return {
        "broker_url": cfg.broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": transport,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "result_accept_content": ["json"],
        "task_ignore_result": True,
        "task_store_errors_even_if_ignored": False,
        # Acknowledge after the task ran; a pool process that dies (kill -9, OOM, hard time limit)
        # puts its message back at the head of the queue instead of dropping it.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_timeout": False,
        # Exactly one unacknowledged message per pool process: none waits behind a long task, none
        # is stranded in the memory of a worker that dies.
        "worker_prefetch_multiplier": 1,
        # After a broker disconnect, chunks in hand run to the end: their results are committed to
        # the database and the redelivered message then finds the documents done. Cancelling them
        # (Celery's future default) would kill pool processes and count an attempt against every
        # document in hand, pushing innocent documents towards worker_crash on a flapping network.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_soft_time_limit": cfg.soft_time_limit,
        "task_time_limit": cfg.time_limit,
        "worker_max_memory_per_child": cfg.max_memory_per_child_mb * 1024 or None,  # KiB
        "worker_disable_rate_limits": True,
        "task_default_queue": EXTRACT_QUEUE,
        "task_queues": [Queue(EXTRACT_QUEUE, Exchange(EXTRACT_QUEUE), routing_key=EXTRACT_QUEUE),
                        Queue(TRAIN_QUEUE, Exchange(TRAIN_QUEUE), routing_key=TRAIN_QUEUE)],
        "task_routes": {
            "govdigest.extract": {"queue": EXTRACT_QUEUE},
            "govdigest.sweep": {"queue": EXTRACT_QUEUE},
            "govdigest.ping": {"queue": EXTRACT_QUEUE},
            "govdigest.train": {"queue": TRAIN_QUEUE, "routing_key": TRAIN_QUEUE},
        },
        "beat_schedule": {
            "govdigest-sweep": {
                "task": "govdigest.sweep",
                "schedule": cfg.sweep_interval,
                "options": {"expires": max(cfg.sweep_interval * 2, 10)},
            },
        },
        "beat_schedule_filename": str(schedule_file),
        "worker_hijack_root_logger": True,
    }


# We keep running chunks on connection loss on purpose (see above); Celery warns about it on every reconnect.
warnings.filterwarnings("ignore", message="(?s).*worker_cancel_long_running_tasks_on_connection_loss",
                        category=CPendingDeprecationWarning)

app = Celery("govdigest", include=["worker.tasks"])
app.conf.update(make_config())


def start_worker(*, queues: str, pool: str, loglevel: str, hostname: str, concurrency: int | None = None,
                 beat: bool = False) -> int:
    """`celery -A worker.app worker ...` without Celery's command line, which imports every celery
    subcommand (its REPL alone brings prompt_toolkit and pygments): ~7 MB that the worker process
    and every pool process would carry. Returns the worker's exit code."""
    from celery.utils.log import mlevel
    from celery.utils.nodenames import default_nodename, host_format

    options = {"concurrency": concurrency} if concurrency else {}
    w = app.Worker(hostname=host_format(default_nodename(hostname)), pool_cls=pool, loglevel=mlevel(loglevel.upper()),
                   queues=[q.strip() for q in queues.split(",") if q.strip()], beat=beat, without_gossip=True,
                   without_mingle=True, **options)
    w.start()
    return w.exitcode or 0


# --------------------------------------------------------------------------------------------
# worker process lifecycle


# A made-up report that walks every pipeline stage, so lazy loads (spaCy, cn2an, compiled
# patterns) happen before the first real document rather than inside it.
def warm() -> None:
    """Load the segmenter, the classifier and everything the pipeline loads lazily (once per process)."""
    from api.processing import warm_worker

    warm_worker()


def preload() -> None:
    """In the main worker process, before the pool forks: what stays read-only once loaded, so the
    pool processes share its pages copy-on-write. That is the pipeline's modules (spaCy,
    scikit-learn, numpy and friends: most of a warm process) and the classifier.

    The segmenter's dictionary, spaCy's pipeline, the classifier's lookup tables and whatever the
    warm-up document loads are left to each pool process (`warm`): loaded here as well, they put the
    main process at 323-331 MB RSS (measured), above the 300 MB a worker process may use, while a
    pool process's RSS hardly changes (RSS counts the pages it shares with its parent in full)."""
    import spacy.lang.zh  # noqa: F401
    import spacy.matcher  # noqa: F401

    import extraction.pipeline  # noqa: F401
    from extraction.classify import active_classifier
    from extraction.errors import GovdigestError
    from extraction.themes import idf_table

    try:
        active_classifier()
    except GovdigestError:  # no model: the documents will say so
        pass
    idf_table()


def _migrate_in_a_child() -> None:
    """Bring the schema to head in a short-lived forked process and tell store.db so: neither this
    process nor its pool processes then load alembic (~7 MB each) to check it."""
    from store.db import database_url, mark_migrated

    url = database_url()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the forked child
        code = 1
        try:
            from store.db import engine

            engine(url)
            code = 0
        except BaseException:
            log.exception("schema check before the pool starts failed")
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        mark_migrated(url)
    else:
        log.warning("the database schema could not be checked at start-up; each pool process will try")


def _pool_name(sender) -> str:
    pool = getattr(sender, "pool_cls", None) or app.conf.worker_pool or "prefork"
    return pool if isinstance(pool, str) else pool.__module__.rsplit(".", 1)[-1]


@signals.worker_init.connect
def _on_worker_init(sender=None, **_):
    """In the main worker process, before the pool forks: `preload` (or, for the threads pool,
    whose threads all live here, `warm`), the schema checked once, and everything loaded so far
    frozen out of the garbage collector's reach: its passes would write to every object's header
    and turn the pages the pool processes share into copies (total PSS 602 -> 505 MB, measured).

    Safe to fork: the model (numpy/scipy arrays) and the imported modules hold no threads,
    sockets or locks, and no database connection stays open here."""
    if os.geteuid() == 0:
        log.warning("govdigest worker is running as root: run it as an unprivileged user "
                    "(messages are JSON only, so Celery allows it, but a bug in a parser would run as root)")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if _pool_name(sender) in ("threads", "thread"):
        warm()
    else:
        preload()
    _migrate_in_a_child()
    gc.collect()
    gc.freeze()


@signals.worker_process_init.connect
def _on_worker_process_init(**_):
    """In each new pool process (and the solo pool's only one): own connections only, never the
    parent's; then the rest of the warm-up, frozen like the parent's (it lives as long as the process)."""
    from .process import reset_after_fork

    reset_after_fork()
    warm()
    gc.collect()
    gc.freeze()
