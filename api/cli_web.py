"""CLI commands: web (registered on the main app by api/cli.py).

    govdigest serve [--host 127.0.0.1] [--port 8000] [--db URL] [--models-dir DIR]
    govdigest users add NAME --role viewer|reviewer|admin    prints the token once, alone on its last line
    govdigest users list [--json]
    govdigest users revoke NAME
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console

err = Console(stderr=True)

users_app = typer.Typer(help="API users and their tokens (roles: viewer < reviewer < admin).", no_args_is_help=True,
                        add_completion=False, pretty_exceptions_enable=False)
DB_OPTION = typer.Option(None, "--db", help="Database URL (default: GOVDIGEST_DATABASE_URL or ./var/govdigest.db).")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    db: str = DB_OPTION,
    models_dir: Path = typer.Option(None, "--models-dir", help="Model registry (default: models/ or GOVDIGEST_MODELS_DIR)."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn's log level."),
    no_warm: bool = typer.Option(False, "--no-warm", help="Do not load the pipeline's models before listening."),
):
    """Serve the HTTP API (/api/v1, docs at /api/v1/docs) and the reviewer pages with uvicorn."""
    import uvicorn

    from api.app import create_app
    from api.services import Config

    overrides: dict = {"database_url": db, "warm": not no_warm}
    if models_dir:
        overrides["models_dir"] = models_dir
    try:
        cfg = Config.from_env(**overrides)
    except ValueError as exc:  # a bad GOVDIGEST_* value: said plainly, as `govdigest worker` does
        err.print(f"[red]configuration error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    app = create_app(cfg)
    mode = "through the worker (GOVDIGEST_BROKER_URL)" if cfg.broker_url else "in this server"
    err.print(f"govdigest: http://{host}:{port}/ (API under /api/v1); documents are processed {mode}",
              highlight=False, soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False, server_header=False)


@users_app.command("add")
def users_add(name: str = typer.Argument(..., help="The user's name (no spaces)."),
              role: str = typer.Option(..., "--role", help="viewer, reviewer or admin."),
              db: str = DB_OPTION):
    """Create a user and print its token once (only its sha256 is stored). The token is alone on
    the last line of standard output."""
    from store.db import session
    from store.users import UserError, add_user

    with session(db) as s:
        try:
            user, token = add_user(s, name, role)
        except UserError as exc:
            err.print(str(exc), highlight=False)
            raise typer.Exit(2) from None
        s.commit()
        print(f"user {user.name} ({user.role}) created; the token is shown once, store it now:")
        print(token)


@users_app.command("list")
def users_list(db: str = DB_OPTION, as_json: bool = typer.Option(False, "--json", help="Print JSON.")):
    """Every user with role, creation and revocation times (never the tokens)."""
    from store.db import session
    from store.users import list_users

    with session(db) as s:
        rows = [{"name": u.name, "role": u.role, "created_at": u.created_at.isoformat() if u.created_at else None,
                 "revoked_at": u.revoked_at.isoformat() if u.revoked_at else None} for u in list_users(s)]
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return
    if not rows:
        err.print("no users; add one with `govdigest users add NAME --role admin`")
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        state = f"revoked {r['revoked_at'][:19]}" if r["revoked_at"] else "active"
        print(f"{r['name']:<{width}}  {r['role']:<8}  created {(r['created_at'] or '')[:19]}  {state}")


@users_app.command("revoke")
def users_revoke(name: str = typer.Argument(...), db: str = DB_OPTION):
    """Revoke a user's token (takes effect on the next request; sessions end too)."""
    from store.db import session
    from store.users import UserError, revoke_user

    with session(db) as s:
        try:
            revoke_user(s, name)
        except UserError as exc:
            err.print(str(exc), highlight=False)
            raise typer.Exit(2) from None
        s.commit()
    err.print(f"revoked {name}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command()(serve)
    app.add_typer(users_app, name="users")
