import hashlib

import pytest
from sqlalchemy import func, select

from store.db import session
from store.models import Document, LabelChange, Original, Paragraph
from store.repository import find_document, relabel, save_failure, save_summary, status_counts, store_file


def test_store_same_bytes_twice_is_one_row(sqlite_url, report_2019_bytes):
    with session(sqlite_url) as s:
        a, created_a = store_file(s, report_2019_bytes, "a.txt")
        b, created_b = store_file(s, report_2019_bytes, "copy-of-a.txt")
        s.commit()
        assert a.id == b.id and created_a and not created_b
        assert s.scalar(select(func.count()).select_from(Document)) == 1
        assert s.get(Original, a.sha256).content == report_2019_bytes


def test_store_summary_paragraph_rows_and_relabel_audit(sqlite_url, report_2019_bytes, classifier):
    from extraction.pipeline import process_bytes

    summary = process_bytes(report_2019_bytes, "a.txt", classifier=classifier)
    with session(sqlite_url) as s:
        doc, _ = store_file(s, report_2019_bytes, "a.txt")
        save_summary(s, doc, summary)
        s.commit()
        rows = s.scalars(select(Paragraph).where(Paragraph.document_id == doc.id)).all()
        assert len(rows) == len(summary["paragraphs"]) > 0
        target = rows[0]
        relabel(s, target.id, "problems", "alice")
        s.commit()
        change = s.scalar(select(LabelChange))
        assert (change.from_label, change.to_label, change.user) == (target.predicted_label, "problems", "alice")
        # Reprocessing the same document keeps the reviewer's label and adds no rows.
        save_summary(s, doc, summary)
        s.commit()
        again = s.scalars(select(Paragraph).where(Paragraph.document_id == doc.id)).all()
        assert len(again) == len(rows)
        assert again[0].label == "problems" and again[0].reviewed_by == "alice"
        assert find_document(s, doc.sha256[:10]).id == doc.id
        assert find_document(s, str(doc.id)).id == doc.id


def test_store_failure_recorded_with_code(sqlite_url, not_a_report_bytes):
    with session(sqlite_url) as s:
        doc, _ = store_file(s, not_a_report_bytes, "notice.txt")
        save_failure(s, doc, "not_a_report", "not a report")
        s.commit()
        assert status_counts(s)["failed"] == 1
        assert s.get(Document, doc.id).error_code == "not_a_report"


def test_store_postgres_roundtrip(fresh_postgres_url, report_2019_bytes):
    # a database of its own: "created" must not depend on what another run stored before
    with session(fresh_postgres_url) as s:
        doc, created = store_file(s, report_2019_bytes, "pg.txt")
        s.commit()
        again, created_again = store_file(s, report_2019_bytes, "pg.txt")
        assert created and not created_again and again.id == doc.id


def _next_year(summary: dict, carried_over_total: float) -> dict:
    """The same agency's report one year later, whose 二、上年结转 total is `carried_over_total`."""
    import copy

    later = copy.deepcopy(summary)
    later["report"]["year"] += 1
    later["document"]["sha256"] = "0" * 64
    later["tables"]["applications"]["rows"]["carried_over"][6] = carried_over_total
    return later


def _rule(summary: dict, rule: str) -> dict | None:
    return next((c for c in summary["checks"] if c["rule"] == rule), None)


