"""Checks of the numbers: the template's identities, prose against tables, and year over year.

Each check is {rule, status, expected, found, cells, evidence, attribution, detail}:

* status: pass | fail | uncertain. A check that could not run is `uncertain` with a detail
  starting "not run: …".
* attribution (for fail / uncertain): `source` when the report contradicts itself — the
  cells involved were printed unambiguously, or the identity solver proved that no reading
  of the printed digits satisfies the template (extraction/solver.py) — and `parse` when a
  cell involved is one we could not pin down (status `uncertain` in tables["evidence"]),
  so the failure may be ours. Passing checks carry attribution null.
* evidence: the {start, end} document offsets of the printed cells of a check that fails or is
  uncertain (and of the prose figure of a prose check). A passing identity check lists its
  cells only; their offsets are in tables["evidence"] (this keeps the summary small).
* cells: cell ids as in tables["evidence"].

Rules: applications.balance (A, per column), applications.results_total (B, per column),
applications.row_total (C, per row), review_litigation.block_total (per block),
statistics.group_total (legacy sub-rows add up), prose.* (a figure stated in the prose
equals its table cell), year_over_year.carried_over (last year's 四 = this year's 二) and
year_over_year.in_force (现行有效件数 carried forward; a warning-level `uncertain`, since
修订 and 自然失效 break it legitimately).
"""
from __future__ import annotations

import re

from .table_template import (
    APPLICATION_COLUMNS,
    BALANCE_KEYS,
    RESULT_KEYS,
    RESULT_ROWS_2019,
    RESULT_ROWS_2021,
    REVIEW_BLOCKS,
    STAT_GROUPS,
    fact_cells,
    prose_facts,
)

_COL_NAMES = dict(zip(APPLICATION_COLUMNS, ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
                      strict=True))


class _Ctx:
    def __init__(self, tables: dict, uncertain_cells=()):
        self.evidence = tables.get("evidence") or {}
        self.readings = tables.get("readings") or {}
        self.extra_uncertain = set(uncertain_cells)
        self._spans: dict[str, dict] = {}

    def status(self, cell: str) -> str:
        if cell in self.extra_uncertain:
            return "uncertain"
        ev = self.evidence.get(cell)
        return ev["status"] if ev else "read"

    def spans(self, cells) -> list[dict]:
        sp = self._spans
        if not sp and self.evidence:
            sp = self._spans = {c: {"start": ev["start"], "end": ev["end"]} for c, ev in self.evidence.items()
                                if ev["end"] >= ev["start"] and not ev.get("approximate")}
        return [sp[c] for c in cells if c in sp]

    def inconsistent(self, table: str) -> bool:
        return (self.readings.get(table) or {}).get("outcome") == "inconsistent"


def _check(ctx: _Ctx, rule: str, ok: bool, expected, found, cells: list[str], detail: str,
           table: str | None = None, extra_evidence: list[dict] | None = None, soft: bool = False,
           identity: bool = True) -> dict:
    if ok:
        # a passing check's cells are located in tables["evidence"]; only the prose figure is kept
        return {"rule": rule, "status": "pass", "expected": expected, "found": found, "cells": cells,
                "evidence": extra_evidence or [], "attribution": None, "detail": detail}
    evidence = (extra_evidence or []) + ctx.spans(cells)
    if ok:
        status, attribution = "pass", None
    else:
        statuses = {ctx.status(c) for c in cells}
        if "uncertain" in statuses and not (table and ctx.inconsistent(table)):
            status, attribution = "uncertain", "parse"
            detail += "; a cell involved has several possible readings"
        else:
            status, attribution = ("uncertain" if soft else "fail"), "source"
            if identity and ("inferred" in statuses or "solved" in statuses or (table and ctx.inconsistent(table))):
                detail += "; no reading of the printed numbers satisfies the template"
    return {"rule": rule, "status": status, "expected": expected, "found": found, "cells": cells,
            "evidence": evidence, "attribution": attribution, "detail": detail}


def _not_run(rule: str, why: str) -> dict:
    return {"rule": rule, "status": "uncertain", "expected": None, "found": None, "cells": [], "evidence": [],
            "attribution": None, "detail": f"not run: {why}"}


# ------------------------------------------------------------------------------------ 表三 / 表四

_IDS: dict[str, list[str]] = {}
_SMALL_G = [format(i, "g") for i in range(1000)]


def _g(x) -> str:
    """format(x, "g"), looked up for the small counts that fill these tables (formatting an int
    as "g" goes through a float and is the slowest part of a check)."""
    return _SMALL_G[x] if type(x) is int and 0 <= x < 1000 else format(x, "g")


