"""Database side of queued processing: claiming, finishing, sweeping, retrying, reporting.

The database is the source of truth; the broker only carries document ids. A document moves
queued -> processing -> done | failed, and every move is a conditional UPDATE committed before the
next step (a worker claims, and later finishes, a batch of documents in one transaction), so a
redelivered or duplicated message can never process a document twice at the same time or write
its rows twice.

Who is "processing" a document is proven by a *liveness lock* held for exactly as long as the
processing runs: a session-level advisory lock on PostgreSQL (``pg_try_advisory_lock``, released by
the server when the holder's connection closes — also when the process is killed), or a POSIX
byte-range lock on ``<database file>.claims`` for SQLite (released by the kernel when the process
dies). A document in ``processing`` whose lock is free therefore belongs to a dead worker and can
be taken over at once, without waiting for a lease to expire.

``queued_at`` is written only after the document's id was handed to the broker: ``queued`` with
``queued_at IS NULL`` means "stored but never enqueued" (the broker was down), which the sweep
picks up.
"""
from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, defer

from .models import Batch, Document, Original

CLAIMABLE = ("queued", "processing")
WORKER_CRASH_MESSAGE = (
    "The document stopped its worker repeatedly and was set aside; inspect it before retrying. "
    "({attempts} attempts ended with the worker process gone: killed, out of memory, or over the hard time limit)"
)
# Advisory-lock namespace (first key of the two-int form): "gd" for govdigest.
_LOCK_NAMESPACE = 0x6764


def now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------------------------
# liveness locks


