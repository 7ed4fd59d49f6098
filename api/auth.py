"""Who is asking, and may they: bearer tokens for API clients, a signed session for the browser.

- API clients send `Authorization: Bearer <token>`; the token's sha256 is looked up on every
  request (store.users), so revoking a user takes effect at once.
- The browser signs in at /login with a token and gets a signed, HttpOnly, SameSite=Strict session
  cookie (Starlette's SessionMiddleware) holding the user's id, a fingerprint of their token hash
  (re-issuing or revoking the token ends old sessions) and a CSRF token. Every unsafe request
  authenticated by the session must carry that CSRF token, as the `X-CSRF-Token` header (fetch)
  or the `csrf_token` form field (forms). Bearer requests need none: nothing ambient authorises them.
- Roles are ordered viewer < reviewer < admin. Nothing is anonymous except /healthz, /readyz,
  /login and static files.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.services import ApiError, Config
from store.users import active_user, has_role, user_for_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"

# Declares the scheme in the OpenAPI document (Swagger's "Authorize"); the header is parsed below.
bearer_scheme = HTTPBearer(auto_error=False, description="An API token from `govdigest users add`.")


@dataclass(frozen=True)
class Principal:
    id: int
    name: str
    role: str
    via: str  # "token" or "session"
    csrf: str | None = None

    def can(self, role: str) -> bool:
        return has_role(self.role, role)


def config(request: Request) -> Config:
    return request.app.state.config


def fingerprint(token_hash: str) -> str:
    return hashlib.sha256(f"session:{token_hash}".encode()).hexdigest()[:32]


def identify(request: Request) -> Principal | None:
    """The caller, None when anonymous. A malformed or unknown bearer token is an error (401)."""
    from store.db import session

    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    cfg = config(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "unauthorized", "the Authorization header must be `Bearer <token>`")
        with session(cfg.database_url) as s:
            user = user_for_token(s, token)
        if user is None:
            raise ApiError(401, "unauthorized", "the token is unknown or revoked")
        principal = Principal(user.id, user.name, user.role, "token")
    else:
        sess = request.scope.get("session")
        uid = sess.get("uid") if sess else None
        if not isinstance(uid, int):
            return None
        with session(cfg.database_url) as s:
            user = active_user(s, uid)
        if user is None or not secrets.compare_digest(str(sess.get("fp", "")), fingerprint(user.token_hash)):
            sess.clear()  # revoked, or the token was re-issued: the session ends
            return None
        principal = Principal(user.id, user.name, user.role, "session", sess.get("csrf"))
    request.state.principal = principal
    return principal


async def check_csrf(request: Request) -> None:
    expected = request.session.get("csrf") if "session" in request.scope else None
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(FORM_TYPES):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(sent, expected):
        raise ApiError(403, "csrf_failed")


def require(role: str):
    """A dependency: the caller must be signed in with at least `role`; unsafe requests made with
    the session cookie must carry the CSRF token."""

    async def dependency(request: Request,
                         _bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)) -> Principal:
        principal = await run_in_threadpool(identify, request)
        if principal is None:
            raise ApiError(401, "unauthorized")
        if not principal.can(role):
            raise ApiError(403, "forbidden", f"this needs the {role} role; {principal.name} is a {principal.role}")
        if request.method not in SAFE_METHODS and principal.via == "session":
            await check_csrf(request)
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


viewer = require("viewer")
reviewer = require("reviewer")
admin = require("admin")


def new_csrf(request: Request) -> str:
    """The session's CSRF token, created if there is none (the login form needs one too)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def sign_in(request: Request, token: str) -> Principal | None:
    """Exchange an API token for a fresh session (a new CSRF token too). None if the token is bad."""
    from store.db import session

    with session(config(request).database_url) as s:
        user = user_for_token(s, token.strip())
    if user is None:
        return None
    request.session.clear()
    request.session.update(uid=user.id, fp=fingerprint(user.token_hash), csrf=secrets.token_urlsafe(32))
    return Principal(user.id, user.name, user.role, "session", request.session["csrf"])


def sign_out(request: Request) -> None:
    request.session.clear()
