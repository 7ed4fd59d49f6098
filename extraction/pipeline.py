"""The pipeline: bytes in, summary out. No database, queue or HTTP here.

The CLI, the Celery worker and the HTTP API all call `process_bytes`, or `process_many` for
several documents at once (the same stages; batch stages run once for all of them).
"""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field

from . import registry
from .checks import run_checks
from .classify import ParagraphClassifier, active_classifier, label_by_subheading, label_documents
from .document import LoadedDocument
from .errors import GovdigestError
from .figures import extract_figures
from .load import load
from .metadata import agency, region, report_year
from .outline import Outline, outline
from .paragraphs import Paragraph, itemize, split_paragraphs
from .segment import dictionary_id
from .summary import build_summary
from .tables import extract_tables
from .themes import extract_themes

PIPELINE_VERSION = "0.1.0"
PIPELINE = ["outline", "metadata", "paragraphs", "classify", "items", "figures", "tables", "checks", "themes"]


@dataclass
class State:
    doc: LoadedDocument
    sha256: str
    filename: str
    classifier: ParagraphClassifier
    outline: Outline | None = None
    agency: str | None = None
    year: int | None = None
    region: str | None = None
    narrative: list[Paragraph] = field(default_factory=list)
    headings: list[Paragraph] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    checks: list[dict] = field(default_factory=list)
    themes: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    pipeline_info: dict = field(default_factory=dict)
    previous: dict | None = None  # last year's summary of the same agency, for year-over-year checks


_REPORT_WORDS = re.compile(r"政府信息公开|政务公开|信息公开")
_REPORT_TITLE = re.compile(r"年度报告|年报|工作报告|公开报告")
_INTERPRETATION_HEAD = re.compile(r"[【\[]?(?:图解|图说|一图读懂|解读)")
_INTERPRETATION_TAIL = re.compile(r"[》\s]*(?:的)?(?:解读|图解)")
_OTHER_DOCUMENT = re.compile(r"(?:指南|制度|办法|规定|细则|通知|通报|总结|要点|方案|意见)$")


@registry.stage("outline")
def _outline(state: State) -> None:
    state.outline = outline(state.doc.text)
    text = state.doc.text
    kinds = {s.kind for s in state.outline.sections}
    # a title that names no report (a 函 or 通知 filed among the reports) needs the sections to tell
    titled = bool(_REPORT_TITLE.search(state.outline.title))
    is_report = bool(_REPORT_WORDS.search(text)) and ((titled and len(kinds) >= 1) or len(kinds) >= 3)
    if is_report and titled:
        # the report's interpretation ("图解：某某局2023年…年度报告", "《…年度报告》解读") names it in its title
        o = state.outline
        is_report = not (_INTERPRETATION_HEAD.match(o.title) or _INTERPRETATION_TAIL.match(text, o.title_end))
    if is_report and not titled:
        # no report title, and the first line names another kind of document ("…政府信息公开指南",
        # "关于印发年度报告格式的通知"): its 主动公开 / 依申请公开 headings are no report's sections
        end = text.find("\n", state.outline.body_start)
        first = text[state.outline.body_start:end if end >= 0 else len(text)].strip()
        is_report = not (len(first) <= 60 and _OTHER_DOCUMENT.search(first))
    if not is_report:
        raise GovdigestError("not_a_report", f"{len(kinds)} standard sections found, no report title")


@registry.stage("metadata")
def _metadata(state: State) -> None:
    text = state.doc.text
    state.year = report_year(text, state.outline)
    state.agency = agency(text, state.outline)
    state.region = region(state.agency)
    if state.outline.generation == "unknown" or (state.year and state.outline.generation == "legacy" and state.year >= 2019):
        from .outline import detect_generation

        state.outline.generation = detect_generation(text, state.year)


@registry.stage("paragraphs")
def _paragraphs(state: State) -> None:
    for p in split_paragraphs(state.doc.text, state.outline):
        (state.headings if p.is_heading else state.narrative).append(p)


@registry.batch_stage("classify")
def _classify(states: list[State]) -> None:
    # One predict call for the paragraphs, and the sentences of possibly mixed ones, of all the
    # documents that share a classifier.
    groups: dict[int, list[State]] = {}
    for st in states:
        groups.setdefault(id(st.classifier), []).append(st)
    for group in groups.values():
        labels = label_documents(group[0].classifier, [(st.narrative, st.outline.generation) for st in group])
        for st, lab in zip(group, labels, strict=True):
            label_by_subheading(st.narrative, st.headings, lab)
            st.labels = lab


@registry.stage("items")
def _items(state: State) -> None:
    parts: dict[str, list[str]] = {"problems": [], "improvements": []}
    # Items come from the problems-and-improvements part when the report has one.
    scoped = any(p.section == "problems_improvements" for p in state.narrative)
    for p, lab in zip(state.narrative, state.labels, strict=True):
        if scoped and p.section != "problems_improvements":
            continue
        if lab.get("spans"):
            for s in lab["spans"]:
                if s["label"] in parts:
                    parts[s["label"]].append(s["text"])
        elif lab["label"] in parts:
            parts[lab["label"]].append(p.text)
    state.problems = itemize(parts["problems"], "problems")
    state.improvements = itemize(parts["improvements"], "improvements")


