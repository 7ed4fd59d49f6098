"""The `govdigest` command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console

INPUTS_FAILED = 3  # some inputs failed (each printed with its code); 1 stays for crashes

app = typer.Typer(help="Structured summaries of government information-disclosure annual reports.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True)


def _write_json(out_dir: Path, stem: str, summary: dict, used: set[str]) -> Path:
    name = stem
    if name in used:
        name = f"{stem}-{summary['document']['sha256'][:8]}"
    used.add(name)
    path = out_dir / f"{name}.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@app.command()
def process(
    paths: list[str] = typer.Argument(..., help="Files, folders (recursive) and .zip archives."),
    out_dir: Path = typer.Option(None, "--out", help="Write <input-stem>.json per input here."),
    db: str = typer.Option(None, "--db", help="Database URL (default: GOVDIGEST_DATABASE_URL or ./var/govdigest.db)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Local worker processes (no broker needed)."),
    no_db: bool = typer.Option(False, "--no-db", help="Do not store anything; only write --out."),
):
    """Process reports on this machine (the embedded default: no Redis, no server).

    Exit status: 0 all processed, 3 some inputs failed (each listed with its error code)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from api.inputs import expand
    from api.processing import OutcomeWriter, run_many

    skipped: list[str] = []
    inputs = list(expand(paths, skipped))
    if not inputs:
        err.print("[red]no input files[/red]")
        raise typer.Exit(2)
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    store = None if no_db else OutcomeWriter(db)
    used: set[str] = set()
    failed = 0
    done = 0
    ready = [i for i in inputs if i.data is not None]
    for i in inputs:
        if i.error is not None:
            failed += 1
            err.print(f"FAILED {i.name}: {i.error.code}: {i.error.message}", highlight=False, soft_wrap=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("processing", total=len(ready))
        stems = {i.name: i.stem for i in ready}
        datas = {i.name: i.data for i in ready}
        for outcome in run_many(((i.name, i.stem, i.data) for i in ready), jobs=jobs):
            if store:
                store.add(outcome, datas[outcome.name])
            if outcome.summary is not None:
                done += 1
                if out_dir:
                    _write_json(out_dir, stems[outcome.name], outcome.summary, used)
            else:
                failed += 1
                progress.console.print(f"FAILED {outcome.name}: {outcome.code}: {outcome.message}",
                                       highlight=False, soft_wrap=True)
            progress.advance(task)
    if store:
        store.close()
    note = f", {len(skipped)} skipped (not .txt/.html/.htm/.docx/.pdf/.zip)" if skipped else ""
    err.print(f"{done} processed, {failed} failed{note}", highlight=False)
    if failed:
        raise typer.Exit(INPUTS_FAILED)


@app.command()
def show(
    ref: str = typer.Argument(..., help="A stored document (id, sha256 prefix, filename) or a file to process now."),
    db: str = typer.Option(None, "--db"),
    as_json: bool = typer.Option(False, "--json", help="Print the summary JSON."),
):
    """Print a readable summary."""
    from api.render import render_summary
    from extraction.errors import GovdigestError

    path = Path(ref)
    summary = None
    if path.is_file():
        from extraction.pipeline import process_bytes

        try:
            summary = process_bytes(path.read_bytes(), path.name)
        except GovdigestError as exc:
            err.print(f"{exc.code}: {exc.message}", highlight=False)
            raise typer.Exit(1) from None
    else:
        from store.db import session
        from store.repository import find_document

        with session(db) as s:
            doc = find_document(s, ref)
            if doc is None:
                err.print(f"not found: {ref} (give a document id, a sha256 prefix, a stored filename, or a file path)")
                raise typer.Exit(2)
            if doc.summary is None:
                err.print(f"document {doc.id} ({doc.filename}) is {doc.status}"
                          + (f": {doc.error_code}: {doc.error_message}" if doc.error_code else ""), highlight=False)
                raise typer.Exit(1)
            summary = doc.summary
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    else:
        render_summary(summary, out)


@app.command()
def export(
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (one summary per line) or csv (one row per document)."),
    output: Path = typer.Option(None, "--out", help="File to write (default: standard output)."),
    db: str = typer.Option(None, "--db"),
):
    """Export stored summaries (the same records as GET /api/v1/export)."""
    from api.services import EXPORT_FORMATS, export_chunks
    from store.db import session

    if fmt not in EXPORT_FORMATS:
        err.print(f"unsupported export format {fmt!r}: use jsonl or csv")
        raise typer.Exit(2)
    # newline="": the CSV rows end in \r\n already (csv's default), as in the API's export
    fh = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        with session(db) as s:
            for chunk in export_chunks(s, fmt):
                fh.write(chunk)
    finally:
        if output:
            fh.close()


def main() -> None:  # pragma: no cover - console entry
    app()


def _register_commands() -> None:
    from api import cli_models, cli_queue, cli_web

    for module in (cli_models, cli_queue, cli_web):
        module.register(app)


_register_commands()
