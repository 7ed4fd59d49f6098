"""CLI commands: the paragraph classifier's models (registered on the main app by api/cli.py).

    govdigest train [--include-reviews] [--promote] [--force] [--data FILE] [--db URL]
    govdigest models list | show VERSION | promote VERSION [--force] | rollback
    govdigest evaluate --data FILE.jsonl [--version V] [--held-out]
    govdigest export-training [--out FILE] [--db URL]
    govdigest reclassify [--db URL]        re-label stored documents with the active model

Every command takes --models-dir (default: models/ of the checkout, or GOVDIGEST_MODELS_DIR).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

out = Console()
err = Console(stderr=True)

models_app = typer.Typer(help="List, inspect, promote and roll back classifier versions.", no_args_is_help=True,
                         add_completion=False, pretty_exceptions_enable=False)


def _models_dir(value: Path | None) -> Path:
    from extraction.classify import MODELS_DIR

    if value:
        return value
    env = os.environ.get("GOVDIGEST_MODELS_DIR")
    return Path(env) if env else MODELS_DIR


MODELS_DIR_OPTION = typer.Option(None, "--models-dir", help="Model registry directory (default: models/).")


def _fail(message: str, code: int = 1):
    err.print(message, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _print_scores(title: str, m: dict) -> None:
    """Per-class P/R/F1, macro-F1, accuracy, Brier and the confusion matrix."""
    from extraction.classify import LABELS

    t = Table(title=title, title_justify="left")
    for col in ("label", "precision", "recall", "F1", "support"):
        t.add_column(col, justify="left" if col == "label" else "right")
    for lab in LABELS:
        c = m["per_class"][lab]
        t.add_row(lab, f"{c['precision']:.4f}", f"{c['recall']:.4f}", f"{c['f1']:.4f}", str(c["support"]))
    out.print(t)
    brier = m.get("brier")
    out.print(f"macro-F1 {m['macro_f1']:.4f}   accuracy {m['accuracy']:.4f}   "
              f"Brier {brier:.4f}" if brier is not None else f"macro-F1 {m['macro_f1']:.4f}   accuracy {m['accuracy']:.4f}",
              highlight=False)
    cm = Table(title="confusion matrix (rows: gold, columns: predicted)", title_justify="left")
    cm.add_column("")
    for lab in LABELS:
        cm.add_column(lab, justify="right")
    for lab, row in zip(LABELS, m["confusion_matrix"]["matrix"], strict=True):
        cm.add_row(lab, *[str(v) for v in row])
    out.print(cm)


# ---------------------------------------------------------------- train

def train(
    include_reviews: bool = typer.Option(False, "--include-reviews", help="Add reviewed paragraphs from the database "
                                         "to the training side (never to the held-out split)."),
    promote_it: bool = typer.Option(False, "--promote", help="Make the new version active if it passes the gate."),
    force: bool = typer.Option(False, "--force", help="With --promote: activate even below the gate (logged)."),
    data: Path = typer.Option(None, "--data", help="Training data JSONL (default: training_data/paragraphs.jsonl)."),
    db: str = typer.Option(None, "--db", help="Database URL for --include-reviews (default: GOVDIGEST_DATABASE_URL "
                                              "or ./var/govdigest.db)."),
    version: str = typer.Option(None, "--version", help="Name of the new version (default: clf-<UTC time>)."),
    no_cv: bool = typer.Option(False, "--no-cv", help="Skip the 5-fold cross-validation (the card records none)."),
    models_dir: Path = MODELS_DIR_OPTION,
):
    """Train a classifier version: models/<version>/model.skops + card.json."""
    from api.retrain import run_training
    from extraction.classify import TRAINING_DATA
    from extraction.errors import GovdigestError

    md = _models_dir(models_dir)
    data = data or TRAINING_DATA
    if not data.exists():
        _fail(f"no training data at {data}", 2)
    if force and not promote_it:
        _fail("--force only means something with --promote", 2)

    def said(n: int) -> None:
        err.print(f"{n} reviewed paragraph(s) from the database", highlight=False)

    try:
        run = run_training(include_reviews=include_reviews, promote=promote_it, force=force, database_url=db,
                           data=data, models_dir=md, version=version, cv=not no_cv, on_reviews=said)
    except (ValueError, FileExistsError) as exc:
        _fail(f"training failed: {exc}", 2)
    except GovdigestError as exc:
        _fail(f"{exc.code}: {exc.message}")
    version, card = run.version, run.card
    ho = card["held_out"]
    _print_scores(f"{version}: held-out ({card['training_data']['held_out']} records)", ho)
    cv = card.get("cv")
    out.print(f"5-fold CV macro-F1 {cv['macro_f1']:.4f} (± {cv['std']:.4f})" if cv else "CV skipped", highlight=False)
    td = card["training_data"]
    out.print(f"trained on {td['train']} records ({td['reviews']} from reviews) in {card['training_seconds']} s; "
              f"wrote {md / version}", highlight=False)
    if promote_it:
        if not run.promoted:
            _fail(f"not promoted: {run.reason}")
        out.print(f"promoted {version}: {run.reason}", highlight=False)


# ---------------------------------------------------------------- models

@models_app.command("list")
def models_list(models_dir: Path = MODELS_DIR_OPTION,
                as_json: bool = typer.Option(False, "--json", help="Print JSON.")):
    """Every version with its scores; * marks the active one."""
    from extraction.classify import read_registry
    from extraction.training import list_versions

    md = _models_dir(models_dir)
    active = read_registry(md).get("active")
    cards = list_versions(md)
    if as_json:
        rows = [{"version": c["version"], "active": c["version"] == active, "created": c.get("created"),
                 "macro_f1": c["held_out"]["macro_f1"], "cv_macro_f1": c.get("cv_macro_f1"),
                 "brier": c["held_out"].get("brier"), "reviews": c["training_data"].get("reviews", 0)} for c in cards]
        sys.stdout.write(json.dumps({"active": active, "versions": rows}, ensure_ascii=False, indent=1) + "\n")
        return
    width = max([len(c["version"]) for c in cards] + [7])
    out.print(f"  {'version':<{width}}  {'created (UTC)':<16}  held-out F1  CV F1   Brier   train  reviews",
              highlight=False, soft_wrap=True)
    for c in cards:
        cv = c.get("cv_macro_f1")
        brier = c["held_out"].get("brier")
        out.print(f"{'*' if c['version'] == active else ' '} {c['version']:<{width}}  "
                  f"{(c.get('created') or '')[:16].replace('T', ' '):<16}  {c['held_out']['macro_f1']:>11.4f}  "
                  f"{(f'{cv:.4f}' if cv is not None else '-'):>6}  {(f'{brier:.4f}' if brier is not None else '-'):>6}  "
                  f"{c['training_data'].get('train', 0):>6}  {c['training_data'].get('reviews', 0):>7}",
                  highlight=False, soft_wrap=True)
    if not cards:
        err.print(f"no versions in {md}", highlight=False)


@models_app.command("show")
def models_show(version: str = typer.Argument(..., help="A version name (see `govdigest models list`)."),
                models_dir: Path = MODELS_DIR_OPTION,
                as_json: bool = typer.Option(False, "--json", help="Print the whole card as JSON.")):
    """A version's card: data, libraries, held-out scores, CV, Brier."""
    from extraction.classify import read_card, read_registry
    from extraction.errors import GovdigestError

    md = _models_dir(models_dir)
    try:
        card = read_card(version, md)
    except GovdigestError:
        _fail(f"no version {version!r} in {md}", 2)
    if as_json:
        sys.stdout.write(json.dumps(card, ensure_ascii=False, indent=1) + "\n")
        return
    active = read_registry(md).get("active")
    td = card["training_data"]
    out.print(f"[bold]{version}[/bold]{' (active)' if version == active else ''}  created {card.get('created')} "
              f"by {card.get('created_by')}", highlight=False)
    out.print(f"data {td['path']} sha256 {td['sha256'][:16]}…  records {td['records']}  train {td['train']}  "
              f"held-out {td['held_out']}  reviews {td.get('reviews', 0)}", highlight=False)
    out.print(f"user dictionary {card['user_dictionary']['version']} sha256 {card['user_dictionary']['sha256'][:16]}…  "
              f"model sha256 {card['model_sha256'][:16]}…", highlight=False)
    out.print("libraries " + ", ".join(f"{k} {v}" for k, v in card.get("libraries", {}).items()), highlight=False)
    _print_scores("held-out", card["held_out"])
    cv = card.get("cv")
    if cv:
        out.print(f"{cv['folds']}-fold CV macro-F1 {cv['macro_f1']:.4f} (folds {cv['per_fold']})", highlight=False)


