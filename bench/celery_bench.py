"""Queued processing throughput: N reports through 1 and 2 `govdigest worker` processes.

    python -m bench.celery_bench [--n 2000] [--chunk-size 50]

Prints one JSON object; `run(n)` returns it (bench/run.py merges it into its results):

- celery_1w_reports_per_s, celery_2w_reports_per_s: N reports, already stored, from the first
  publish to the last `done` row, through one worker process (one pool process) and through two
  (two `govdigest worker --concurrency 1` processes, as two machines would run them);
- celery_task_overhead_ms: per-task cost of Celery + Redis alone (no-op `govdigest.ping` tasks
  through one pool process, acks_late and prefetch 1 as in production);
- celery_1w_chunk1_reports_per_s: the same single worker with one document per task, which is
  what chunking saves;
- worker_peak_rss_mb: the largest resident size of any worker process (the pool processes share
  the warm model with their parent copy-on-write, and RSS counts those shared pages in full);
  worker_peak_pool_process_rss_mb: the same for pool processes only (what
  GOVDIGEST_MAX_MEMORY_PER_CHILD_MB is compared with);
  worker_peak_rss_total_mb: the largest sum over all worker processes at one moment.

Services: Redis at GOVDIGEST_BENCH_BROKER (default redis://127.0.0.1:6379/6; a private key prefix,
removed afterwards) and a fresh PostgreSQL database per phase under GOVDIGEST_BENCH_PG (default
postgresql://postgres@127.0.0.1:5432/postgres; dropped afterwards). Without PostgreSQL a SQLite
file is used and `celery_db` says so.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

DEFAULT_BROKER = "redis://127.0.0.1:6379/6"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------------------------
# corpus


def corpus(n: int) -> list[tuple[str, bytes]]:
    """n distinct reports written by our generator (bench/synth.py), or variants of the test report."""
    try:
        from bench.synth import make_report, render_txt

        layouts = ["cells", "pipe", "flat", "glued", "pipe_noborder"]
        return [(f"bench_{i:05d}.txt", render_txt(make_report(10_000 + i), table_layout=layouts[i % len(layouts)]))
                for i in range(n)]
    except ImportError:
        import importlib.util

        spec = importlib.util.spec_from_file_location("_gd_conftest", REPO / "tests" / "conftest.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        text = mod.REPORT_2019
        return [(f"bench_{i:05d}.txt", text.replace("某某县文化和旅游局", f"第{i}号县文化和旅游局")
                 .replace("312条", f"{300 + i}条").encode("utf-8")) for i in range(n)]


# --------------------------------------------------------------------------------------------
# services


@contextmanager
def database(tag: str):
    """A fresh PostgreSQL database (or a SQLite file if PostgreSQL is down); yields (url, kind)."""
    base = os.environ.get("GOVDIGEST_BENCH_PG", DEFAULT_PG)
    name = f"govdigest_bench_{os.getpid()}_{tag}"
    try:
        import psycopg

        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    except Exception:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db", "sqlite"
        return
    try:
        yield base.rsplit("/", 1)[0] + "/" + name, "postgresql"
    finally:
        from store.db import engine

        engine(base.rsplit("/", 1)[0] + "/" + name).dispose()
        engine.cache_clear()
        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Broker:
    def __init__(self, url: str, prefix: str):
        import redis

        self.url = url
        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_connect_timeout=3)
        self.client.ping()

    def drained(self) -> bool:
        return self.client.llen(self.prefix + "extract") == 0 and self.client.hlen(self.prefix + "unacked") == 0

    def clear(self) -> None:
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self.client.delete(*keys)


def _worker_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "govdigest"
    if exe.exists():
        return [str(exe), "worker"]
    found = shutil.which("govdigest")
    return [found, "worker"] if found else [sys.executable, "-c", "from api.cli import app; app()", "worker"]


class Workers:
    """`count` worker processes of `concurrency` pool processes each; RSS sampled while they run."""

    def __init__(self, env: dict, count: int, concurrency: int, logdir: Path):
        self.procs = []
        self.logs = []
        for k in range(count):
            log = logdir / f"worker{k}.log"
            self.logs.append(log)
            self.procs.append(subprocess.Popen(
                [*_worker_cmd(), "--concurrency", str(concurrency), "--queues", "extract", "--loglevel", "WARNING",
                 "--hostname", f"bench{k}-{uuid.uuid4().hex[:6]}@%h"],
                env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True))
        self.peak_rss = 0.0
        self.peak_child_rss = 0.0
        self.peak_total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0.0
            for p in self.procs:
                try:
                    parent = psutil.Process(p.pid)
                    children = parent.children(recursive=True)
                    for proc in [parent, *children]:
                        rss = proc.memory_info().rss / 2**20
                        total += rss
                        self.peak_rss = max(self.peak_rss, rss)
                        if proc is not parent:
                            self.peak_child_rss = max(self.peak_child_rss, rss)
                except psutil.Error:
                    continue
            self.peak_total = max(self.peak_total, total)
            self._stop.wait(0.2)

    def wait_ready(self, broker: Broker, timeout: float = 120) -> None:
        """Ready: every worker forked its pool (it warms the model before forking) and no-op tasks go through."""
        import psutil

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"worker exited: {self.logs[self.procs.index(p)].read_text()[-2000:]}")
            if all(psutil.Process(p.pid).children() for p in self.procs):
                _overhead_ms(broker, 10 * len(self.procs))
                return
            time.sleep(0.2)
        raise TimeoutError("workers did not start")

    def stop(self) -> None:
        import signal

        self._stop.set()
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


# --------------------------------------------------------------------------------------------
# measurements


def _configure(env: dict) -> None:
    """Point this process's Celery app at the benchmark's broker before it opens a connection."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("GOVDIGEST_")})
    from worker.app import app, make_config

    app.conf.update(make_config())


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _store(url: str, docs: list[tuple[str, bytes]]) -> list[int]:
    from store.db import session
    from store.repository import store_file

    with session(url) as s:
        ids = []
        for k, (name, data) in enumerate(docs):
            ids.append(store_file(s, data, name)[0].id)
            if k % 500 == 499:
                s.commit()
        s.commit()
    return ids


