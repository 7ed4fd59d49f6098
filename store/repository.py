"""Persistence operations shared by the CLI, the worker and the API."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from .models import Batch, Document, LabelChange, Original, Paragraph


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
    sha = hashlib.sha256(data).hexdigest()
    doc = s.scalar(select(Document).where(Document.sha256 == sha))
    if doc is not None:
        if batch is not None and doc.batch_id is None:
            doc.batch_id = batch.id
        return doc, False
    if s.get(Original, sha) is None:
        s.add(Original(sha256=sha, content=data))
        s.flush()  # the document row refers to it
    doc = Document(sha256=sha, filename=filename, format=fmt, size=len(data), status="queued",
                   batch_id=batch.id if batch else None)
    s.add(doc)
    s.flush()
    return doc, True


def original_bytes(s: Session, doc: Document) -> bytes:
    return s.get(Original, doc.sha256).content


def save_summary(s: Session, doc: Document, summary: dict) -> None:
    """Store a finished summary; paragraphs are replaced, reviewed labels carried over."""
    reviewed = {
        (p.idx, p.text): p for p in s.scalars(select(Paragraph).where(
            Paragraph.document_id == doc.id, Paragraph.reviewed_at.is_not(None)))
    }
    s.execute(delete(Paragraph).where(Paragraph.document_id == doc.id))
    model_version = summary["pipeline"]["classifier"]
    rows = []
    for p in summary["paragraphs"]:
        prior = reviewed.get((p["id"], p["text"]))
        rows.append({
            "document_id": doc.id, "idx": p["id"], "section": p["section"], "text": p["text"],
            "start": p["start"], "end": p["end"], "predicted_label": p["label"],
            "label": prior.label if prior else p["label"], "confidence": p["confidence"],
            "model_version": model_version,
            "reviewed_by": prior.reviewed_by if prior else None,
            "reviewed_at": prior.reviewed_at if prior else None,
        })
    if rows:
        s.execute(insert(Paragraph), rows)
    report = summary["report"]
    doc.status = "done"
    doc.error_code = None
    doc.error_message = None
    doc.format = summary["document"]["format"]
    doc.agency = report.get("agency")
    doc.year = report.get("year")
    doc.template = report.get("template")
    doc.is_report = report.get("is_report")
    doc.failing_checks = sum(1 for c in summary.get("checks", []) if c["status"] == "fail")
    doc.summary = summary
    doc.pipeline_version = summary["pipeline"]["version"]
    doc.timings = summary["pipeline"].get("timings_ms")
    doc.finished_at = now()


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
