"""Checks: identities, prose against tables, year over year; a bad source vs a bad parse.
All texts are written for the tests."""
from extraction.checks import check_previous, run_checks
from extraction.figures import extract_figures
from extraction.outline import outline
from extraction.table_template import APP_ROWS_2021
from extraction.tables import extract_tables

FIELDS = {"rule", "status", "expected", "found", "cells", "evidence", "attribution", "detail"}


def _rows(**nonzero):
    rows = {k: [0] * 7 for k in APP_ROWS_2021}
    rows.update(nonzero)
    return rows


def _tables(rows, review=None):
    t = {"applications": {"columns": ["natural_person", "commercial", "research", "social_org", "legal_service",
                                      "other", "total"], "rows": rows}}
    t["review_litigation"] = review or {"review": [0] * 5, "litigation_direct": [0] * 5,
                                        "litigation_after_review": [0] * 5}
    return t


def _prose_checks(prose: str, tables: dict) -> list[dict]:
    figures = [f.as_dict() for f in extract_figures(prose, [(0, len(prose))])]
    return [c for c in run_checks(tables, figures, text=prose, generation="2021") if c["rule"].startswith("prose.")]


def test_checks_every_check_has_the_fields():
    rows = _rows(new_received=[3, 0, 0, 0, 0, 0, 3], granted=[3, 0, 0, 0, 0, 0, 3], total=[3, 0, 0, 0, 0, 0, 3])
    checks = run_checks(_tables(rows), [], generation="2021")
    assert checks and all(FIELDS <= set(c) for c in checks)
    assert {c["status"] for c in checks} == {"pass"}
    assert all(c["attribution"] is None for c in checks)


def test_checks_identity_failures_on_printed_cells_blame_the_source():
    rows = _rows(new_received=[3, 0, 0, 0, 0, 0, 3], granted=[2, 0, 0, 0, 0, 0, 3], total=[3, 0, 0, 0, 0, 0, 3])
    checks = run_checks(_tables(rows), [], generation="2021")
    bad = [(c["rule"], c["status"], c["attribution"]) for c in checks if c["status"] != "pass"]
    assert sorted(bad) == [("applications.results_total", "fail", "source"),
                           ("applications.row_total", "fail", "source")]


def test_checks_failure_on_an_uncertain_cell_is_ours():
    rows = _rows(new_received=[3, 0, 0, 0, 0, 0, 3], granted=[2, 0, 0, 0, 0, 0, 3], total=[3, 0, 0, 0, 0, 0, 3])
    t = _tables(rows)
    t["evidence"] = {"applications.granted[0]": {"value": 2, "source_text": "2", "start": 10, "end": 11,
                                                 "status": "uncertain", "alternatives": [2, 3]}}
    failing = [c for c in run_checks(t, [], generation="2021") if c["status"] != "pass"]
    assert {(c["status"], c["attribution"]) for c in failing} == {("uncertain", "parse")}
    assert all(c["evidence"] == [{"start": 10, "end": 11}] for c in failing)


def test_checks_inconsistent_solver_outcome_is_the_source():
    rows = _rows(new_received=[3, 0, 0, 0, 0, 0, 3], granted=[2, 0, 0, 0, 0, 0, 3], total=[3, 0, 0, 0, 0, 0, 3])
    t = _tables(rows)
    t["evidence"] = {"applications.granted[0]": {"value": 2, "source_text": "2", "start": 0, "end": 1,
                                                 "status": "uncertain", "alternatives": [2, 20]}}
    t["readings"] = {"applications": {"layout": "glued", "outcome": "inconsistent", "identities_failing": 2}}
    failing = [c for c in run_checks(t, [], generation="2021") if c["status"] != "pass"]
    assert failing and all((c["status"], c["attribution"]) == ("fail", "source") for c in failing)


def test_checks_not_run_says_why():
    checks = run_checks({}, [], generation="2021")
    assert {(c["rule"], c["status"]) for c in checks} == {("applications.balance", "uncertain"),
                                                          ("review_litigation.block_total", "uncertain")}
    assert all(c["detail"].startswith("not run: ") for c in checks)
    rows = _rows(new_received=[1, 0, 0, 0, 0, 0, 1], total=[1, 0, 0, 0, 0, 0, 1])
    del rows["carried_forward"], rows["granted"]
    checks = run_checks(_tables(rows), [], generation="2021")
    not_run = {c["rule"]: c["detail"] for c in checks if c["detail"].startswith("not run")}
    assert "carried_forward" in not_run["applications.balance"]
    assert "granted" in not_run["applications.results_total"]