def test_store_links_years_of_one_agency_both_ways(sqlite_url, report_2019_bytes, classifier):
    from extraction.pipeline import process_bytes
    from store.repository import record_outcome

    first = process_bytes(report_2019_bytes, "2019.txt", classifier=classifier)
    carried_forward = first["tables"]["applications"]["rows"]["carried_forward"][6]
    assert _rule(first, "year_over_year.carried_over") is None  # nothing stored yet
    matching, wrong = _next_year(first, carried_forward), _next_year(first, carried_forward + 3)
    with session(sqlite_url) as s:
        # Next year arrives first: it cannot be checked yet ...
        later_id = record_outcome(s, b"later", "later.txt", summary=wrong, fmt="txt")
        assert _rule(wrong, "year_over_year.carried_over") is None
        # ... and is checked once last year's report is stored, with the mismatch counted as failing.
        record_outcome(s, report_2019_bytes, "2019.txt", summary=first, fmt="txt")
        s.commit()
        later = s.get(Document, later_id)
        check = _rule(later.summary, "year_over_year.carried_over")
        assert check["status"] == "fail" and check["expected"] == carried_forward
        assert later.failing_checks >= 1
        # Reprocessing next year with the right number passes against the stored previous year.
        save_summary(s, later, matching)
        s.commit()
        assert _rule(s.get(Document, later_id).summary, "year_over_year.carried_over")["status"] == "pass"


def _filter_rows_in_db(s, doc_id: int) -> tuple[set[str], set[str]]:
    from store.models import DocumentFailingRule, DocumentTheme

    return (set(s.scalars(select(DocumentTheme.theme).where(DocumentTheme.document_id == doc_id))),
            set(s.scalars(select(DocumentFailingRule.rule).where(DocumentFailingRule.document_id == doc_id))))


def test_store_filter_rows_follow_every_summary_write(sqlite_url, report_2019_bytes, classifier):
    import copy

    from extraction.pipeline import process_bytes
    from store.repository import filter_rows, record_outcome

    first = process_bytes(report_2019_bytes, "2019.txt", classifier=classifier)
    first["themes"].append({"text": "放管服", "kind": "quoted", "count": 1})
    carried_forward = first["tables"]["applications"]["rows"]["carried_forward"][6]
    wrong = _next_year(first, carried_forward + 3)
    with session(sqlite_url) as s:
        # the embedded fast path writes them with the document ...
        later_id = record_outcome(s, b"later", "later.txt", summary=copy.deepcopy(wrong), fmt="txt")
        themes, rules = _filter_rows_in_db(s, later_id)
        assert "放管服" in themes and themes == set(filter_rows(wrong)[0]) and rules == set()
        # ... and storing last year re-checks next year's report: its failing rule gets a row
        first_id = record_outcome(s, report_2019_bytes, "2019.txt", summary=first, fmt="txt")
        s.commit()
        assert _filter_rows_in_db(s, later_id)[1] == {"year_over_year.carried_over"}
        assert _filter_rows_in_db(s, first_id) == tuple(set(x) for x in filter_rows(first))
        # save_summary replaces them: fixed numbers, another theme set
        matching = _next_year(first, carried_forward)
        matching["themes"] = [{"text": "营商环境", "kind": "keyword", "count": 2},
                              {"text": "营商环境", "kind": "quoted", "count": 1}]
        save_summary(s, s.get(Document, later_id), matching)
        s.commit()
        assert _filter_rows_in_db(s, later_id) == ({"营商环境"}, set())
        # record_outcome of known bytes goes through save_summary too
        record_outcome(s, b"later", "later.txt", summary=wrong, fmt="txt")
        s.commit()
        assert _filter_rows_in_db(s, later_id)[1] == {"year_over_year.carried_over"}


