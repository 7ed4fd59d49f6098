"""The HTTP API, mounted under /api/v1. Handlers authenticate, call api.services, shape the answer."""
from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api import services
from api.auth import Principal, admin, config, reviewer, viewer
from api.services import DocumentFilter

router = APIRouter()

MAX_ID = 2**31 - 1  # ids are 32-bit integers in both databases
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
DocId = Annotated[int, Path(ge=1, le=MAX_ID, description="A document id.")]
Text = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]


def db(request: Request):
    from store.db import session

    s = session(config(request).database_url)
    try:
        yield s
    finally:
        s.close()


DB = Annotated[Session, Depends(db)]
Viewer = Annotated[Principal, Depends(viewer)]
Reviewer = Annotated[Principal, Depends(reviewer)]
Admin = Annotated[Principal, Depends(admin)]


class ErrorBody(BaseModel):
    code: str
    message: str
    detail: Any = None


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "unauthorized"},
    403: {"model": ErrorResponse, "description": "forbidden / csrf_failed"},
}
NOT_FOUND = {404: {"model": ErrorResponse, "description": "not_found"}}


class DocumentItem(BaseModel):
    id: int
    sha256: str
    filename: str
    format: str | None
    status: str
    error_code: str | None
    agency: str | None
    year: int | None
    template: str | None
    failing_checks: int
    batch_id: int | None
    created_at: str | None
    finished_at: str | None


class DocumentPage(BaseModel):
    items: list[DocumentItem]
    total: int
    limit: int
    offset: int


class ParagraphItem(BaseModel):
    id: int
    document_id: int
    idx: int
    section: str | None
    text: str
    start: int
    end: int
    label: str
    predicted_label: str
    confidence: float
    model_version: str | None
    reviewed_by: str | None
    reviewed_at: str | None


class Change(BaseModel):
    model_config = {"populate_by_name": True}
    id: int
    paragraph_id: int
    from_: str = Field(alias="from")
    to: str
    by: str
    at: str | None
    model_version: str | None


class ParagraphWithChanges(ParagraphItem):
    changes: list[Change]


class ParagraphList(BaseModel):
    items: list[ParagraphItem]


class LabelBody(BaseModel):
    label: str = Field(description="overview, problems, improvements or other", max_length=40)


class QueueItem(ParagraphItem):
    document: dict
    context: dict


class Queue(BaseModel):
    items: list[QueueItem]


class TrainBody(BaseModel):
    include_reviews: bool = Field(True, description="Add the reviewed paragraphs to the training side.")
    promote: bool = Field(False, description="Promote the new version if it passes the gate.")
    force: bool = Field(False, description="With promote: activate even below the gate (logged).")


class PromoteBody(BaseModel):
    force: bool = False


class Me(BaseModel):
    name: str
    role: str
    via: str


# --------------------------------------------------------------------------------------------


@router.get("/me", response_model=Me, responses=ERRORS, tags=["auth"])
def me(user: Viewer):
    """Who the token or session belongs to."""
    return {"name": user.name, "role": user.role, "via": user.via}


