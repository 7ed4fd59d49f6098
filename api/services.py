"""What the HTTP API and the reviewer pages do, as plain functions over a database session.

Route handlers stay thin: they authenticate, call one of these, and shape the answer. The work
itself is done by `store` (documents, paragraphs, the audit trail, users) and `extraction` (the
pipeline, the model registry); nothing here re-implements the CLI.
"""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import exists, func, select, text, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, load_only

from extraction.errors import ERROR_MESSAGES, GovdigestError
from store.models import Batch, Document, DocumentFailingRule, DocumentTheme, LabelChange, Paragraph

log = logging.getLogger("govdigest.api")

LABELS = ("overview", "problems", "improvements", "other")
STATUSES = ("queued", "processing", "done", "failed")
EXPORT_FORMATS = ("jsonl", "csv")
VERSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

# HTTP-only error codes, next to the pipeline's (extraction/errors.py). Stable: never rename one.
HTTP_ERRORS: dict[str, str] = {
    "unauthorized": "Sign in, or send `Authorization: Bearer <token>` with a valid, unrevoked token.",
    "forbidden": "Your role does not allow this.",
    "not_found": "No such resource.",
    "invalid_label": "The label must be one of overview, problems, improvements, other.",
    "csrf_failed": "The form or request lacks a valid CSRF token; reload the page and try again.",
    "validation_error": "The request is malformed; see the details.",
    "method_not_allowed": "This method is not allowed here.",
    "bad_request": "The request could not be understood.",
    "not_ready": "The document has not been processed yet; poll its batch.",
    "busy": "A training run is already in progress.",
    "promotion_refused": "The model version was not promoted.",
    "rollback_refused": "There is no earlier active version to roll back to.",
    "unavailable": "A service this needs is not reachable.",
}
UPLOAD_STATUS = {"too_large": 413, "unsupported_format": 415}


class ApiError(Exception):
    """An error answered as {"error": {"code", "message"}} with an HTTP status."""

    def __init__(self, status: int, code: str, message: str | None = None, detail=None):
        super().__init__(message or HTTP_ERRORS.get(code) or ERROR_MESSAGES.get(code) or code)
        self.status = status
        self.code = code
        self.message = str(self)
        self.detail = detail

    @classmethod
    def from_govdigest(cls, exc: GovdigestError, status: int = 422) -> ApiError:
        return cls(status, exc.code, exc.message)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} does not exist")


# --------------------------------------------------------------------------------------------
# configuration


def _default_models_dir() -> Path:
    from extraction.classify import MODELS_DIR

    env = os.environ.get("GOVDIGEST_MODELS_DIR")
    return Path(env) if env else MODELS_DIR


def _default_data_dir() -> Path:
    from store.db import DEFAULT_DB_PATH

    return DEFAULT_DB_PATH.parent


@dataclass
class Config:
    """Everything the web app reads from outside; `from_env` gives the deployed defaults."""

    database_url: str | None = None  # None: GOVDIGEST_DATABASE_URL or ./var/govdigest.db
    models_dir: Path = field(default_factory=_default_models_dir)
    training_data: Path | None = None  # None: training_data/paragraphs.jsonl
    data_dir: Path = field(default_factory=_default_data_dir)
    secret_key: str | None = None  # None: GOVDIGEST_SECRET_KEY, else generated under data_dir
    broker_url: str | None = None  # None: GOVDIGEST_BROKER_URL (unset: process in this process)
    cookie_secure: bool = False  # GOVDIGEST_COOKIE_SECURE=1 behind HTTPS
    session_max_age: int = 8 * 3600
    warm: bool = False  # load the pipeline's models at start-up (`govdigest serve` does)
    train_cv_jobs: int = 1  # folds run in the serving process: no fork from a threaded server
    max_attempts: int = 3  # GOVDIGEST_MAX_ATTEMPTS: a document that took the server down this often is set aside

    @classmethod
    def from_env(cls, **overrides) -> Config:
        cfg = cls(**overrides)
        if cfg.broker_url is None:
            cfg.broker_url = os.environ.get("GOVDIGEST_BROKER_URL") or None
        if "cookie_secure" not in overrides:
            cfg.cookie_secure = os.environ.get("GOVDIGEST_COOKIE_SECURE", "") in ("1", "true", "yes")
        if "max_attempts" not in overrides:
            raw = os.environ.get("GOVDIGEST_MAX_ATTEMPTS") or "3"
            if not raw.isdigit() or int(raw) < 1:
                raise ValueError(f"GOVDIGEST_MAX_ATTEMPTS must be a whole number >= 1, not {raw!r}")
            cfg.max_attempts = int(raw)
        return cfg

    def resolved_secret(self) -> str:
        return self.secret_key or os.environ.get("GOVDIGEST_SECRET_KEY") or load_or_create_secret(self.data_dir)