_DETAIL_FORMS = ("{}: 一+二 = {}, （七）总计+四 = {}", "{}: （七）总计 printed {}, results add up to {}",
                 "{}: 总计 printed {}, applicant columns add up to {}", "{}: 总计 printed {}, parts add up to {}")
_REVIEW_IDS = {b: [f"review_litigation.{b}[{i}]" for i in range(5)] for b in REVIEW_BLOCKS}
_DETAILS: dict[tuple, str] = {}


def _detail(form: int, name: str, a, b) -> str:
    """_DETAIL_FORMS[form] with name, a and b ("g"); the same few details recur in every report,
    so those of int counts are made once."""
    if type(a) is not int or type(b) is not int:
        return _DETAIL_FORMS[form].format(name, _g(a), _g(b))
    ck = (form, name, a, b)
    d = _DETAILS.get(ck)
    if d is None:
        if len(_DETAILS) >= 8192:
            _DETAILS.clear()
        d = _DETAILS[ck] = _DETAIL_FORMS[form].format(name, _g(a), _g(b))
    return d


def _ids(key: str) -> list[str]:
    ids = _IDS.get(key)
    if ids is None:
        ids = _IDS[key] = [f"applications.{key}[{c}]" for c in range(7)]
    return ids


_COL_NAME_LIST = [_COL_NAMES[col] for col in APPLICATION_COLUMNS]
_BALANCE_IDS = list(zip(*[_ids(k) for k in BALANCE_KEYS], strict=True))  # per column, the cells of 一, 二, (七), 四
_RESULT_COLUMN_IDS: dict[tuple, list[tuple]] = {}


def _result_column_ids(result_keys: tuple) -> list[tuple]:
    """Per column, the cells of the result rows (in row order), then 总计's (a handful of row sets)."""
    ids = _RESULT_COLUMN_IDS.get(result_keys)
    if ids is None:
        if len(_RESULT_COLUMN_IDS) >= 256:
            _RESULT_COLUMN_IDS.clear()
        cols = list(zip(*[_ids(k) for k in result_keys], strict=False)) if result_keys else [()] * 7
        ids = _RESULT_COLUMN_IDS[result_keys] = [(*cols[c], cid) for c, cid in enumerate(_ids("total"))]
    return ids


def check_applications(apps: dict | None, uncertain_cells=(), tables: dict | None = None,
                       ctx: _Ctx | None = None) -> list[dict]:
    ctx = ctx or _Ctx(tables or {}, uncertain_cells)
    if not apps or not apps.get("rows"):
        return [_not_run("applications.balance", "表三 was not found")]
    rows = apps["rows"]
    out = []
    app = "applications"
    if all(k in rows for k in BALANCE_KEYS):
        a, b, t, f = (rows[k] for k in BALANCE_KEYS)
        for c, name in enumerate(_COL_NAME_LIST):
            lhs = a[c] + b[c]
            rhs = t[c] + f[c]
            cells = list(_BALANCE_IDS[c])
            detail = _detail(0, name, lhs, rhs)
            if lhs == rhs:  # the passing case of _check, inline (most checks pass)
                out.append({"rule": "applications.balance", "status": "pass", "expected": lhs, "found": rhs,
                            "cells": cells, "evidence": [], "attribution": None, "detail": detail})
            else:
                out.append(_check(ctx, "applications.balance", False, lhs, rhs, cells, detail, app))
    else:
        out.append(_not_run("applications.balance", "rows " + ", ".join(k for k in BALANCE_KEYS if k not in rows)
                            + " missing"))
    template = RESULT_ROWS_2021 if any(k in rows for k in ("other_no_correction", "other_no_fee")) else RESULT_ROWS_2019
    result_keys = [k for k in rows if k in RESULT_KEYS]
    absent = [k for k in template if k not in rows]
    if "total" in rows and not absent:
        total = rows["total"]
        # per column: the result rows' cells in row order, then 总计's; sums in the same order
        col_ids = _result_column_ids(tuple(result_keys))
        col_sums = [sum(x) for x in zip(*[rows[k] for k in result_keys], strict=False)] if result_keys else [0] * 7
        for c, name in enumerate(_COL_NAME_LIST):
            s = col_sums[c]
            cells = list(col_ids[c])
            tc = total[c]
            detail = _detail(1, name, tc, s)
            if s == total[c]:
                out.append({"rule": "applications.results_total", "status": "pass", "expected": total[c], "found": s,
                            "cells": cells, "evidence": [], "attribution": None, "detail": detail})
            else:
                out.append(_check(ctx, "applications.results_total", False, total[c], s, cells, detail, app))
    else:
        why = "row total missing" if "total" not in rows else "result rows " + ", ".join(absent) + " missing"
        out.append(_not_run("applications.results_total", why))
    ids_of = _IDS.get
    for k, v in rows.items():
        s = sum(v[:6])
        t = v[6]
        cells = list(ids_of(k) or _ids(k))
        detail = _detail(2, k, t, s)
        if s == t:
            out.append({"rule": "applications.row_total", "status": "pass", "expected": t, "found": s,
                        "cells": cells, "evidence": [], "attribution": None, "detail": detail})
        else:
            out.append(_check(ctx, "applications.row_total", False, t, s, cells, detail, app))
    return out