def _summaries_for_backfill(summary: dict) -> list[dict | None]:
    """Stored summaries with the edge cases the SQL backfill must read like filter_rows does."""
    import copy

    plain = copy.deepcopy(summary)
    odd = copy.deepcopy(summary)
    odd["themes"] += [{"text": "放管服", "kind": "quoted", "count": 1}, {"text": "放管服", "kind": "keyword", "count": 3},
                      {"text": '引号"与\\反斜杠', "kind": "quoted", "count": 1}, {"text": "长" * 201, "kind": "quoted"},
                      {"text": "", "kind": "quoted"}, {"kind": "keyword"}]
    failing = [c for c in odd["checks"] if c["rule"] == "applications.row_total"][:2]
    for c in failing:
        c["status"] = "fail"
    odd["checks"].append({"rule": "r" * 101, "status": "fail"})
    bare = copy.deepcopy(summary)
    del bare["themes"]
    bare["checks"] = []
    return [plain, odd, bare, None]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_migration_backfills_filter_rows(backend, request, tmp_path, report_2019_bytes, classifier):
    """Migration 0002 fills the theme and failing-rule rows of summaries stored before it, the
    same rows store.repository writes for new ones."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, insert

    from extraction.pipeline import process_bytes
    from store.db import MIGRATIONS, _normalise, migrate
    from store.repository import filter_rows

    url = f"sqlite:///{tmp_path / 'old.db'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    eng = create_engine(_normalise(url))
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        summaries = _summaries_for_backfill(process_bytes(report_2019_bytes, "a.txt", classifier=classifier))
        with eng.begin() as conn:
            for i, sm in enumerate(summaries, 1):
                sha = f"{i:064x}"
                conn.execute(insert(Original.__table__).values(sha256=sha, content=b"x"))
                conn.execute(insert(Document.__table__).values(
                    id=i, sha256=sha, filename=f"{i}.txt", size=1, attempts=1, failing_checks=0,
                    status="done" if sm else "failed", summary=sm, created_at=func.now(), updated_at=func.now()))
        migrate(eng)
        with session(url) as s:
            for i, sm in enumerate(summaries, 1):
                expected = tuple(set(x) for x in filter_rows(sm)) if sm else (set(), set())
                assert _filter_rows_in_db(s, i) == expected, i
            odd = _filter_rows_in_db(s, 2)
        assert "放管服" in odd[0] and '引号"与\\反斜杠' in odd[0] and odd[1] == {"applications.row_total"}
    finally:
        eng.dispose()


def _stored_rows(s) -> list[tuple]:
    """Everything record_outcome(s) writes, without ids and times: comparable across databases."""
    from store.models import DocumentFailingRule, DocumentTheme

    docs = {d.id: d for d in s.scalars(select(Document))}
    out = [(d.sha256, d.filename, d.status, d.error_code, d.failing_checks, d.year,
            sorted(c["rule"] + ":" + c["status"] for c in (d.summary or {}).get("checks", [])))
           for d in docs.values()]
    out += [(docs[p.document_id].sha256, p.idx, p.label, p.text) for p in s.scalars(select(Paragraph))]
    out += [(docs[t.document_id].sha256, t.theme) for t in s.scalars(select(DocumentTheme))]
    out += [(docs[r.document_id].sha256, r.rule) for r in s.scalars(select(DocumentFailingRule))]
    out += [(o.sha256, len(o.content)) for o in s.scalars(select(Original))]
    return sorted(out, key=repr)


@pytest.mark.parametrize("later_first", [True, False])
def test_store_record_outcomes_batch_writes_what_one_by_one_writes(tmp_path, report_2019_bytes, classifier,
                                                                   later_first):
    import copy

    from extraction.pipeline import process_bytes
    from store.repository import NewFile, record_outcome, record_outcomes

    first = process_bytes(report_2019_bytes, "2019.txt", classifier=classifier)
    wrong = _next_year(first, first["tables"]["applications"]["rows"]["carried_forward"][6] + 3)
    files = [NewFile(b"later", "later.txt", wrong, fmt="txt"), NewFile(report_2019_bytes, "2019.txt", first, fmt="txt")]
    if not later_first:
        files.reverse()
    files += [NewFile(b"broken", "broken.txt", code="decode_error", message="unreadable"),
              NewFile(report_2019_bytes, "again.txt", first, fmt="txt"),  # the same bytes twice in one call
              NewFile(b"known", "known.txt", code="not_a_report", message="no")]
    one_url, many_url = f"sqlite:///{tmp_path}/one.db", f"sqlite:///{tmp_path}/many.db"
    with session(one_url) as s:
        record_outcome(s, b"known", "known.txt", summary=copy.deepcopy(first), fmt="txt")
        ids_one = [record_outcome(s, f.data, f.filename, summary=copy.deepcopy(f.summary), code=f.code,
                                  message=f.message, fmt=f.fmt) for f in files]
        s.commit()
        one = _stored_rows(s)
    with session(many_url) as s:
        record_outcome(s, b"known", "known.txt", summary=copy.deepcopy(first), fmt="txt")
        ids_many = record_outcomes(s, [f._replace(summary=copy.deepcopy(f.summary)) for f in files])
        s.commit()
        many = _stored_rows(s)
        later = s.scalar(select(Document).where(Document.filename == "later.txt"))
        assert later.failing_checks >= 1  # linked to 2019 inside the one call, whichever came first
        assert s.get(Document, ids_many[3]).filename == "2019.txt" and ids_many[3] == ids_many[int(later_first)]
        assert s.get(Document, ids_many[4]).status == "failed"  # known bytes, now failed
    assert ids_many == ids_one
    assert many == one


def test_store_sqlite_document_insert_binds_what_sqlalchemy_binds(tmp_path, report_2019_bytes, classifier):
    """New documents go to SQLite's driver directly (store.repository._insert_documents): the
    stored values and their SQLite types are those of SQLAlchemy's own INSERT."""
    from extraction.pipeline import process_bytes
    from store.repository import _DOCUMENT_DEFAULTS, _INSERT_DOCUMENTS, _insert_documents, now

    summary = process_bytes(report_2019_bytes, "2019.txt", classifier=classifier)
    summary["pipeline"]["timings_ms"] = {"outline": 0.25, 7: 1}  # a non-string key, as the serializer allows
    t = now()
    rows = [{**_DOCUMENT_DEFAULTS, "sha256": sha, "filename": name, "size": 3, "attempts": 1, "status": status,
             "created_at": t, "updated_at": t, "queued_at": t, "started_at": t, "finished_at": None,
             "failing_checks": 0, **extra}
            for sha, name, status, extra in [
                ("a" * 64, "done.txt", "done", {"summary": summary, "timings": summary["pipeline"]["timings_ms"],
                                                "is_report": True, "year": 2020, "agency": "某县"}),
                ("b" * 64, "notice.txt", "failed", {"error_code": "not_a_report", "is_report": False}),
                ("c" * 64, "broken.txt", "failed", {"error_code": "decode_error", "error_message": "引号\"'"})]]
    stored = []
    for name, insert in (("sqlalchemy", lambda conn: conn.execute(_INSERT_DOCUMENTS, rows).scalars().all()),
                         ("driver", lambda conn: _insert_documents(conn, rows))):
        with session(f"sqlite:///{tmp_path}/{name}.db") as s:
            conn = s.connection()
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # no originals for these rows
            assert insert(conn) == [1, 2, 3]
            columns = [c.name for c in Document.__table__.columns]
            stored.append(conn.exec_driver_sql(
                f"SELECT {', '.join(f'{c}, typeof({c})' for c in columns)} FROM documents ORDER BY id").all())
    assert stored[1] == stored[0]


