"""Checks of the numbers: the template's identities and prose against tables.

Each check is {rule, status pass|fail|uncertain, expected, found, cells, detail, attribution}.
A failing identity on numbers read without ambiguity is the source's fault (`source`);
one that involves a cell the parser had to guess is ours (`parse`).
"""
from __future__ import annotations

import re

from .tables import APPLICATION_COLUMNS, REVIEW_BLOCKS

_RESULT_EXCLUDE = ("new_received", "carried_over", "total", "carried_forward")


def _check(rule, ok, expected, found, cells, detail, uncertain_cells=()):
    if ok:
        status, attribution = "pass", None
    elif any(c in uncertain_cells for c in cells):
        status, attribution = "uncertain", "parse"
    else:
        status, attribution = "fail", "source"
    return {"rule": rule, "status": status, "expected": expected, "found": found, "cells": cells,
            "detail": detail, "attribution": attribution}


def _not_run(rule, why):
    return {"rule": rule, "status": "uncertain", "expected": None, "found": None, "cells": [],
            "detail": f"not run: {why}", "attribution": None}


def check_applications(apps: dict | None, uncertain_cells=()) -> list[dict]:
    if not apps or not apps.get("rows"):
        return [_not_run("applications.balance", "表三 was not found")]
    rows = apps["rows"]
    out = []
    need = ("new_received", "carried_over", "total", "carried_forward")
    if all(k in rows for k in need):
        for c, col in enumerate(APPLICATION_COLUMNS):
            lhs = rows["new_received"][c] + rows["carried_over"][c]
            rhs = rows["total"][c] + rows["carried_forward"][c]
            cells = [f"applications.{k}[{c}]" for k in need]
            out.append(_check("applications.balance", lhs == rhs, lhs, rhs, cells,
                              f"{col}: 一+二 = {lhs}, （七）总计+四 = {rhs}", uncertain_cells))
    else:
        out.append(_not_run("applications.balance", "rows " + ", ".join(k for k in need if k not in rows) + " missing"))
    result_keys = [k for k in rows if k not in _RESULT_EXCLUDE]
    if "total" in rows and result_keys:
        for c, col in enumerate(APPLICATION_COLUMNS):
            s = sum(rows[k][c] for k in result_keys)
            cells = [f"applications.{k}[{c}]" for k in result_keys + ["total"]]
            out.append(_check("applications.results_total", s == rows["total"][c], rows["total"][c], s, cells,
                              f"{col}: （七）总计 printed {rows['total'][c]}, results add up to {s}", uncertain_cells))
    for k, v in rows.items():
        s = sum(v[:6])
        cells = [f"applications.{k}[{c}]" for c in range(7)]
        out.append(_check("applications.row_total", s == v[6], v[6], s, cells,
                          f"{k}: 总计 printed {v[6]}, applicant columns add up to {s}", uncertain_cells))
    return out


def check_review(rl: dict | None, uncertain_cells=()) -> list[dict]:
    if not rl:
        return [_not_run("review_litigation.block_total", "表四 was not found")]
    out = []
    for b in REVIEW_BLOCKS:
        v = rl.get(b)
        if not v or len(v) != 5:
            out.append(_not_run("review_litigation.block_total", f"block {b} missing"))
            continue
        s = sum(v[:4])
        out.append(_check("review_litigation.block_total", s == v[4], v[4], s,
                          [f"review_litigation.{b}[{i}]" for i in range(5)],
                          f"{b}: 总计 printed {v[4]}, parts add up to {s}", uncertain_cells))
    return out


_PROSE_RULES = [
    # (rule, pattern on figure name/sentence, unit, table getter)
    ("prose.applications_received", re.compile(r"(?:受理|收到|新收)[^,，。;；]{0,12}申请"), "件",
     lambda t: _app(t, "new_received")),
    ("prose.applications_answered", re.compile(r"(?:答复|办结|办理完毕)"), "件", lambda t: _app(t, "total")),
    ("prose.carried_over", re.compile(r"上年结转"), "件", lambda t: _app(t, "carried_over")),
    ("prose.carried_forward", re.compile(r"结转下年度|顺延|转入下年度|结转至下一年"), "件", lambda t: _app(t, "carried_forward")),
    ("prose.review_total", re.compile(r"行政复议(?!、)"), "件", lambda t: _rl(t, "review")),
]


def _app(tables, key):
    rows = (tables.get("applications") or {}).get("rows") or {}
    return rows[key][6] if key in rows else None


def _rl(tables, key):
    v = (tables.get("review_litigation") or {}).get(key)
    return v[4] if v else None


def check_prose(figures: list[dict], tables: dict) -> list[dict]:
    out = []
    for rule, pattern, unit, getter in _PROSE_RULES:
        expected = getter(tables)
        if expected is None:
            continue
        for f in figures:
            if f.get("unit") != unit or f.get("approximate"):
                continue
            name = f.get("name") or ""
            if not pattern.search(name):
                continue
            found = f["value"]
            ok = abs(found - expected) < 1e-9
            check = _check(rule, ok, expected, found, [], f"prose says {name} {found:g}{unit}; the table says {expected:g}")
            check["evidence"] = [{"start": f["start"], "end": f["end"], "text": f["text"]}]
            out.append(check)
            break
    return out


def run_checks(tables: dict, figures: list[dict], uncertain_cells=()) -> list[dict]:
    if "applications" not in tables and "review_litigation" not in tables:
        return []
    return (check_applications(tables.get("applications"), uncertain_cells)
            + check_review(tables.get("review_litigation"), uncertain_cells)
            + check_prose(figures, tables))