def check_review(rl: dict | None, uncertain_cells=(), tables: dict | None = None,
                 ctx: _Ctx | None = None) -> list[dict]:
    ctx = ctx or _Ctx(tables or {}, uncertain_cells)
    if not rl:
        return [_not_run("review_litigation.block_total", "表四 was not found")]
    out = []
    for b in REVIEW_BLOCKS:
        v = rl.get(b)
        if not v or len(v) != 5:
            out.append(_not_run("review_litigation.block_total", f"block {b} missing"))
            continue
        s = sum(v[:4])
        out.append(_check(ctx, "review_litigation.block_total", s == v[4], v[4], s, list(_REVIEW_IDS[b]),
                          _detail(3, b, v[4], s), "review_litigation"))
    return out


# ------------------------------------------------------------------------------------ legacy 统计表

def check_statistics(stats: list | None, tables: dict) -> list[dict]:
    ctx = _Ctx(tables)
    if not stats:
        return []
    idx: dict[str, int] = {}
    for i, e in enumerate(stats):
        if e.get("key") and e["key"] not in idx:
            idx[e["key"]] = i
    out = []
    for parent, kids in STAT_GROUPS.items():
        present = [k for k in kids if k in idx]
        if parent not in idx or len(present) < 2:
            continue
        p = idx[parent]
        for col in ("this_year", "cumulative"):
            if stats[p].get(col) is None:
                continue
            s = sum(stats[idx[k]][col] for k in present)
            cells = [f"statistics[{idx[k]}].{col}" for k in present] + [f"statistics[{p}].{col}"]
            ok = abs(s - stats[p][col]) < 1e-9
            out.append(_check(ctx, "statistics.group_total", ok, stats[p][col], s, cells,
                              f"{stats[p]['indicator']} ({col}) printed {stats[p][col]:g}, its sub-rows add up to {s:g}",
                              "statistics"))
    return out


# ------------------------------------------------------------------------------------ prose

_APP_CELL = re.compile(r"applications\.(\w+)\[(\d)\]")
_REVIEW_CELL = re.compile(r"review_litigation\.(\w+)\[(\d)\]")
_STAT_CELL = re.compile(r"statistics\.(\w+)\.(\w+)")


def _cell_value(tables: dict, cell: str, legacy: bool):
    if cell.startswith("applications."):
        m = _APP_CELL.match(cell)
        rows = (tables.get("applications") or {}).get("rows") or {}
        return rows[m.group(1)][int(m.group(2))] if m.group(1) in rows else None
    if cell.startswith("review_litigation."):
        m = _REVIEW_CELL.match(cell)
        v = (tables.get("review_litigation") or {}).get(m.group(1))
        return v[int(m.group(2))] if v else None
    if cell.startswith("statistics."):
        m = _STAT_CELL.match(cell)
        for i, e in enumerate(tables.get("statistics") or []):
            if e.get("key") == m.group(1):
                return e.get(m.group(2)), f"statistics[{i}].{m.group(2)}"
        return None
    return None


