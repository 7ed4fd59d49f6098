"""CLI commands: queue (registered on the main app by api/cli.py).

    govdigest submit PATH... [--batch NAME]         store, commit, enqueue (Celery + Redis)
    govdigest worker [--concurrency N] [--queues extract,train] [--beat]
    govdigest status [BATCH] [--watch] [--json]
    govdigest retry-failed [BATCH] [--code CODE]
    govdigest requeue [--older-than SECONDS]        the sweep, by hand
"""
from __future__ import annotations

import json
import os
import sys
import time

import typer
from rich.console import Console

err = Console(stderr=True)

STATUSES = ("queued", "processing", "done", "failed")
INPUTS_FAILED = 3  # as `govdigest process`: some inputs could not be read (each printed with its code)
BROKER_DOWN = 4  # `requeue`: nothing could be handed to the broker (nothing lost either)
ROOT_WARNING = ("[yellow]warning:[/yellow] running the worker as root. Run it as an unprivileged user; "
                "documents come from outside and a parser bug would run with root's rights.")


def _settings_or_exit():
    from worker.settings import settings

    try:
        return settings()
    except ValueError as exc:
        err.print(f"[red]configuration error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def _batch_id(s, name: str | None) -> int | None:
    if not name:
        return None
    from store.queue import find_batch

    b = find_batch(s, name)
    if b is None:
        err.print(f"no batch named {name!r}", highlight=False)
        raise typer.Exit(2)
    return b.id


def _broker_warning(exc: Exception, deferred: int) -> None:
    err.print(f"[yellow]warning:[/yellow] the broker is unreachable ({type(exc).__name__}: {exc}). "
              f"{deferred} document(s) are stored and committed as 'queued' but not enqueued; nothing is lost. "
              "They are enqueued by the periodic sweep (a worker started with --beat) or by "
              "`govdigest requeue` once the broker is back.", highlight=False, soft_wrap=True)


def submit(
    paths: list[str] = typer.Argument(..., help="Files, folders (recursive) and .zip archives."),
    batch: str = typer.Option(None, "--batch", help="Name the submission; `govdigest status NAME` follows it."),
    db: str = typer.Option(None, "--db", help="Database URL (default: GOVDIGEST_DATABASE_URL or ./var/govdigest.db)."),
    chunk_size: int = typer.Option(None, "--chunk-size", help="Document ids per task (default GOVDIGEST_CHUNK_SIZE, 50)."),
):
    """Store reports and queue them for the workers (Celery on Redis). Same file twice: one document."""
    from api.inputs import expand
    from worker.enqueue import submit as run_submit

    _settings_or_exit()
    skipped: list[str] = []

    def on_error(item) -> None:
        err.print(f"FAILED {item.name}: {item.error.code}: {item.error.message}", highlight=False, soft_wrap=True)

    rep = run_submit(expand(paths, skipped), batch=batch, url=db, chunk_size=chunk_size, on_error=on_error)
    total = len(rep.ids)
    if not total and not rep.input_errors:
        err.print("[red]no input files[/red]")
        raise typer.Exit(2)
    already = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in rep.already.items() if n)
    parts = [f"{total} document(s): {rep.stored} new", f"{rep.enqueued} enqueued"]
    if rep.requeued_new_version:
        parts.append(f"{rep.requeued_new_version} again for pipeline changes")
    if already:
        parts.append(f"already stored: {already}")
    if rep.input_errors:
        parts.append(f"{len(rep.input_errors)} unreadable")
    if skipped:
        parts.append(f"{len(skipped)} skipped (not .txt/.html/.htm/.docx/.pdf/.zip)")
    err.print("; ".join(parts) + (f"; batch {batch}" if batch else ""), highlight=False)
    if rep.broker_error is not None:
        _broker_warning(rep.broker_error, rep.deferred)
    if rep.input_errors:
        raise typer.Exit(INPUTS_FAILED)


