"""Persistence operations shared by the CLI, the worker and the API."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import JSON, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session, defer

from extraction.checks import apply_previous

from .db import json_bytes
from .models import Batch, Document, DocumentFailingRule, DocumentTheme, LabelChange, Original, Paragraph


def now() -> datetime:
    return datetime.now(UTC)


def get_or_create_batch(s: Session, name: str | None) -> Batch | None:
    if not name:
        return None
    batch = s.scalar(select(Batch).where(Batch.name == name))
    if batch is None:
        batch = Batch(name=name)
        s.add(batch)
        s.flush()
    return batch


def store_file(s: Session, data: bytes, filename: str, *, batch: Batch | None = None,
               fmt: str | None = None) -> tuple[Document, bool]:
    """Keep the original and its document row; the same bytes again return the existing row."""
    return store_files(s, [(data, filename)], batch=batch, fmt=fmt)[0]


def store_files(s: Session, files: list[tuple[bytes, str]], *, batch: Batch | None = None,
                fmt: str | None = None) -> list[tuple[Document, bool]]:
    """`store_file` for many (bytes, filename) pairs: (document, created) for each, in order.

    Three statements for the whole list (up to a thousand different files): the known documents
    (`sha256 IN (...)`), then the missing originals and the new document rows, one executemany
    each, `ON CONFLICT DO NOTHING` so that another submitter storing the same bytes at the same
    moment is no error: the rows it won are read back (one more statement) as existing documents.
    The originals go in in sha256 order, the same lock order for every submitter, so two of them
    storing overlapping files never deadlock: whoever waits for the other's original finds its
    document row committed too. The document rows go in in the order of `files` (their ids follow
    it, as one by one). The same bytes twice in `files` are one document, created once (the first
    file names it). A known document gets `batch` if it had none. Documents that were already
    stored come back with `summary` and `timings` deferred (loaded on first access), which storing
    a file never needs."""
    if not files:
        return []
    shas = [hashlib.sha256(data).hexdigest() for data, _ in files]
    docs = _known_documents(s, list(dict.fromkeys(shas)))
    first: dict[str, int] = {}  # sha256 of a new document -> its first file
    for k, sha in enumerate(shas):
        if sha not in docs and sha not in first:
            first[sha] = k
    created: set[str] = set()
    if first:
        insert_original, insert_document = _store_inserts(s.get_bind().dialect.name)
        s.connection().execute(insert_original, [{"sha256": sha, "content": files[first[sha]][0]}
                                                 for sha in sorted(first)])
        batch_id = batch.id if batch is not None else None
        rows = [{"sha256": sha, "filename": files[k][1], "format": fmt, "size": len(files[k][0]),
                 "status": "queued", "batch_id": batch_id} for sha, k in first.items()]
        for doc in s.scalars(insert_document, rows):
            docs[doc.sha256] = doc
            created.add(doc.sha256)
        lost = [sha for sha in first if sha not in created]
        if lost:  # stored by another submitter since the SELECT above
            docs.update(_known_documents(s, lost))
    out: list[tuple[Document, bool]] = []
    for sha in shas:
        doc = docs[sha]
        if sha in created:
            created.discard(sha)  # the same bytes again later in `files` are not new
            out.append((doc, True))
            continue
        if batch is not None and doc.batch_id is None:
            doc.batch_id = batch.id
        out.append((doc, False))
    return out


def _known_documents(s: Session, shas: list[str]) -> dict[str, Document]:
    """The stored documents of `shas` by sha256: a statement per thousand (bound parameters have limits)."""
    return {d.sha256: d for k in range(0, len(shas), 1000)
            for d in s.scalars(_KNOWN_DOCUMENTS, {"shas": shas[k:k + 1000]})}


_KNOWN_DOCUMENTS = (select(Document).options(defer(Document.summary), defer(Document.timings))
                    .where(Document.sha256.in_(bindparam("shas", expanding=True))))
_STORE_INSERTS: dict[str, tuple] = {}


def _store_inserts(dialect: str) -> tuple:
    """The two INSERTs of store_files for `dialect`, built once: originals and document rows
    (returning the new ones), both skipping rows whose sha256 is already there."""
    statements = _STORE_INSERTS.get(dialect)
    if statements is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            raise NotImplementedError(f"store_files supports PostgreSQL and SQLite, not {dialect}")
        statements = _STORE_INSERTS[dialect] = (
            dialect_insert(Original.__table__).on_conflict_do_nothing(index_elements=["sha256"]),
            dialect_insert(Document).on_conflict_do_nothing(index_elements=["sha256"]).returning(Document))
    return statements


def original_bytes(s: Session, doc: Document) -> bytes:
    return s.get(Original, doc.sha256).content


class NewFile(NamedTuple):
    """A processed file for `record_outcomes`: its bytes and either a summary or an error."""
    data: bytes
    filename: str
    summary: dict | None = None
    code: str | None = None
    message: str | None = None
    fmt: str | None = None


def record_outcome(s: Session, data: bytes, filename: str, *, summary: dict | None = None,
                   code: str | None = None, message: str | None = None, fmt: str | None = None) -> int:
    """Store a file and its outcome in one go (the embedded `process` path); returns the document id."""
    return record_outcomes(s, [NewFile(data, filename, summary, code, message, fmt)])[0]


def record_outcomes(s: Session, files: list[NewFile]) -> list[int]:
    """`record_outcome` for many files, in order; their document ids.

    New documents go in with a dozen statements for the whole list (originals, document rows,
    paragraphs, themes, failing rules: one executemany per table), which is what keeps the
    embedded path fast. Known bytes, and the same bytes twice in `files`, go one by one through
    the path that replaces the summary and carries reviews over. Years are linked per document in
    order (link_years), so a document sees an earlier one of the same agency, as in save_summaries."""
    if not files:
        return []
    conn = s.connection()
    shas = [hashlib.sha256(f.data).hexdigest() for f in files]
    known = {sha for sha, in conn.execute(_DOCS_BY_SHA_IN, {"shas": list(set(shas))})}
    ids: list[int] = [0] * len(files)
    fresh: list[int] = []
    again: list[int] = []
    for k, sha in enumerate(shas):
        if sha in known:
            again.append(k)
        else:
            known.add(sha)
            fresh.append(k)
    if fresh:
        _record_new(s, conn, files, shas, fresh, ids)
    for k in again:
        ids[k] = _record_known(s, conn, files[k], shas[k])
    return ids


def _record_new(s: Session, conn, files: list[NewFile], shas: list[str], fresh: list[int], ids: list[int]) -> None:
    # in sha256 order and skipping what is there: a concurrent writer of the same bytes is no error (as store_files)
    insert_original, _ = _store_inserts(s.get_bind().dialect.name)
    conn.execute(insert_original, [{"sha256": shas[k], "content": files[k].data}
                                   for k in sorted(fresh, key=shas.__getitem__)])
    agencies = {(files[k].summary.get("report") or {}).get("agency") for k in fresh
                if files[k].summary is not None} - {None, ""}
    stored = {tuple(r) for r in conn.execute(_DONE_YEARS_IN, {"agencies": list(agencies)})} if agencies else set()
    pending: list[int] = []
    unwritten: set[str] = set()  # agencies with documents among `pending`
    for k in fresh:
        summary = files[k].summary
        if summary is not None:
            report = summary.get("report") or {}
            agency, year = report.get("agency"), report.get("year")
            if agency in unwritten and year and {(agency, year - 1), (agency, year + 1)} & stored:
                _insert_new(conn, files, shas, pending, ids)  # link_years must find them stored
                unwritten.clear()
            link_years(s, summary, stored)
            if agency and year:
                stored.add((agency, year))
                unwritten.add(agency)
        pending.append(k)
    _insert_new(conn, files, shas, pending, ids)


def _insert_new(conn, files: list[NewFile], shas: list[str], pending: list[int], ids: list[int]) -> None:
    """The document rows of `pending` (one executemany), then their paragraph, theme and
    failing-rule rows."""
    if not pending:
        return
    rows = []
    for k in pending:
        f, t = files[k], now()
        values = {**_DOCUMENT_DEFAULTS, "sha256": shas[k], "filename": f.filename, "format": f.fmt,
                  "size": len(f.data), "attempts": 1, "created_at": t, "updated_at": t, "queued_at": t,
                  "started_at": t, "finished_at": t, "failing_checks": 0}
        if f.summary is not None:
            values.update(_summary_columns(f.summary))
        else:
            values.update(status="failed", error_code=f.code, error_message=f.message,
                          is_report=False if f.code == "not_a_report" else None)
        rows.append(values)
    new_ids = _insert_documents(conn, rows)
    paragraphs: list[tuple] = []
    themes: list[tuple] = []
    rules: list[tuple] = []
    for k, doc_id in zip(pending, new_ids, strict=True):
        ids[k] = doc_id
        summary = files[k].summary
        if summary is None:
            continue
        paragraphs += _new_paragraph_rows(doc_id, summary)
        theme_values, rule_values = filter_rows(summary)
        themes += [(doc_id, x) for x in theme_values]
        rules += [(doc_id, x) for x in rule_values]
    for table, columns, values in ((Paragraph.__table__, _NEW_PARAGRAPH_COLUMNS, paragraphs),
                                   (DocumentTheme.__table__, ("document_id", "theme"), themes),
                                   (DocumentFailingRule.__table__, ("document_id", "rule"), rules)):
        if values:
            conn.exec_driver_sql(_plain_insert(conn.dialect, table, columns), values)
    pending.clear()


def _insert_documents(conn, rows: list[dict]) -> list[int]:
    """Insert document rows (every column but the id); their ids, in order.

    On SQLite the rows go to the driver's executemany, then one SELECT reads their ids back by
    sha256 (unique; these rows are new). SQLAlchemy inserted them one statement per row (it cannot
    have SQLite return the ids of a multi-row INSERT in parameter order) and processed each row's
    parameters: together ~0.2 ms of a document's ~0.8 ms write."""
    if conn.dialect.name != "sqlite":
        return conn.execute(_INSERT_DOCUMENTS, rows).scalars().all()
    insert_ = _sqlite_document_insert(conn.dialect)
    params = []
    for row in rows:
        values = list(insert_.values(row))
        for k, process in insert_.processors:
            values[k] = process(values[k])
        params.append(tuple(values))
    conn.exec_driver_sql(insert_.sql, params)
    shas = [row["sha256"] for row in rows]
    new_ids = {sha: doc_id for sha, doc_id in conn.execute(_IDS_BY_SHA_IN, {"shas": shas})}
    return [new_ids[sha] for sha in shas]