class LivenessLocks:
    """Per-process locks that say "this process is working on document N right now".

    PostgreSQL: advisory locks on a dedicated autocommit connection with TCP keepalives (a
    holder whose machine vanished is noticed within about a minute). SQLite: byte `id` of the
    file ``<db>.claims``, locked with fcntl. Both are released automatically when the process
    dies. A thread-level set makes the locks exclusive inside one process too (threads pool).
    """

    def __init__(self, url: str):
        self.url = url
        self.backend = make_url(url).get_backend_name()
        self._pid = None
        self._conn = None
        self._fd: int | None = None
        self._held: set[int] = set()
        self._mutex = threading.Lock()

    # connections are per process: after a fork the child opens its own and ignores the parent's
    def _ensure(self) -> None:
        if self._pid == os.getpid():
            if self._conn is not None and not self._conn.closed:
                return
            if self._fd is not None or self.backend not in ("postgresql", "sqlite"):
                return
        self._pid = os.getpid()
        self._conn = None
        self._fd = None
        self._held = set()
        if self.backend == "postgresql":
            import psycopg

            conninfo = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
            self._conn = psycopg.connect(conninfo, autocommit=True, keepalives=1, keepalives_idle=30,
                                         keepalives_interval=10, keepalives_count=3,
                                         application_name=f"govdigest-claims:{os.getpid()}:{socket.gethostname()}"[:63])
        elif self.backend == "sqlite":
            database = make_url(self.url).database
            if database and database != ":memory:":
                self._fd = os.open(database + ".claims", os.O_RDWR | os.O_CREAT, 0o644)

    def acquire(self, doc_id: int) -> bool:
        with self._mutex:
            self._ensure()
            if doc_id in self._held:
                return False
            if self._conn is not None:
                if not self._pg_try_lock(doc_id):
                    return False
            elif self._fd is not None:
                import fcntl

                try:
                    fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, doc_id, os.SEEK_SET)
                except OSError:
                    return False
            self._held.add(doc_id)
            return True

    def acquire_many(self, ids: list[int]) -> list[int]:
        """`acquire` for several documents (one round trip on PostgreSQL); returns those now held, in order."""
        with self._mutex:
            self._ensure()
            want = [i for i in dict.fromkeys(ids) if i not in self._held]
            if not want:
                return []
            if self._conn is not None:
                got = set(self._pg_try_lock_many(want))
            elif self._fd is not None:
                import fcntl

                got = set()
                for doc_id in want:
                    try:
                        fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, doc_id, os.SEEK_SET)
                    except OSError:
                        continue
                    got.add(doc_id)
            else:
                got = set(want)
            self._held.update(got)
            return [i for i in want if i in got]

    def _pg_try_lock_many(self, ids: list[int]) -> list[int]:
        import psycopg

        query = "SELECT x FROM unnest(%s::int[]) AS x WHERE pg_try_advisory_lock(%s::int, x)"
        try:
            return [r[0] for r in self._conn.execute(query, (ids, _LOCK_NAMESPACE)).fetchall()]
        except psycopg.OperationalError:
            self._reconnect()  # as in _pg_try_lock
            return [r[0] for r in self._conn.execute(query, (ids, _LOCK_NAMESPACE)).fetchall()]

    def _reconnect(self) -> None:
        import psycopg

        try:
            self._conn.close()
        except psycopg.Error:
            pass
        self._pid = None
        self._held = set()
        self._ensure()

    def release_many(self, ids: list[int]) -> None:
        """`release` for several documents (one round trip on PostgreSQL)."""
        with self._mutex:
            if self._pid != os.getpid():
                return
            mine = [i for i in dict.fromkeys(ids) if i in self._held]
            if not mine:
                return
            self._held.difference_update(mine)
            if self._conn is not None and not self._conn.closed:
                import psycopg

                try:
                    self._conn.execute("SELECT pg_advisory_unlock(%s::int, x) FROM unnest(%s::int[]) AS x",
                                       (_LOCK_NAMESPACE, mine))
                except psycopg.OperationalError:
                    pass  # the connection is gone, and the locks with it
            elif self._fd is not None:
                import fcntl

                for doc_id in mine:
                    fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, doc_id, os.SEEK_SET)

    def _pg_try_lock(self, doc_id: int) -> bool:
        import psycopg

        try:
            return bool(self._conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                           (_LOCK_NAMESPACE, doc_id)).fetchone()[0])
        except psycopg.OperationalError:
            # The server went away (restart, failover): every lock of this connection went with it.
            # Reconnect once; the locks still held are gone, the conditional writes guard the rest.
            self._reconnect()
            return bool(self._conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                           (_LOCK_NAMESPACE, doc_id)).fetchone()[0])

    def release(self, doc_id: int) -> None:
        with self._mutex:
            if doc_id not in self._held or self._pid != os.getpid():
                return
            self._held.discard(doc_id)
            if self._conn is not None and not self._conn.closed:
                import psycopg

                try:
                    self._conn.execute("SELECT pg_advisory_unlock(%s, %s)", (_LOCK_NAMESPACE, doc_id))
                except psycopg.OperationalError:
                    pass  # the connection is gone, and the lock with it
            elif self._fd is not None:
                import fcntl

                fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, doc_id, os.SEEK_SET)

    def close(self) -> None:
        with self._mutex:
            if self._pid == os.getpid():
                if self._conn is not None:
                    self._conn.close()
                if self._fd is not None:
                    os.close(self._fd)
            self._conn = None
            self._fd = None
            self._pid = None
            self._held = set()


# --------------------------------------------------------------------------------------------
# claiming and finishing


@dataclass
class Claim:
    """Outcome of trying to take a document.

    state: "claimed" (process it), "done" / "failed" (nothing to do), "crashed" (attempts used up:
    marked failed/worker_crash now), "busy" (another live process holds it), "missing".
    """

    state: str
    attempts: int = 0
    filename: str | None = None
    data: bytes | None = None
    queued_at: datetime | None = None
    started_at: datetime | None = None


