"""A PDF's ruled tables through pdfplumber's table finder (extraction/pdf_tables.py), as a second
reading when the text layer leaves a table open."""
import hashlib

import pytest

from bench.synth import make_report, render_pdf
from extraction.load import load
from extraction.outline import outline
from extraction.pdf_tables import find_grids, grids_by_kind
from extraction.table_layouts import grid_rows, read_active_rows, read_applications_rows, read_review_rows
from extraction.tables import extract_tables


@pytest.fixture(scope="module", params=["2019", "2021"])
def pdf(request):
    report = make_report(321, request.param)
    return report, render_pdf(report)


def test_tables_pdf_finder_reads_the_three_tables(pdf):
    report, data = pdf
    by_kind = grids_by_kind(find_grids(data))
    assert set(by_kind) == {"active_disclosure", "applications", "review_litigation"}

    def rows(kind):
        return [r for g in by_kind[kind] for r in grid_rows(g, None)]

    assert read_applications_rows(rows("applications"), [], "pdf_grid").data == report.tables["applications"]
    assert read_review_rows(rows("review_litigation"), [], "pdf_grid").data == report.tables["review_litigation"]
    assert read_active_rows(rows("active_disclosure"), report.generation, "pdf_grid").data == \
        report.tables["active_disclosure"]


def test_tables_pdf_second_opinion_when_the_text_layer_fails(pdf):
    report, data = pdf
    doc = load(data, "report.pdf")
    o = outline(doc.text)
    s = next(x for x in o.sections if x.kind == "applications")
    # an extractor that lost 表三's rows after the first lines
    body = doc.text[s.body_start:s.end]
    cut = body.index("予以公开")
    damaged = doc.text[:s.body_start] + body[:cut] + "\n" + doc.text[s.end:]
    o2 = outline(damaged)
    text_only, _ = extract_tables(damaged, o2.sections, o2.generation, [])
    assert text_only.get("applications", {}).get("rows") != report.tables["applications"]["rows"]
    tables, _ = extract_tables(damaged, o2.sections, o2.generation, [], pdf_bytes=data)
    assert tables["applications"] == report.tables["applications"]
    assert tables["readings"]["applications"]["layout"] == "pdf_grid"
    # cells the text still shows keep their offsets; the rest point at the section
    ev = tables["evidence"]
    exact = [e for e in ev.values() if e.get("approximate") is None and e["source_text"]]
    assert all(damaged[e["start"]:e["end"]] == e["source_text"] for e in exact)


def test_tables_pdf_pipeline_uses_the_bytes_when_the_loader_attaches_them(pdf, classifier):
    from extraction.pipeline import process_document

    report, data = pdf
    doc = load(data, "report.pdf")
    doc.raw = data  # what load() would attach for a PDF
    s = process_document(doc, hashlib.sha256(data).hexdigest(), classifier=classifier)
    assert s["tables"]["applications"] == report.tables["applications"]
    assert s["tables"]["readings"]["applications"]["layout"] == "stream"  # the text was enough