def _pending(url: str, ids: list[int]) -> int:
    from sqlalchemy import func, select

    from store.db import session
    from store.models import Document

    with session(url) as s:
        return s.scalar(select(func.count()).select_from(Document)
                        .where(Document.status.in_(("queued", "processing")))) or 0


def _throughput(url: str, docs: list[tuple[str, bytes]], chunk_size: int | None, timeout: float) -> tuple[float, int]:
    from store.db import session
    from worker.enqueue import enqueue

    ids = _store(url, docs)
    t0 = time.perf_counter()
    with session(url) as s:
        sent, err = enqueue(s, ids, chunk_size=chunk_size)
    if err is not None:
        raise RuntimeError(f"broker: {err}")
    _wait(lambda: _pending(url, ids) == 0, timeout, "the documents to finish")
    elapsed = time.perf_counter() - t0
    from sqlalchemy import func, select

    from store.models import Document

    with session(url) as s:
        failed = s.scalar(select(func.count()).select_from(Document).where(Document.status == "failed")) or 0
    return len(ids) / elapsed, failed


def _overhead_ms(broker: Broker, tasks: int) -> float:
    from worker.tasks import ping

    _wait(broker.drained, 60, "an empty queue")
    t0 = time.perf_counter()
    with ping.app.producer_or_acquire() as producer:
        for _ in range(tasks):
            ping.apply_async(producer=producer)
    _wait(broker.drained, 120, "the no-op tasks")
    return (time.perf_counter() - t0) * 1000 / tasks


def run(n: int = 2000, *, chunk_size: int | None = None, overhead_tasks: int = 1000, chunk1_docs: int = 300,
        timeout: float = 900) -> dict:
    docs = corpus(n + chunk1_docs)
    main, extra = docs[:n], docs[n:]
    broker = Broker(os.environ.get("GOVDIGEST_BENCH_BROKER", DEFAULT_BROKER), f"gdbench-{os.getpid()}-{uuid.uuid4().hex[:6]}:")
    out: dict = {"celery_reports": n}
    with tempfile.TemporaryDirectory() as tmp:
        logdir = Path(tmp)
        try:
            for count in (1, 2):
                with database(f"{count}w") as (url, kind):
                    out["celery_db"] = kind
                    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVDIGEST_TEST_")}
                    env.update(GOVDIGEST_BROKER_URL=broker.url, GOVDIGEST_BROKER_PREFIX=broker.prefix,
                               GOVDIGEST_DATABASE_URL=url, GOVDIGEST_HOME=str(logdir / "home"))
                    if chunk_size:
                        env["GOVDIGEST_CHUNK_SIZE"] = str(chunk_size)
                    _configure(env)
                    from worker.settings import settings

                    out["celery_chunk_size"] = settings().chunk_size
                    _store(url, [])  # migrate before the workers start
                    workers = Workers(env, count, 1, logdir)
                    try:
                        workers.wait_ready(broker)
                        if count == 1:
                            out["celery_task_overhead_ms"] = round(_overhead_ms(broker, overhead_tasks), 2)
                        rate, failed = _throughput(url, main, chunk_size, timeout)
                        out[f"celery_{count}w_reports_per_s"] = round(rate, 1)
                        out[f"celery_{count}w_failed"] = failed
                        if count == 1 and chunk1_docs:
                            rate1, _ = _throughput(url, extra, 1, timeout)
                            out["celery_1w_chunk1_reports_per_s"] = round(rate1, 1)
                    finally:
                        workers.stop()
                    out["worker_peak_rss_mb"] = round(max(out.get("worker_peak_rss_mb", 0), workers.peak_rss), 1)
                    out["worker_peak_pool_process_rss_mb"] = round(
                        max(out.get("worker_peak_pool_process_rss_mb", 0), workers.peak_child_rss), 1)
                    out["worker_peak_rss_total_mb"] = round(max(out.get("worker_peak_rss_total_mb", 0),
                                                                workers.peak_total), 1)
        finally:
            broker.clear()
    out["celery_2w_over_1w"] = round(out["celery_2w_reports_per_s"] / out["celery_1w_reports_per_s"], 2)
    out["cpu_count"] = os.cpu_count()
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="reports per run (default 2000)")
    ap.add_argument("--chunk-size", type=int, default=None, help="ids per task (default GOVDIGEST_CHUNK_SIZE, 50)")
    ap.add_argument("--overhead-tasks", type=int, default=1000)
    ap.add_argument("--chunk1-docs", type=int, default=300, help="reports sent one per task (0: skip)")
    a = ap.parse_args(argv)
    results = run(a.n, chunk_size=a.chunk_size, overhead_tasks=a.overhead_tasks, chunk1_docs=a.chunk1_docs)
    print(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