class _DriverInsert(NamedTuple):
    sql: str
    values: Callable[[dict], tuple]  # a row's values in the statement's column order
    processors: list[tuple[int, Callable]]  # (position, processor) of values to bind processed


_SQLITE_DOCUMENT_INSERT: list[_DriverInsert] = []  # built on first use


def _sqlite_document_insert(dialect) -> _DriverInsert:
    """The document INSERT for SQLite's driver. It binds what SQLAlchemy would: the values through
    SQLAlchemy's own processors (DateTime as text in its format, Boolean as 0/1), the JSON columns'
    text from the same serializer. That text goes in as UTF-8 bytes cast to TEXT, which stores the
    same text value without decoding a summary's ~50 KB into a str that the driver would encode
    back to UTF-8 (~0.05 ms per document)."""
    if not _SQLITE_DOCUMENT_INSERT:
        names, marks, processors = [], [], []
        for column in Document.__table__.columns:
            if column.name == "id":
                continue
            if isinstance(column.type, JSON):
                process, mark = json_bytes, "CAST(? AS TEXT)"
            else:
                process, mark = column.type.dialect_impl(dialect).bind_processor(dialect), "?"
            if process is not None:
                processors.append((len(names), process))
            names.append(column.name)
            marks.append(mark)
        columns = ", ".join(map(dialect.identifier_preparer.quote, names))
        _SQLITE_DOCUMENT_INSERT.append(_DriverInsert(f"INSERT INTO documents ({columns}) VALUES ({', '.join(marks)})",
                                                     itemgetter(*names), processors))
    return _SQLITE_DOCUMENT_INSERT[0]


