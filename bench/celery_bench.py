"""Queued processing throughput: N reports through 1 and 2 `govdigest worker` processes,
against the embedded path (`govdigest process --jobs 2`) on the same reports in the same run.

    python -m bench.celery_bench [--n 2000] [--chunk-size 50] [--skip-embedded-pg]

Prints one JSON object; `run(n)` returns it (bench/run.py merges it into its results):

- celery_1w_reports_per_s, celery_2w_reports_per_s: N reports, already stored, from the first
  publish to the last `done` row, through one worker process (one pool process) and through two
  (two `govdigest worker --concurrency 1` processes, as two machines would run them);
  celery_2w_over_1w: their ratio;
- celery_2w_submit_to_done_reports_per_s: N other reports through the two workers end to end, from
  the start of `submit` (store, commit, enqueue in rounds; the workers start on the first round) to
  the last `done` row; celery_2w_submit_to_done_over_embedded_2p compares it with the embedded path,
  which stores the originals too;
- embedded_2p_reports_per_s: the same N reports through the embedded path with two pool processes
  (`api.processing.run_many(jobs=2)`, results written by the main process with
  `api.processing.OutcomeWriter`, a write and commit per 100, as `govdigest process --jobs 2` does) on
  its default database, a SQLite file; celery_2w_over_embedded_2p: the Celery path over it.
  embedded_2p_pg_reports_per_s / celery_2w_over_embedded_2p_pg: the same on PostgreSQL, the
  database the Celery path uses (like with like);
- celery_task_overhead_ms: per-task cost of Celery + Redis alone (no-op `govdigest.ping` tasks
  through one pool process, acks_late and prefetch 1 as in production);
- celery_1w_chunk1_reports_per_s: the same single worker with one document per task, which is
  what chunking saves;
- memory of every worker process (the main process and its pool processes), sampled while the
  reports run: celery_worker_max_rss_mb (the largest of any), celery_worker_main_max_rss_mb and
  celery_worker_pool_max_rss_mb (main processes / pool processes only; the pool's is what
  GOVDIGEST_MAX_MEMORY_PER_CHILD_MB is compared with), celery_worker_max_uss_mb (the largest
  memory of a process's own, not shared with its parent), celery_worker_total_pss_mb (the largest
  proportional sum over all worker processes at one moment: what they cost the machine together).

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


def _smaps_mb(pid: int) -> tuple[float, float, float]:
    """(RSS, PSS, USS) of a process in MB from /proc/PID/smaps_rollup (USS: its private pages)."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return fields.get("Rss", 0.0), fields.get("Pss", 0.0), fields.get("Private_Clean", 0.0) + fields.get(
        "Private_Dirty", 0.0)