@registry.stage("figures")
def _figures(state: State) -> None:
    regions = [(p.start, p.end) for p in state.narrative]
    state.figures = [f.as_dict() for f in extract_figures(state.doc.text, regions)]


@registry.stage("tables")
def _tables(state: State) -> None:
    # A PDF's ruled tables are a second opinion when the text layer leaves a table open; that
    # needs the file's bytes, which the loader may attach as `doc.raw` (optional).
    raw = state.doc.raw if state.doc.format == "pdf" else None
    state.tables, warnings = extract_tables(state.doc.text, state.outline.sections, state.outline.generation,
                                            state.doc.tables, figures=state.figures, pdf_bytes=raw)
    state.warnings += warnings


@registry.stage("checks")
def _checks(state: State) -> None:
    state.checks = run_checks(state.tables, state.figures, text=state.doc.text,
                              generation=state.outline.generation, year=state.year,
                              previous=state.previous)


@registry.stage("themes")
def _themes(state: State) -> None:
    # Headings name campaigns too ("2.用好“两微一端”新平台"), so the whole body is searched.
    state.themes = extract_themes(state.doc.text[state.outline.body_start:state.outline.body_end],
                                  prose="\n".join(p.text for p in state.narrative))


def _run_stages(states: list[State]) -> list[dict | Exception]:
    """Every stage over every state; a document whose stage raises drops out, the rest go on."""
    failed: dict[int, Exception] = {}
    for name in PIPELINE:
        live = [i for i in range(len(states)) if i not in failed]
        many = registry.get_batch(name)
        if many is not None and len(live) > 1:
            t0 = time.perf_counter()
            try:
                many([states[i] for i in live])
            except Exception:  # noqa: BLE001 - one bad document must not fail the others: redo one by one
                pass
            else:
                share = round((time.perf_counter() - t0) * 1000 / len(live), 3)
                for i in live:
                    states[i].timings[name] = share
                continue
        one = registry.get(name)
        for i in live:
            t0 = time.perf_counter()
            try:
                one(states[i])
            except Exception as exc:  # noqa: BLE001 - handed to the caller with the document
                failed[i] = exc
            states[i].timings[name] = round((time.perf_counter() - t0) * 1000, 3)
    out: list[dict | Exception] = []
    for i, st in enumerate(states):
        if i in failed:
            out.append(failed[i])
            continue
        st.pipeline_info = {"version": PIPELINE_VERSION, "classifier": st.classifier.version,
                            "dictionary": dictionary_id(), "timings_ms": st.timings}
        out.append(build_summary(st))
    return out


def _state(doc: LoadedDocument, data_sha256: str, clf: ParagraphClassifier, previous: dict | None) -> State:
    state = State(doc=doc, sha256=data_sha256, filename=doc.filename, classifier=clf, previous=previous)
    state.warnings += doc.warnings
    return state


def process_document(doc: LoadedDocument, data_sha256: str, *, classifier: ParagraphClassifier | None = None,
                     previous: dict | None = None) -> dict:
    """`previous`: last year's summary of the same agency, when the caller already has it (the
    store links years itself after the fact, see `checks.apply_previous`)."""
    [result] = _run_stages([_state(doc, data_sha256, classifier or active_classifier(), previous)])
    if isinstance(result, Exception):
        raise result
    return result


def process_bytes(data: bytes, filename: str, *, classifier: ParagraphClassifier | None = None,
                  max_bytes: int | None = None, previous: dict | None = None) -> dict:
    """Summary of one report file. Raises GovdigestError with a stable code on bad input."""
    doc = load(data, filename, max_bytes=max_bytes)
    return process_document(doc, hashlib.sha256(data).hexdigest(), classifier=classifier, previous=previous)


def process_many(files: list[tuple[bytes, str]], *, classifier: ParagraphClassifier | None = None,
                 max_bytes: int | None = None) -> list[dict | Exception]:
    """`process_bytes` for several (data, filename) pairs, in order: a summary each, or the
    exception that file raised (GovdigestError for bad input). Faster than one call each."""
    clf = classifier or active_classifier()
    results: list[dict | Exception | None] = [None] * len(files)
    states, where = [], []
    for k, (data, filename) in enumerate(files):
        try:
            doc = load(data, filename, max_bytes=max_bytes)
        except Exception as exc:  # noqa: BLE001 - handed back with the file
            results[k] = exc
            continue
        states.append(_state(doc, hashlib.sha256(data).hexdigest(), clf, None))
        where.append(k)
    for k, result in zip(where, _run_stages(states), strict=True):
        results[k] = result
    return results