_PLAIN_INSERTS: dict[tuple, str] = {}
_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _plain_insert(dialect, table, columns: tuple[str, ...]) -> str:
    """An INSERT of `columns` for the driver itself, rows as tuples: for values it takes as they
    are (ints, floats, strings, None), where SQLAlchemy's per-row parameter processing cost more
    than the insert (~13,000 paragraph, theme and rule rows per 600 documents). Built once per
    dialect and table."""
    key = (dialect.name, table.name, columns)
    sql = _PLAIN_INSERTS.get(key)
    if sql is None:
        quote = dialect.identifier_preparer.quote
        sql = _PLAIN_INSERTS[key] = (f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
                                     f"VALUES ({', '.join([_PLACEHOLDER[dialect.paramstyle]] * len(columns))})")
    return sql


def _record_known(s: Session, conn, f: NewFile, sha: str) -> int:
    existing = s.get(Document, conn.execute(_DOC_BY_SHA, {"sha": sha}).scalar_one())
    if f.summary is not None:
        save_summary(s, existing, f.summary)
    else:
        save_failure(s, existing, f.code, f.message)
    return existing.id


# Statements built once: compiled and cached by SQLAlchemy, rebuilt per call they cost more
# than the inserts themselves.
_DOC_BY_SHA = select(Document.id).where(Document.sha256 == bindparam("sha"))
_SHAS = bindparam("shas", expanding=True)
_DOCS_BY_SHA_IN = select(Document.sha256).where(Document.sha256.in_(_SHAS))
_IDS_BY_SHA_IN = select(Document.sha256, Document.id).where(Document.sha256.in_(_SHAS))
_SUMMARY_BY_AGENCY_YEAR = (select(Document.id, Document.summary)
                           .where(Document.agency == bindparam("agency"), Document.year == bindparam("year"),
                                  Document.status == "done")
                           .order_by(Document.id.desc()).limit(1))