class Workers:
    """`count` worker processes of `concurrency` pool processes each; their memory sampled while they run."""

    # The sampler shares the cores it measures: RSS (/proc/PID/statm, cheap) twice a second; the
    # process list (psutil scans all of /proc) and PSS/USS (smaps_rollup walks the page tables,
    # milliseconds for a 300 MB process) every two seconds.
    RSS_EVERY = 0.5
    SCAN_EVERY = 2.0

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
        self.peak = {"main_rss": 0.0, "pool_rss": 0.0, "uss": 0.0, "total_pss": 0.0, "total_rss": 0.0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
        procs: list[tuple[int, str]] = []
        last_scan = 0.0
        while not self._stop.is_set():
            scan = time.monotonic() - last_scan >= self.SCAN_EVERY
            if scan:
                last_scan = time.monotonic()
                procs = []
                for p in self.procs:
                    try:
                        procs += [(p.pid, "main_rss")] + [(c.pid, "pool_rss")
                                                           for c in psutil.Process(p.pid).children(recursive=True)]
                    except psutil.Error:
                        continue
            total_rss = total_pss = 0.0
            for pid, key in procs:
                try:
                    with open(f"/proc/{pid}/statm") as f:
                        rss = int(f.read().split()[1]) * page_mb
                    if scan:
                        _, pss, uss = _smaps_mb(pid)
                        total_pss += pss
                        self.peak["uss"] = max(self.peak["uss"], uss)
                except (OSError, ValueError, IndexError):
                    continue
                total_rss += rss
                self.peak[key] = max(self.peak[key], rss)
            self.peak["total_rss"] = max(self.peak["total_rss"], total_rss)
            if scan:
                self.peak["total_pss"] = max(self.peak["total_pss"], total_pss)
            self._stop.wait(self.RSS_EVERY)

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


def _wait(predicate, timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(every)


def _store(url: str, docs: list[tuple[str, bytes]]) -> list[int]:
    from store.db import session
    from store.repository import store_files

    with session(url) as s:
        ids = []
        for k in range(0, len(docs), 500):
            ids += [doc.id for doc, _ in store_files(s, [(data, name) for name, data in docs[k:k + 500]])]
            s.commit()
        s.commit()  # (none stored: migrates a new database)
    return ids


def _throughput(url: str, docs: list[tuple[str, bytes]], chunk_size: int | None, timeout: float) -> tuple[float, int]:
    """Store `docs`, then time the first publish to the last document's `finished_at`."""
    from datetime import UTC, datetime

    from store.db import session
    from worker.enqueue import enqueue

    ids = _store(url, docs)
    with session(url) as s:
        t0 = datetime.now(UTC)
        sent, err = enqueue(s, ids, chunk_size=chunk_size)
        if err is not None:
            raise RuntimeError(f"broker: {err}")
        s.commit()
    return _until_done(url, ids, t0, timeout)


def _submit_to_done(url: str, docs: list[tuple[str, bytes]], chunk_size: int | None, timeout: float) -> float:
    """`govdigest submit` of `docs` (stored, committed and enqueued in rounds, the workers starting on
    the first round while the rest is stored) to the last `finished_at`: the Celery path end to end,
    as the embedded path is measured."""
    from datetime import UTC, datetime

    from api.inputs import Input
    from worker.enqueue import submit

    t0 = datetime.now(UTC)
    rep = submit((Input(name, name, data) for name, data in docs), url=url, chunk_size=chunk_size)
    if rep.broker_error is not None:
        raise RuntimeError(f"broker: {rep.broker_error}")
    return _until_done(url, rep.ids, t0, timeout)[0]


def _until_done(url: str, ids: list[int], t0, timeout: float) -> tuple[float, int]:
    """Reports/s from `t0` to the last `finished_at` of `ids`, and how many failed. The poll runs
    twice a second (its CPU would be the workers'); the time comes from the rows, not the poll."""
    from datetime import UTC

    from sqlalchemy import func, select

    from store.db import session
    from store.models import Document

    pending = select(func.count()).select_from(Document).where(Document.status.in_(("queued", "processing")))
    with session(url) as s:
        def finished() -> bool:
            n = s.scalar(pending)
            s.rollback()  # a fresh snapshot each time
            return n == 0

        _wait(finished, timeout, "the documents to finish", every=0.5)
        last = s.scalar(select(func.max(Document.finished_at)).where(Document.id.in_(ids)))
        failed = s.scalar(select(func.count()).select_from(Document)
                          .where(Document.id.in_(ids), Document.status == "failed")) or 0
    last = last if last.tzinfo else last.replace(tzinfo=UTC)
    return len(ids) / (last - t0).total_seconds(), failed


def embedded(docs: list[tuple[str, bytes]], url: str, jobs: int = 2) -> tuple[float, int]:
    """`govdigest process --jobs N` on `docs`: reports/s and failures. The model is warm first (as
    the workers' is before their clock starts), so the pool processes inherit it."""
    from api.processing import OutcomeWriter, run_many, warm_worker
    from store.db import engine

    warm_worker()
    writer = OutcomeWriter(url)  # migrated before the clock starts, as the workers' database is
    failed = 0
    try:
        t0 = time.perf_counter()
        for k, outcome in enumerate(run_many(((n, n, d) for n, d in docs), jobs=jobs)):
            writer.add(outcome, docs[k][1])
            failed += outcome.summary is None
        writer.flush()
        elapsed = time.perf_counter() - t0
    finally:
        writer.close()
        engine(url).dispose()
    return len(docs) / elapsed, failed


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
        timeout: float = 900, embedded_pg: bool = True) -> dict:
    docs = corpus(2 * n + chunk1_docs)
    main, submitted, extra = docs[:n], docs[n:2 * n], docs[2 * n:]
    broker = Broker(os.environ.get("GOVDIGEST_BENCH_BROKER", DEFAULT_BROKER), f"gdbench-{os.getpid()}-{uuid.uuid4().hex[:6]}:")
    out: dict = {"celery_reports": n}
    peak = {"main_rss": 0.0, "pool_rss": 0.0, "uss": 0.0, "total_pss": 0.0, "total_rss": 0.0}
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
                        if count == 2:
                            rate2 = _submit_to_done(url, submitted, chunk_size, timeout)
                            out["celery_2w_submit_to_done_reports_per_s"] = round(rate2, 1)
                    finally:
                        workers.stop()
                    for key, value in workers.peak.items():
                        peak[key] = max(peak[key], value)
            # the embedded path on the same reports, right after: the default SQLite file, then PostgreSQL
            rate, failed = embedded(main, f"sqlite:///{logdir / 'embedded.db'}")
            out["embedded_2p_reports_per_s"] = round(rate, 1)
            out["embedded_2p_failed"] = failed
            if embedded_pg:
                with database("embedded") as (url, kind):
                    if kind == "postgresql":
                        rate, _ = embedded(main, url)
                        out["embedded_2p_pg_reports_per_s"] = round(rate, 1)
        finally:
            broker.clear()
    out["celery_2w_over_1w"] = round(out["celery_2w_reports_per_s"] / out["celery_1w_reports_per_s"], 2)
    out["celery_2w_over_embedded_2p"] = round(out["celery_2w_reports_per_s"] / out["embedded_2p_reports_per_s"], 2)
    out["celery_2w_submit_to_done_over_embedded_2p"] = round(
        out["celery_2w_submit_to_done_reports_per_s"] / out["embedded_2p_reports_per_s"], 2)
    if "embedded_2p_pg_reports_per_s" in out:
        out["celery_2w_over_embedded_2p_pg"] = round(
            out["celery_2w_reports_per_s"] / out["embedded_2p_pg_reports_per_s"], 2)
    out.update({
        "celery_worker_max_rss_mb": round(max(peak["main_rss"], peak["pool_rss"]), 1),
        "celery_worker_main_max_rss_mb": round(peak["main_rss"], 1),
        "celery_worker_pool_max_rss_mb": round(peak["pool_rss"], 1),
        "celery_worker_max_uss_mb": round(peak["uss"], 1),
        "celery_worker_total_pss_mb": round(peak["total_pss"], 1),
        "celery_worker_total_rss_mb": round(peak["total_rss"], 1),
    })
    out["cpu_count"] = os.cpu_count()
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="reports per run (default 2000)")
    ap.add_argument("--chunk-size", type=int, default=None, help="ids per task (default GOVDIGEST_CHUNK_SIZE, 50)")
    ap.add_argument("--overhead-tasks", type=int, default=1000)
    ap.add_argument("--chunk1-docs", type=int, default=300, help="reports sent one per task (0: skip)")
    ap.add_argument("--skip-embedded-pg", action="store_true", help="measure the embedded path on SQLite only")
    a = ap.parse_args(argv)
    results = run(a.n, chunk_size=a.chunk_size, overhead_tasks=a.overhead_tasks, chunk1_docs=a.chunk1_docs,
                  embedded_pg=not a.skip_embedded_pg)
    print(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