def test_checks_prose_against_tables():
    rows = _rows(new_received=[70, 0, 0, 0, 0, 0, 70], carried_over=[2, 0, 0, 0, 0, 0, 2],
                 granted=[71, 0, 0, 0, 0, 0, 71], total=[71, 0, 0, 0, 0, 0, 71],
                 carried_forward=[1, 0, 0, 0, 0, 0, 1])
    prose = "本年度共收到70件申请，上年结转2件，及时办结71件，1件结转下年度继续办理。行政复议、行政诉讼0件。"
    checks = _prose_checks(prose, _tables(rows))
    assert {c["rule"] for c in checks} == {"prose.applications_received", "prose.carried_over",
                                          "prose.applications_answered", "prose.carried_forward",
                                          "prose.review_total", "prose.litigation_total"}
    assert all(c["status"] == "pass" for c in checks)
    received = next(c for c in checks if c["rule"] == "prose.applications_received")
    assert prose[received["evidence"][0]["start"]:received["evidence"][0]["end"]] == "70件"


def test_checks_prose_mismatch_and_carried_over_inclusive_wording():
    rows = _rows(new_received=[5, 0, 0, 0, 0, 0, 5], carried_over=[1, 0, 0, 0, 0, 0, 1],
                 granted=[6, 0, 0, 0, 0, 0, 6], total=[6, 0, 0, 0, 0, 0, 6])
    ok = _prose_checks("全年受理政府信息公开申请6件（含上年结转1件）。", _tables(rows))
    assert [(c["rule"], c["status"]) for c in ok if c["rule"] == "prose.applications_received"] == \
        [("prose.applications_received", "pass")]
    # the same count without the wording: 一 + 二 is read as the count too
    unsaid = _prose_checks("全年共受理政府信息公开申请6件，均已办结。", _tables(rows))
    assert [(c["rule"], c["status"]) for c in unsaid if c["rule"] == "prose.applications_received"] == \
        [("prose.applications_received", "pass")]
    bad = _prose_checks("全年受理政府信息公开申请8件。", _tables(rows))
    (c,) = [c for c in bad if c["rule"] == "prose.applications_received"]
    assert (c["status"], c["attribution"], c["expected"], c["found"]) == ("fail", "source", 5, 8)


def test_checks_prose_review_count_against_table_four():
    review = {"review": [1, 0, 1, 0, 2], "litigation_direct": [0] * 5, "litigation_after_review": [0] * 5}
    checks = _prose_checks("因政府信息公开工作被申请行政复议3件。", _tables(_rows(), review))
    (c,) = checks
    assert (c["rule"], c["status"], c["expected"], c["found"]) == ("prose.review_total", "fail", 2, 3)


def test_checks_year_over_year():
    this = _tables(_rows(carried_over=[2, 0, 0, 0, 0, 0, 2], new_received=[1, 0, 0, 0, 0, 0, 1],
                         total=[3, 0, 0, 0, 0, 0, 3], granted=[3, 0, 0, 0, 0, 0, 3]))
    this["active_disclosure"] = {"normative_documents": {"issued": 2, "repealed": 1, "in_force": 9}}
    last = {"report": {"year": 2022},
            "tables": {"applications": {"rows": {"carried_forward": [2, 0, 0, 0, 0, 0, 2]}},
                       "active_disclosure": {"normative_documents": {"issued": 1, "repealed": 0, "in_force": 7}}}}
    checks = run_checks(this, [], generation="2021", year=2023, previous=last)
    yoy = {c["rule"]: c for c in checks if c["rule"].startswith("year_over_year")}
    assert yoy["year_over_year.carried_over"]["status"] == "pass"
    in_force = yoy["year_over_year.in_force"]
    assert (in_force["status"], in_force["expected"], in_force["found"]) == ("uncertain", 8, 9)  # a warning
    last["tables"]["applications"]["rows"]["carried_forward"] = [3, 0, 0, 0, 0, 0, 3]
    (c, _) = check_previous(this, last, 2023)
    assert (c["status"], c["attribution"]) == ("fail", "source")
    (c,) = check_previous(this, {"report": {"year": 2020}, "tables": {}}, 2023)
    assert c["status"] == "uncertain" and c["detail"].startswith("not run")
    assert not [c for c in run_checks(this, [], generation="2021") if c["rule"].startswith("year_over_year")]