@router.post("/documents", status_code=202, responses={**ERRORS, 413: {"model": ErrorResponse},
                                                       415: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
             tags=["documents"])
def post_documents(request: Request, background: BackgroundTasks, user: Reviewer,
                   files: Annotated[list[UploadFile], File(description="One or more reports, or a .zip of them.")],
                   batch: Annotated[str | None, Form(max_length=150, pattern=r"^[^\x00]*$")] = None):
    """Store reports and queue them: through the worker when GOVDIGEST_BROKER_URL is set, else in
    this server after the answer. 202 with the batch and document ids; poll GET /batches/{id}."""
    cfg = config(request)
    items = services.expand_uploads(read_uploads(files))
    sub = services.submit(cfg, items, batch_name=batch or None, user=user.name)
    if sub.to_process:
        background.add_task(services.process_in_process, cfg, sub.to_process)
    return JSONResponse(sub.as_dict(), status_code=202)


def read_uploads(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    """(filename, bytes) per upload; one byte past the limit is enough to report too_large."""
    from extraction.load import max_bytes_limit

    limit = max_bytes_limit()
    out = []
    for f in files:
        data = f.file.read(limit + 1)
        out.append((f.filename or "upload", data))
    return out


@router.get("/documents", response_model=DocumentPage, responses=ERRORS, tags=["documents"])
def get_documents(s: DB, _: Viewer, agency: Text = None,
                  year: Annotated[int | None, Query(ge=0, le=9999)] = None,
                  status: Literal["queued", "processing", "done", "failed"] | None = None,
                  template: Text = None,
                  check: Annotated[str | None, Query(max_length=100, pattern=NO_NUL,
                                                     description='A failing check\'s rule, or "any".')] = None,
                  theme: Text = None,
                  label: Literal["overview", "problems", "improvements", "other"] | None = None,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0):
    """Documents, newest first, filtered; `total` counts every match."""
    f = DocumentFilter(agency=agency, year=year, status=status, template=template, check=check, theme=theme,
                       label=label)
    items, total = services.list_documents(s, f, limit=limit, offset=offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/documents/{doc_id}", responses={**ERRORS, **NOT_FOUND, 409: {"model": ErrorResponse},
                                              422: {"model": ErrorResponse}}, tags=["documents"])
def get_document(doc_id: DocId, s: DB, _: Viewer) -> dict:
    """The summary (extraction/data/summary.schema.json). 409 not_ready while queued or processing;
    a failed document answers 422 with its stored error code (e.g. not_a_report)."""
    return services.summary_of(services.get_document(s, doc_id))


@router.get("/documents/{doc_id}/paragraphs", response_model=ParagraphList, responses={**ERRORS, **NOT_FOUND},
            tags=["documents"])
def get_document_paragraphs(doc_id: DocId, s: DB, _: Viewer):
    """The stored paragraphs with their current labels (a reviewer's correction included) and ids for PATCH."""
    services.get_document(s, doc_id)
    return {"items": [services.paragraph_item(p) for p in services.paragraph_rows(s, doc_id)]}


@router.get("/documents/{doc_id}/source", responses={**ERRORS, **NOT_FOUND, 200: {
    "content": {"application/octet-stream": {}}, "description": "The original bytes."}}, tags=["documents"])
def get_source(doc_id: DocId, s: DB, _: Viewer):
    """The original bytes as submitted, as a download."""
    doc = services.get_document(s, doc_id)
    data, ctype = services.source_of(s, doc)
    name = doc.filename.rsplit(":", 1)[-1].rsplit("/", 1)[-1] or "source"
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_") or "source"
    # The type as is: a text file's encoding is whatever was submitted (GB18030 as often as UTF-8).
    return Response(data, headers={
        "Content-Type": ctype,
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "Content-Security-Policy": "sandbox; default-src 'none'"})


@router.get("/batches/{batch_id}", responses={**ERRORS, **NOT_FOUND}, tags=["documents"])
def get_batch(batch_id: Annotated[int, Path(ge=1, le=MAX_ID)], s: DB, _: Viewer) -> dict:
    """Counts per status, the documents and the failures with their codes."""
    return services.batch_info(s, batch_id)


@router.get("/paragraphs/{paragraph_id}", response_model=ParagraphWithChanges, responses={**ERRORS, **NOT_FOUND},
            tags=["review"])
def get_paragraph(paragraph_id: Annotated[int, Path(ge=1, le=MAX_ID)], s: DB, _: Viewer):
    """A paragraph with its audit trail."""
    from store.models import Paragraph

    p = s.get(Paragraph, paragraph_id)
    if p is None:
        raise services.not_found(f"paragraph {paragraph_id}")
    return {**services.paragraph_item(p), "changes": services.changes_of(s, p.id)}


@router.patch("/paragraphs/{paragraph_id}", response_model=ParagraphWithChanges,
              responses={**ERRORS, **NOT_FOUND, 422: {"model": ErrorResponse, "description": "invalid_label"}},
              tags=["review"])
def patch_paragraph(paragraph_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: LabelBody, s: DB, user: Reviewer):
    """Set the paragraph's label (the same label accepts the prediction). Recorded in the audit
    trail: who, when, from -> to, the model version that predicted it."""
    return services.set_label(s, paragraph_id, body.label, user.name)


@router.get("/review/queue", response_model=Queue, responses=ERRORS, tags=["review"])
def get_review_queue(s: DB, _: Viewer, limit: Annotated[int, Query(ge=1, le=200)] = 20,
                     document: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None):
    """Unreviewed paragraphs, least confident first, with their neighbours as context."""
    return {"items": services.review_queue(s, limit=limit, document_id=document)}


@router.get("/review/changes", responses=ERRORS, tags=["review"])
def get_review_changes(s: DB, _: Viewer, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                       document: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> dict:
    """The audit trail, newest first."""
    return {"items": services.recent_changes(s, limit=limit, document_id=document)}


@router.get("/models", responses=ERRORS, tags=["models"])
def get_models(request: Request, _: Viewer) -> dict:
    """Versions with their held-out scores, the active one, the promotion history, training state."""
    return services.models_overview(config(request), request.app.state.trainer)


@router.post("/models/train", status_code=202, responses={**ERRORS, 409: {"model": ErrorResponse}}, tags=["models"])
def post_train(request: Request, user: Admin, body: TrainBody | None = None) -> dict:
    """Train a new version (in this server on a thread, or on the worker's `train` queue)."""
    body = body or TrainBody()
    return request.app.state.trainer.start(user=user.name, include_reviews=body.include_reviews,
                                           promote=body.promote, force=body.force)


@router.post("/models/rollback", responses={**ERRORS, 409: {"model": ErrorResponse}}, tags=["models"])
def post_rollback(request: Request, user: Admin) -> dict:
    """Re-activate the version that was active before the current one (logged)."""
    return services.rollback_version(config(request), user=user.name)


@router.post("/models/{version}/promote", responses={**ERRORS, **NOT_FOUND, 409: {"model": ErrorResponse}},
             tags=["models"])
def post_promote(request: Request, version: Annotated[str, Path(max_length=80)], user: Admin,
                 body: PromoteBody | None = None) -> dict:
    """Make VERSION active if its held-out macro-F1 is within the gate of the active one's (or force)."""
    return services.promote_version(config(request), version, user=user.name, force=bool(body and body.force))


@router.get("/export", responses={**ERRORS, 200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}},
            tags=["documents"])
def get_export(request: Request, _: Viewer, format: Literal["jsonl", "csv"] = "jsonl"):  # noqa: A002
    """Every stored document: one summary per line (jsonl), or one row per document (csv)."""
    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    return StreamingResponse(services.export_lines(config(request), format), media_type=f"{media}; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="govdigest.{format}"'})
