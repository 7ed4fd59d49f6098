"""Queue settings, all from the environment (read when called, so tests can change them).

| variable | default | meaning |
|---|---|---|
| GOVDIGEST_BROKER_URL | redis://127.0.0.1:6379/0 | the Redis broker |
| GOVDIGEST_BROKER_PREFIX | (none) | prefix for every Redis key (several deployments or test runs on one Redis) |
| GOVDIGEST_CHUNK_SIZE | 50 | document ids per task (a lone document goes alone) |
| GOVDIGEST_CHUNK_BUDGET | 30 | s; a task takes no new batch after this and re-enqueues the rest |
| GOVDIGEST_TASK_SOFT_TIME_LIMIT | 100 | s; SoftTimeLimitExceeded: a document running alone fails with `timeout`, a batch is handed on |
| GOVDIGEST_TASK_TIME_LIMIT | 120 | s; hard limit: the pool process is killed, the message redelivered |
| GOVDIGEST_VISIBILITY_TIMEOUT | 300 | s; an unacknowledged message is redelivered after this (> hard limit) |
| GOVDIGEST_UNACKED_RESTORE_INTERVAL | 5 | s between kombu's scans for messages past the visibility timeout |
| GOVDIGEST_UNACKED_RESTORE_THROTTLE | 1 | scan on every Nth tick (kombu's default 10 makes it ~100 s) |
| GOVDIGEST_MAX_ATTEMPTS | 3 | a document whose worker died this many times ends failed/worker_crash |
| GOVDIGEST_MAX_MEMORY_PER_CHILD_MB | 600 | a pool process above this resident size is replaced after its task |
| GOVDIGEST_SWEEP_INTERVAL | 60 | s between periodic sweeps (Celery beat) |
| GOVDIGEST_SWEEP_OLDER_THAN | 600 | s; queued/processing documents older than this are enqueued again |
| GOVDIGEST_SWEEP_GRACE | 60 | s; stored-but-never-enqueued documents wait this long for their submitter |

Test-only hooks (never set them in production): GOVDIGEST_TEST_TASK_DELAY (seconds to sleep after
claiming each document, so a test can kill a worker mid-document) and GOVDIGEST_TEST_CRASH_ON (a
worker process that claims a document whose filename contains this text kills itself with SIGKILL).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"


def _num(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ValueError(f"{name}={raw!r} must be at least {minimum}")
    return value


@dataclass(frozen=True)
class Settings:
    broker_url: str
    broker_prefix: str
    chunk_size: int
    chunk_budget: float
    soft_time_limit: float
    time_limit: float
    visibility_timeout: float
    unacked_restore_interval: float
    unacked_restore_throttle: int
    max_attempts: int
    max_memory_per_child_mb: int
    sweep_interval: float
    sweep_older_than: float
    sweep_grace: float
    test_task_delay: float
    test_crash_on: str | None


def settings() -> Settings:
    s = Settings(
        broker_url=os.environ.get("GOVDIGEST_BROKER_URL") or DEFAULT_BROKER_URL,
        broker_prefix=os.environ.get("GOVDIGEST_BROKER_PREFIX", ""),
        chunk_size=int(_num("GOVDIGEST_CHUNK_SIZE", 50, minimum=1)),
        chunk_budget=_num("GOVDIGEST_CHUNK_BUDGET", 30, minimum=0.1),
        soft_time_limit=_num("GOVDIGEST_TASK_SOFT_TIME_LIMIT", 100, minimum=1),
        time_limit=_num("GOVDIGEST_TASK_TIME_LIMIT", 120, minimum=1),
        visibility_timeout=_num("GOVDIGEST_VISIBILITY_TIMEOUT", 300, minimum=1),
        unacked_restore_interval=_num("GOVDIGEST_UNACKED_RESTORE_INTERVAL", 5, minimum=0.1),
        unacked_restore_throttle=int(_num("GOVDIGEST_UNACKED_RESTORE_THROTTLE", 1, minimum=1)),
        max_attempts=int(_num("GOVDIGEST_MAX_ATTEMPTS", 3, minimum=1)),
        max_memory_per_child_mb=int(_num("GOVDIGEST_MAX_MEMORY_PER_CHILD_MB", 600, minimum=0)),
        sweep_interval=_num("GOVDIGEST_SWEEP_INTERVAL", 60, minimum=0.5),
        sweep_older_than=_num("GOVDIGEST_SWEEP_OLDER_THAN", 600, minimum=0),
        sweep_grace=_num("GOVDIGEST_SWEEP_GRACE", 60, minimum=0),
        test_task_delay=_num("GOVDIGEST_TEST_TASK_DELAY", 0),
        test_crash_on=os.environ.get("GOVDIGEST_TEST_CRASH_ON") or None,
    )
    check(s)
    return s


def check(s: Settings) -> None:
    """The orderings that keep "nothing lost, nothing twice" true; a wrong setup fails loudly."""
    if not s.chunk_budget < s.soft_time_limit < s.time_limit:
        raise ValueError(
            f"need GOVDIGEST_CHUNK_BUDGET ({s.chunk_budget}) < GOVDIGEST_TASK_SOFT_TIME_LIMIT ({s.soft_time_limit})"
            f" < GOVDIGEST_TASK_TIME_LIMIT ({s.time_limit})")
    if not s.visibility_timeout > s.time_limit:
        raise ValueError(
            f"GOVDIGEST_VISIBILITY_TIMEOUT ({s.visibility_timeout}) must exceed GOVDIGEST_TASK_TIME_LIMIT "
            f"({s.time_limit}): a message still being worked on would otherwise be delivered a second time")
    if s.sweep_older_than and s.sweep_older_than < s.time_limit:
        raise ValueError(
            f"GOVDIGEST_SWEEP_OLDER_THAN ({s.sweep_older_than}) must be at least GOVDIGEST_TASK_TIME_LIMIT "
            f"({s.time_limit})")