@models_app.command("promote")
def models_promote(version: str = typer.Argument(...),
                   force: bool = typer.Option(False, "--force", help="Activate even below the gate (logged)."),
                   models_dir: Path = MODELS_DIR_OPTION):
    """Make VERSION active if its held-out macro-F1 is within 0.005 of the active version's."""
    from extraction.errors import GovdigestError
    from extraction.training import promote

    md = _models_dir(models_dir)
    try:
        ok, reason = promote(version, force=force, models_dir=md)
    except GovdigestError as exc:
        _fail(f"{exc.code}: {exc.message}")
    if not ok:
        _fail(f"not promoted: {reason}")
    out.print(f"promoted {version}: {reason}", highlight=False)


@models_app.command("rollback")
def models_rollback(models_dir: Path = MODELS_DIR_OPTION):
    """Re-activate the version that was active before the current one (logged)."""
    from extraction.errors import GovdigestError
    from extraction.training import rollback

    md = _models_dir(models_dir)
    try:
        ok, message = rollback(models_dir=md)
    except GovdigestError as exc:
        _fail(f"{exc.code}: {exc.message}")
    if not ok:
        _fail(message)
    out.print(message, highlight=False)


# ---------------------------------------------------------------- evaluate / export

def evaluate(
    data: Path = typer.Option(..., "--data", help="A labelled JSONL file in the training-data format."),
    version: str = typer.Option(None, "--version", help="Version to evaluate (default: the active one)."),
    held_out: bool = typer.Option(False, "--held-out", help="Only the records on the held-out split."),
    models_dir: Path = MODELS_DIR_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
):
    """Score a model on any labelled file: per-class P/R/F1, macro-F1, confusion matrix, Brier."""
    from extraction.classify import load_version, read_registry
    from extraction.errors import GovdigestError
    from extraction.training import evaluate as evaluate_model
    from extraction.training import read_jsonl, split

    md = _models_dir(models_dir)
    version = version or read_registry(md).get("active")
    if not version:
        _fail("no active model; give --version", 2)
    if not data.exists():
        _fail(f"no such file: {data}", 2)
    try:
        rows = read_jsonl(data)
    except ValueError as exc:
        _fail(str(exc), 2)
    if held_out:
        rows = split(rows)[1]
    if not rows:
        _fail("no records to evaluate", 2)
    try:
        clf = load_version(version, md)
    except GovdigestError as exc:
        _fail(f"{exc.code}: {exc.message}")
    m = evaluate_model(clf, rows)
    if as_json:
        sys.stdout.write(json.dumps({"version": version, "data": str(data), **m}, ensure_ascii=False, indent=1) + "\n")
        return
    _print_scores(f"{version} on {data} ({len(rows)} records)", m)