def test_store_new_paragraph_rows_are_the_rows_without_reviews(report_2019_bytes, classifier):
    """New documents' paragraph tuples (record_outcomes) and save_summary's rows stay in step."""
    from extraction.pipeline import process_bytes
    from store.repository import _NEW_PARAGRAPH_COLUMNS, _new_paragraph_rows, _paragraph_rows

    summary = process_bytes(report_2019_bytes, "2019.txt", classifier=classifier)
    rows = _paragraph_rows(7, summary, {})
    assert rows and all(row.keys() - set(_NEW_PARAGRAPH_COLUMNS) == {"reviewed_by", "reviewed_at"} for row in rows)
    assert all(row["reviewed_by"] is None and row["reviewed_at"] is None for row in rows)
    assert _new_paragraph_rows(7, summary) == [tuple(row[c] for c in _NEW_PARAGRAPH_COLUMNS) for row in rows]


# --------------------------------------------------------------------------------------------
# store_files: many files in a few statements


def _backend_urls(backend: str, request, tmp_path, n: int) -> list[str]:
    """`n` empty databases of this test's own."""
    if backend == "sqlite":
        return [f"sqlite:///{tmp_path / f'db{k}.db'}" for k in range(n)]
    make = request.getfixturevalue("new_postgres_database")
    return [make() for _ in range(n)]


