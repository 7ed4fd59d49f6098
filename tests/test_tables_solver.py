"""The identity solver (extraction/solver.py): readings the template allows, kept when the
identities hold; several left -> the most plausible, cells marked uncertain; none left -> as printed."""
import statistics
import time

from extraction.solver import choose_applications, choose_single, pair_readings, row_readings
from extraction.table_layouts import read_applications_text
from extraction.table_template import APP_ROWS_2021, Tok

APP = ((0, 6),)
REVIEW = ((0, 4), (5, 9), (10, 14))


def toks(text: str) -> list[Tok]:
    out, pos = [], 0
    for w in text.split(" "):
        out.append(Tok(w, pos, pos + len(w)))
        pos += len(w) + 1
    return out


def test_solver_glued_row_has_one_reading():
    (r,) = row_readings(toks("21710000218"), 7, APP)
    assert r.values == [217, 1, 0, 0, 0, 0, 218] and r.ok
    # offsets of each cell inside the glued token
    assert [(c.start, c.end) for c in r.cells] == [(0, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 11)]


def test_solver_mixed_separators_and_glue():
    (r,) = row_readings(toks("500000 5"), 7, APP)  # six cells glued, the total apart
    assert r.values == [5, 0, 0, 0, 0, 0, 5]


def test_solver_several_readings_best_first():
    readings = row_readings(toks("270020130"), 7, APP)
    values = [r.values for r in readings]
    assert [27, 0, 0, 2, 0, 1, 30] in values and [2, 7, 0, 0, 20, 1, 30] in values
    assert values[0] == [27, 0, 0, 2, 0, 1, 30]  # more zeros first


def test_solver_missing_number_is_an_inferred_blank():
    readings = row_readings(toks("3 0 0 0 0 3"), 7, APP)
    assert readings[0].values == [3, 0, 0, 0, 0, 0, 3]
    assert any(c.status == "inferred" for c in readings[0].cells)


def test_solver_extra_number_is_dropped_by_the_row_total():
    (r,) = row_readings(toks("3 0 0 0 0 0 3 7"), 7, APP)
    assert r.values == [3, 0, 0, 0, 0, 0, 3] and "7" in r.note


def test_solver_inconsistent_row_is_read_as_printed():
    (r,) = row_readings(toks("3 0 0 0 0 0 4"), 7, APP)
    assert r.values == [3, 0, 0, 0, 0, 0, 4] and not r.ok


def test_solver_review_blocks():
    (r,) = row_readings(toks("10203120001200000"), 15, REVIEW)
    assert r.values == [1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]


def test_solver_columns_decide_between_row_readings():
    rows = {k: [0] * 7 for k in APP_ROWS_2021}
    rows["new_received"] = [2, 7, 0, 0, 20, 1, 30]
    rows["granted"] = [2, 7, 0, 0, 20, 1, 30]
    rows["total"] = [2, 7, 0, 0, 20, 1, 30]
    opts = {k: row_readings(toks(" ".join(map(str, v))), 7, APP) for k, v in rows.items()}
    opts["new_received"] = row_readings(toks("270020130"), 7, APP)  # glued: two readings
    assert len(opts["new_received"]) == 2 and opts["new_received"][0].values == [27, 0, 0, 2, 0, 1, 30]
    choice = choose_applications(opts)
    # A (一 + 二 = （七） + 四) per column leaves the less plausible-looking reading, and only it
    assert choice.rows["new_received"].values == [2, 7, 0, 0, 20, 1, 30]
    assert choice.outcome == "solved" and not choice.alternatives
    assert ("new_received", 0) in choice.decided


def test_solver_several_solutions_keep_alternatives():
    rows = {k: [0] * 7 for k in APP_ROWS_2021}
    for k in ("new_received", "granted", "total"):
        rows[k] = [27, 0, 0, 2, 0, 1, 30]
    opts = {k: row_readings(toks("".join(map(str, v))), 7, APP) for k, v in rows.items()}
    choice = choose_applications(opts)
    assert choice.outcome == "ambiguous" and choice.solutions == 2
    assert choice.rows["new_received"].values == [27, 0, 0, 2, 0, 1, 30]
    assert choice.alternatives[("new_received", 0)] == [2, 27]


def test_solver_no_solution_is_inconsistent():
    rows = {k: [0] * 7 for k in APP_ROWS_2021}
    rows["new_received"] = [27, 0, 0, 2, 0, 1, 30]
    opts = {k: row_readings(toks(" ".join(map(str, v))), 7, APP) for k, v in rows.items()}
    opts["new_received"] = row_readings(toks("270020130"), 7, APP)
    choice = choose_applications(opts)
    assert choice.outcome == "inconsistent"


def test_solver_prose_fact_decides_what_identities_leave_open():
    readings = row_readings(toks("10203120001200000"), 15, REVIEW)
    a = row_readings(toks("1 0 2 0 3 1 2 0 0 0 12 0 0 0 0 0"), 15, REVIEW)  # an extra number
    assert a  # the extra number is dropped where the blocks still add up
    ch = choose_single(readings, [([4], 3)])
    assert ch.rows["row"].values[4] == 3


def test_solver_pairs_of_legacy_statistics():
    values = [r.values for r in pair_readings(Tok("206912106", 0, 9))]
    assert values[0] == [2069, 12106] and [206, 912106] in values
    assert [r.values for r in pair_readings(Tok("0.020.02", 0, 8))][0] == [0.02, 0.02]


def test_solver_glued_table_solves_in_milliseconds():
    from bench.synth import make_report, render_text
    from extraction.load import normalise_text
    from extraction.outline import outline

    times = []
    for seed in range(40):
        text = normalise_text(render_text(make_report(60_000 + seed, "2021"), table_layout="glued"))
        o = outline(text)
        s = next(x for x in o.sections if x.kind == "applications")
        t0 = time.perf_counter()
        res = read_applications_text(text, s.body_start, s.end, [])
        times.append((time.perf_counter() - t0) * 1000)
        assert res is not None and res.failures == 0
    assert statistics.median(times) < 20