def export_training(
    output: Path = typer.Option(None, "--out", help="File to write (default: standard output)."),
    db: str = typer.Option(None, "--db", help="Database URL (default: GOVDIGEST_DATABASE_URL or ./var/govdigest.db)."),
):
    """Write the reviewed paragraphs as training records (JSONL, source = review:<paragraph id>)."""
    from store.db import session
    from store.reviews import export_training as export

    with session(db) as s:
        n = export(s, out=output) if output else export(s, fh=sys.stdout)
    err.print(f"{n} reviewed record(s)" + (f" written to {output}" if output else ""), highlight=False)


def reclassify(
    db: str = typer.Option(None, "--db", help="Database URL (default: GOVDIGEST_DATABASE_URL or ./var/govdigest.db)."),
    batch_size: int = typer.Option(200, "--batch-size", help="Documents per predict call."),
    models_dir: Path = MODELS_DIR_OPTION,
):
    """Re-label stored documents' paragraphs with the active model (reviewed labels are kept)."""
    from extraction.classify import active_classifier
    from extraction.errors import GovdigestError
    from store.db import session

    try:
        clf = active_classifier(_models_dir(models_dir))
    except GovdigestError as exc:
        _fail(f"{exc.code}: {exc.message}")
    with session(db) as s:
        docs, changed = reclassify_stored(s, clf, batch_size=batch_size)
    err.print(f"{docs} document(s) re-labelled with {clf.version}; {changed} paragraph label(s) changed",
              highlight=False)