def _count_statements(url: str):
    """A list that grows by one statement text per statement sent on `url`'s engine, and the
    function that stops counting."""
    from sqlalchemy import event

    from store.db import engine

    seen: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        seen.append(statement)

    eng = engine(url)
    event.listen(eng, "before_cursor_execute", count)
    return seen, lambda: event.remove(eng, "before_cursor_execute", count)


def _document_rows(s) -> list[tuple]:
    from store.models import Batch

    batches = {b.id: b.name for b in s.scalars(select(Batch))}
    return sorted((d.id, d.sha256, d.filename, d.format, d.size, d.status, batches.get(d.batch_id), d.attempts,
                   d.queued_at, s.get(Original, d.sha256).content) for d in s.scalars(select(Document)))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_files_store_what_store_file_stores_one_by_one(backend, request, tmp_path):
    from store.repository import get_or_create_batch, store_files

    known, known_batched, n1, n2, n3 = (f"报告 {k}".encode() for k in ("known", "batched", "n1", "n2", "n3"))
    files = [(n1, "n1.txt"), (known, "known-again.txt"), (n2, "n2.txt"), (n1, "n1-copy.txt"),
             (known_batched, "batched-again.txt"), (known, "known-third.txt"), (n3, "n3.txt")]
    results = {}
    for url, how in zip(_backend_urls(backend, request, tmp_path, 2), ("one", "many"), strict=True):
        with session(url) as s:
            store_file(s, known, "known.txt")  # no batch: the submission's batch is attached to it
            store_file(s, known_batched, "batched.txt", batch=get_or_create_batch(s, "earlier"))
            b = get_or_create_batch(s, "now")
            s.commit()
            if how == "one":
                stored = [store_file(s, data, name, batch=b, fmt="txt") for data, name in files]
            else:
                seen, stop = _count_statements(url)
                try:
                    stored = store_files(s, files, batch=b, fmt="txt")
                finally:
                    stop()
                assert len(seen) <= 3, seen  # known documents, originals, document rows
            s.commit()
            results[how] = ([(d.id, created) for d, created in stored], _document_rows(s))
    assert results["many"] == results["one"]
    ids_created, rows = results["many"]
    assert [created for _, created in ids_created] == [True, False, True, False, False, False, True]
    ids = [i for i, _ in ids_created]
    assert ids[0] == ids[3] and ids[1] == ids[5] == 1 and ids[4] == 2
    assert ids[0] < ids[2] < ids[6]  # new rows numbered in the order of the files, as one by one
    by_name = {r[2]: r for r in rows}
    assert set(by_name) == {"known.txt", "batched.txt", "n1.txt", "n2.txt", "n3.txt"}
    assert by_name["known.txt"][6] == "now" and by_name["batched.txt"][6] == "earlier"
    assert by_name["n1.txt"][3:8] == ("txt", len(n1), "queued", "now", 0) and by_name["n1.txt"][9] == n1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_files_returns_documents_of_the_session(backend, request, tmp_path):
    """What store_file's callers do with the rows it returns: change them, save a summary."""
    from store.repository import store_files

    url, = _backend_urls(backend, request, tmp_path, 1)
    with session(url) as s:
        assert store_files(s, []) == []
        (old, _), = store_files(s, [(b"old", "old.txt")])
        s.commit()
        (new, created), (again, created_again) = store_files(s, [(b"new", "new.txt"), (b"old", "old.txt")])
        assert created and not created_again and again is old
        new.status, new.attempts = "processing", 1
        s.commit()
        assert (new.status, again.summary, again.timings) == ("processing", None, None)  # deferred, loaded
    with session(url) as s:
        assert s.get(Document, new.id).status == "processing" and s.get(Document, new.id).attempts == 1


