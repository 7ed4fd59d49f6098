"""Server-rendered pages: the Jinja2 environment and the view models the templates read.

Autoescaping is on for every template (report text is untrusted: a `<script>` in a report must
show as text). Templates never build HTML from strings; highlighting is done by splitting text
into segments that the template wraps in elements, each segment escaped.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi.templating import Jinja2Templates

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

LABEL_KEYS = {"overview": "1", "problems": "2", "improvements": "3", "other": "4"}
LABEL_NAMES = {"overview": "总体情况 overview", "problems": "问题 problems", "improvements": "改进 improvements",
               "other": "其他 other"}
SECTION_NAMES = {
    "overview": "总体情况", "active_disclosure": "主动公开政府信息情况", "applications": "收到和处理政府信息公开申请情况",
    "review_litigation": "行政复议、行政诉讼情况", "problems_improvements": "存在的主要问题及改进情况",
    "other_matters": "其他需要报告的事项", "fees": "收费情况", "statistics": "统计", "other": "其他",
}
APPLICATION_COLUMNS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other", "total"]
APPLICATION_COLUMN_NAMES = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
APPLICATION_ROWS = {
    "new_received": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开", "partially_granted": "（二）部分公开", "refused_state_secret": "不予公开：属于国家秘密",
    "refused_prohibited": "不予公开：其他法律行政法规禁止公开", "refused_security_stability": "不予公开：危及“三安全一稳定”",
    "refused_third_party": "不予公开：保护第三方合法权益", "refused_internal": "不予公开：属于三类内部事务信息",
    "refused_process": "不予公开：属于四类过程性信息", "refused_enforcement_file": "不予公开：属于行政执法案卷",
    "refused_query": "不予公开：属于行政查询事项", "unavailable_not_held": "无法提供：本机关不掌握相关政府信息",
    "unavailable_needs_creation": "无法提供：没有现成信息需要另行制作", "unavailable_unclear": "无法提供：补正后申请内容仍不明确",
    "rejected_petition": "不予处理：信访举报投诉类申请", "rejected_duplicate": "不予处理：重复申请",
    "rejected_publication": "不予处理：要求提供公开出版物", "rejected_excessive": "不予处理：无正当理由大量反复申请",
    "rejected_confirmation": "不予处理：要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "其他处理：申请人无正当理由逾期不补正", "other_no_fee": "其他处理：申请人逾期未按收费通知缴纳费用",
    "other": "（六）其他处理",
    "total": "（七）总计", "carried_forward": "四、结转下年度继续办理",
}
REVIEW_COLUMN_NAMES = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
REVIEW_ROWS = {"review": "行政复议", "litigation_direct": "行政诉讼：未经复议直接起诉",
               "litigation_after_review": "行政诉讼：复议后起诉"}
STATUS_ORDER = {"fail": 0, "uncertain": 1, "pass": 2}
_CELL = re.compile(r"^(\w+)\.(\w+)\[(\d+)\]$")


def make_templates() -> Jinja2Templates:
    # ChainableUndefined: a key the summary does not have (older or newer summaries) renders empty.
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "" if v is None else f"{float(v) * 100:.1f}%"
    env.filters["num"] = _num
    env.filters["when"] = lambda v: (v or "")[:19].replace("T", " ")
    env.filters["conf_class"] = conf_class
    env.globals.update(LABEL_KEYS=LABEL_KEYS, LABEL_NAMES=LABEL_NAMES, SECTION_NAMES=SECTION_NAMES)
    return Jinja2Templates(env=env)


def _num(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and not v.is_integer():
        return f"{v:g}"
    return str(int(v)) if isinstance(v, (int, float)) else str(v)


def conf_class(confidence: float | None) -> str:
    """A shade per tenth of confidence (classes, not inline styles: the CSP forbids those)."""
    if confidence is None:
        return "conf-0"
    return f"conf-{min(9, max(0, int(float(confidence) * 10)))}"


# --------------------------------------------------------------------------------------------
# the report page


def cell_status(checks: list[dict]) -> dict[str, dict]:
    """cell id -> {"status": fail|uncertain, "rules": [...]} for cells of failing or uncertain checks."""
    out: dict[str, dict] = {}
    for n, c in enumerate(checks):
        if c.get("status") not in ("fail", "uncertain"):
            continue
        for cell in c.get("cells") or []:
            entry = out.setdefault(cell, {"status": c["status"], "checks": []})
            if c["status"] == "fail":
                entry["status"] = "fail"
            entry["checks"].append({"n": n, "rule": c["rule"], "detail": c.get("detail", "")})
    return out


def cell_anchor(cell: str) -> str:
    return "cell-" + re.sub(r"[^A-Za-z0-9_-]+", "-", cell).strip("-")


def _cell(cid: str, value, marks: dict, evidence: dict, doc_id: int) -> dict:
    """One table cell, ready to print: its value, the checks that flag it, and where it was read in
    the source (tables["evidence"]: offsets and how it was read: read, solved, uncertain, inferred)."""
    m = marks.get(cid)
    ev = evidence.get(cid)
    ev = ev if isinstance(ev, dict) else {}
    reading = ev.get("status")
    reading = reading if reading and reading != "read" else None
    status = m["status"] if m else ("uncertain" if reading in ("uncertain", "inferred") else None)
    cls = "cell num" + (f" status-{status}" if status else "") + (f" read-{reading}" if reading else "")
    notes = [f"{ck['rule']}: {ck['detail']}" for ck in m["checks"]] if m else []
    if reading:
        alts = ev.get("alternatives")
        notes.append(f"reading: {reading}" + (f" (alternatives: {', '.join(map(str, alts))})" if alts else ""))
    start, end = ev.get("start"), ev.get("end")
    href = (f"/reports/{doc_id}/text?start={start}&end={end}&label={quote(cid)}"
            if isinstance(start, int) and isinstance(end, int) else None)
    return {"id": cid, "anchor": cell_anchor(cid), "text": _num(value), "cls": cls, "status": status,
            "title": "\n".join(notes), "href": href}


def _grid(table: str, rows: dict, row_names: dict, ncols: int, marks: dict, evidence: dict,
          doc_id: int) -> list[dict]:
    out = []
    for key, values in rows.items():
        cells = [_cell(f"{table}.{key}[{c}]", values[c] if c < len(values) else None, marks, evidence, doc_id)
                 for c in range(ncols)]
        out.append({"key": key, "name": row_names.get(key, key), "cells": cells})
    return out


def _section_span(summary: dict, kind: str) -> tuple[int, int] | None:
    for s in summary.get("sections") or []:
        if s.get("kind") == kind:
            return s["start"], s["end"]
    return None


def tables_view(summary: dict, marks: dict, doc_id: int) -> list[dict]:
    tables = summary.get("tables") or {}
    evidence = tables.get("evidence") if isinstance(tables.get("evidence"), dict) else {}
    readings = tables.get("readings") if isinstance(tables.get("readings"), dict) else {}
    out = []
    apps = tables.get("applications")
    if apps and apps.get("rows"):
        out.append({"key": "applications", "title": "表三 收到和处理政府信息公开申请情况",
                    "columns": APPLICATION_COLUMN_NAMES,
                    "rows": _grid("applications", apps["rows"], APPLICATION_ROWS, 7, marks, evidence, doc_id)})
    rl = tables.get("review_litigation")
    if rl:
        rows = {k: rl[k] for k in REVIEW_ROWS if k in rl}
        out.append({"key": "review_litigation", "title": "表四 政府信息公开行政复议、行政诉讼情况",
                    "columns": REVIEW_COLUMN_NAMES,
                    "rows": _grid("review_litigation", rows, REVIEW_ROWS, 5, marks, evidence, doc_id)})
    ad = tables.get("active_disclosure")
    if ad:
        columns: list[str] = []
        for values in ad.values():
            for k in (values or {}):
                if k not in columns:
                    columns.append(k)
        rows = [{"key": key, "name": key,
                 "cells": [_cell(f"active_disclosure.{key}.{col}", (values or {}).get(col), marks, evidence, doc_id)
                           for col in columns]} for key, values in ad.items()]
        out.append({"key": "active_disclosure", "title": "表二 主动公开政府信息情况", "columns": columns, "rows": rows})
    stats = tables.get("statistics")
    if isinstance(stats, list) and stats:
        rows = []
        for i, r in enumerate(stats):
            r = r if isinstance(r, dict) else {}
            name = f"{r.get('indicator') or r.get('key') or i}" + (f"（{r['unit']}）" if r.get("unit") else "")
            rows.append({"key": r.get("key") or str(i), "name": name,
                         "cells": [_cell(f"statistics[{i}].{col}", r.get(col), marks, evidence, doc_id)
                                   for col in ("this_year", "cumulative")]})
        out.append({"key": "statistics", "title": "统计表", "columns": ["本年", "累计"], "rows": rows})
    for t in out:
        t["span"] = _section_span(summary, t["key"])
        t["reading"] = readings.get(t["key"]) if isinstance(readings.get(t["key"]), dict) else None
    return out


def segments(text: str, start: int, figures: list[dict], themes: list[str], spans: list[dict] | None) -> list[dict]:
    """`text` (which starts at document offset `start`) cut where a figure, a theme or a labelled
    span begins or ends; each piece says what covers it. Rendered escaped, piece by piece."""
    n = len(text)
    if not n:
        return []
    fig = [None] * n
    theme = [False] * n
    span = [None] * n
    for f in figures:
        a, b = f["start"] - start, f["end"] - start
        if 0 <= a < b <= n:
            for i in range(a, b):
                fig[i] = f
    for t in themes:
        if not t:
            continue
        pos = text.find(t)
        while pos >= 0:
            for i in range(pos, pos + len(t)):
                theme[i] = True
            pos = text.find(t, pos + len(t))
    for sp in spans or []:
        a, b = sp["start"] - start, sp["end"] - start
        for i in range(max(0, a), min(n, b)):
            span[i] = sp["label"]
    out: list[dict] = []
    i = 0
    while i < n:
        j = i + 1
        while j < n and fig[j] is fig[i] and theme[j] == theme[i] and span[j] == span[i]:
            j += 1
        f = fig[i]
        out.append({"text": text[i:j], "theme": theme[i], "span": span[i],
                    "figure": None if f is None else {"name": f["name"], "value": f["value"], "unit": f["unit"]}})
        i = j
    return out


def report_view(doc, summary: dict, rows: list, changes: list[dict]) -> dict:
    """Everything the report page shows, from the stored summary and the paragraph rows (whose
    labels carry the reviewers' corrections)."""
    checks = summary.get("checks") or []
    marks = cell_status(checks)
    ordered = sorted(enumerate(checks), key=lambda x: (STATUS_ORDER.get(x[1].get("status"), 3), x[0]))
    flagged = [{"n": n, **c, "anchors": [(cell, cell_anchor(cell)) for cell in c.get("cells") or []],
                "texts": [e for e in c.get("evidence") or [] if isinstance(e, dict) and e.get("text")],
                "spots": [e for e in c.get("evidence") or [] if isinstance(e, dict) and not e.get("text")]}
               for n, c in ordered if c.get("status") != "pass"]
    passed = [c for c in checks if c.get("status") == "pass"]
    figures = summary.get("figures") or []
    theme_texts = [t["text"] for t in summary.get("themes") or [] if t.get("text")]
    by_idx = {r.idx: r for r in rows}
    pars = []
    for p in summary.get("paragraphs") or []:
        row = by_idx.get(p["id"])
        pars.append({
            "idx": p["id"], "row_id": row.id if row else None, "section": p.get("section"),
            "start": p["start"], "end": p["end"],
            "label": row.label if row else p["label"], "predicted": p["label"],
            "confidence": p["confidence"], "reviewed_by": row.reviewed_by if row else None,
            "segments": segments(p["text"], p["start"], figures, theme_texts, p.get("spans")),
        })
    sections = []
    placed: set[int] = set()
    for s in summary.get("sections") or []:
        inside = [p for p in pars if p["idx"] not in placed and p["section"] == s["kind"]
                  and s["start"] <= p["start"] < s["end"]]
        placed.update(p["idx"] for p in inside)
        sections.append({"kind": s["kind"], "heading": s["heading"], "start": s["start"], "end": s["end"],
                         "paragraphs": inside})
    rest = [p for p in pars if p["idx"] not in placed]
    if rest:
        sections.insert(0, {"kind": "other", "heading": "（正文前后）", "start": None, "end": None, "paragraphs": rest})
    counts = {st: sum(1 for c in checks if c.get("status") == st) for st in ("fail", "uncertain", "pass")}
    return {"doc": doc, "summary": summary, "report": summary.get("report") or {},
            "document": summary.get("document") or {}, "pipeline": summary.get("pipeline") or {},
            "flagged": flagged, "passed": passed, "check_counts": counts,
            "tables": tables_view(summary, marks, doc.id),
            "figures": figures, "themes": summary.get("themes") or [], "sections": sections,
            "problems": summary.get("problems") or [], "improvements": summary.get("improvements") or [],
            "warnings": summary.get("warnings") or [], "changes": changes,
            "reviewed": sum(1 for r in rows if r.reviewed_at is not None), "paragraph_count": len(pars)}


def excerpt(text: str, start: int, end: int, context: int = 400) -> dict:
    """The source text around [start, end) for the evidence page."""
    n = len(text)
    start = max(0, min(start, n))
    end = max(start, min(end, n))
    a = max(0, start - context)
    b = min(n, end + context)
    return {"before": text[a:start], "mark": text[start:end], "after": text[end:b], "start": start, "end": end,
            "from": a, "to": b, "length": n}
