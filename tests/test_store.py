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
