"""Reviewed paragraphs as training records.

A reviewer's correction lives on the stored paragraph (Paragraph.label, reviewed_by, reviewed_at)
and in the LabelChange audit trail (from -> to, who, when, which model predicted it). Here they
become records in the training-data format (training_data/README.md):

    {"id": "review-<paragraph id>", "text": ..., "label": ..., "section_kind": ...,
     "generation": "legacy|2019|2021" | null, "source": "review:<paragraph id>", ...}

plus the review's provenance (document, reviewer, time, the model's label and version, the
changes). `govdigest train --include-reviews` trains on them (never evaluates on them);
`govdigest export-training` writes them out.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Document, LabelChange, Paragraph

GENERATIONS = ("legacy", "2019", "2021")
LABELS = ("overview", "problems", "improvements", "other")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def reviewed_records(s: Session, *, dedupe: bool = True) -> list[dict]:
    """Every reviewed paragraph as a training record, oldest review first.

    `position` is the paragraph's index within its section (what the classifier saw). With
    `dedupe`, a text reviewed in several documents (the same section kind) is kept once, with its
    latest review."""
    rows = s.execute(
        select(Paragraph, Document.template, Document.sha256, Document.filename)
        .join(Document, Document.id == Paragraph.document_id)
        .where(Paragraph.reviewed_at.is_not(None))
        .order_by(Paragraph.reviewed_at, Paragraph.id)
    ).all()
    if not rows:
        return []
    doc_ids = sorted({p.document_id for p, *_ in rows})
    positions: dict[tuple[int, int], int] = {}
    for start in range(0, len(doc_ids), 500):
        chunk = doc_ids[start:start + 500]
        seen: dict[tuple[int, str | None], int] = defaultdict(int)
        for doc_id, idx, section in s.execute(
                select(Paragraph.document_id, Paragraph.idx, Paragraph.section)
                .where(Paragraph.document_id.in_(chunk)).order_by(Paragraph.document_id, Paragraph.idx)):
            positions[(doc_id, idx)] = seen[(doc_id, section)]
            seen[(doc_id, section)] += 1
    ids = [p.id for p, *_ in rows]
    changes: dict[int, list[dict]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for ch in s.scalars(select(LabelChange).where(LabelChange.paragraph_id.in_(ids[start:start + 500]))
                            .order_by(LabelChange.created_at, LabelChange.id)):
            changes[ch.paragraph_id].append({"from": ch.from_label, "to": ch.to_label, "by": ch.user,
                                             "model_version": ch.model_version, "at": _iso(ch.created_at)})
    records: list[dict] = []
    for p, template, sha, filename in rows:
        if p.label not in LABELS or not (p.text or "").strip():
            continue
        records.append({
            "id": f"review-{p.id}",
            "text": p.text,
            "label": p.label,
            "section_kind": p.section,
            "generation": template if template in GENERATIONS else None,
            "source": f"review:{p.id}",
            "position": positions.get((p.document_id, p.idx), 0),
            "document": {"id": p.document_id, "sha256": sha, "filename": filename, "paragraph": p.idx},
            "reviewed_by": p.reviewed_by,
            "reviewed_at": _iso(p.reviewed_at),
            "predicted_label": p.predicted_label,
            "model_version": p.model_version,
            "changes": changes.get(p.id, []),
        })
    if dedupe:
        latest: dict[tuple[str, str | None], dict] = {}
        for r in records:  # oldest first: a later review of the same text wins
            latest.pop((r["text"].strip(), r["section_kind"]), None)
            latest[(r["text"].strip(), r["section_kind"])] = r
        records = list(latest.values())
    return records


def write_jsonl(records: Iterable[dict], fh: IO[str]) -> int:
    n = 0
    for r in records:
        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        n += 1
    return n


def export_training(s: Session, out: Path | None = None, fh: IO[str] | None = None) -> int:
    """Write the reviewed set as JSONL (to `out`, or to the open file `fh`); returns the count."""
    records = reviewed_records(s)
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8", newline="\n") as f:
            return write_jsonl(records, f)
    if fh is None:
        raise ValueError("give `out` or `fh`")
    return write_jsonl(records, fh)