def claim(s: Session, doc_id: int, *, pipeline_version: str, max_attempts: int) -> Claim:
    """Take document `doc_id` for processing, in its own committed transaction.

    Call it while holding the document's liveness lock: a `processing` row then belongs to a dead
    worker. Claiming counts an attempt; a document whose previous `max_attempts` attempts all died
    with their worker is marked failed/worker_crash instead of being tried again. A `done` document
    of the current pipeline version and a `failed` one are left alone (a redelivered or duplicate
    message is a no-op); `done` from an older pipeline version is processed again.
    """
    t = now()
    claimable = or_(
        Document.status == "queued",
        and_(Document.status == "processing", Document.attempts < max_attempts),
        _older_done(pipeline_version),
    )
    row = s.execute(
        update(Document).where(Document.id == doc_id, claimable)
        .values(status="processing", attempts=case((Document.status == "done", 1), else_=Document.attempts + 1),
                started_at=t, finished_at=None, error_code=None, error_message=None, updated_at=t)
        .returning(Document.attempts, Document.filename, Document.sha256, Document.queued_at)
    ).one_or_none()
    if row is not None:
        data = s.scalar(select(Original.content).where(Original.sha256 == row.sha256))
        s.commit()
        return Claim("claimed", row.attempts, filename=row.filename, data=data, queued_at=row.queued_at, started_at=t)
    current = s.execute(select(Document.status, Document.attempts).where(Document.id == doc_id)).one_or_none()
    if current is None:
        s.rollback()
        return Claim("missing")
    status, attempts = current
    if status == "processing" and (attempts or 0) >= max_attempts:
        res = s.execute(update(Document).where(
            Document.id == doc_id, Document.status == "processing", Document.attempts == attempts,
        ).values(status="failed", error_code="worker_crash",
                 error_message=WORKER_CRASH_MESSAGE.format(attempts=attempts),
                 pipeline_version=pipeline_version, finished_at=t, updated_at=t))
        s.commit()
        return Claim("crashed" if res.rowcount == 1 else "busy", attempts)
    s.rollback()
    return Claim(status if status in ("done", "failed") else "busy", attempts or 0)


def claim_many(s: Session, ids: list[int], *, pipeline_version: str) -> dict[int, Claim]:
    """Take those of `ids` that wait for their first attempt (`queued`, or `done` by an older pipeline
    version) in one committed transaction: three round trips for the lot instead of four each.

    Call it while holding their liveness locks. `processing` documents (their worker died, or a
    time limit struck in their batch) are left out: `claim` takes those one at a time, so a document
    that kills its worker charges the attempt to itself alone. Returns the claimed ones by id."""
    if not ids:
        return {}
    t = now()
    fresh = or_(Document.status == "queued", _older_done(pipeline_version))
    rows = s.execute(
        update(Document).where(Document.id.in_(ids), fresh)
        .values(status="processing", attempts=case((Document.status == "done", 1), else_=Document.attempts + 1),
                started_at=t, finished_at=None, error_code=None, error_message=None, updated_at=t)
        .returning(Document.id, Document.attempts, Document.filename, Document.sha256, Document.queued_at)
        .execution_options(synchronize_session=False)
    ).all()
    data = {}
    if rows:
        data = dict(s.execute(select(Original.sha256, Original.content)
                              .where(Original.sha256.in_({r.sha256 for r in rows}))).all())
    s.commit()
    return {r.id: Claim("claimed", r.attempts, filename=r.filename, data=data.get(r.sha256), queued_at=r.queued_at,
                        started_at=t) for r in rows}


def _older_done(pipeline_version: str):
    return and_(Document.status == "done", or_(Document.pipeline_version.is_(None),
                                               Document.pipeline_version != pipeline_version))


def owned_many(s: Session, attempts: dict[int, int]) -> dict[int, Document]:
    """`owned` for several documents (doc id -> the attempt that claimed it), locked in id order."""
    if not attempts:
        return {}
    docs = s.scalars(select(Document).where(Document.id.in_(list(attempts))).options(defer(Document.summary))
                     .order_by(Document.id).with_for_update().execution_options(populate_existing=True))
    return {d.id: d for d in docs if d.status == "processing" and (d.attempts or 0) == attempts[d.id]}


def owned(s: Session, doc_id: int, attempts: int) -> Document | None:
    """The document row, locked for the final write, if this attempt still owns it."""
    doc = s.scalars(select(Document).where(Document.id == doc_id).options(defer(Document.summary))
                    .with_for_update().execution_options(populate_existing=True)).one_or_none()
    if doc is None or doc.status != "processing" or (doc.attempts or 0) != attempts:
        return None
    return doc