_INSERT_DOCUMENTS = insert(Document.__table__).returning(Document.__table__.c.id, sort_by_parameter_order=True)
_INSERT_PARAGRAPH = insert(Paragraph.__table__)
_INSERT_THEME = insert(DocumentTheme.__table__)
_INSERT_FAILING_RULE = insert(DocumentFailingRule.__table__)
_DELETE_THEMES = delete(DocumentTheme.__table__).where(DocumentTheme.document_id == bindparam("doc_id"))
_DELETE_FAILING_RULES = (delete(DocumentFailingRule.__table__)
                         .where(DocumentFailingRule.document_id == bindparam("doc_id")))
_DOCUMENT_DEFAULTS = {c.name: None for c in Document.__table__.columns if c.name != "id"}


def _summary_columns(summary: dict) -> dict:
    report = summary["report"]
    return {
        "status": "done", "error_code": None, "error_message": None, "format": summary["document"]["format"],
        "agency": report.get("agency"), "year": report.get("year"), "template": report.get("template"),
        "is_report": report.get("is_report"),
        "failing_checks": _failing(summary),
        "summary": summary, "pipeline_version": summary["pipeline"]["version"],
        "timings": summary["pipeline"].get("timings_ms"), "finished_at": now(),
    }


THEME_MAX = DocumentTheme.__table__.c.theme.type.length
RULE_MAX = DocumentFailingRule.__table__.c.rule.type.length


def filter_rows(summary: dict) -> tuple[list[str], list[str]]:
    """What the documents list filters on: the summary's theme texts and the rules of its failing
    checks, each once. Longer values than the columns hold are left out (the API refuses such
    filters anyway). Migration 0002's SQL backfill picks the same rows; keep the two in step."""
    themes = {t.get("text") for t in summary.get("themes") or () if isinstance(t, dict)}
    rules = {c.get("rule") for c in summary.get("checks") or () if isinstance(c, dict) and c.get("status") == "fail"}
    return ([x for x in themes if isinstance(x, str) and 0 < len(x) <= THEME_MAX],
            [x for x in rules if isinstance(x, str) and 0 < len(x) <= RULE_MAX])


def _insert_filter_rows(conn, doc_id: int, summary: dict, *, themes: bool = True) -> None:
    """One executemany per table; nothing to delete first (a new document, or the caller did)."""
    theme_values, rule_values = filter_rows(summary)
    if themes and theme_values:
        conn.execute(_INSERT_THEME, [{"document_id": doc_id, "theme": x} for x in theme_values])
    if rule_values:
        conn.execute(_INSERT_FAILING_RULE, [{"document_id": doc_id, "rule": x} for x in rule_values])


def _paragraph_rows(doc_id: int, summary: dict, reviewed: dict) -> list[dict]:
    model_version = summary["pipeline"]["classifier"]
    rows = []
    for p in summary["paragraphs"]:
        prior = reviewed.get((p["id"], p["text"]))
        rows.append({
            "document_id": doc_id, "idx": p["id"], "section": p["section"], "text": p["text"],
            "start": p["start"], "end": p["end"], "predicted_label": p["label"],
            "label": prior.label if prior else p["label"], "confidence": p["confidence"],
            "model_version": model_version,
            "reviewed_by": prior.reviewed_by if prior else None,
            "reviewed_at": prior.reviewed_at if prior else None,
        })
    return rows


# The paragraph rows of a new document (no reviews to carry over), as tuples in this column order:
# the rows _paragraph_rows gives with no reviews. Keep the two in step.
_NEW_PARAGRAPH_COLUMNS = ("document_id", "idx", "section", "text", "start", "end", "predicted_label", "label",
                          "confidence", "model_version")


