"""Property tests: random consistent tables of all three generations, rendered in every layout,
read back exactly; one changed printed number fails exactly the checks that involve it, blamed
on the source. Tables come from tests/test_tables_gen.py (on top of bench/synth.py)."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_tables_gen import ALL_LAYOUTS, KEYS, mutate, random_report, render, truth

from extraction.checks import run_checks
from extraction.tables import extract_tables

GENERATIONS = ("legacy", "2019", "2021")
EXACT_LAYOUTS = tuple(x for x in ALL_LAYOUTS if x != "glued")
PER_LAYOUT = 250  # reports per generation and layout in the loop test (1,750 tables a layout, ~30k in all)

PROPERTY = settings(max_examples=300, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _read(report, layout, seed):
    text, sections, grids, generation = render(report, layout, seed)
    tables, _ = extract_tables(text, sections, generation, grids)
    return text, generation, tables


def _comparable(tables: dict, key: str, layout: str):
    got = tables.get(key)
    if key == "statistics" and got is not None:
        got = [{k: e[k] for k in ("indicator", "unit", "this_year", "cumulative")} for e in got]
        if layout == "shuffled":  # rows printed in another order come back in printed order
            got = sorted(got, key=lambda e: e["indicator"])
    return got


def _expected(report, key: str, layout: str):
    exp = truth(report)[key]
    if key == "statistics" and layout == "shuffled":
        exp = sorted(exp, key=lambda e: e["indicator"])
    return exp


def _differences_flagged(tables: dict, key: str, expected, got) -> bool:
    """Glued digits may leave several readings: then every cell read differently from the
    truth must be marked uncertain (with the true value among the alternatives)."""
    ev = tables.get("evidence", {})
    cells = []
    if key == "applications":
        for row, vals in expected["rows"].items():
            for c, v in enumerate(vals):
                if (got or {}).get("rows", {}).get(row, [None] * 7)[c] != v:
                    cells.append((f"applications.{row}[{c}]", v))
    elif key == "review_litigation":
        for b, vals in expected.items():
            for i, v in enumerate(vals):
                if (got or {}).get(b, [None] * 5)[i] != v:
                    cells.append((f"review_litigation.{b}[{i}]", v))
    elif key == "active_disclosure":
        for row, vals in expected.items():
            for col, v in vals.items():
                if (got or {}).get(row, {}).get(col) != v:
                    cells.append((f"active_disclosure.{row}.{col}", v))
    else:
        for i, (a, b) in enumerate(zip(expected, got or [], strict=False)):
            for col in ("this_year", "cumulative"):
                if a[col] != b[col]:
                    cells.append((f"statistics[{i}].{col}", a[col]))
        if len(expected) != len(got or []):
            return False
    return bool(cells) and all(c in ev and ev[c]["status"] == "uncertain" and v in ev[c].get("alternatives", [v])
                               for c, v in cells)


@pytest.mark.parametrize("layout", ALL_LAYOUTS)
def test_tables_every_layout_reads_back_the_generated_numbers(layout):
    wrong = []
    for generation in GENERATIONS:
        for i in range(PER_LAYOUT):
            report = random_report(10_000 + i, generation)
            _, _, tables = _read(report, layout, i)
            for key in KEYS[generation]:
                got, exp = _comparable(tables, key, layout), _expected(report, key, layout)
                if got != exp and not (layout == "glued" and _differences_flagged(tables, key, exp, got)):
                    wrong.append((generation, i, key))
    assert wrong == []


@PROPERTY
@given(seed=st.integers(0, 10**6), layout=st.sampled_from(ALL_LAYOUTS), generation=st.sampled_from(GENERATIONS))
def test_tables_property_parse_returns_the_printed_numbers(seed, layout, generation):
    report = random_report(seed, generation)
    _, _, tables = _read(report, layout, seed)
    for key in KEYS[generation]:
        got, exp = _comparable(tables, key, layout), _expected(report, key, layout)
        assert got == exp or (layout == "glued" and _differences_flagged(tables, key, exp, got)), key
    # a clean table breaks no identity
    assert all(m.get("identities_failing", 0) == 0 for m in tables["readings"].values())


def _cell_for_layout(cell: str, report, layout: str, tables: dict) -> str:
    """A statistics cell id follows the printed order, which `shuffled` changes."""
    if not cell.startswith("statistics[") or layout != "shuffled":
        return cell
    i = int(cell[len("statistics["):cell.index("]")])
    name = truth(report)["statistics"][i]["indicator"]
    j = next(k for k, e in enumerate(tables["statistics"]) if e["indicator"] == name)
    return f"statistics[{j}]" + cell[cell.index("]") + 1:]


@PROPERTY
@given(seed=st.integers(0, 10**6), layout=st.sampled_from(EXACT_LAYOUTS), generation=st.sampled_from(GENERATIONS))
def test_tables_property_one_changed_number_fails_exactly_its_checks(seed, layout, generation):
    report, cell = mutate(random_report(seed, generation), random.Random(seed))
    text, gen, tables = _read(report, layout, seed)
    for key in KEYS[generation]:
        assert _comparable(tables, key, layout) == _expected(report, key, layout), key  # numbers as printed
    cell = _cell_for_layout(cell, report, layout, tables)
    checks = run_checks(tables, [], text=text, generation=gen)
    failing = sorted((c["rule"], tuple(c["cells"])) for c in checks if c["status"] != "pass")
    involving = sorted((c["rule"], tuple(c["cells"])) for c in checks if cell in c["cells"])
    assert failing == involving
    for c in checks:
        if c["status"] != "pass":
            assert (c["status"], c["attribution"]) == ("fail", "source")
            assert c["evidence"], "a failing check points at the printed cells"


@PROPERTY
@given(seed=st.integers(0, 10**6), generation=st.sampled_from(("2019", "2021")))
def test_tables_property_glued_change_is_never_blamed_on_a_clean_cell(seed, generation):
    """Glued digits with one changed number: the identities may pick another split, but what is
    kept either reads as printed or is marked uncertain, and nothing passes that should not."""
    report, cell = mutate(random_report(seed, generation), random.Random(seed))
    text, gen, tables = _read(report, "glued", seed)
    checks = run_checks(tables, [], text=text, generation=gen)
    for key in ("applications", "review_litigation"):
        got, exp = _comparable(tables, key, "glued"), _expected(report, key, "glued")
        if got != exp:
            assert _differences_flagged(tables, key, exp, got) or \
                any(c["status"] != "pass" for c in checks if c["rule"].startswith(key))
    for c in checks:
        if c["status"] == "fail":
            assert c["attribution"] == "source"
        if c["status"] == "uncertain" and not c["detail"].startswith("not run"):
            assert c["attribution"] == "parse"
