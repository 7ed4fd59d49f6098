"""The web application: the HTTP API under /api/v1, the reviewer's pages, health checks.

    from api.app import create_app
    app = create_app(Config.from_env(database_url=..., models_dir=...))

`govdigest serve` runs it with uvicorn. Errors are JSON {"error": {"code", "message"}} under
/api/ (and for /healthz, /readyz); pages answer with HTML (401: the sign-in form).
"""
from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from api import services
from api.auth import viewer
from api.services import ApiError, Config
from api.web import STATIC, make_templates

log = logging.getLogger("govdigest.api")

API_PREFIX = "/api/v1"
SESSION_COOKIE = "govdigest_session"
MAX_UPLOAD_FACTOR = 5  # a request may carry up to 5 x GOVDIGEST_MAX_BYTES of files
UPLOAD_PATHS = (f"{API_PREFIX}/documents", "/upload")
RESUME_JOIN_SECONDS = 30  # at shutdown, how long to wait for the document being resumed
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# Swagger UI sets inline styles from its bundle; scripts stay 'self' only.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 411: "bad_request", 413: "too_large", 422: "validation_error"}


class SecurityHeaders:
    """Pure ASGI middleware: CSP and friends on every response, no-store on everything not static,
    and the request size limit on the upload routes (checked before any body is read)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if scope.get("method") == "POST" and path in UPLOAD_PATHS:
            refusal = _upload_refusal(scope)
            if refusal is not None:
                return await refusal(scope, receive, send)
        csp = DOCS_CSP if path.startswith(f"{API_PREFIX}/docs") else CSP
        static = path.startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [(b"content-security-policy", csp.encode()), (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
                if not static:
                    extra.append((b"cache-control", b"no-store"))
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def _upload_refusal(scope):
    from extraction.load import max_bytes_limit

    headers = dict(scope.get("headers") or [])
    raw = headers.get(b"content-length")
    if raw is None:
        return _json_error(411, "bad_request", "uploads need a Content-Length header")
    try:
        length = int(raw)
    except ValueError:
        return _json_error(400, "bad_request", "invalid Content-Length")
    limit = MAX_UPLOAD_FACTOR * max_bytes_limit() + 1024 * 1024
    if length > limit:
        return _json_error(413, "too_large", f"the request is {length} bytes; at most {limit} per request "
                           "(GOVDIGEST_MAX_BYTES per file)")
    return None


def _json_error(status: int, code: str, message: str, detail=None) -> JSONResponse:
    body = {"error": {"code": code, "message": message}}
    if detail is not None:
        body["error"]["detail"] = detail
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/healthz", "/readyz"))


def _error(request: Request, status: int, code: str, message: str, detail=None):
    if _wants_html(request):
        from api.routes_web import login_page

        if status == 401:
            return login_page(request, status=401, next_url=str(request.url.path))
        templates = request.app.state.templates
        return templates.TemplateResponse(request, "error.html", {
            "user": getattr(request.state, "principal", None), "csrf": "", "flash": None, "nav": "error",
            "status": status, "code": code, "message": message}, status_code=status)
    return _json_error(status, code, message, detail)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return _error(request, exc.status, exc.code, exc.message, exc.detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = STATUS_CODES.get(exc.status_code, "bad_request" if exc.status_code < 500 else "internal_error")
        message = exc.detail if isinstance(exc.detail, str) else services.HTTP_ERRORS.get(code, code)
        return _error(request, exc.status_code, code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        # Only where and what: echoing the input back could be bytes that are not text.
        detail = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                  for e in exc.errors()]
        return _error(request, 422, "validation_error", services.HTTP_ERRORS["validation_error"], detail)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json_error(500, "internal_error", "The server failed on this request; it was logged.")


def create_app(cfg: Config | None = None) -> FastAPI:
    from api.routes_api import router as api_router
    from api.routes_web import router as web_router

    cfg = cfg or Config.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from starlette.concurrency import run_in_threadpool

        from store.db import engine

        await run_in_threadpool(engine, cfg.database_url)  # migrate before the first request
        if cfg.warm:
            await run_in_threadpool(_warm, cfg)
        stop = threading.Event()
        resumer = None
        if services.queue_mode(cfg) == "in-process":  # with a broker, the worker's sweep does this
            resumer = threading.Thread(target=_resume, args=(cfg, stop), name="govdigest-resume", daemon=True)
            resumer.start()
        app.state.resumer = resumer
        yield
        stop.set()  # the document in hand is finished; the rest waits for the next start
        if resumer is not None:
            await run_in_threadpool(resumer.join, RESUME_JOIN_SECONDS)
        if resumer is None or not resumer.is_alive():
            services.close_liveness_locks(cfg.database_url)

    app = FastAPI(title="govdigest", version="1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None, description="Structured summaries of government information-disclosure "
                  "annual reports: submit, read, review, retrain. Send `Authorization: Bearer <token>`.")
    app.state.config = cfg
    app.state.templates = make_templates()
    app.state.trainer = services.Trainer(cfg)
    app.add_middleware(SessionMiddleware, secret_key=cfg.resolved_secret(), session_cookie=SESSION_COOKIE,
                       max_age=cfg.session_max_age, same_site="strict", https_only=cfg.cookie_secure)
    app.add_middleware(SecurityHeaders)
    _install_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "a dependency is down"}})
    def readyz() -> JSONResponse:
        """The database answers, and the broker when one is configured."""
        ok, checks = services.readiness(cfg)
        return JSONResponse({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)

    app.include_router(api_router, prefix=API_PREFIX)
    app.include_router(web_router)

    def openapi_schema() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema["servers"] = [{"url": "/"}]
            _error_bodies(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi_schema

    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False, dependencies=[Depends(viewer)])
    def openapi_json() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False, dependencies=[Depends(viewer)])
    def docs(request: Request):
        return app.state.templates.TemplateResponse(request, "docs.html", {
            "openapi_url": f"{API_PREFIX}/openapi.json", "swagger": _swagger_dir() is not None})

    swagger = _swagger_dir()
    if swagger is not None:
        app.mount("/static/swagger", StaticFiles(directory=swagger), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _resume(cfg: Config, stop: threading.Event) -> None:
    try:
        services.resume_in_process(cfg, stop)
    except Exception:  # the server keeps serving; the documents stay queued for the next start
        log.exception("resuming queued documents failed")


def _warm(cfg: Config) -> None:
    """Load the segmenter, the theme tables and this app's active model before the first upload."""
    from api.processing import warm_worker
    from extraction.classify import active_classifier
    from extraction.errors import GovdigestError

    warm_worker()
    try:
        active_classifier(cfg.models_dir)
    except GovdigestError as exc:
        log.warning("no model to load at start-up: %s", exc.message)


def _error_bodies(schema: dict) -> None:
    """Every 422 answers {"error": {...}} here, not FastAPI's default validation body."""
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for item in schema.get("paths", {}).values():
        for op in item.values():
            resp = (op.get("responses") or {}).get("422") if isinstance(op, dict) else None
            if resp is not None:
                resp["content"] = {"application/json": {"schema": ref}}
                if resp.get("description") == "Validation Error":
                    resp["description"] = "validation_error"
    comps = schema.get("components", {}).get("schemas", {})
    comps.pop("HTTPValidationError", None)
    comps.pop("ValidationError", None)


def _swagger_dir():
    """Swagger UI's files from the swagger-ui-bundle-v2 package (served by us: no CDN)."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return swagger_ui_path
