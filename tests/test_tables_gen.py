"""Random consistent tables of all three generations, rendered in every layout, for the table
tests. Built on bench/synth.py (its report skeleton, table specs and layout renderers); the
numbers are drawn here to be harsher than a typical report: every applicant column, multi-digit
cells, long zero runs, negative 本年增/减, decimal amounts."""
from __future__ import annotations

import dataclasses
import json
import random
import unicodedata

from bench.synth import (
    APP_ROWS_2019,
    APP_ROWS_2021,
    EXTRA_TABLE_LAYOUTS,
    RESULT_ROWS_2019,
    RESULT_ROWS_2021,
    REVIEW_BLOCKS,
    TXT_LAYOUTS,
    SynthReport,
    _occupancy,
    _spec,
    make_report,
    render_table_text,
)
from extraction.load import _Builder, normalise_text
from extraction.outline import outline

TEXT_LAYOUTS = TXT_LAYOUTS + EXTRA_TABLE_LAYOUTS
ALL_LAYOUTS = TEXT_LAYOUTS + ("grid", "grid_blank")
KEYS = {"legacy": ("statistics",), "2019": ("active_disclosure", "applications", "review_litigation"),
        "2021": ("active_disclosure", "applications", "review_litigation")}
HEADINGS = {"active_disclosure": "二、主动公开政府信息情况", "applications": "三、收到和处理政府信息公开申请情况",
            "review_litigation": "四、政府信息公开行政复议、行政诉讼情况", "statistics": "六、政府信息公开情况统计表"}


def _count(rng: random.Random, big: bool = False) -> int:
    x = rng.random()
    if x < 0.55:
        return 0
    if x < 0.85:
        return rng.randint(1, 9)
    if x < 0.97 or not big:
        return rng.randint(10, 99)
    return rng.randint(100, 2500)


def random_applications(rng: random.Random, generation: str) -> dict:
    results = RESULT_ROWS_2021 if generation == "2021" else RESULT_ROWS_2019
    keys = APP_ROWS_2021 if generation == "2021" else APP_ROWS_2019
    rows = {k: [0] * 7 for k in keys}
    live = [c for c in range(6) if c == 0 or rng.random() < 0.35]
    for c in live:
        for k in results:
            if rng.random() < 0.35:
                rows[k][c] = _count(rng, big=c == 0)
        total = sum(rows[k][c] for k in results)
        forward = _count(rng) if rng.random() < 0.3 else 0
        carried = rng.randint(0, total + forward) if rng.random() < 0.3 else 0
        rows["total"][c] = total
        rows["carried_forward"][c] = forward
        rows["carried_over"][c] = carried
        rows["new_received"][c] = total + forward - carried
    for v in rows.values():
        v[6] = sum(v[:6])
    return {"columns": ["natural_person", "commercial", "research", "social_org", "legal_service", "other", "total"],
            "rows": rows}


def random_review(rng: random.Random) -> dict:
    out = {}
    for b in REVIEW_BLOCKS:
        parts = [_count(rng) if rng.random() < 0.4 else 0 for _ in range(4)]
        out[b] = [*parts, sum(parts)]
    return out


def random_active(rng: random.Random, generation: str) -> dict:
    def amount():
        x = rng.random()
        return 0 if x < 0.5 else rng.randint(1, 900) if x < 0.7 else round(rng.uniform(0.01, 9000), rng.choice((1, 2, 4)))

    if generation == "2021":
        def docs():
            issued = _count(rng)
            return {"issued": issued, "repealed": _count(rng), "in_force": issued + _count(rng, True)}

        return {"regulations": docs(), "normative_documents": docs(),
                "licensing": {"decisions": _count(rng, True)}, "punishment": {"decisions": _count(rng, True)},
                "coercion": {"decisions": _count(rng)}, "fees": {"amount": amount()}}

    def docs19():
        made = _count(rng)
        return {"new_made": made, "new_published": made, "total_published": made + _count(rng, True)}

    def block():
        prev = _count(rng, True)
        change = rng.randint(-min(prev, 9), 9) if rng.random() < 0.3 else 0
        return {"previous": prev, "change": change, "decisions": _count(rng, True)}

    prev = _count(rng)
    projects = _count(rng)
    return {"regulations": docs19(), "normative_documents": docs19(), "licensing": block(), "other_services": block(),
            "punishment": block(), "coercion": block(),
            "fees": {"previous": prev, "change": rng.randint(-prev, 3) if rng.random() < 0.2 else 0},
            "procurement": {"projects": projects, "amount": amount() if projects else 0}}


