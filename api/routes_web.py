"""The reviewer's pages: documents (/), a report (/reports/{id}), the review queue (/review) and
the models (/admin/models). Server-rendered, no third-party assets; the same auth as the API."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from api import services, web
from api.auth import Principal, admin, config, new_csrf, reviewer, sign_in, sign_out, viewer
from api.routes_api import MAX_ID, db, read_uploads
from api.services import ApiError, DocumentFilter

router = APIRouter(include_in_schema=False)

DB = Annotated[Session, Depends(db)]
Viewer = Annotated[Principal, Depends(viewer)]
Reviewer = Annotated[Principal, Depends(reviewer)]
Admin = Annotated[Principal, Depends(admin)]
PAGE_SIZE = 50


def render(request: Request, name: str, context: dict, status: int = 200):
    """A template with the signed-in user, their CSRF token and any flash message."""
    user = getattr(request.state, "principal", None)
    sess = request.scope.get("session")
    flash = sess.pop("flash", None) if sess else None
    ctx = {"user": user, "csrf": (user.csrf if user else None) or "", "flash": flash, "nav": name.split(".")[0]}
    ctx.update(context)
    return request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status)


def login_page(request: Request, *, status: int = 200, error: str | None = None, next_url: str = "/"):
    csrf = new_csrf(request) if "session" in request.scope else ""
    return request.app.state.templates.TemplateResponse(
        request, "login.html", {"user": None, "csrf": csrf, "error": error, "next": safe_next(next_url),
                                "flash": None, "nav": "login"}, status_code=status)


def safe_next(value: str | None) -> str:
    """Only local paths: no scheme, no host, no protocol-relative '//' tricks."""
    if (not value or not value.startswith("/") or value.startswith("//") or "\\" in value
            or any(c.isspace() or ord(c) < 32 for c in value)):  # browsers drop tabs: "/\t/evil" is "//evil"
        return "/"
    return value


def flash(request: Request, message: str, kind: str = "info") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -------------------------------------------------------------------------------- sign-in


@router.get("/login")
def get_login(request: Request, next: str = "/"):  # noqa: A002
    return login_page(request, next_url=next)


@router.post("/login")
def post_login(request: Request, token: Annotated[str, Form(max_length=200)] = "",
               csrf_token: Annotated[str, Form(max_length=200)] = "",
               next: Annotated[str, Form(max_length=2000)] = "/"):  # noqa: A002
    import secrets

    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(csrf_token, expected):
        return login_page(request, status=403, error="The sign-in form expired; try again.", next_url=next)
    if sign_in(request, token) is None:
        return login_page(request, status=401, error="That token is unknown or revoked.", next_url=next)
    return redirect(safe_next(next))


@router.post("/logout")
def post_logout(request: Request, _: Viewer):
    sign_out(request)
    return redirect("/login")


# -------------------------------------------------------------------------------- documents


def _int_or_none(value: str | None) -> int | None:
    """A year from the filter form; anything else (or out of range for the column) is no filter."""
    try:
        year = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return year if year is not None and 0 <= year <= 9999 else None


@router.get("/")
def index(request: Request, s: DB, user: Viewer,
          agency: Annotated[str, Query(max_length=200, pattern=r"^[^\x00]*$")] = "",
          year: Annotated[str, Query(max_length=10)] = "",
          status: Annotated[str, Query(max_length=20)] = "",
          template: Annotated[str, Query(max_length=20, pattern=r"^[^\x00]*$")] = "",
          check: Annotated[str, Query(max_length=100, pattern=r"^[^\x00]*$")] = "",
          theme: Annotated[str, Query(max_length=200, pattern=r"^[^\x00]*$")] = "",
          label: Annotated[str, Query(max_length=20)] = "",
          page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    f = DocumentFilter(agency=agency or None, year=_int_or_none(year),
                       status=status if status in services.STATUSES else None, template=template or None,
                       check=check or None, theme=theme or None, label=label if label in services.LABELS else None)
    items, total = services.list_documents(s, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    query = f.active()
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "documents.html", {
        "items": items, "total": total, "page": page, "pages": pages, "filters": f, "query": query,
        "prev_url": "/?" + urlencode({**query, "page": page - 1}) if page > 1 else None,
        "next_url": "/?" + urlencode({**query, "page": page + 1}) if page < pages else None,
        "batches": services.running_batches(s), "statuses": services.STATUSES, "labels": services.LABELS,
        "templates_": ("legacy", "2019", "2021", "unknown"),
        "rules": ("applications.balance", "applications.results_total", "applications.row_total",
                  "review_litigation.block_total", "prose.applications_received", "prose.applications_answered",
                  "prose.carried_over", "prose.carried_forward", "prose.review_total"),
        "can_upload": user.can("reviewer")})


@router.post("/upload")
def upload(request: Request, background: BackgroundTasks, user: Reviewer,
           files: Annotated[list[UploadFile], File()],
           batch: Annotated[str, Form(max_length=150, pattern=r"^[^\x00]*$")] = ""):
    cfg = config(request)
    try:
        sub = services.submit(cfg, services.expand_uploads(read_uploads(files)), batch_name=batch or None,
                              user=user.name)
    except ApiError as exc:
        flash(request, f"{exc.code}: {exc.message}", "error")
        return redirect("/")
    if sub.to_process:
        background.add_task(services.process_in_process, cfg, sub.to_process)
    msg = f"batch {sub.batch_name}: {len(sub.documents)} document(s) queued ({sub.mode})"
    if sub.rejected:
        msg += "; rejected: " + "; ".join(f"{r['file']}: {r['code']}" for r in sub.rejected)
    flash(request, msg, "error" if sub.rejected else "info")
    return redirect("/")


# -------------------------------------------------------------------------------- a report


@router.get("/reports/{doc_id}")
def report(request: Request, doc_id: Annotated[int, Path(ge=1, le=MAX_ID)], s: DB, user: Viewer):
    doc = services.get_document(s, doc_id)
    if doc.status != "done" or doc.summary is None:
        return render(request, "report_pending.html", {"doc": doc})
    rows = services.paragraph_rows(s, doc.id)
    changes = services.recent_changes(s, limit=50, document_id=doc.id)
    view = web.report_view(doc, doc.summary, rows, changes)
    return render(request, "report.html", {**view, "can_review": user.can("reviewer")})


@router.get("/reports/{doc_id}/text")
def report_text(request: Request, doc_id: Annotated[int, Path(ge=1, le=MAX_ID)], s: DB, _: Viewer,
                start: Annotated[int, Query(ge=0, le=10**9)] = 0, end: Annotated[int, Query(ge=0, le=10**9)] = 0,
                label: Annotated[str, Query(max_length=200)] = ""):
    """The source text around an offset range: where a figure, a paragraph, a table came from."""
    doc = services.get_document(s, doc_id)
    text = services.source_text(s, doc)
    return render(request, "source_text.html", {"doc": doc, "ex": web.excerpt(text, start, max(start, end)),
                                                "label": label})


# -------------------------------------------------------------------------------- review


@router.get("/review")
def review(request: Request, s: DB, _: Reviewer, document: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
           limit: Annotated[int, Query(ge=1, le=200)] = 50):
    items = services.review_queue(s, limit=limit, document_id=document)
    changes = services.recent_changes(s, limit=30)
    return render(request, "review.html", {"items": items, "changes": changes, "document": document,
                                           "labels": services.LABELS})


# -------------------------------------------------------------------------------- models


@router.get("/admin/models")
def models_page(request: Request, user: Viewer, version: Annotated[str, Query(max_length=80)] = ""):
    overview = services.models_overview(config(request), request.app.state.trainer)
    shown = next((v for v in overview["versions"] if v["version"] == version), None) or next(
        (v for v in overview["versions"] if v["active"]), None) or (overview["versions"] or [None])[0]
    return render(request, "models.html", {**overview, "shown": shown, "is_admin": user.can("admin"),
                                           "labels": services.LABELS})


@router.post("/admin/models/train")
def models_train(request: Request, user: Admin, include_reviews: Annotated[str, Form()] = "",
                 promote: Annotated[str, Form()] = ""):
    try:
        out = request.app.state.trainer.start(user=user.name, include_reviews=bool(include_reviews),
                                              promote=bool(promote), force=False)
        flash(request, f"training started ({out['mode']})")
    except ApiError as exc:
        flash(request, f"{exc.code}: {exc.message}", "error")
    return redirect("/admin/models")


@router.post("/admin/models/promote")
def models_promote(request: Request, user: Admin, version: Annotated[str, Form(max_length=80)],
                   force: Annotated[str, Form()] = ""):
    try:
        out = services.promote_version(config(request), version, user=user.name, force=bool(force))
        flash(request, f"promoted {out['version']}: {out['reason']}")
    except ApiError as exc:
        flash(request, f"{exc.code}: {exc.message}", "error")
    return redirect("/admin/models")


@router.post("/admin/models/rollback")
def models_rollback(request: Request, user: Admin):
    try:
        out = services.rollback_version(config(request), user=user.name)
        flash(request, out["message"])
    except ApiError as exc:
        flash(request, f"{exc.code}: {exc.message}", "error")
    return redirect("/admin/models")
