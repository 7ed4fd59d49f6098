"""Queued processing without services: claiming, idempotency, poison documents, the sweep's
selection and the settings, on SQLite in this process, a few also on PostgreSQL (the Redis/PostgreSQL
runs of the workers are in test_worker_services.py)."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from conftest import REPORT_2019
from sqlalchemy import func, select, update

from store import queue
from store.db import session
from store.models import Document, Paragraph
from store.repository import now, store_file
from worker import process as worker_process
from worker.enqueue import chunks
from worker.settings import settings


def variants(text: str, n: int, start: int = 0) -> list[tuple[str, bytes]]:
    """n distinct reports: the agency name and a figure vary."""
    out = []
    for i in range(start, start + n):
        body = text.replace("某某县文化和旅游局", f"第{i}号县文化和旅游局").replace("312条", f"{300 + i}条")
        out.append((f"r{i:03d}.txt", body.encode("utf-8")))
    return out


def store_all(url: str, items: list[tuple[str, bytes]]) -> list[int]:
    with session(url) as s:
        ids = [store_file(s, data, name)[0].id for name, data in items]
        s.commit()
    return ids


def rows(url: str) -> dict[int, Document]:
    with session(url) as s:
        return {d.id: d for d in s.scalars(select(Document))}


def paragraph_counts(url: str) -> dict[int, int]:
    with session(url) as s:
        return dict(s.execute(select(Paragraph.document_id, func.count()).group_by(Paragraph.document_id)).all())


def set_row(url: str, doc_id: int, **values) -> None:
    with session(url) as s:
        s.execute(update(Document).where(Document.id == doc_id).values(**values))
        s.commit()


@pytest.fixture
def cfg(monkeypatch):
    for name in ("GOVDIGEST_TEST_TASK_DELAY", "GOVDIGEST_TEST_CRASH_ON", "GOVDIGEST_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    return settings()


@pytest.fixture(autouse=True)
def _fresh_locks():
    worker_process.reset_after_fork()
    yield
    for locks in worker_process._locks.values():
        locks.close()
    worker_process.reset_after_fork()


def test_chunk_processes_bad_input_goes_on_and_rerun_is_a_noop(sqlite_url, cfg, report_2019_text, not_a_report_bytes,
                                                               classifier):
    items = variants(report_2019_text, 3)
    items.insert(1, ("notice.txt", not_a_report_bytes))
    ids = store_all(sqlite_url, items)
    result = worker_process.process_chunk(ids, url=sqlite_url, cfg=cfg)
    assert sorted(result.done) == sorted([ids[0], ids[2], ids[3]]) and result.failed == [ids[1]]
    docs = rows(sqlite_url)
    assert docs[ids[1]].status == "failed" and docs[ids[1]].error_code == "not_a_report"
    assert docs[ids[1]].pipeline_version
    counts = paragraph_counts(sqlite_url)
    for i in (ids[0], ids[2], ids[3]):
        d = docs[i]
        assert d.status == "done" and d.attempts == 1 and d.pipeline_version
        assert counts[i] == len(d.summary["paragraphs"]) > 0
        assert d.timings["attempts"] == 1 and d.timings["worker_ms"] > 0

    again = worker_process.process_chunk(ids + ids, url=sqlite_url, cfg=cfg)
    assert again.done == [] and again.failed == [] and len(again.skipped) == 8
    assert paragraph_counts(sqlite_url) == counts
    assert all(d.attempts == 1 for d in rows(sqlite_url).values())


def test_orphan_is_taken_over_and_a_poison_document_is_set_aside(sqlite_url, cfg, report_2019_text, classifier):
    a, b = store_all(sqlite_url, variants(report_2019_text, 2))
    # both look like documents whose worker died mid-way (no one holds their liveness lock)
    set_row(sqlite_url, a, status="processing", attempts=1, started_at=now())
    set_row(sqlite_url, b, status="processing", attempts=cfg.max_attempts, started_at=now())
    result = worker_process.process_chunk([a, b], url=sqlite_url, cfg=cfg)
    assert result.done == [a] and result.crashed == [b]
    docs = rows(sqlite_url)
    assert docs[a].status == "done" and docs[a].attempts == 2
    assert docs[b].status == "failed" and docs[b].error_code == "worker_crash" and docs[b].attempts == cfg.max_attempts
    assert "3 attempts" in docs[b].error_message
    assert b not in paragraph_counts(sqlite_url)


def test_a_live_holder_is_left_alone(sqlite_url, cfg, report_2019_text, classifier):
    (a,) = store_all(sqlite_url, variants(report_2019_text, 1))
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from store.queue import LivenessLocks
        locks = LivenessLocks({sqlite_url!r})
        assert locks.acquire({a})
        print("held", flush=True)
        sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        busy = worker_process.process_chunk([a], url=sqlite_url, cfg=cfg)
        assert busy.skipped == [a] and rows(sqlite_url)[a].status == "queued"
    finally:
        holder.communicate("\n", timeout=30)
    # the holder is gone (its lock went with it): the document is processed
    assert worker_process.process_chunk([a], url=sqlite_url, cfg=cfg).done == [a]


def test_in_process_lock_is_exclusive(sqlite_url, cfg, report_2019_text):
    (a,) = store_all(sqlite_url, variants(report_2019_text, 1))
    locks = worker_process.liveness_locks(sqlite_url)
    assert locks.acquire(a)
    assert not locks.acquire(a)  # a second thread of this process
    assert worker_process.process_chunk([a], url=sqlite_url, cfg=cfg).skipped == [a]
    locks.release(a)
    assert locks.acquire(a)
    locks.release(a)


def test_queue_store_budget_hands_the_batches_after_it_on(sqlite_url, cfg, report_2019_text, classifier):
    ids = store_all(sqlite_url, variants(report_2019_text, 5))
    assert worker_process.batches(ids, 2) == [ids[:2], ids[2:4], ids[4:]]
    result = worker_process.process_chunk(ids, url=sqlite_url, cfg=dataclasses.replace(cfg, chunk_budget=1e-9),
                                          batch_size=2)
    assert result.done == ids[:2] and result.remaining == ids[2:]
    assert [rows(sqlite_url)[i].status for i in ids] == ["done", "done", "queued", "queued", "queued"]


def _strike_on(name: str, real):
    """process_many, with the soft time limit striking in the stages of document `name`."""
    def run(files):
        results = real(files)
        return [SoftTimeLimitExceeded() if filename == name else r for (_, filename), r in zip(files, results, strict=True)]

    return run


def test_queue_store_soft_time_limit_hands_a_batch_on_and_fails_a_document_alone(sqlite_url, cfg, report_2019_text,
                                                                                 monkeypatch, classifier):
    ids = store_all(sqlite_url, variants(report_2019_text, 3))
    monkeypatch.setattr(worker_process, "process_many", _strike_on("r001.txt", worker_process.process_many))
    # in a batch the limit may have struck in a neighbour's stage: its finished neighbours are
    # written, the document is handed on with the rest of the chunk
    result = worker_process.process_chunk(ids, url=sqlite_url, cfg=cfg, batch_size=2)
    assert result.done == ids[:1] and result.failed == [] and result.remaining == ids[1:]
    assert [(d.status, d.attempts) for d in rows(sqlite_url).values()] == [("done", 1), ("processing", 1), ("queued", 0)]
    # the next task takes it over alone (a second attempt): now the limit is its own
    again = worker_process.process_chunk(result.remaining, url=sqlite_url, cfg=cfg)
    assert again.done == ids[2:] and again.failed == [ids[1]] and again.remaining == []
    doc = rows(sqlite_url)[ids[1]]
    assert doc.status == "failed" and doc.error_code == "timeout" and "soft time limit" in doc.error_message
    assert doc.attempts == 2 and doc.timings["batch"] == 1


def test_queue_store_a_bug_is_internal_error_and_the_chunk_goes_on(sqlite_url, cfg, report_2019_text, monkeypatch,
                                                                 classifier):
    ids = store_all(sqlite_url, variants(report_2019_text, 4))
    real_many, real_one = worker_process.process_many, worker_process.process_bytes

    def buggy_stage(files):  # a stage raised for one document: process_many hands the error back
        return [KeyError("boom") if name == "r000.txt" else r for (_, name), r in zip(files, real_many(files), strict=True)]

    monkeypatch.setattr(worker_process, "process_many", buggy_stage)
    result = worker_process.process_chunk(ids[:2], url=sqlite_url, cfg=cfg)
    assert result.failed == ids[:1] and result.done == ids[1:2]
    doc = rows(sqlite_url)[ids[0]]
    assert doc.error_code == "internal_error" and "KeyError" in doc.error_message

    def broken_batch(files):  # a bug outside the stages fails the whole call ...
        raise RuntimeError("batch bug")

    def buggy_one(data, filename):
        if filename == "r002.txt":
            raise KeyError("boom")
        return real_one(data, filename)

    monkeypatch.setattr(worker_process, "process_many", broken_batch)
    monkeypatch.setattr(worker_process, "process_bytes", buggy_one)
    # ... and its documents are run one by one, so the error lands on the one that has it
    result = worker_process.process_chunk(ids[2:], url=sqlite_url, cfg=cfg)
    assert result.failed == ids[2:3] and result.done == ids[3:]
    assert rows(sqlite_url)[ids[2]].error_code == "internal_error"


def test_queue_store_a_dead_batch_is_taken_over_one_document_at_a_time(sqlite_url, cfg, report_2019_text,
                                                                        classifier):
    ids = store_all(sqlite_url, variants(report_2019_text, 4))
    # the first two look like a batch whose worker died (attempt 1 each, nobody holds their locks)
    for doc_id in ids[:2]:
        set_row(sqlite_url, doc_id, status="processing", attempts=1, started_at=now())
    result = worker_process.process_chunk(ids, url=sqlite_url, cfg=cfg)
    assert sorted(result.done) == ids and result.skipped == result.failed == result.remaining == []
    docs = rows(sqlite_url)
    # the waiting two share a batch; each of the suspects runs alone, so a poison document among
    # them kills its worker without charging an attempt to the others again
    assert [(docs[i].attempts, docs[i].timings["batch"]) for i in ids] == [(2, 1), (2, 1), (1, 2), (1, 2)]


def test_queue_store_save_summaries_writes_what_save_summary_writes(sqlite_url, report_2019_bytes, classifier):
    """The worker's batch write links years inside the batch both ways and carries reviews over."""
    import copy

    from extraction.pipeline import process_bytes
    from store.models import DocumentFailingRule, DocumentTheme
    from store.repository import filter_rows, relabel, save_summaries

    first = process_bytes(report_2019_bytes, "2019.txt", classifier=classifier)
    later = copy.deepcopy(first)  # the same agency a year later, whose carried-over total does not match
    later["report"]["year"] += 1
    later["tables"]["applications"]["rows"]["carried_over"][6] = (
        first["tables"]["applications"]["rows"]["carried_forward"][6] + 3)
    with session(sqlite_url) as s:
        later_id = store_file(s, b"later", "later.txt")[0].id
        first_id = store_file(s, report_2019_bytes, "2019.txt")[0].id
        # next year first: it is checked once this year's report, later in the same batch, is written
        save_summaries(s, [(later_id, copy.deepcopy(later), {}), (first_id, copy.deepcopy(first), {"timings": {"x": 1}})])
        s.commit()
        docs = {d.id: d for d in s.scalars(select(Document))}
        check = next(c for c in docs[later_id].summary["checks"] if c["rule"] == "year_over_year.carried_over")
        assert check["status"] == "fail" and docs[later_id].failing_checks >= 1
        assert docs[first_id].status == "done" and docs[first_id].timings == {"x": 1}

        def filter_rows_in_db(doc_id):
            return (set(s.scalars(select(DocumentTheme.theme).where(DocumentTheme.document_id == doc_id))),
                    set(s.scalars(select(DocumentFailingRule.rule).where(DocumentFailingRule.document_id == doc_id))))

        assert filter_rows_in_db(later_id) == tuple(set(x) for x in filter_rows(docs[later_id].summary))
        assert "year_over_year.carried_over" in filter_rows_in_db(later_id)[1]
        assert filter_rows_in_db(first_id) == tuple(set(x) for x in filter_rows(first))
        target = s.scalars(select(Paragraph).where(Paragraph.document_id == first_id).order_by(Paragraph.idx)).first()
        relabel(s, target.id, "problems", "alice")
        s.commit()
        # written again (a new pipeline version): paragraphs replaced once, the review kept
        save_summaries(s, [(first_id, copy.deepcopy(first), {})])
        s.commit()
        again = s.scalars(select(Paragraph).where(Paragraph.document_id == first_id).order_by(Paragraph.idx)).all()
        assert len(again) == len(first["paragraphs"])
        assert (again[0].label, again[0].reviewed_by) == ("problems", "alice")
        assert filter_rows_in_db(first_id) == tuple(set(x) for x in filter_rows(first))