def load_or_create_secret(data_dir: Path) -> str:
    """The session-signing key kept in <data dir>/secret_key (created once, owner-only)."""
    path = Path(data_dir) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            value = path.read_text(encoding="ascii").strip()
            if value:
                return value
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty; delete it or set GOVDIGEST_SECRET_KEY") from None
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value


# --------------------------------------------------------------------------------------------
# documents


def document_item(doc: Document) -> dict:
    return {"id": doc.id, "sha256": doc.sha256, "filename": doc.filename, "format": doc.format,
            "status": doc.status, "error_code": doc.error_code, "agency": doc.agency, "year": doc.year,
            "template": doc.template, "failing_checks": doc.failing_checks, "batch_id": doc.batch_id,
            "created_at": _iso(doc.created_at), "finished_at": _iso(doc.finished_at)}


_LIST_COLUMNS = (Document.id, Document.sha256, Document.filename, Document.format, Document.status,
                 Document.error_code, Document.agency, Document.year, Document.template, Document.failing_checks,
                 Document.batch_id, Document.created_at, Document.finished_at)


@dataclass
class DocumentFilter:
    agency: str | None = None
    year: int | None = None
    status: str | None = None
    template: str | None = None
    check: str | None = None  # a failing check's rule, or "any"
    theme: str | None = None
    label: str | None = None

    def active(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def _filtered(q, f: DocumentFilter):
    if f.agency:
        q = q.where(Document.agency.contains(f.agency, autoescape=True))
    if f.year is not None:
        q = q.where(Document.year == f.year)
    if f.status:
        q = q.where(Document.status == f.status)
    if f.template:
        q = q.where(Document.template == f.template)
    if f.check == "any":
        q = q.where(Document.failing_checks > 0)
    elif f.check:
        # indexed rows (store.models.DocumentFailingRule), not a search through every summary
        q = q.where(Document.id.in_(select(DocumentFailingRule.document_id).where(DocumentFailingRule.rule == f.check)))
    if f.theme:
        q = q.where(Document.id.in_(select(DocumentTheme.document_id).where(DocumentTheme.theme == f.theme)))
    if f.label:
        q = q.where(exists().where(Paragraph.document_id == Document.id, Paragraph.label == f.label))
    return q


def list_documents(s: Session, f: DocumentFilter, *, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    base = _filtered(select(Document.id), f)
    total = s.scalar(select(func.count()).select_from(base.subquery())) or 0
    q = _filtered(select(Document).options(load_only(*_LIST_COLUMNS)), f)
    docs = s.scalars(q.order_by(Document.id.desc()).limit(limit).offset(offset)).all()
    return [document_item(d) for d in docs], total


def get_document(s: Session, doc_id: int) -> Document:
    doc = s.get(Document, doc_id)
    if doc is None:
        raise not_found(f"document {doc_id}")
    return doc


def summary_of(doc: Document) -> dict:
    """The stored summary, or the error that explains why there is none."""
    if doc.status == "done" and doc.summary is not None:
        return doc.summary
    if doc.status == "failed":
        code = doc.error_code if doc.error_code in ERROR_MESSAGES else "internal_error"
        raise ApiError(422, code, doc.error_message or ERROR_MESSAGES[code])
    raise ApiError(409, "not_ready", f"document {doc.id} is {doc.status}; poll GET /api/v1/batches/{doc.batch_id}"
                   if doc.batch_id else f"document {doc.id} is {doc.status}")


SOURCE_TYPES = {"txt": "text/plain", "html": "text/html", "docx":
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}


def source_of(s: Session, doc: Document) -> tuple[bytes, str]:
    from store.repository import original_bytes

    fmt = doc.format or PurePosixPath(doc.filename).suffix.lstrip(".").lower()
    fmt = "html" if fmt == "htm" else fmt
    return original_bytes(s, doc), SOURCE_TYPES.get(fmt, "application/octet-stream")


def source_text(s: Session, doc: Document) -> str:
    """The normalised text the summary's offsets point into (the pipeline's own loader)."""
    from extraction.load import load

    data, _ = source_of(s, doc)
    try:
        return load(data, doc.filename).text
    except GovdigestError as exc:
        raise ApiError.from_govdigest(exc) from None


def paragraph_rows(s: Session, doc_id: int) -> list[Paragraph]:
    return list(s.scalars(select(Paragraph).where(Paragraph.document_id == doc_id).order_by(Paragraph.idx)))


def paragraph_item(p: Paragraph) -> dict:
    return {"id": p.id, "document_id": p.document_id, "idx": p.idx, "section": p.section, "text": p.text,
            "start": p.start, "end": p.end, "label": p.label, "predicted_label": p.predicted_label,
            "confidence": p.confidence, "model_version": p.model_version, "reviewed_by": p.reviewed_by,
            "reviewed_at": _iso(p.reviewed_at)}


# --------------------------------------------------------------------------------------------
# upload and processing


def _clean_name(name: str | None) -> str:
    """The file's own name, printable, valid UTF-8 (PostgreSQL refuses NUL and lone surrogates)."""
    text = (name or "").encode("utf-8", "replace").decode("utf-8")
    text = "".join(c for c in text if c.isprintable())
    base = PurePosixPath(text.replace("\\", "/")).name.strip() or "upload"
    return base[-200:]


def expand_uploads(files: list[tuple[str, bytes]]) -> list:
    """Uploaded (filename, bytes) as api.inputs.Input items; a .zip is opened with the pipeline's
    guards (zip-slip, zip-bomb, member count), each member one item. Bad files carry their error."""
    from api.inputs import Input
    from extraction.load import SUPPORTED_SUFFIXES, iter_archive, max_bytes_limit

    limit = max_bytes_limit()
    out = []
    for raw_name, data in files:
        name = _clean_name(raw_name)
        path = PurePosixPath(name)
        stem = path.stem or name
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            out.append(Input(name, stem, None, GovdigestError("unsupported_format", suffix or "no suffix")))
        elif len(data) > limit:
            out.append(Input(name, stem, None, GovdigestError("too_large", f"{len(data)} bytes > {limit}")))
        elif not data:
            out.append(Input(name, stem, None, GovdigestError("empty_document", f"{name} is empty")))
        elif suffix == ".zip":
            try:
                members = list(iter_archive(data, name))
            except GovdigestError as exc:
                out.append(Input(name, stem, None, exc))
                continue
            if not members:
                out.append(Input(name, stem, None, GovdigestError("empty_document", f"{name} holds no report files")))
            for member, content in members:
                out.append(Input(f"{name}:{member}", PurePosixPath(member).stem, content))
        else:
            out.append(Input(name, stem, data))
    return out


def queue_mode(cfg: Config) -> str:
    """"worker" when a broker is configured and the worker package is importable, else "in-process"."""
    if not cfg.broker_url:
        return "in-process"
    try:
        import worker.enqueue  # noqa: F401
        import worker.tasks  # noqa: F401
    except ImportError:
        return "in-process"
    return "worker"


@dataclass
class Submission:
    batch_id: int
    batch_name: str
    mode: str
    documents: list[dict]
    rejected: list[dict]
    to_process: list[int]  # in-process mode: what the caller runs after answering
    deferred: int = 0  # worker mode: stored but not handed to the broker (the sweep will)

    def as_dict(self) -> dict:
        return {"batch": {"id": self.batch_id, "name": self.batch_name}, "mode": self.mode,
                "documents": self.documents, "rejected": self.rejected, "deferred": self.deferred}


def submit(cfg: Config, items: list, *, batch_name: str | None, user: str) -> Submission:
    """Store every readable item in one batch and queue it: through the worker when one is
    configured, else for `process_in_process`. Nothing is processed here."""
    ok = [i for i in items if i.error is None]
    rejected = [{"file": i.name, "code": i.error.code, "message": i.error.message} for i in items if i.error]
    if not ok:
        first = items[0].error if items else GovdigestError("empty_document", "no files in the request")
        raise ApiError(UPLOAD_STATUS.get(first.code, 422), first.code, first.message, detail=rejected)
    name = batch_name or f"upload-{datetime.now(UTC):%Y%m%d-%H%M%S}-{user}-{secrets.token_hex(3)}"
    mode = queue_mode(cfg)
    deferred = 0
    if mode == "worker":
        from worker.enqueue import submit as worker_submit

        try:
            report = worker_submit(ok, batch=name, url=cfg.database_url)
        except ValueError as exc:  # the queue settings in the environment are wrong
            raise ApiError(503, "unavailable", f"the worker queue is misconfigured: {exc}") from None
        ids, created, to_process, deferred = report.ids, None, [], report.deferred
    else:
        ids, created, to_process = _store_all(cfg, ok, name)
    from store.db import session
    from store.queue import find_batch

    with session(cfg.database_url) as s:
        batch = find_batch(s, name)
        rows = {d.id: d for d in s.scalars(select(Document).options(load_only(*_LIST_COLUMNS))
                                            .where(Document.id.in_(ids)))} if ids else {}
    docs = []
    for i in ids:
        d = rows[i]
        docs.append({"id": d.id, "filename": d.filename, "sha256": d.sha256, "status": d.status,
                     "created": (i in created) if created is not None else None})
    return Submission(batch.id, batch.name, mode, docs, rejected, to_process, deferred)


def _store_all(cfg: Config, items: list, batch_name: str) -> tuple[list[int], set[int], list[int]]:
    from store.db import session
    from store.repository import get_or_create_batch, store_files

    for attempt in (1, 2):
        s = session(cfg.database_url)
        try:
            batch = get_or_create_batch(s, batch_name)
            ids: list[int] = []
            seen: set[int] = set()
            created: set[int] = set()
            pending: list[int] = []
            # one call: a few statements for the lot, originals locked in one order (no deadlock
            # with a concurrent request storing the same files)
            for doc, new in store_files(s, [(item.data, item.name) for item in items], batch=batch):
                if doc.id in seen:
                    continue
                seen.add(doc.id)
                ids.append(doc.id)
                if new:
                    created.add(doc.id)
                if new or doc.status == "queued":
                    pending.append(doc.id)
            s.commit()
            return ids, created, pending
        except IntegrityError:
            s.rollback()  # the batch created at the same moment by another request: look again
            if attempt == 2:
                raise
        finally:
            s.close()
    raise AssertionError("unreachable")


_PROCESS_LOCK = threading.Lock()  # one document at a time per serving process
_LIVENESS: dict[str, object] = {}
_LIVENESS_GUARD = threading.Lock()


def _liveness_locks(url: str | None):
    """This process's store.queue.LivenessLocks for the database (one per URL, as in the worker)."""
    from store.db import database_url
    from store.queue import LivenessLocks

    key = database_url(url)
    with _LIVENESS_GUARD:
        locks = _LIVENESS.get(key)
        if locks is None:
            locks = _LIVENESS[key] = LivenessLocks(key)
        return locks


def close_liveness_locks(url: str | None) -> None:
    """At shutdown: drop this process's lock connection (PostgreSQL) or file (SQLite) for the database."""
    from store.db import database_url

    with _LIVENESS_GUARD:
        locks = _LIVENESS.pop(database_url(url), None)
    if locks is not None:
        locks.close()


def process_in_process(cfg: Config, ids: list[int], stop: threading.Event | None = None) -> dict:
    """Process documents here (no broker) with the worker's protocol (store.queue): hold the
    document's liveness lock, claim it (the attempt counted and committed), run the pipeline's
    `process_bytes`, then `save_summary` / `save_failure` if the attempt still owns the row.

    A document another live process holds, or that is done or failed already, is skipped; a
    `processing` one whose holder died (this server, killed mid-document) is taken over, and one
    whose last `cfg.max_attempts` attempts all died with their process ends failed/worker_crash.
    `stop` (set at shutdown) ends the loop between two documents."""
    from store.db import session

    counts = {"done": 0, "failed": 0, "skipped": 0}
    locks = _liveness_locks(cfg.database_url)
    for doc_id in ids:
        if stop is not None and stop.is_set():
            break
        with _PROCESS_LOCK:
            if not locks.acquire(doc_id):
                counts["skipped"] += 1
                continue
            try:
                with session(cfg.database_url) as s:
                    counts[_process_claimed(cfg, s, doc_id)] += 1
            finally:
                locks.release(doc_id)
    return counts


def _process_claimed(cfg: Config, s: Session, doc_id: int) -> str:
    from extraction.classify import active_classifier
    from extraction.pipeline import PIPELINE_VERSION, process_bytes
    from store.queue import claim, owned
    from store.repository import save_failure, save_summary

    c = claim(s, doc_id, pipeline_version=PIPELINE_VERSION, max_attempts=cfg.max_attempts)
    if c.state == "crashed":
        log.warning("document %s set aside as worker_crash after %s attempts", doc_id, c.attempts)
        return "failed"
    if c.state != "claimed":
        return "skipped"
    try:
        outcome: dict | tuple[str, str] = process_bytes(c.data, c.filename,
                                                        classifier=active_classifier(cfg.models_dir))
    except GovdigestError as exc:
        outcome = (exc.code, exc.message)
    except Exception as exc:  # a pipeline bug must not lose the document: it is kept and marked
        log.exception("document %s failed", doc_id)
        outcome = ("internal_error", f"{type(exc).__name__}: {exc}"[:1000])
    doc = owned(s, doc_id, c.attempts)
    if doc is None:  # taken over meanwhile (cannot happen while we hold its lock; the write stays guarded)
        s.rollback()
        return "skipped"
    if isinstance(outcome, dict):
        save_summary(s, doc, outcome)
    else:
        save_failure(s, doc, outcome[0], outcome[1], PIPELINE_VERSION)
    s.commit()
    return "done" if isinstance(outcome, dict) else "failed"


def resume_in_process(cfg: Config, stop: threading.Event | None = None) -> dict:
    """At start-up without a broker: documents left `queued` or `processing` when the server last
    stopped have nobody else to take them, so they are processed here like uploads."""
    from store.db import session

    with session(cfg.database_url) as s:
        ids = list(s.scalars(select(Document.id).where(Document.status.in_(("queued", "processing")))
                             .order_by(Document.id)))
    if not ids:
        return {"done": 0, "failed": 0, "skipped": 0}
    log.info("resuming %d document(s) left queued or processing", len(ids))
    counts = process_in_process(cfg, ids, stop)
    log.info("resumed: %s", counts)
    return counts


def batch_info(s: Session, batch_id: int) -> dict:
    from store.queue import failures
    from store.repository import status_counts

    b = s.get(Batch, batch_id)
    if b is None:
        raise not_found(f"batch {batch_id}")
    counts = status_counts(s, b.id)
    total = sum(counts.values())
    ids = list(s.scalars(select(Document.id).where(Document.batch_id == b.id).order_by(Document.id)))
    return {"id": b.id, "name": b.name, "created_at": _iso(b.created_at), "counts": counts, "total": total,
            "finished": counts["queued"] + counts["processing"] == 0, "documents": ids,
            "failures": [{"id": f["id"], "document": f["document"], "code": f["code"], "message": f["message"]}
                         for f in failures(s, b.id, limit=100)]}


def running_batches(s: Session, limit: int = 10) -> list[dict]:
    """Batches with documents still queued or processing, newest first, with their counts."""
    pending = (select(Document.batch_id).where(Document.status.in_(("queued", "processing")),
                                               Document.batch_id.is_not(None)).distinct())
    ids = list(s.scalars(select(Batch.id).where(Batch.id.in_(pending)).order_by(Batch.id.desc()).limit(limit)))
    if not ids:
        return []
    names = dict(s.execute(select(Batch.id, Batch.name).where(Batch.id.in_(ids))).all())
    counts: dict[int, dict] = {i: dict.fromkeys(STATUSES, 0) for i in ids}
    for bid, st, n in s.execute(select(Document.batch_id, Document.status, func.count())
                                .where(Document.batch_id.in_(ids)).group_by(Document.batch_id, Document.status)):
        counts[bid][st] = n
    return [{"id": i, "name": names[i], "counts": counts[i], "total": sum(counts[i].values()),
             "finished": counts[i]["done"] + counts[i]["failed"]} for i in ids]


# --------------------------------------------------------------------------------------------
# review


def set_label(s: Session, paragraph_id: int, label: str, user: str) -> dict:
    """A reviewer's label, through store.repository.relabel (the audit trail records it)."""
    from store.repository import relabel

    if label not in LABELS:
        raise ApiError(422, "invalid_label", f"{label!r} is not one of {', '.join(LABELS)}")
    try:
        p = relabel(s, paragraph_id, label, user)
    except KeyError:
        raise not_found(f"paragraph {paragraph_id}") from None
    s.commit()
    item = paragraph_item(p)
    item["changes"] = changes_of(s, p.id)
    return item


def changes_of(s: Session, paragraph_id: int) -> list[dict]:
    return [_change(c) for c in s.scalars(select(LabelChange).where(LabelChange.paragraph_id == paragraph_id)
                                          .order_by(LabelChange.created_at, LabelChange.id))]


def _change(c: LabelChange, extra: dict | None = None) -> dict:
    out = {"id": c.id, "paragraph_id": c.paragraph_id, "from": c.from_label, "to": c.to_label, "by": c.user,
           "at": _iso(c.created_at), "model_version": c.model_version}
    if extra:
        out.update(extra)
    return out


def recent_changes(s: Session, *, limit: int = 20, document_id: int | None = None) -> list[dict]:
    q = (select(LabelChange, Paragraph.document_id, Paragraph.idx, Paragraph.text)
         .join(Paragraph, Paragraph.id == LabelChange.paragraph_id)
         .order_by(LabelChange.created_at.desc(), LabelChange.id.desc()).limit(limit))
    if document_id is not None:
        q = q.where(Paragraph.document_id == document_id)
    return [_change(c, {"document_id": d, "idx": idx, "text": (t or "")[:80]}) for c, d, idx, t in s.execute(q)]


def review_queue(s: Session, *, limit: int = 50, document_id: int | None = None) -> list[dict]:
    """Unreviewed paragraphs, least confident first, each with its neighbours as context."""
    q = select(Paragraph).where(Paragraph.reviewed_at.is_(None))
    if document_id is not None:
        q = q.where(Paragraph.document_id == document_id)
    rows = s.scalars(q.order_by(Paragraph.confidence, Paragraph.id).limit(limit)).all()
    if not rows:
        return []
    wanted = {(p.document_id, p.idx + d) for p in rows for d in (-1, 1)}
    neighbours = {(d, i): t for d, i, t in s.execute(
        select(Paragraph.document_id, Paragraph.idx, Paragraph.text)
        .where(tuple_(Paragraph.document_id, Paragraph.idx).in_(sorted(wanted))))}
    docs = {d.id: d for d in s.scalars(select(Document).options(
        load_only(Document.id, Document.filename, Document.agency, Document.year))
        .where(Document.id.in_({p.document_id for p in rows})))}
    out = []
    for p in rows:
        item = paragraph_item(p)
        d = docs.get(p.document_id)
        item["document"] = {"id": p.document_id, "filename": d.filename if d else None,
                            "agency": d.agency if d else None, "year": d.year if d else None}
        item["context"] = {"before": neighbours.get((p.document_id, p.idx - 1)),
                           "after": neighbours.get((p.document_id, p.idx + 1))}
        out.append(item)
    return out


# --------------------------------------------------------------------------------------------
# models


def check_version_name(version: str) -> str:
    if not VERSION_NAME.match(version or "") or ".." in version:
        raise not_found(f"model version {version!r}")
    return version


def _card_item(card: dict, active: str | None) -> dict:
    ho = card.get("held_out") or {}
    td = card.get("training_data") or {}
    return {"version": card.get("version"), "active": card.get("version") == active, "created": card.get("created"),
            "created_by": card.get("created_by"), "macro_f1": ho.get("macro_f1"), "accuracy": ho.get("accuracy"),
            "brier": ho.get("brier"), "cv_macro_f1": card.get("cv_macro_f1"), "per_class": ho.get("per_class"),
            "confusion_matrix": ho.get("confusion_matrix"),
            "training_data": {k: td.get(k) for k in ("records", "train", "held_out", "reviews")}}


class Trainer:
    """One training run at a time for this app: in this process on a thread, or on the worker's
    `train` queue when a broker is configured."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.lock = threading.Lock()
        self.state: dict = {"running": False, "started_at": None, "by": None, "mode": None, "last": None}
        self.thread: threading.Thread | None = None

    def snapshot(self) -> dict:
        with self.lock:
            return json.loads(json.dumps(self.state))

    def start(self, *, user: str, include_reviews: bool, promote: bool, force: bool) -> dict:
        options = {"include_reviews": include_reviews, "promote": promote, "force": force}
        if queue_mode(self.cfg) == "worker":
            from worker.tasks import train

            # The worker reads the reviews from its own GOVDIGEST_DATABASE_URL: the same database.
            return self._enqueue(train, {**options, "who": user})
        with self.lock:
            if self.state["running"]:
                raise ApiError(409, "busy", f"a training run started by {self.state['by']} at "
                               f"{self.state['started_at']} is still running")
            self.state.update(running=True, started_at=_iso(datetime.now(UTC)), by=user, mode="in-process")
        self.thread = threading.Thread(target=self._run, args=(user,), kwargs=options,
                                       name="govdigest-train", daemon=True)
        self.thread.start()
        return {"started": True, "mode": "in-process", "task_id": None}

    @staticmethod
    def _enqueue(task, kwargs: dict) -> dict:
        try:
            result = task.apply_async(kwargs=kwargs, retry=False)
        except Exception as exc:
            raise ApiError(503, "unavailable", f"the broker is unreachable ({type(exc).__name__})") from None
        return {"started": True, "mode": "worker", "task_id": result.id}

    def _run(self, user: str, *, include_reviews: bool, promote: bool, force: bool) -> None:
        from api.retrain import run_training

        last: dict = {"version": None, "promoted": False, "reason": None, "error": None}
        try:
            run = run_training(include_reviews=include_reviews, promote=promote, force=force,
                               database_url=self.cfg.database_url, data=self.cfg.training_data,
                               models_dir=self.cfg.models_dir, cv_jobs=self.cfg.train_cv_jobs, who=user)
            last.update(version=run.version, macro_f1=run.card["held_out"]["macro_f1"], reviews=run.reviews)
            if promote:
                last.update(promoted=bool(run.promoted), reason=run.reason)
        except Exception as exc:  # reported on GET /models; the server goes on
            log.exception("training failed")
            last["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            with self.lock:
                last["finished_at"] = _iso(datetime.now(UTC))
                self.state.update(running=False, last=last)

    def wait(self, timeout: float | None = None) -> None:
        if self.thread is not None:
            self.thread.join(timeout)


def models_overview(cfg: Config, trainer: Trainer | None = None) -> dict:
    from extraction.classify import read_registry
    from extraction.training import activation_stack, list_versions

    md = Path(cfg.models_dir)
    reg = read_registry(md)
    active = reg.get("active")
    stack = activation_stack(reg)
    return {"active": active, "versions": [_card_item(c, active) for c in reversed(list_versions(md))],
            "history": list(reversed(reg.get("history", []))),
            "can_rollback": bool(active) and len(stack) >= 2 and stack[-1] == active,
            "rollback_to": stack[-2] if len(stack) >= 2 and stack[-1] == active else None,
            "training": trainer.snapshot() if trainer else None}


def promote_version(cfg: Config, version: str, *, user: str, force: bool = False) -> dict:
    from extraction.classify import read_card
    from extraction.training import promote

    check_version_name(version)
    try:
        read_card(version, cfg.models_dir)
    except GovdigestError:
        raise not_found(f"model version {version!r}") from None
    try:
        ok, reason = promote(version, force=force, models_dir=cfg.models_dir, who=user)
    except GovdigestError as exc:
        raise ApiError.from_govdigest(exc, 409) from None
    if not ok:
        raise ApiError(409, "promotion_refused", reason)
    return {"promoted": True, "version": version, "reason": reason}


def rollback_version(cfg: Config, *, user: str) -> dict:
    from extraction.classify import read_registry
    from extraction.training import rollback

    try:
        ok, message = rollback(models_dir=cfg.models_dir, who=user)
    except GovdigestError as exc:
        raise ApiError.from_govdigest(exc, 409) from None
    if not ok:
        raise ApiError(409, "rollback_refused", message)
    return {"rolled_back": True, "active": read_registry(cfg.models_dir).get("active"), "message": message}


# --------------------------------------------------------------------------------------------
# export and health


CSV_COLUMNS = ["id", "sha256", "filename", "status", "error_code", "agency", "year", "template", "paragraphs",
               "problems", "improvements", "failing_checks", "applications_new_received", "applications_total",
               "review_total", "litigation_total"]


def export_record(doc: Document) -> dict:
    """One JSONL line of the export: the summary, or what went wrong."""
    if doc.summary:
        return doc.summary
    return {"document": {"sha256": doc.sha256, "filename": doc.filename}, "status": doc.status,
            "error": {"code": doc.error_code, "message": doc.error_message}}


def csv_row(doc: Document) -> list:
    """One CSV row of the export (columns CSV_COLUMNS): the document and its headline figures."""
    sm = doc.summary or {}
    tables = sm.get("tables") or {}
    rows = (tables.get("applications") or {}).get("rows") or {}
    rl = tables.get("review_litigation") or {}

    def last(v):
        return v[-1] if v else ""

    return [doc.id, doc.sha256, doc.filename, doc.status, doc.error_code or "", doc.agency or "", doc.year or "",
            doc.template or "", len(sm.get("paragraphs") or []), len(sm.get("problems") or []),
            len(sm.get("improvements") or []), doc.failing_checks, last(rows.get("new_received")),
            last(rows.get("total")), last(rl.get("review")), last(rl.get("litigation_direct"))]


def export_chunks(s: Session, fmt: str) -> Iterator[str]:
    """The export of every stored document as text chunks: `govdigest export` writes them to a
    file or standard output, GET /api/v1/export streams them."""
    import csv
    import io

    from store.repository import iter_documents

    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unsupported export format {fmt!r}: use {' or '.join(EXPORT_FORMATS)}")
    if fmt == "jsonl":
        for doc in iter_documents(s):
            yield json.dumps(export_record(doc), ensure_ascii=False) + "\n"
        return
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for n, doc in enumerate(iter_documents(s), 1):
        w.writerow(csv_row(doc))
        if n % 200 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def export_lines(cfg: Config, fmt: str) -> Iterator[str]:
    """export_chunks in a session of its own (the response streams after the handler returned)."""
    from store.db import session

    with session(cfg.database_url) as s:
        yield from export_chunks(s, fmt)


def readiness(cfg: Config) -> tuple[bool, dict]:
    from store.db import engine

    checks: dict[str, str] = {}
    try:
        with engine(cfg.database_url).connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if queue_mode(cfg) == "worker":
        try:
            from kombu import Connection

            with Connection(cfg.broker_url, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"error: {type(exc).__name__}"
    else:
        checks["broker"] = "not configured (documents are processed in the server)"
    ok = checks["database"] == "ok" and (checks["broker"] == "ok" or checks["broker"].startswith("not configured"))
    return ok, checks


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