def check_prose(figures: list[dict], tables: dict, text: str | None = None, generation: str | None = None) -> list[dict]:
    ctx = _Ctx(tables)
    legacy = generation == "legacy" or ("statistics" in tables and "applications" not in tables)
    if text is None:
        return []
    out = []
    for f in prose_facts(text, figures):
        cells = fact_cells(f.rule, legacy)
        if not cells:
            continue
        values, ids = [], []
        for cell in cells:
            v = _cell_value(tables, cell, legacy)
            if isinstance(v, tuple):
                v, cell = v
            if v is None:
                values = None
                break
            values.append(v)
            ids.append(cell)
        if values is None:
            continue
        expected = sum(values)
        found = f.value
        ok = abs(found - expected) < 1e-9
        detail = f"prose says “{f.phrase.strip()}” ({found:g}); the table says {expected:g}"
        if not ok and f.rule == "prose.applications_received":
            # "受理申请749件" often counts last year's carried-over ones too, said ("含上年结转") or not
            co = _cell_value(tables, "applications.carried_over[6]", legacy)
            if co and abs(found - expected - co) < 1e-9:
                ok = True
                ids.append("applications.carried_over[6]")
                detail += f" + {co:g} carried over"
        out.append(_check(ctx, f.rule, ok, expected, found, ids, detail,
                          extra_evidence=[{"start": f.start, "end": f.end}], identity=False))
    return out


# ------------------------------------------------------------------------------------ year over year

def check_previous(tables: dict, previous: dict, year: int | None = None) -> list[dict]:
    """Checks against last year's summary of the same agency."""
    ctx = _Ctx(tables)
    prev_year = ((previous.get("report") or {}).get("year"))
    if year is not None and prev_year is not None and prev_year != year - 1:
        return [_not_run("year_over_year.carried_over", f"the previous summary is for {prev_year}, not {year - 1}")]
    prev_tables = previous.get("tables") or {}
    out = []
    prev_rows = (prev_tables.get("applications") or {}).get("rows") or {}
    rows = (tables.get("applications") or {}).get("rows") or {}
    if "carried_forward" in prev_rows and "carried_over" in rows:
        last, this = prev_rows["carried_forward"][6], rows["carried_over"][6]
        out.append(_check(ctx, "year_over_year.carried_over", last == this, last, this,
                          ["applications.carried_over[6]"],
                          f"last year's 四、结转下年度继续办理 was {last:g}; this year's 二、上年结转 is {this:g}",
                          identity=False))
    elif rows or prev_rows:
        out.append(_not_run("year_over_year.carried_over",
                            "last year's 四 or this year's 二 is missing"))
    prev_ad = prev_tables.get("active_disclosure") or {}
    ad = tables.get("active_disclosure") or {}
    for key in ("regulations", "normative_documents"):
        p, t = prev_ad.get(key) or {}, ad.get(key) or {}
        if "in_force" in p and all(k in t for k in ("issued", "repealed", "in_force")):
            expected = p["in_force"] + t["issued"] - t["repealed"]
            cells = [f"active_disclosure.{key}.{k}" for k in ("issued", "repealed", "in_force")]
            c = _check(ctx, "year_over_year.in_force", expected == t["in_force"], expected, t["in_force"], cells,
                       f"{key}: last year's 现行有效件数 {p['in_force']:g} + 本年制发 {t['issued']:g} − 本年废止 "
                       f"{t['repealed']:g} = {expected:g}; printed {t['in_force']:g} (修订 and 自然失效 can explain a gap)",
                       soft=True, identity=False)
            out.append(c)
    return out


# ------------------------------------------------------------------------------------ entry point

def run_checks(tables: dict, figures: list[dict], uncertain_cells=(), *, text: str | None = None,
               generation: str | None = None, year: int | None = None, previous: dict | None = None) -> list[dict]:
    out: list[dict] = []
    modern = "applications" in tables or "review_litigation" in tables or "active_disclosure" in tables
    if modern:
        ctx = _Ctx(tables, uncertain_cells)
        out += check_applications(tables.get("applications"), ctx=ctx)
        out += check_review(tables.get("review_litigation"), ctx=ctx)
    elif generation in ("2019", "2021"):
        out.append(_not_run("applications.balance", "表三 was not found"))
        out.append(_not_run("review_litigation.block_total", "表四 was not found"))
    if "statistics" in tables:
        out += check_statistics(tables.get("statistics"), tables)
    out += check_prose(figures, tables, text, generation)
    if previous is not None:
        out += check_previous(tables, previous, year)
    return out


YEAR_OVER_YEAR = "year_over_year."


def apply_previous(summary: dict, previous: dict | None) -> bool:
    """Replace `summary`'s year-over-year checks with those against `previous` (last year's
    summary of the same agency, or None to drop them). Returns whether the checks changed."""
    kept = [c for c in summary.get("checks", []) if not c["rule"].startswith(YEAR_OVER_YEAR)]
    if previous is not None:
        kept += check_previous(summary.get("tables") or {}, previous, (summary.get("report") or {}).get("year"))
    changed = kept != summary.get("checks", [])
    summary["checks"] = kept
    return changed