def _store_files_in(url: str, files: list[tuple[bytes, str]], commit: bool = True) -> list[tuple[int, str, bool]]:
    from store.repository import store_files

    with session(url) as s:
        out = [(d.id, d.sha256, created) for d, created in store_files(s, files)]
        if commit:
            s.commit()
    return out


def _one_row_per_sha(url: str) -> dict[str, int]:
    with session(url) as s:
        rows = s.execute(select(Document.sha256, Document.id)).all()
        assert s.scalar(select(func.count()).select_from(Original)) == len(rows)
    shas = dict(rows)
    assert len(shas) == len(rows)
    return shas


@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
def test_store_files_another_submitter_storing_the_same_bytes_meanwhile(fresh_postgres_url, first_ends):
    """The second submitter's SELECT cannot see the first one's uncommitted rows: its INSERTs wait
    for the first to end, then either read its rows back as existing or store them itself."""
    import threading
    import time

    from sqlalchemy import text

    from store.repository import store_files

    url = fresh_postgres_url
    ours = [(f"first {k}".encode(), f"first{k}.txt") for k in range(30)]
    theirs = [(f"second {k}".encode(), f"second{k}.txt") for k in range(10)] + ours[5:25]
    s = session(url)
    try:
        first = [(d.id, created) for d, created in store_files(s, ours)]
        assert all(created for _, created in first)
        result: list = []
        second = threading.Thread(target=lambda: result.append(_store_files_in(url, list(reversed(theirs)))))
        second.start()
        with session(url) as watcher:  # wait until the second submitter waits for our rows
            deadline = time.monotonic() + 30
            while not watcher.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                            "AND wait_event_type = 'Lock'")):
                assert time.monotonic() < deadline, "the second submitter never waited"
                watcher.rollback()
                time.sleep(0.05)
        assert second.is_alive()
        s.commit() if first_ends == "commit" else s.rollback()
    finally:
        s.close()
    second.join(60)
    assert not second.is_alive() and len(result) == 1
    got = {sha: (doc_id, created) for doc_id, sha, created in result[0]}
    shas = _one_row_per_sha(url)
    assert len(got) == 30 and all(shas[sha] == doc_id for sha, (doc_id, _) in got.items())
    ids_first = dict(zip([hashlib.sha256(data).hexdigest() for data, _ in ours], first, strict=True))
    for sha, (doc_id, created) in got.items():
        if first_ends == "commit" and sha in ids_first:
            assert (doc_id, created) == (ids_first[sha][0], False)  # the first submitter's row
        else:
            assert created
    assert len(shas) == (40 if first_ends == "commit" else 30)


def test_store_files_two_submitters_at_once_store_each_file_once(fresh_postgres_url):
    """Two sessions store overlapping sets at the same moment, in opposite orders, round after
    round: no error (no deadlock), one row per sha256, each created by exactly one of them, and
    both get the same id for every file."""
    import threading

    url = fresh_postgres_url
    _store_files_in(url, [])  # migrate before the race
    results: dict[int, list] = {0: [], 1: []}
    errors: list[BaseException] = []
    for rnd in range(6):
        shared = [(f"round {rnd} shared {k}".encode(), f"s{k}.txt") for k in range(120)]
        sets = [shared + [(f"round {rnd} own {who} {k}".encode(), f"o{k}.txt") for k in range(30)]
                for who in (0, 1)]
        sets[1].reverse()
        barrier = threading.Barrier(2)

        def run(who: int, files=sets, barrier=barrier) -> None:
            try:
                barrier.wait(10)
                results[who] += _store_files_in(url, files[who])
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(who,)) for who in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
    shas = _one_row_per_sha(url)
    assert len(shas) == 6 * 180
    created: dict[str, int] = {}
    for who in (0, 1):
        assert len(results[who]) == 6 * 150  # an id for every file it stored
        for doc_id, sha, new in results[who]:
            assert shas[sha] == doc_id
            created[sha] = created.get(sha, 0) + new
    assert set(created.values()) == {1}