def _new_paragraph_rows(doc_id: int, summary: dict) -> list[tuple]:
    model_version = summary["pipeline"]["classifier"]
    return [(doc_id, p["id"], p["section"], p["text"], p["start"], p["end"], p["label"], p["label"],
             p["confidence"], model_version) for p in summary["paragraphs"]]


def save_summary(s: Session, doc: Document, summary: dict) -> None:
    """Store a finished summary; paragraphs are replaced, reviewed labels carried over."""
    reviewed = {
        (p.idx, p.text): p for p in s.scalars(select(Paragraph).where(
            Paragraph.document_id == doc.id, Paragraph.reviewed_at.is_not(None)))
    }
    s.execute(delete(Paragraph).where(Paragraph.document_id == doc.id))
    link_years(s, summary)
    rows = _paragraph_rows(doc.id, summary, reviewed)
    if rows:
        s.execute(insert(Paragraph), rows)
    conn = s.connection()
    conn.execute(_DELETE_THEMES, {"doc_id": doc.id})
    conn.execute(_DELETE_FAILING_RULES, {"doc_id": doc.id})
    _insert_filter_rows(conn, doc.id, summary)
    for key, value in _summary_columns(summary).items():
        setattr(doc, key, value)


def save_summaries(s: Session, items: list[tuple[int, dict, dict]]) -> None:
    """`save_summary` for several stored documents at once (the queue worker's path), in a dozen
    statements rather than a dozen per document: reviews read, old rows deleted, neighbouring years
    looked up, then the document rows, theme, failing-rule and paragraph rows, each table's in one
    executemany. Years are linked per document in order (link_years), so a later document of the
    same agency sees an earlier one: the rows written so far go out first when it might.
    `items`: (document id, summary, more document columns such as the worker's timings).
    Writes the same rows as save_summary; keep the two in step."""
    if not items:
        return
    conn = s.connection()
    ids = [doc_id for doc_id, _, _ in items]
    reviewed: dict[int, dict] = {}
    for row in conn.execute(_REVIEWED_IN, {"ids": ids}):
        reviewed.setdefault(row.document_id, {})[(row.idx, row.text)] = row
    for statement in (_DELETE_PARAGRAPHS_IN, _DELETE_THEMES_IN, _DELETE_FAILING_RULES_IN):
        conn.execute(statement, {"ids": ids})
    agencies = {(summary.get("report") or {}).get("agency") for _, summary, _ in items} - {None, ""}
    stored = {tuple(r) for r in conn.execute(_DONE_YEARS_IN, {"agencies": list(agencies)})} if agencies else set()
    rows: list[dict] = []
    rules: list[dict] = []
    unwritten: set[str] = set()  # agencies with documents among `rows`, not yet written
    themes: list[dict] = []
    paragraphs: list[dict] = []
    for doc_id, summary, extra in items:
        report = summary.get("report") or {}
        agency, year = report.get("agency"), report.get("year")
        if agency in unwritten and year and {(agency, year - 1), (agency, year + 1)} & stored:
            _write_documents(conn, rows, rules)  # link_years must find them stored
            unwritten.clear()
        link_years(s, summary, stored)
        rows.append({**_summary_columns(summary), **extra, "doc_id": doc_id})
        theme_values, rule_values = filter_rows(summary)
        rules += [{"document_id": doc_id, "rule": x} for x in rule_values]
        themes += [{"document_id": doc_id, "theme": x} for x in theme_values]
        paragraphs += _paragraph_rows(doc_id, summary, reviewed.get(doc_id, {}))
        if agency and year:
            stored.add((agency, year))
            unwritten.add(agency)
    _write_documents(conn, rows, rules)
    # link_years never changes themes or paragraphs: these can wait for the end
    if themes:
        conn.execute(_INSERT_THEME, themes)
    if paragraphs:
        conn.execute(_INSERT_PARAGRAPH, paragraphs)