def worker(
    concurrency: int = typer.Option(None, "--concurrency", "-c", help="Pool processes (default: CPU count)."),
    queues: str = typer.Option("extract,train", "--queues", "-Q", help="Comma-separated queues to consume."),
    pool: str = typer.Option("prefork", "--pool", "-P", help="prefork (default), solo or threads."),
    beat: bool = typer.Option(False, "--beat", "-B", help="Also run the periodic sweep (on ONE machine only)."),
    loglevel: str = typer.Option("INFO", "--loglevel", "-l"),
    hostname: str = typer.Option(None, "--hostname", "-n", help="Node name (default govdigest-<pid>@<host>)."),
    db: str = typer.Option(None, "--db", help="Database URL (default: GOVDIGEST_DATABASE_URL or ./var/govdigest.db)."),
):
    """Run a Celery worker on this machine (any number of machines may share one Redis and one PostgreSQL)."""
    if db:
        os.environ["GOVDIGEST_DATABASE_URL"] = db
    cfg = _settings_or_exit()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        err.print(ROOT_WARNING, highlight=False, soft_wrap=True)
    from worker.app import app, start_worker

    if beat:
        from pathlib import Path

        Path(app.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
    err.print(f"worker: broker {_safe_url(cfg.broker_url)}, queues {queues}, pool {pool}"
              f"{', concurrency ' + str(concurrency) if concurrency else ''}{', with the periodic sweep' if beat else ''}",
              highlight=False)
    raise typer.Exit(start_worker(queues=queues, pool=pool, loglevel=loglevel, concurrency=concurrency, beat=beat,
                                  hostname=hostname or f"govdigest-{os.getpid()}@%h"))


def _safe_url(url: str) -> str:
    from kombu.utils.url import maybe_sanitize_url

    return maybe_sanitize_url(url)


def _snapshot(db: str | None, batch: str | None, limit: int | None = None) -> dict:
    from store.db import session
    from store.queue import failures
    from store.repository import status_counts

    with session(db) as s:
        bid = _batch_id(s, batch)
        counts = status_counts(s, bid)
        fails = failures(s, bid, limit=limit)
    return {"batch": batch, "counts": {k: counts.get(k, 0) for k in STATUSES},
            "failures": [{"document": f["document"], "code": f["code"], "message": f["message"]} for f in fails]}


def _counts_line(c: dict) -> str:
    return "  ".join(f"{k} {c[k]}" for k in STATUSES)


def status(
    batch: str = typer.Argument(None, help="A batch name (default: every document)."),
    watch: bool = typer.Option(False, "--watch", "-w", help="Follow with a live progress bar until nothing is pending."),
    as_json: bool = typer.Option(False, "--json", help='Print {"batch", "counts", "failures"} as JSON.'),
    interval: float = typer.Option(1.0, "--interval", help="Seconds between refreshes with --watch."),
    db: str = typer.Option(None, "--db"),
    show: int = typer.Option(20, "--show", help="Failures listed (text output)."),
):
    """Counts per status and the failures with their codes."""
    if watch:
        _watch(db, batch, interval, quiet=as_json)
    if as_json:
        sys.stdout.write(json.dumps(_snapshot(db, batch), ensure_ascii=False) + "\n")
        return
    from store.db import session
    from store.queue import count_failures

    snap = _snapshot(db, batch, limit=show)
    with session(db) as s:
        n_failed = count_failures(s, _batch_id(s, batch))
    print(f"{'batch ' + batch if batch else 'all documents'}: {_counts_line(snap['counts'])}")
    if snap["failures"]:
        print("failures:")
        for f in snap["failures"]:
            print(f"  {f['document']}: {f['code']}: {f['message']}")
        if n_failed > len(snap["failures"]):
            print(f"  ... {n_failed - len(snap['failures'])} more (--show N, or --json for all)")


def _watch(db: str | None, batch: str | None, interval: float, quiet: bool) -> None:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    label = batch or "all documents"
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=quiet) as progress:
        task = progress.add_task(label, total=None, counts="")
        while True:
            c = _snapshot(db, batch, limit=0)["counts"]
            total = sum(c.values())
            progress.update(task, total=total, completed=c["done"] + c["failed"],
                            counts=f"queued {c['queued']} · processing {c['processing']} · failed {c['failed']}")
            if c["queued"] + c["processing"] == 0:
                break
            time.sleep(interval)


def retry_failed(
    batch: str = typer.Argument(None, help="A batch name (default: every failed document)."),
    code: list[str] = typer.Option(None, "--code", help="Only documents failed with this code (repeatable)."),
    db: str = typer.Option(None, "--db"),
):
    """Queue failed documents again, with their attempt counters reset."""
    from store.db import session
    from worker.enqueue import retry_failed as run_retry

    _settings_or_exit()
    with session(db) as s:
        bid = _batch_id(s, batch)
    out = run_retry(batch_id=bid, codes=code or None, url=db)
    err.print(f"{out['requeued']} failed document(s) queued again, {out['enqueued']} enqueued", highlight=False)
    if out["error"]:
        _broker_warning(RuntimeError(out["error"]), out["requeued"] - out["enqueued"])


def requeue(
    older_than: float = typer.Option(None, "--older-than", help="Seconds (default GOVDIGEST_SWEEP_OLDER_THAN, 600)."),
    batch: str = typer.Option(None, "--batch"),
    db: str = typer.Option(None, "--db"),
):
    """The sweep: enqueue documents never enqueued (broker was down), or queued/processing longer than --older-than."""
    from store.db import session
    from worker.enqueue import sweep

    _settings_or_exit()
    with session(db) as s:
        bid = _batch_id(s, batch)
    out = sweep(older_than=older_than, grace=0, batch_id=bid, url=db)
    err.print(f"{out['found']} document(s) to enqueue again, {out['enqueued']} enqueued", highlight=False)
    if out["error"]:
        _broker_warning(RuntimeError(out["error"]), out["found"] - out["enqueued"])
        raise typer.Exit(BROKER_DOWN)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command()(submit)
    app.command()(worker)
    app.command()(status)
    app.command("retry-failed")(retry_failed)
    app.command()(requeue)