def reclassify_stored(s, clf, *, batch_size: int = 200) -> tuple[int, int]:
    """Re-label the paragraphs of every stored, processed document: many documents per predict
    call (`label_documents`). Updates each summary's paragraph labels, spans, problems and
    improvements and its classifier version, and the paragraph rows' predictions; a reviewer's
    label stays. Returns (documents, paragraphs whose predicted label changed)."""
    from types import SimpleNamespace

    from sqlalchemy import select

    from extraction import registry
    from extraction.classify import label_documents
    from extraction.paragraphs import Paragraph as Par
    from store.models import Document, Paragraph

    items_stage = registry.get("items")
    ids = list(s.scalars(select(Document.id).where(Document.status == "done", Document.summary.is_not(None))
                         .order_by(Document.id)))
    n_docs = changed = 0
    for start in range(0, len(ids), max(1, batch_size)):
        docs = list(s.scalars(select(Document).where(Document.id.in_(ids[start:start + batch_size]))
                              .order_by(Document.id)))
        batch = []
        for doc in docs:
            pars = [Par(p["text"], p["start"], p["end"], p["section"]) for p in doc.summary.get("paragraphs", [])]
            batch.append((pars, (doc.summary.get("report") or {}).get("template")))
        for doc, (pars, _), labels in zip(docs, batch, label_documents(clf, batch), strict=True):
            summary = json.loads(json.dumps(doc.summary))
            for entry, lab in zip(summary["paragraphs"], labels, strict=True):
                entry["label"], entry["confidence"] = lab["label"], lab["confidence"]
                if lab.get("spans"):
                    entry["spans"] = lab["spans"]
                else:
                    entry.pop("spans", None)
            state = SimpleNamespace(narrative=pars, labels=labels, problems=[], improvements=[])
            items_stage(state)
            summary["problems"], summary["improvements"] = state.problems, state.improvements
            summary.setdefault("pipeline", {})["classifier"] = clf.version
            doc.summary = summary
            by_idx = {e["id"]: lab for e, lab in zip(summary["paragraphs"], labels, strict=True)}
            for row in s.scalars(select(Paragraph).where(Paragraph.document_id == doc.id)):
                lab = by_idx.get(row.idx)
                if lab is None:
                    continue
                changed += row.predicted_label != lab["label"]
                row.predicted_label, row.confidence, row.model_version = lab["label"], lab["confidence"], clf.version
                if row.reviewed_at is None:
                    row.label = lab["label"]
            n_docs += 1
        s.commit()
    return n_docs, changed


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command()(train)
    app.command()(evaluate)
    app.command("export-training")(export_training)
    app.command()(reclassify)
    app.add_typer(models_app, name="models")
