"""Tables. Documents are keyed by the sha256 of their bytes: the same file twice is one row."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Batch(Base):
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Original(Base):
    """The submitted bytes, kept so nothing submitted is ever lost."""

    __tablename__ = "originals"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("originals.sha256"), unique=True)
    filename: Mapped[str] = mapped_column(String(500))
    format: Mapped[str | None] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)  # queued processing done failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(40), index=True)
    error_message: Mapped[str | None] = mapped_column(Text)
    pipeline_version: Mapped[str | None] = mapped_column(String(40))
    agency: Mapped[str | None] = mapped_column(String(200), index=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    template: Mapped[str | None] = mapped_column(String(10), index=True)
    is_report: Mapped[bool | None] = mapped_column()
    failing_checks: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict | None] = mapped_column(JSON)
    timings: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Paragraph.idx"
    )


class Paragraph(Base):
    """A classified paragraph; reviewers relabel these rows."""

    __tablename__ = "paragraphs"
    __table_args__ = (UniqueConstraint("document_id", "idx"), Index("ix_paragraphs_review", "reviewed_at", "confidence"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    section: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    predicted_label: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(20), index=True)
    confidence: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(80))
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    document: Mapped[Document] = relationship(back_populates="paragraphs")


class DocumentTheme(Base):
    """One theme text of a document's stored summary: the documents list filters on these rows
    (indexed) instead of searching every summary's JSON. Kept in step with `Document.summary` by
    store.repository; migration 0002 filled them for summaries stored before."""

    __tablename__ = "document_themes"
    __table_args__ = (Index("ix_document_themes_theme", "theme", "document_id"),)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(200), primary_key=True)


class DocumentFailingRule(Base):
    """The rule of a failing check in a document's stored summary (one row per rule), for the
    documents list's check filter; kept in step like DocumentTheme (also when a later year's
    checks are re-run against a newly stored previous year)."""

    __tablename__ = "document_failing_rules"
    __table_args__ = (Index("ix_document_failing_rules_rule", "rule", "document_id"),)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(100), primary_key=True)


class LabelChange(Base):
    """Audit trail of every label correction."""

    __tablename__ = "label_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraphs.id", ondelete="CASCADE"), index=True)
    user: Mapped[str] = mapped_column(String(100))
    from_label: Mapped[str] = mapped_column(String(20))
    to_label: Mapped[str] = mapped_column(String(20))
    model_version: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """An API user. Only the sha256 of the token is stored; the token is shown once."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # viewer < reviewer < admin
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
