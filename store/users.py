"""API users and their tokens (used by `govdigest users` and the HTTP API).

A token is `secrets.token_urlsafe(32)`, shown once when it is issued; only its sha256 is stored.
Roles are ordered viewer < reviewer < admin. A revoked user's token stops working at once (every
request looks the token up); adding a revoked name again issues a new token.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import User

ROLES = ("viewer", "reviewer", "admin")
RANK = {role: n for n, role in enumerate(ROLES, 1)}


class UserError(ValueError):
    """A user operation that cannot be done (unknown role, name taken, no such user)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def has_role(user_role: str, needed: str) -> bool:
    return RANK.get(user_role, 0) >= RANK[needed]


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise UserError("a user name is 1-100 characters without spaces")
    return name


def add_user(s: Session, name: str, role: str) -> tuple[User, str]:
    """Create `name` with `role` (or re-issue a revoked one); returns the user and the plain token."""
    name = _check_name(name)
    if role not in RANK:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    token = new_token()
    user = s.scalar(select(User).where(User.name == name))
    if user is not None:
        if user.revoked_at is None:
            raise UserError(f"user {name!r} exists; revoke it first to issue a new token")
        user.role, user.token_hash, user.revoked_at = role, hash_token(token), None
        user.created_at = datetime.now(UTC)
    else:
        user = User(name=name, role=role, token_hash=hash_token(token))
        s.add(user)
    s.flush()
    return user, token


def list_users(s: Session) -> list[User]:
    return list(s.scalars(select(User).order_by(User.name)))


def revoke_user(s: Session, name: str) -> User:
    user = s.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserError(f"no user named {name!r}")
    if user.revoked_at is None:
        user.revoked_at = datetime.now(UTC)
        s.flush()
    return user


def user_for_token(s: Session, token: str) -> User | None:
    """The active user holding `token`, or None (unknown or revoked)."""
    if not token:
        return None
    user = s.scalar(select(User).where(User.token_hash == hash_token(token)))
    if user is None or user.revoked_at is not None:
        return None
    return user


def active_user(s: Session, user_id: int) -> User | None:
    user = s.get(User, user_id)
    if user is None or user.revoked_at is not None:
        return None
    return user