def random_report(seed: int, generation: str) -> SynthReport:
    """A synth report skeleton (agency, year, style) with harsher random tables."""
    base = make_report(seed, generation)
    if generation == "legacy":
        return base
    rng = random.Random(seed * 7919 + 13)
    tables = {"active_disclosure": random_active(rng, generation),
              "applications": random_applications(rng, generation),
              "review_litigation": random_review(rng)}
    style = dict(base.style)
    nd = tables["active_disclosure"]["normative_documents"]
    style["note_issued"] = rng.randint(1, nd["issued"] - 1) if generation == "2021" and nd["issued"] >= 3 and \
        rng.random() < 0.3 else 0
    return dataclasses.replace(base, tables=tables, style=style)


def truth(report: SynthReport) -> dict:
    """The tables a reader should return (NFKC, as the loader normalises)."""
    return json.loads(unicodedata.normalize("NFKC", json.dumps(report.tables, ensure_ascii=False)))


def render(report: SynthReport, layout: str, seed: int = 0):
    """(text, sections, grids) of a document holding only the report's tables, each under its
    heading, in `layout` (a text layout, or "grid"/"grid_blank": real tables as the HTML/DOCX
    loaders build them, with zeros printed or left empty)."""
    keys = KEYS[report.generation]
    if layout.startswith("grid"):
        b = _Builder()
        b.add(report.title)
        for key in keys:
            b.add(HEADINGS[key])
            spec = _spec(report, key)
            occ, ncols, _ = _occupancy(spec)
            origins = [[occ.get((r, c)) for c in range(ncols)] for r in range(len(spec))]
            texts = {}
            for r, row in enumerate(spec):
                c = 0
                for cell in row:
                    while occ.get((r, c)) != (r, c):
                        c += 1
                    text, _rs, cs, isnum = cell
                    texts[(r, c)] = "" if (layout == "grid_blank" and isnum and text == "0") else \
                        normalise_text(text.replace("\n", ""))
                    c += cs
            b.add_grid(origins, texts)
        b.add("五、存在的主要问题及改进情况")
        b.add("无。")
        text, grids = b.text(), b.tables
    else:
        parts = [report.title]
        for key in keys:
            parts += [HEADINGS[key], render_table_text(report, key, layout, seed)]
        parts += ["五、存在的主要问题及改进情况", "无。"]
        text, grids = normalise_text("\n".join(parts) + "\n"), []
    o = outline(text)
    return text, o.sections, grids, o.generation if o.generation != "unknown" else report.generation


def mutate(report: SynthReport, rng: random.Random) -> tuple[SynthReport, str]:
    """The report with one printed number changed; returns the changed cell's id."""
    tables = json.loads(json.dumps(report.tables))
    if report.generation == "legacy":
        stats = tables["statistics"]
        i = rng.randrange(len(stats))
        col = rng.choice(("this_year", "cumulative"))
        old = stats[i][col]
        stats[i][col] = old + rng.randint(1, 9) if isinstance(old, int) else round(old + 1, 2)
        return dataclasses.replace(report, tables=tables), f"statistics[{i}].{col}"
    if rng.random() < 0.75:
        rows = tables["applications"]["rows"]
        key = rng.choice(list(rows))
        c = rng.randrange(7)
        rows[key][c] += rng.randint(1, 9) if rng.random() < 0.6 or rows[key][c] == 0 else -rows[key][c]
        return dataclasses.replace(report, tables=tables), f"applications.{key}[{c}]"
    rl = tables["review_litigation"]
    b = rng.choice(REVIEW_BLOCKS)
    i = rng.randrange(5)
    rl[b][i] += rng.randint(1, 9)
    return dataclasses.replace(report, tables=tables), f"review_litigation.{b}[{i}]"


def test_tables_gen_random_tables_are_consistent():
    from extraction.solver import app_identities_hold

    for generation in ("2019", "2021"):
        for seed in range(200):
            t = random_report(seed, generation).tables
            rows = t["applications"]["rows"]
            assert app_identities_hold(rows)
            assert all(sum(v[:6]) == v[6] for v in rows.values())
            assert all(sum(b[:4]) == b[4] for b in t["review_litigation"].values())