def test_done_with_an_older_pipeline_version_is_processed_again(sqlite_url, cfg, report_2019_text, classifier):
    (a,) = store_all(sqlite_url, variants(report_2019_text, 1))
    assert worker_process.process_chunk([a], url=sqlite_url, cfg=cfg).done == [a]
    set_row(sqlite_url, a, pipeline_version="0.0.0-old")
    with session(sqlite_url) as s:
        doc = s.get(Document, a)
        assert queue.requeue_for_new_version(s, doc, "0.1.0")
        s.commit()
    assert rows(sqlite_url)[a].status == "queued"
    assert worker_process.process_chunk([a], url=sqlite_url, cfg=cfg).done == [a]
    doc = rows(sqlite_url)[a]
    assert doc.status == "done" and doc.pipeline_version != "0.0.0-old" and doc.attempts == 1
    assert paragraph_counts(sqlite_url)[a] == len(doc.summary["paragraphs"])


def test_sweep_selection_and_retry_reset(sqlite_url, report_2019_text):
    ids = store_all(sqlite_url, variants(report_2019_text, 6))
    old = now() - timedelta(seconds=3600)
    set_row(sqlite_url, ids[0], updated_at=old)  # never enqueued (broker was down)
    set_row(sqlite_url, ids[1], queued_at=now())  # enqueued just now: waiting in the broker
    set_row(sqlite_url, ids[2], queued_at=old)  # enqueued long ago: lost with the broker's memory?
    set_row(sqlite_url, ids[3], status="processing", attempts=1, started_at=old)  # its worker vanished
    set_row(sqlite_url, ids[4], status="processing", attempts=1, started_at=now())  # being worked on
    set_row(sqlite_url, ids[5], status="failed", attempts=3, error_code="worker_crash", error_message="x")
    with session(sqlite_url) as s:
        assert queue.stale_ids(s, older_than=600, never_enqueued_grace=60) == [ids[0], ids[2], ids[3]]
        assert queue.stale_ids(s, older_than=600, never_enqueued_grace=60, include_queued=False) == [ids[0], ids[3]]
        assert queue.stale_ids(s, older_than=0) == ids[:5]
        assert queue.reset_failed(s) == [ids[5]]
    doc = rows(sqlite_url)[ids[5]]
    assert (doc.status, doc.attempts, doc.error_code, doc.queued_at) == ("queued", 0, None, None)
    with session(sqlite_url) as s:
        queue.mark_enqueued(s, [ids[0], ids[4]], now())
    docs = rows(sqlite_url)
    assert docs[ids[0]].queued_at is not None and docs[ids[4]].queued_at is None  # processing rows untouched


