"""The summary document: a versioned JSON contract (schema in extraction/data/summary.schema.json)."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).parent / "data" / "summary.schema.json"


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(summary: dict) -> None:
    """Raise jsonschema.ValidationError when `summary` breaks the contract."""
    import jsonschema

    jsonschema.validate(summary, schema())


def build_summary(state) -> dict:
    paragraphs = []
    for i, (p, lab) in enumerate(zip(state.narrative, state.labels, strict=True)):
        entry = {"id": i, "section": p.section, "text": p.text, "label": lab["label"],
                 "confidence": lab["confidence"], "start": p.start, "end": p.end}
        if lab.get("spans"):
            entry["spans"] = lab["spans"]
        paragraphs.append(entry)
    return {
        "schema_version": SCHEMA_VERSION,
        "document": {"sha256": state.sha256, "filename": state.filename, "format": state.doc.format,
                     "chars": len(state.doc.text), "pages": state.doc.pages},
        "report": {"agency": state.agency, "year": state.year, "template": state.outline.generation,
                   "is_report": True, "region": state.region, "title": state.outline.title},
        "sections": [{"kind": s.kind, "heading": s.heading, "start": s.start, "end": s.end}
                     for s in state.outline.sections],
        "headings": [{"text": h.text, "section": h.section, "start": h.start, "end": h.end} for h in state.headings],
        "paragraphs": paragraphs,
        "problems": state.problems,
        "improvements": state.improvements,
        "figures": state.figures,
        "themes": state.themes,
        "tables": state.tables,
        "checks": state.checks,
        "warnings": state.warnings,
        "pipeline": state.pipeline_info,
    }
