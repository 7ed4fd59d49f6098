"""Queued processing against the real services: `govdigest worker` subprocesses on Redis
(127.0.0.1:6379, DB 5) and a fresh PostgreSQL database per test.

Locally a missing service skips these tests; with CI=true it fails them (conftest.service_required).

Isolation: every test uses its own Redis key prefix (GOVDIGEST_BROKER_PREFIX) inside DB 5 and
deletes its own keys before and after, instead of FLUSHDB, so two test runs sharing this Redis do
not consume each other's messages; each test creates (and drops) its own PostgreSQL database.

Timings are shortened through the environment (visibility timeout 10 s, hard limit 8 s, restore
scan every second). The kill tests slow each document down with GOVDIGEST_TEST_TASK_DELAY so a
kill lands mid-document; the poison test uses GOVDIGEST_TEST_CRASH_ON (the pool process that claims
a matching document SIGKILLs itself). Both hooks are read by worker/process.py, for tests only.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import psutil
import pytest
from conftest import NOT_A_REPORT, REPORT_2019, service_required

pytestmark = pytest.mark.services

REDIS_URL = "redis://127.0.0.1:6379/5"
CLOSED_BROKER = "redis://127.0.0.1:1/5"  # nothing listens on port 1: "Redis is down" for this process only
LOCK_NAMESPACE = 0x6764  # store.queue._LOCK_NAMESPACE

FAST = {
    "GOVDIGEST_VISIBILITY_TIMEOUT": "10",
    "GOVDIGEST_TASK_TIME_LIMIT": "8",
    "GOVDIGEST_TASK_SOFT_TIME_LIMIT": "6",
    "GOVDIGEST_CHUNK_BUDGET": "4",
    "GOVDIGEST_UNACKED_RESTORE_INTERVAL": "1",
    "GOVDIGEST_UNACKED_RESTORE_THROTTLE": "1",
    "GOVDIGEST_SWEEP_INTERVAL": "2",
    "GOVDIGEST_SWEEP_OLDER_THAN": "8",
    "GOVDIGEST_SWEEP_GRACE": "0",
    "GOVDIGEST_MAX_ATTEMPTS": "3",
}


# --------------------------------------------------------------------------------------------
# services


class Broker:
    def __init__(self, client, prefix: str):
        self.client = client
        self.prefix = prefix

    def llen(self, queue: str = "extract") -> int:
        return self.client.llen(self.prefix + queue)

    def clear(self) -> None:
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self.client.delete(*keys)


@pytest.fixture
def broker():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        service_required("Redis")
        raise AssertionError(f"Redis unreachable: {exc}") from exc
    b = Broker(client, f"gdtest-{os.getpid()}-{uuid.uuid4().hex[:8]}:")
    b.clear()
    yield b
    b.clear()
    client.close()


@pytest.fixture
def pg():
    """A fresh database for this test only (conftest's postgres_url is one shared database per session)."""
    import psycopg

    base = os.environ.get("GOVDIGEST_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"govdigest_worker_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        service_required("PostgreSQL")
        raise AssertionError(f"PostgreSQL unreachable: {exc}") from exc
    yield base.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def sql(url: str, query: str, *args) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query, args).fetchall()


# --------------------------------------------------------------------------------------------
# workers and the CLI


class Worker:
    def __init__(self, exe: str, env: dict, log: Path, *args: str):
        self.log_path = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen([exe, "worker", "--loglevel", "INFO", *args], env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def pool_pids(self) -> list[int]:
        try:
            return [p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill_all(self) -> None:
        """kill -9 of the whole worker: the main process and its pool processes at once."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # any pool process left behind
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=30)
        self._log.close()

    def tail(self, n: int = 60) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])


@pytest.fixture
def workers(govdigest_bin, tmp_path):
    started: list[Worker] = []

    def start(env: dict, *args: str) -> Worker:
        w = Worker(govdigest_bin, env, tmp_path / f"worker{len(started)}.log", *args)
        started.append(w)
        return w

    start.started = started
    yield start
    for w in started:
        w.stop()


def make_env(tmp_path: Path, broker: Broker, pg: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVDIGEST_")}
    env.update(FAST)
    env.update(GOVDIGEST_BROKER_URL=REDIS_URL, GOVDIGEST_BROKER_PREFIX=broker.prefix, GOVDIGEST_DATABASE_URL=pg,
               GOVDIGEST_HOME=str(tmp_path / "home"))
    env.update(extra)
    return env


def cli(exe: str, env: dict, *args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([exe, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def write_reports(folder: Path, n: int, start: int = 0, name: str = "r") -> list[Path]:
    """n distinct small reports: the agency name and figures vary."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        body = (REPORT_2019.replace("某某县文化和旅游局", f"第{i}号县文化和旅游局")
                .replace("312条", f"{300 + i}条").replace("56.5", f"{50 + i}.5"))
        p = folder / f"{name}{i:04d}.txt"
        p.write_text(body, encoding="utf-8")
        paths.append(p)
    return paths


def counts(pg: str) -> dict[str, int]:
    out = {"queued": 0, "processing": 0, "done": 0, "failed": 0}
    out.update(dict(sql(pg, "SELECT status, count(*) FROM documents GROUP BY status")))
    return out


def wait_for(predicate, timeout: float, what: str, workers=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    logs = "\n\n".join(w.tail() for w in (workers.started if workers else []))
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{logs}")


def settled(pg: str) -> bool:
    c = counts(pg)
    return c["queued"] + c["processing"] == 0 and sum(c.values()) > 0


def held_locks(pg: str) -> list[tuple[int, int]]:
    """(worker process id, document id) for every document a live process is working on now."""
    rows = sql(pg, """
        SELECT a.application_name, l.objid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())""", LOCK_NAMESPACE)
    return [(int(app.split(":")[1]), int(objid)) for app, objid in rows if app.startswith("govdigest-claims:")]


def claimed_and_held(pg: str) -> list[tuple[int, int]]:
    """`held_locks` whose document is claimed and not yet written."""
    processing = {d for (d,) in sql(pg, "SELECT id FROM documents WHERE status = 'processing' AND attempts >= 1")}
    return [(pid, doc_id) for pid, doc_id in held_locks(pg) if doc_id in processing]


def assert_each_done_exactly_once(pg: str, expected_done: int) -> None:
    docs = sql(pg, "SELECT id, status, summary FROM documents WHERE status = 'done'")
    assert len(docs) == expected_done
    per_doc = dict(sql(pg, "SELECT document_id, count(*) FROM paragraphs GROUP BY document_id"))
    for doc_id, _, summary in docs:
        assert per_doc.get(doc_id) == len(summary["paragraphs"]) > 0, doc_id
    assert sql(pg, "SELECT document_id, idx FROM paragraphs GROUP BY 1, 2 HAVING count(*) > 1") == []
    assert sql(pg, "SELECT sha256 FROM documents GROUP BY 1 HAVING count(*) > 1") == []


# --------------------------------------------------------------------------------------------
# tests


def test_batch_of_200_reports_all_done_and_the_same_files_again_add_nothing(tmp_path, broker, pg, workers,
                                                                          govdigest_bin):
    inbox = tmp_path / "in"
    write_reports(inbox, 200)
    (inbox / "notice.txt").write_text(NOT_A_REPORT, encoding="utf-8")
    (inbox / "broken.pdf").write_bytes(b"not a pdf at all")
    env = make_env(tmp_path, broker, pg)
    workers(env, "--concurrency", "2")
    sub = cli(govdigest_bin, env, "submit", str(inbox), "--batch", "b200", cwd=tmp_path)
    assert sub.returncode == 0, sub.stderr
    assert "202 document(s): 202 new; 202 enqueued; batch b200" in sub.stderr
    watch = cli(govdigest_bin, env, "status", "b200", "--watch", "--json", "--interval", "0.3", cwd=tmp_path,
                timeout=150)
    assert watch.returncode == 0, watch.stderr
    out = json.loads(watch.stdout)
    assert out["batch"] == "b200"
    assert out["counts"] == {"queued": 0, "processing": 0, "done": 200, "failed": 2}
    assert sorted((f["document"].rsplit("/", 1)[-1], f["code"]) for f in out["failures"]) == [
        ("broken.pdf", "decode_error"), ("notice.txt", "not_a_report")]
    assert all(set(f) == {"document", "code", "message"} and f["message"] for f in out["failures"])
    assert_each_done_exactly_once(pg, 200)
    assert sql(pg, "SELECT count(*) FROM documents WHERE attempts <> 1") == [(0,)]

    again = cli(govdigest_bin, env, "submit", str(inbox), "--batch", "b200", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "202 document(s): 0 new; 0 enqueued; already stored: 200 done, 2 failed" in again.stderr
    assert sql(pg, "SELECT count(*) FROM documents") == [(202,)]
    assert sql(pg, "SELECT count(*) FROM originals") == [(202,)]

    retry = cli(govdigest_bin, env, "retry-failed", "b200", cwd=tmp_path)
    assert retry.returncode == 0 and "2 failed document(s) queued again, 2 enqueued" in retry.stderr
    wait_for(lambda: settled(pg), 60, "the retried documents", workers)
    assert counts(pg) == {"queued": 0, "processing": 0, "done": 200, "failed": 2}
    assert sql(pg, "SELECT attempts FROM documents WHERE status = 'failed'") == [(1,), (1,)]
    assert_each_done_exactly_once(pg, 200)


def test_kill_9_of_a_pool_process_mid_document(tmp_path, broker, pg, workers, govdigest_bin):
    write_reports(tmp_path / "in", 40)
    env = make_env(tmp_path, broker, pg, GOVDIGEST_TEST_TASK_DELAY="0.3", GOVDIGEST_CHUNK_SIZE="5")
    w = workers(env, "--concurrency", "2")
    assert cli(govdigest_bin, env, "submit", str(tmp_path / "in"), cwd=tmp_path).returncode == 0
    # Locks are taken before the claim: kill only once a held document is claimed (attempt counted).
    wait_for(lambda: claimed_and_held(pg), 60, "a pool process to work on a claimed document", workers)
    pid, doc_id = claimed_and_held(pg)[0]
    assert pid in w.pool_pids()
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: settled(pg), 90, "every document after the kill", workers)
    assert counts(pg) == {"queued": 0, "processing": 0, "done": 40, "failed": 0}
    assert_each_done_exactly_once(pg, 40)
    assert max(a for (a,) in sql(pg, "SELECT attempts FROM documents")) == 2
    assert w.proc.poll() is None  # the worker replaced its pool process and went on


def test_kill_9_of_a_whole_worker(tmp_path, broker, pg, workers, govdigest_bin):
    write_reports(tmp_path / "in", 30)
    env = make_env(tmp_path, broker, pg, GOVDIGEST_TEST_TASK_DELAY="0.3", GOVDIGEST_CHUNK_SIZE="5")
    first = workers(env, "--concurrency", "2")
    assert cli(govdigest_bin, env, "submit", str(tmp_path / "in"), cwd=tmp_path).returncode == 0
    # a pool process holds the locks of its whole batch: wait until both pool processes hold some
    wait_for(lambda: len({pid for pid, _ in held_locks(pg)}) == 2, 60, "both pool processes to hold a document",
             workers)
    first.kill_all()
    stuck = [doc_id for (doc_id,) in sql(pg, "SELECT id FROM documents WHERE status = 'processing'")]
    assert stuck, "the kill landed between documents"
    assert broker.client.hlen(broker.prefix + "unacked") >= 1  # the dead worker's messages, unacknowledged
    workers(make_env(tmp_path, broker, pg, GOVDIGEST_CHUNK_SIZE="5"), "--concurrency", "2")
    wait_for(lambda: settled(pg), 90, "every document after the whole worker died", workers)
    assert counts(pg) == {"queued": 0, "processing": 0, "done": 30, "failed": 0}
    assert_each_done_exactly_once(pg, 30)
    for doc_id in stuck:
        assert sql(pg, "SELECT attempts FROM documents WHERE id = %s", doc_id) == [(2,)]


def test_poison_document_ends_worker_crash_after_max_attempts(tmp_path, broker, pg, workers, govdigest_bin):
    inbox = tmp_path / "in"
    write_reports(inbox, 47)  # 48 documents go in tasks of 3: the poison one shares its batch
    write_reports(inbox, 1, start=100, name="poison")
    env = make_env(tmp_path, broker, pg, GOVDIGEST_TEST_CRASH_ON="poison0100.txt")
    w = workers(env, "--concurrency", "2")
    assert cli(govdigest_bin, env, "submit", str(inbox), "--batch", "p", cwd=tmp_path).returncode == 0
    wait_for(lambda: settled(pg), 90, "the poison document to be set aside", workers)
    st = cli(govdigest_bin, env, "status", "p", "--json", cwd=tmp_path)
    out = json.loads(st.stdout)
    assert out["counts"] == {"queued": 0, "processing": 0, "done": 47, "failed": 1}
    (failure,) = out["failures"]
    assert failure["document"].endswith("poison0100.txt") and failure["code"] == "worker_crash"
    assert sql(pg, "SELECT attempts FROM documents WHERE status = 'failed'") == [(3,)]
    # its batch neighbours paid for the first crash only: after it, suspects run alone
    assert sql(pg, "SELECT max(attempts) FROM documents WHERE status = 'done'") == [(2,)]
    assert_each_done_exactly_once(pg, 47)
    assert "SIGKILL" in w.log_path.read_text(errors="replace")

    w.stop()
    retry = cli(govdigest_bin, env, "retry-failed", "p", "--code", "worker_crash", cwd=tmp_path)
    assert retry.returncode == 0, retry.stderr
    assert sql(pg, "SELECT status, attempts, error_code FROM documents WHERE filename LIKE %s",
               "%poison0100.txt") == [("queued", 0, None)]
    assert broker.llen() == 1


def test_broker_down_at_submit_nothing_lost_requeue_and_beat_sweep(tmp_path, broker, pg, workers, govdigest_bin):
    write_reports(tmp_path / "a", 20)
    write_reports(tmp_path / "b", 20, start=500)
    down = make_env(tmp_path, broker, pg, GOVDIGEST_BROKER_URL=CLOSED_BROKER)
    up = make_env(tmp_path, broker, pg)
    t0 = time.monotonic()
    sub = cli(govdigest_bin, down, "submit", str(tmp_path / "a"), "--batch", "a", cwd=tmp_path)
    assert sub.returncode == 0, sub.stderr
    assert time.monotonic() - t0 < 30
    assert "broker is unreachable" in sub.stderr and "20 document(s) are stored" in sub.stderr
    assert sql(pg, "SELECT status, count(*), count(queued_at) FROM documents GROUP BY status") == [("queued", 20, 0)]
    assert cli(govdigest_bin, down, "requeue", cwd=tmp_path).returncode == 4  # still down: says so

    # the broker is back: the sweep by hand
    rq = cli(govdigest_bin, up, "requeue", cwd=tmp_path)
    assert rq.returncode == 0 and "20 document(s) to enqueue again, 20 enqueued" in rq.stderr
    assert broker.llen() > 0
    assert sql(pg, "SELECT count(queued_at) FROM documents") == [(20,)]

    # a second submission while the broker is down is picked up by the periodic sweep (beat) alone
    assert cli(govdigest_bin, down, "submit", str(tmp_path / "b"), "--batch", "b", cwd=tmp_path).returncode == 0
    assert counts(pg)["queued"] == 40
    workers(up, "--concurrency", "2", "--beat")
    wait_for(lambda: settled(pg), 90, "every document after the broker came back", workers)
    assert counts(pg) == {"queued": 0, "processing": 0, "done": 40, "failed": 0}
    assert_each_done_exactly_once(pg, 40)
