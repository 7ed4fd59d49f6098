"""Every bundled example with tables gets exactly the tables examples/expected.json records
(legacy reports: the 统计表 as statistics), and every cell's evidence points at its printed text."""
import json
import unicodedata
from pathlib import Path

import pytest

from extraction.pipeline import process_bytes
from extraction.summary import validate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
WITH_TABLES = sorted(n for n, e in EXPECTED.items() if e.get("expected") == "processed" and e.get("tables"))


def _nfkc(x):
    return json.loads(unicodedata.normalize("NFKC", json.dumps(x, ensure_ascii=False)))


@pytest.fixture(scope="module")
def summaries(classifier):
    return {n: process_bytes((EXAMPLES / n).read_bytes(), n, classifier=classifier) for n in WITH_TABLES}


@pytest.mark.parametrize("name", WITH_TABLES)
def test_tables_example_matches_expected(name, summaries):
    s = summaries[name]
    validate(s)
    exp = EXPECTED[name]["tables"]
    got = s["tables"]
    for key, want in exp.items():
        if key == "statistics":
            rows = [{k: e[k] for k in ("indicator", "unit", "this_year", "cumulative")} for e in got["statistics"]]
            assert rows == _nfkc(want)
        else:
            assert got[key] == want, key
    if EXPECTED[name]["generation"] == "legacy":
        assert not {"applications", "review_litigation", "active_disclosure"} & set(got)
    # the examples are consistent: no identity fails, nothing is left open
    assert [c for c in s["checks"] if c["status"] != "pass"] == []
    assert all(e["status"] in ("read", "solved") for e in got["evidence"].values())


@pytest.mark.parametrize("name", WITH_TABLES)
def test_tables_example_evidence_points_at_the_printed_cell(name, summaries):
    s = summaries[name]
    text = (EXAMPLES / name).read_bytes()
    from extraction.load import load

    doc_text = load(text, name).text
    for cell, ev in s["tables"]["evidence"].items():
        if ev.get("approximate"):
            continue
        printed = doc_text[ev["start"]:ev["end"]]
        assert printed == ev["source_text"], cell
        if ev["source_text"] and "+" not in ev["source_text"]:
            assert float(printed.replace(",", "")) == pytest.approx(ev["value"]), cell
