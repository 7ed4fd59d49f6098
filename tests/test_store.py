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


def test_store_postgres_roundtrip(postgres_url, report_2019_bytes):
    with session(postgres_url) as s:
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