def test_checks_in_the_summary_with_offsets(report_2019_text, classifier):
    from extraction.pipeline import process_bytes

    broken = report_2019_text.replace("0 0 0 0 0 1 0 0 0 1 0 0 0 0 0", "0 0 0 0 0 1 0 0 0 2 0 0 0 0 0")
    s = process_bytes(broken.encode(), "broken.txt", classifier=classifier)
    (c,) = [c for c in s["checks"] if c["status"] == "fail"]
    assert c["rule"] == "review_litigation.block_total" and c["attribution"] == "source"
    text = broken
    assert [text[e["start"]:e["end"]] for e in c["evidence"]] == ["1", "0", "0", "0", "2"]
    assert s["tables"]["review_litigation"]["litigation_direct"] == [1, 0, 0, 0, 2]  # as printed


def test_checks_statistics_sub_rows_add_up():
    text = ("某某县2015年政府信息公开工作年度报告\n一、概述\n本年度工作有序开展。\n六、政府信息公开情况统计表\n"
            "指标名称 计量单位 本年度 历年累计\n受理政府信息公开申请总数 件 6 20\n其中：当面申请数 件 2 9\n"
            "网络申请数 件 3 8\n信函申请数 件 0 3\n")
    o = outline(text)
    tables, _ = extract_tables(text, o.sections, "legacy", [])
    checks = run_checks(tables, [], text=text, generation="legacy")
    (bad,) = [c for c in checks if c["status"] != "pass"]
    assert (bad["rule"], bad["expected"], bad["found"], bad["attribution"]) == ("statistics.group_total", 6, 5, "source")


def test_checks_prose_review_and_litigation_counted_apart():
    review = {"review": [0] * 5, "litigation_direct": [1, 0, 1, 0, 2], "litigation_after_review": [0] * 5}
    checks = _prose_checks("本年度因政府信息公开申请引起行政复议0件、行政诉讼2件。", _tables(_rows(), review))
    assert {(c["rule"], c["status"]) for c in checks} == {("prose.review_total", "pass"),
                                                         ("prose.litigation_total", "pass")}


def test_checks_prose_active_total_is_not_a_topic_count():
    # "主动公开采购信息12条" counts one topic; the total comes later ("主动公开政府信息900条")
    text = ("某某县2016年政府信息公开工作年度报告\n一、概述\n本年度累计主动公开采购信息12条、招投标信息30条。\n"
            "二、主动公开政府信息情况\n全县主动公开政府信息900条。\n六、政府信息公开情况统计表\n"
            "指标名称 计量单位 本年度 历年累计\n主动公开文件数 条 900 4000\n")
    o = outline(text)
    figures = [f.as_dict() for f in extract_figures(text, [(0, o.sections[-1].start)])]
    tables, _ = extract_tables(text, o.sections, "legacy", [], figures=figures)
    checks = [c for c in run_checks(tables, figures, text=text, generation="legacy") if c["rule"] == "prose.active_total"]
    assert [(c["status"], c["found"]) for c in checks] == [("pass", 900)]


def test_checks_prose_service_hall_requests_are_no_disclosure_requests():
    # a service hall's "受理申请N件" counts licence requests; the disclosure requests come later
    rows = _rows(new_received=[6, 0, 0, 0, 0, 0, 6], granted=[6, 0, 0, 0, 0, 0, 6], total=[6, 0, 0, 0, 0, 0, 6])
    checks = _prose_checks("建立窗口服务大厅，开设窗口20个，共受理申请5000件。本年度收到政府信息公开申请6件。",
                           _tables(rows))
    assert [(c["rule"], c["status"], c["found"]) for c in checks] == [("prose.applications_received", "pass", 6)]