def release(s: Session, doc_id: int, attempts: int) -> bool:
    """Hand a claimed document back to `queued` without counting the attempt (chunk cut short)."""
    res = s.execute(update(Document).where(
        Document.id == doc_id, Document.status == "processing", Document.attempts == attempts,
    ).values(status="queued", attempts=attempts - 1, started_at=None, updated_at=now()))
    s.commit()
    return res.rowcount == 1


# --------------------------------------------------------------------------------------------
# submission, sweeping, retrying


def mark_enqueued(s: Session, ids: list[int], at: datetime) -> None:
    """Record that `ids` were handed to the broker at `at` (only rows still waiting)."""
    for k in range(0, len(ids), 1000):
        part = ids[k:k + 1000]
        s.execute(update(Document).where(Document.id.in_(part), Document.status == "queued").values(queued_at=at))
    s.commit()


def requeue_for_new_version(s: Session, doc: Document, pipeline_version: str) -> bool:
    """A finished document from an older pipeline version goes back to `queued`. True if it did."""
    if doc.status in ("done", "failed") and doc.pipeline_version and doc.pipeline_version != pipeline_version:
        doc.status = "queued"
        doc.attempts = 0
        doc.queued_at = None
        doc.updated_at = now()
        return True
    return False


def stale_ids(s: Session, *, older_than: float, never_enqueued_grace: float = 0.0, include_queued: bool = True,
              batch_id: int | None = None, limit: int | None = None) -> list[int]:
    """Documents the sweep should enqueue again.

    - queued and never handed to the broker (queued_at NULL) for `never_enqueued_grace` seconds;
    - queued and handed over more than `older_than` seconds ago (only if `include_queued`: the
      periodic sweep leaves these alone while the broker still holds a backlog);
    - processing, started more than `older_than` seconds ago (its worker died, or vanished).
    """
    t = now()
    conds = [and_(Document.status == "queued", Document.queued_at.is_(None),
                  Document.updated_at <= t - timedelta(seconds=never_enqueued_grace)),
             and_(Document.status == "processing", Document.started_at <= t - timedelta(seconds=older_than))]
    if include_queued:
        conds.append(and_(Document.status == "queued", Document.queued_at <= t - timedelta(seconds=older_than)))
    q = select(Document.id).where(or_(*conds)).order_by(Document.id)
    if batch_id is not None:
        q = q.where(Document.batch_id == batch_id)
    if limit:
        q = q.limit(limit)
    ids = list(s.scalars(q))
    s.rollback()
    return ids


def reset_failed(s: Session, batch_id: int | None = None, codes: list[str] | None = None) -> list[int]:
    """Failed documents back to `queued` with their attempts reset. Returns their ids."""
    q = select(Document.id).where(Document.status == "failed").order_by(Document.id)
    if batch_id is not None:
        q = q.where(Document.batch_id == batch_id)
    if codes:
        q = q.where(Document.error_code.in_(codes))
    ids = list(s.scalars(q))
    t = now()
    for k in range(0, len(ids), 1000):
        s.execute(update(Document).where(Document.id.in_(ids[k:k + 1000]), Document.status == "failed").values(
            status="queued", attempts=0, error_code=None, error_message=None, queued_at=None, started_at=None,
            finished_at=None, updated_at=t))
    s.commit()
    return ids


# --------------------------------------------------------------------------------------------
# reporting


def find_batch(s: Session, name: str) -> Batch | None:
    return s.scalar(select(Batch).where(Batch.name == name))


def failures(s: Session, batch_id: int | None = None, limit: int | None = None) -> list[dict]:
    q = (select(Document.id, Document.filename, Document.error_code, Document.error_message)
         .where(Document.status == "failed").order_by(Document.id))
    if batch_id is not None:
        q = q.where(Document.batch_id == batch_id)
    if limit:
        q = q.limit(limit)
    return [{"id": r.id, "document": r.filename, "code": r.error_code, "message": r.error_message}
            for r in s.execute(q)]


def count_failures(s: Session, batch_id: int | None = None) -> int:
    q = select(func.count()).select_from(Document).where(Document.status == "failed")
    if batch_id is not None:
        q = q.where(Document.batch_id == batch_id)
    return s.scalar(q) or 0