def _write_documents(conn, rows: list[dict], rules: list[dict]) -> None:
    """The document rows (grouped by their columns, one executemany each) and their failing-rule rows."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for group in groups.values():
        conn.execute(_UPDATE_DOCUMENT, group)
    if rules:
        conn.execute(_INSERT_FAILING_RULE, rules)
    rows.clear()
    rules.clear()


_IDS = bindparam("ids", expanding=True)
_REVIEWED_IN = (select(Paragraph.document_id, Paragraph.idx, Paragraph.text, Paragraph.label,
                       Paragraph.reviewed_by, Paragraph.reviewed_at)
                .where(Paragraph.document_id.in_(_IDS), Paragraph.reviewed_at.is_not(None)))
_DELETE_PARAGRAPHS_IN = delete(Paragraph.__table__).where(Paragraph.document_id.in_(_IDS))
_DELETE_THEMES_IN = delete(DocumentTheme.__table__).where(DocumentTheme.document_id.in_(_IDS))
_DELETE_FAILING_RULES_IN = delete(DocumentFailingRule.__table__).where(DocumentFailingRule.document_id.in_(_IDS))
_DONE_YEARS_IN = (select(Document.agency, Document.year).distinct()
                  .where(Document.agency.in_(bindparam("agencies", expanding=True)), Document.status == "done"))
_UPDATE_DOCUMENT = update(Document.__table__).where(Document.__table__.c.id == bindparam("doc_id"))


def link_years(s: Session, summary: dict, stored: set | None = None) -> None:
    """Year-over-year checks need the same agency's neighbouring reports, which only the store
    knows: check this summary against last year's, and next year's (if stored) against this one.
    `stored`: every (agency, year) that may be stored `done`, if the caller looked them up for
    many documents at once; years not in it are not queried."""
    report = summary.get("report") or {}
    agency, year = report.get("agency"), report.get("year")
    if not agency or not year:
        return
    conn = s.connection()
    previous = None
    if stored is None or (agency, year - 1) in stored:
        previous = conn.execute(_SUMMARY_BY_AGENCY_YEAR, {"agency": agency, "year": year - 1}).first()
    apply_previous(summary, previous[1] if previous else None)
    if stored is not None and (agency, year + 1) not in stored:
        return
    for doc_id, later in conn.execute(_SUMMARY_BY_AGENCY_YEAR, {"agency": agency, "year": year + 1}).all():
        later = dict(later)  # a new object, so the JSON column is written
        if apply_previous(later, summary):
            conn.execute(update(Document).where(Document.id == doc_id).values(
                summary=later, failing_checks=_failing(later)))
            # its checks changed, its themes did not: only the failing-rule rows follow
            conn.execute(_DELETE_FAILING_RULES, {"doc_id": doc_id})
            _insert_filter_rows(conn, doc_id, later, themes=False)


def _failing(summary: dict) -> int:
    return sum(1 for c in summary.get("checks", []) if c["status"] == "fail")


def save_failure(s: Session, doc: Document, code: str, message: str, pipeline_version: str | None = None) -> None:
    doc.status = "failed"
    doc.error_code = code
    doc.error_message = message
    doc.is_report = False if code == "not_a_report" else doc.is_report
    doc.pipeline_version = pipeline_version
    doc.finished_at = now()


def find_document(s: Session, ref: str) -> Document | None:
    """By numeric id, sha256 (or a unique prefix of 8+), or filename."""
    if ref.isdigit():
        doc = s.get(Document, int(ref))
        if doc:
            return doc
    if len(ref) >= 8:
        docs = s.scalars(select(Document).where(Document.sha256.startswith(ref.lower())).limit(2)).all()
        if len(docs) == 1:
            return docs[0]
    return s.scalar(select(Document).where(Document.filename == ref).order_by(Document.id.desc()).limit(1))


def iter_documents(s: Session, *, status: str | None = None) -> Iterable[Document]:
    q = select(Document).order_by(Document.id)
    if status:
        q = q.where(Document.status == status)
    yield from s.scalars(q.execution_options(yield_per=200))


def status_counts(s: Session, batch_id: int | None = None) -> dict[str, int]:
    q = select(Document.status, func.count()).group_by(Document.status)
    if batch_id is not None:
        q = q.where(Document.batch_id == batch_id)
    counts = {"queued": 0, "processing": 0, "done": 0, "failed": 0}
    for st, n in s.execute(q):
        counts[st] = n
    return counts


def relabel(s: Session, paragraph_id: int, label: str, user: str) -> Paragraph:
    """A reviewer's correction, recorded in the audit trail."""
    p = s.get(Paragraph, paragraph_id)
    if p is None:
        raise KeyError(paragraph_id)
    s.add(LabelChange(paragraph_id=p.id, user=user, from_label=p.label, to_label=label,
                      model_version=p.model_version))
    s.execute(update(Paragraph).where(Paragraph.id == p.id).values(label=label, reviewed_by=user, reviewed_at=now()))
    s.refresh(p)
    return p
