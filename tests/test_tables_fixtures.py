"""Hand-written reports (tests/fixtures_tables/, all text and numbers invented for the tests) with
the PDF and web oddities: a table broken across pages with a footer, the running title and the
repeated header between rows; one-character-per-line merged labels; labels wrapped around their
own numbers; a table emitted column by column; row labels that read like section headings
(四、结转下年度继续办理 right before 四、政府信息公开行政复议…); an empty 总计 column; a printed
表四 whose totals are wrong; glued legacy statistics with item numbers."""
import json
from pathlib import Path

import pytest

from extraction.pipeline import process_bytes
from extraction.summary import validate
from extraction.table_template import APP_ROWS_2019, APP_ROWS_2021

FIXTURES = Path(__file__).resolve().parent / "fixtures_tables"
CASES = sorted(p.stem for p in FIXTURES.glob("*.txt"))


@pytest.fixture(scope="module")
def results(classifier):
    return {name: process_bytes((FIXTURES / f"{name}.txt").read_bytes(), f"{name}.txt", classifier=classifier)
            for name in CASES}


@pytest.mark.parametrize("name", CASES)
def test_tables_fixture_reads_every_cell(name, results):
    s = results[name]
    validate(s)
    exp = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    assert s["report"]["template"] == exp["generation"]
    tables = s["tables"]
    if exp["generation"] == "legacy":
        got = [[e["indicator"], e["unit"], e["this_year"], e["cumulative"], e["key"]] for e in tables["statistics"]]
        assert got == exp["statistics"]
        assert not {"applications", "review_litigation", "active_disclosure"} & set(tables)
        return
    for key, want in exp["tables"].items():
        if key != "applications":
            assert tables[key] == want, key
            continue
        rows = tables["applications"]["rows"]
        template = APP_ROWS_2021 if len(rows) == 25 else APP_ROWS_2019
        assert len(rows) == exp.get("rows", 25) and list(rows) == template
        for row, vals in rows.items():
            assert vals == want.get(row, [0] * 7), row


@pytest.mark.parametrize("name", CASES)
def test_tables_fixture_fails_exactly_the_broken_checks(name, results):
    s = results[name]
    exp = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    failing = []
    for c in s["checks"]:
        if c["status"] == "pass":
            continue
        assert (c["status"], c["attribution"]) == ("fail", "source"), c
        what = c["cells"][0].split(".")[1].split("[")[0] if c["cells"] else ""
        failing.append([c["rule"], what])
    assert sorted(failing) == sorted(exp.get("failing_checks", []))


def test_tables_fixture_printed_review_totals_are_kept_and_blamed_on_the_source(results):
    s = results["f2021_review_totals_wrong"]
    assert s["tables"]["review_litigation"]["review"] == [6, 2, 0, 0, 0]  # as printed
    bad = [c for c in s["checks"] if c["rule"] == "review_litigation.block_total" and c["status"] == "fail"]
    assert [(c["expected"], c["found"]) for c in bad] == [(0, 8), (0, 3)]
    text = (FIXTURES / "f2021_review_totals_wrong.txt").read_text(encoding="utf-8")
    printed = [text[e["start"]:e["end"]] for e in bad[0]["evidence"]]
    assert printed == ["6", "2", "0", "0", "0"]


def test_tables_fixture_blank_total_column_stays_blank(results):
    s = results["f2019_blank_total_column"]
    ev = s["tables"]["evidence"]
    assert ev["applications.new_received[6]"]["status"] == "inferred"
    assert ev["applications.new_received[6]"]["value"] == 0
    assert s["tables"]["readings"]["applications"]["outcome"] == "inconsistent"


def test_tables_fixture_glued_statistics_decided_by_prose_and_breakdowns(results):
    s = results["legacy_glued_enumerated"]
    assert s["tables"]["readings"]["statistics"]["outcome"] == "solved"
    assert all(e["status"] in ("read", "solved") for e in s["tables"]["evidence"].values())


def test_tables_fixture_column_wise_emission_is_read_by_columns(results):
    assert results["f2021_pdf_columns"]["tables"]["readings"]["applications"]["layout"] == "columns"