class _Publisher:
    """worker.enqueue.publish for the submit tests: records what it is given and checks, from
    another session, that every id was committed before it was published."""

    def __init__(self, url: str, seen: list[str], *, down: bool = False):
        self.url, self.seen, self.down = url, seen, down
        self.calls: list[list[int]] = []

    def __call__(self, ids: list[int], *, chunk_size: int | None = None):
        mark = len(self.seen)
        with session(self.url) as other:
            visible = other.scalar(select(func.count()).select_from(Document).where(Document.id.in_(ids)))
        del self.seen[mark:]  # this check's statements are not submit's
        assert visible == len(ids), "published before it was committed"
        self.calls.append(list(ids))
        if self.down:
            return [], ConnectionError("the broker is down")
        return list(ids), None


def _count_statements(url: str):
    from sqlalchemy import event

    from store.db import engine

    seen: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        seen.append(statement)

    eng = engine(url)  # migrated before counting starts
    event.listen(eng, "before_cursor_execute", count)
    return seen, lambda: event.remove(eng, "before_cursor_execute", count)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_queue_store_submit_stores_a_round_in_a_few_statements(backend, request, tmp_path, monkeypatch):
    """`submit` of 200 files costs a handful of statements per round, not several per file, and
    reports what it did exactly as before: new, requeued for a new pipeline version, never
    enqueued, already done / failed / in progress, unreadable, ids in input order once each."""
    import worker.enqueue
    from api.inputs import Input
    from extraction.errors import GovdigestError
    from extraction.pipeline import PIPELINE_VERSION
    from store.models import Batch

    url = f"sqlite:///{tmp_path / 'submit.db'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    files = [Input(name, name, data) for name, data in variants(REPORT_2019, 220)]
    seen, stop = _count_statements(url)
    try:
        publisher = _Publisher(url, seen)
        monkeypatch.setattr(worker.enqueue, "publish", publisher)
        first = worker.enqueue.submit(files[:200], url=url, round_size=50)
        assert len(seen) < 40 and len(seen) <= 1 + 5 * 4, seen  # 4 rounds of 50: 3 to store, 1 to mark enqueued
        ids = first.ids
        assert len(set(ids)) == 200 and ids == sorted(ids)
        assert (first.stored, first.enqueued, first.deferred, first.requeued_new_version) == (200, 200, 0, 0)
        assert publisher.calls == [ids[k:k + 50] for k in range(0, 200, 50)]

        set_row(url, ids[0], status="done", pipeline_version=PIPELINE_VERSION)
        with session(url) as s:
            s.execute(update(Document).where(Document.id.in_(ids[1:10])).values(status="done",
                                                                               pipeline_version=PIPELINE_VERSION))
            s.execute(update(Document).where(Document.id.in_(ids[10:20])).values(status="failed",
                                                                                pipeline_version=PIPELINE_VERSION))
            s.execute(update(Document).where(Document.id.in_(ids[20:30])).values(status="done",
                                                                                pipeline_version="0.0.0-old"))
            s.execute(update(Document).where(Document.id.in_(ids[30:40])).values(queued_at=None))
            s.execute(update(Document).where(Document.id.in_(ids[40:45])).values(status="processing"))
            s.commit()
        unreadable = Input("bad.xyz", "bad", None, GovdigestError("unsupported_format"))
        again = files[:100] + [files[200], files[0], unreadable] + files[100:] + [files[200], files[5]]
        errors = []
        publisher.calls.clear()
        del seen[:]
        second = worker.enqueue.submit(again, batch="later", url=url, round_size=50, on_error=errors.append)
        rounds = -(-(len(again) - 1) // 50)
        assert len(seen) < 40 and len(seen) <= 2 + 6 * rounds, seen
        assert second.ids[:100] == ids[:100] and second.ids[101:201] == ids[100:]
        new_ids = second.ids[100:101] + second.ids[201:]
        assert len(second.ids) == 220 and len(set(second.ids)) == 220 and not set(new_ids) & set(ids)
        assert (second.stored, second.requeued_new_version, second.enqueued, second.deferred) == (20, 10, 40, 0)
        assert second.already == {"done": 10, "failed": 10, "in_progress": 160}
        assert second.input_errors == errors == [unreadable] and second.broker_error is None
        assert sorted(sum(publisher.calls, [])) == sorted(new_ids + ids[20:40])
        docs = rows(url)
        assert {docs[i].status for i in ids[20:30]} == {"queued"} and all(docs[i].queued_at for i in ids[20:40])
        with session(url) as s:
            later = s.scalar(select(Batch.id).where(Batch.name == "later"))
        assert {d.batch_id for d in docs.values()} == {later}  # attached to every batch-less document

        publisher.down = True
        publisher.calls.clear()
        down = worker.enqueue.submit([Input(f"n{k}.txt", "n", f"新 {k}".encode()) for k in range(3)], url=url)
        assert (down.stored, down.enqueued, down.deferred) == (3, 0, 3) and isinstance(down.broker_error,
                                                                                      ConnectionError)
        assert publisher.calls == [down.ids] and all(rows(url)[i].queued_at is None for i in down.ids)
    finally:
        stop()


def test_queue_store_submit_rounds_end_early_at_their_byte_limit(sqlite_url, monkeypatch):
    """A round holds at most ROUND_BYTES of files: many big files are stored in more rounds, with
    the same report (the same bytes in two rounds are one document, listed once)."""
    import worker.enqueue
    from api.inputs import Input

    files = [Input(name, name, data) for name, data in variants(REPORT_2019, 12)]
    size = min(len(f.data) for f in files)
    monkeypatch.setattr(worker.enqueue, "ROUND_BYTES", 3 * size)
    stored: list[int] = []
    real = worker.enqueue.store_files
    monkeypatch.setattr(worker.enqueue, "store_files", lambda s, fs, **kw: stored.append(len(fs)) or real(s, fs, **kw))
    seen, stop = _count_statements(sqlite_url)
    try:
        monkeypatch.setattr(worker.enqueue, "publish", _Publisher(sqlite_url, seen, down=True))
        rep = worker.enqueue.submit(files + files[:2], url=sqlite_url)
    finally:
        stop()
    assert stored == [3, 3, 3, 3, 2]
    assert (rep.stored, rep.deferred, rep.already["in_progress"]) == (12, 12, 0) and len(rep.ids) == 12
    assert len(seen) <= 3 * 5


def test_queue_store_a_schema_marked_migrated_is_not_checked_again(sqlite_url):
    """A worker migrates before forking its pool (worker.app); its pool processes then open the
    database without loading alembic (~7 MB each) to check the schema again."""
    with session(sqlite_url) as s:  # migrated here
        s.commit()
    code = textwrap.dedent(f"""
        import sys
        from store.db import engine, mark_migrated
        mark_migrated({sqlite_url!r})
        engine({sqlite_url!r}).connect().close()
        print("alembic" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_chunks_keep_a_lone_document_alone_and_spread_small_batches():
    assert chunks([7], 50) == [[7]]
    assert chunks([], 50) == []
    small = chunks(list(range(200)), 50)
    assert len(small) == 16 and max(map(len, small)) == 13 and sum(small, []) == list(range(200))
    big = chunks(list(range(100_000)), 50)
    assert len(big) == 2000 and {len(c) for c in big} == {50}


def test_settings_refuse_orderings_that_would_lose_or_double_work(monkeypatch):
    monkeypatch.setenv("GOVDIGEST_VISIBILITY_TIMEOUT", "100")
    with pytest.raises(ValueError, match="VISIBILITY_TIMEOUT"):
        settings()
    monkeypatch.setenv("GOVDIGEST_VISIBILITY_TIMEOUT", "300")
    monkeypatch.setenv("GOVDIGEST_CHUNK_BUDGET", "150")
    with pytest.raises(ValueError, match="CHUNK_BUDGET"):
        settings()
    monkeypatch.delenv("GOVDIGEST_CHUNK_BUDGET")
    monkeypatch.setenv("GOVDIGEST_MAX_ATTEMPTS", "many")
    with pytest.raises(ValueError, match="not a number"):
        settings()


def test_celery_app_settings():
    import worker.tasks  # noqa: F401  (the worker imports them through `include`)
    from worker.app import app

    c = app.conf
    assert c.task_acks_late and c.task_reject_on_worker_lost and c.task_acks_on_timeout is False
    assert c.worker_prefetch_multiplier == 1 and c.task_ignore_result
    assert list(c.accept_content) == ["json"] and c.task_serializer == "json"
    t = c.broker_transport_options
    assert t["visibility_timeout"] > c.task_time_limit > c.task_soft_time_limit
    assert t["unacked_restore_interval"] == 5 and t["unacked_restore_throttle"] == 1
    assert c.worker_max_memory_per_child and c.worker_cancel_long_running_tasks_on_connection_loss is False
    assert {q.name for q in c.task_queues} == {"extract", "train"}
    assert c.beat_schedule["govdigest-sweep"]["task"] == "govdigest.sweep"
    assert {"govdigest.extract", "govdigest.sweep", "govdigest.train", "govdigest.ping"} <= set(app.tasks.keys())
    assert app.tasks["govdigest.train"].acks_late is False


def test_status_json_has_the_documented_shape(tmp_path, govdigest_bin, cli_env, report_2019_bytes, not_a_report_bytes):
    (tmp_path / "good.txt").write_bytes(report_2019_bytes)
    (tmp_path / "notice.txt").write_bytes(not_a_report_bytes)
    r = subprocess.run([govdigest_bin, "process", "good.txt", "notice.txt"], env=cli_env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert "1 processed, 1 failed" in r.stderr
    r = subprocess.run([govdigest_bin, "status", "--json"], env=cli_env, cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == {"batch": None, "counts": {"queued": 0, "processing": 0, "done": 1, "failed": 1},
                   "failures": [{"document": "notice.txt", "code": "not_a_report", "message": out["failures"][0]["message"]}]}
    assert "annual report" in out["failures"][0]["message"]
    text = subprocess.run([govdigest_bin, "status"], env=cli_env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert "done 1" in text.stdout and "notice.txt: not_a_report:" in text.stdout
    missing = subprocess.run([govdigest_bin, "status", "nope"], env=cli_env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
    assert missing.returncode == 2


def test_submit_with_the_broker_down_keeps_everything_queued(tmp_path, govdigest_bin, cli_env, report_2019_bytes):
    (tmp_path / "good.txt").write_bytes(report_2019_bytes)
    (tmp_path / "notes.xyz").write_bytes(b"whatever")
    env = dict(cli_env, GOVDIGEST_BROKER_URL="redis://127.0.0.1:1/5")  # nothing listens on port 1
    r = subprocess.run([govdigest_bin, "submit", "good.txt", "notes.xyz", "--batch", "b"], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr  # an unreadable input, as `govdigest process`; the broker only warns
    assert "FAILED notes.xyz: unsupported_format:" in r.stderr
    assert "broker is unreachable" in r.stderr and "1 document(s) are stored and committed as 'queued'" in r.stderr
    st = subprocess.run([govdigest_bin, "status", "b", "--json"], env=env, cwd=tmp_path, capture_output=True,
                        text=True, timeout=120)
    assert json.loads(st.stdout)["counts"] == {"queued": 1, "processing": 0, "done": 0, "failed": 0}
    rq = subprocess.run([govdigest_bin, "requeue"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert rq.returncode == 4 and "1 document(s) to enqueue again, 0 enqueued" in rq.stderr
