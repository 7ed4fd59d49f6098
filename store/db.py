"""Engine, sessions and schema migration. SQLite file by default, PostgreSQL by URL.

GOVDIGEST_DATABASE_URL (or --db) picks the database; the schema is brought to the latest
Alembic revision on first use.
"""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import orjson
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_PATH = Path(os.environ.get("GOVDIGEST_HOME", Path.cwd() / "var")) / "govdigest.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(url: str | None = None) -> str:
    if url:
        return url
    env = os.environ.get("GOVDIGEST_DATABASE_URL")
    if env:
        return env
    DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB_PATH}"


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///"):]).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _normalise(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// URLs would ask for psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def json_bytes(value) -> bytes:
    """A JSON column's text, UTF-8 encoded: what SQLAlchemy stores, for inserts that skip it."""
    # A summary is ~50 KB of JSON; json.dumps made up a tenth of a document's whole cost.
    # Keys that are not strings (as json.dumps allows) need OPT_NON_STR_KEYS, which serializes
    # every dict ~1.5x slower (0.065 -> 0.043 ms a summary, measured); with string keys only, the
    # text is the same either way, so that option is the fallback.
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def _json_dumps(value) -> str:
    return json_bytes(value).decode()


_JSON = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


SQLITE_PAGE_SIZE = 16384
WAL_CHECKPOINT_BYTES = 64 * 1024 * 1024

# Databases whose schema this process knows to be at head without asking alembic: see mark_migrated.
_MIGRATED: set[str] = set()


def mark_migrated(url: str | None = None) -> None:
    """The schema of `url` is at head (a worker migrated it before forking its pool processes,
    which then skip the check and the ~7 MB of alembic it loads)."""
    _MIGRATED.add(_normalise(database_url(url)))


@cache
def engine(url: str | None = None) -> Engine:
    real = _normalise(database_url(url))
    if real.startswith("sqlite"):
        _ensure_sqlite_dir(real)
        eng = create_engine(real, connect_args={"timeout": 60}, **_JSON)

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            # Only a new file takes it (set before WAL creates it; an existing file keeps its own):
            # a ~50 KB summary fills 4 pages of 16 KB rather than 13 of 4 KB, each a WAL frame of
            # its own; bulk writes cost ~0.04 ms less per document (measured). No durability change.
            cur.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
            # WAL lets readers (status, the API) run while a writer commits.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # A bulk run commits ~7 MB per 100 documents; with the default 1,000-page (4 MB)
            # threshold every commit also checkpoints. 64 MB (16,384 pages of 4 KB) checkpoints a
            # few times less often: 0.22 -> 0.15 ms per 51 KB summary (measured).
            page_size = cur.execute("PRAGMA page_size").fetchone()[0]
            cur.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_BYTES // page_size}")
            cur.close()
    else:
        eng = create_engine(real, pool_pre_ping=True, pool_size=5, max_overflow=10, **_JSON)
    if real not in _MIGRATED:
        migrate(eng)
    return eng


def migrate(eng: Engine) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with eng.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            # One migrator at a time when many workers start together.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7357001)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def session(url: str | None = None) -> Session:
    return sessionmaker(engine(url), expire_on_commit=False)()
