"""The synthetic report generator (bench/synth.py) and the committed examples."""
from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest

from bench.synth import (
    APP_COLUMNS,
    APP_ROWS_2019,
    APP_ROWS_2021,
    GENERATIONS,
    RESULT_ROWS_2019,
    RESULT_ROWS_2021,
    REVIEW_BLOCKS,
    TXT_LAYOUTS,
    make_report,
    render_docx,
    render_html,
    render_pdf,
    render_text,
    render_txt,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEEDS = range(300)
MODERN_HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "六、其他需要报告的事项")


def _headings(report) -> list[str]:
    return [b[1] for b in report.blocks if b[0] == "h1"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_synth_deterministic_for_a_seed():
    for seed in (0, 1, 17, 123456):
        a, b = make_report(seed), make_report(seed)
        assert a.truth() == b.truth()
        for layout in TXT_LAYOUTS:
            assert render_txt(a, layout) == render_txt(b, layout)
        assert render_html(a) == render_html(b)
    assert make_report(1).truth() != make_report(2).truth()


def test_synth_generation_argument_and_years():
    seen = set()
    for seed in range(60):
        seen.add(make_report(seed).generation)
        for gen in GENERATIONS:
            r = make_report(seed, gen)
            assert r.generation == gen
            lo, hi = {"legacy": (2008, 2018), "2019": (2019, 2020), "2021": (2021, 2030)}[gen]
            assert lo <= r.year <= hi
            assert str(r.year) in r.title and r.agency in r.title
    assert seen == set(GENERATIONS)
    with pytest.raises(ValueError):
        make_report(1, "2020")


def test_synth_applications_identities_and_keys():
    for seed in SEEDS:
        for gen, keys, results in (("2021", APP_ROWS_2021, RESULT_ROWS_2021), ("2019", APP_ROWS_2019, RESULT_ROWS_2019)):
            apps = make_report(seed, gen).tables["applications"]
            assert apps["columns"] == APP_COLUMNS
            rows = apps["rows"]
            assert list(rows) == keys
            for key, row in rows.items():
                assert len(row) == 7 and all(isinstance(v, int) and v >= 0 for v in row), key
                assert sum(row[:6]) == row[6], f"C fails for {key} (seed {seed})"  # identity C
            for c in range(7):
                assert rows["new_received"][c] + rows["carried_over"][c] == rows["total"][c] + rows["carried_forward"][c]
                assert rows["total"][c] == sum(rows[k][c] for k in results)  # identity B


def test_synth_applications_look_like_real_ones():
    totals = [make_report(seed, "2021").tables["applications"]["rows"]["new_received"][6] for seed in SEEDS]
    assert sum(t == 0 for t in totals) > len(totals) * 0.15  # many reports without any application
    assert any(t >= 100 for t in totals)  # sometimes hundreds
    assert sorted(totals)[len(totals) // 2] < 30  # mostly small


def test_synth_review_litigation_blocks():
    nonzero = 0
    for seed in SEEDS:
        rl = make_report(seed, "2021").tables["review_litigation"]
        assert list(rl) == REVIEW_BLOCKS
        for block in REVIEW_BLOCKS:
            assert len(rl[block]) == 5 and sum(rl[block][:4]) == rl[block][4]
        nonzero += any(rl[b][4] for b in REVIEW_BLOCKS)
    assert 0 < nonzero < len(SEEDS)


def test_synth_active_disclosure_keys():
    want_2021 = {"regulations": {"issued", "repealed", "in_force"}, "normative_documents": {"issued", "repealed", "in_force"},
                 "licensing": {"decisions"}, "punishment": {"decisions"}, "coercion": {"decisions"}, "fees": {"amount"}}
    three = {"previous", "change", "decisions"}
    want_2019 = {"regulations": {"new_made", "new_published", "total_published"},
                 "normative_documents": {"new_made", "new_published", "total_published"},
                 "licensing": three, "other_services": three, "punishment": three, "coercion": three,
                 "fees": {"previous", "change"}, "procurement": {"projects", "amount"}}
    for seed in range(100):
        for gen, want in (("2021", want_2021), ("2019", want_2019)):
            t = make_report(seed, gen).tables
            assert set(t) == {"active_disclosure", "applications", "review_litigation"}
            ad = t["active_disclosure"]
            assert {k: set(v) for k, v in ad.items()} == want
            for block in ad.values():
                for key, v in block.items():
                    assert isinstance(v, int | float)
                    assert v >= 0 or key == "change"


def test_synth_legacy_statistics_table():
    for seed in range(100):
        r = make_report(seed, "legacy")
        assert set(r.tables) == {"statistics"}
        rows = {x["indicator"]: x for x in r.tables["statistics"]}
        for x in r.tables["statistics"]:
            assert set(x) == {"indicator", "unit", "this_year", "cumulative"}
            assert x["cumulative"] >= x["this_year"] >= 0
        recv = rows["受理政府信息公开申请总数"]["this_year"]
        channels = [v["this_year"] for k, v in rows.items() if k.endswith(("当面申请数", "网络申请数", "网上申请数", "申请数"))
                    and k != "受理政府信息公开申请总数"]
        assert sum(channels) == recv
        answers = [rows[k]["this_year"] for k in ("其中：同意公开答复数", "同意部分公开答复数", "不同意公开答复数", "信息不存在数")]
        assert sum(answers) == rows["对申请的答复总数"]["this_year"]
        assert "statistics" in r.sections and "problems_improvements" in r.sections


def test_synth_figures_match_prose_and_tables():
    for seed in range(150):
        r = make_report(seed)
        prose = "".join(t for _, t in r.paragraphs)
        for f in r.figures:
            assert f["name"] in prose
            shown = f"{f['value']:g}" if isinstance(f["value"], float) else str(f["value"])
            assert f"{f['name']}{shown}{f['unit']}" in prose, f
        figs = {f["name"]: f["value"] for f in r.figures}
        if r.generation == "legacy":
            stats = {x["indicator"]: x["this_year"] for x in r.tables["statistics"]}
            assert figs.get("主动公开政府信息", stats["主动公开政府信息数"]) == stats["主动公开政府信息数"]
            if "受理政府信息公开申请" in figs:
                assert figs["受理政府信息公开申请"] == stats["受理政府信息公开申请总数"]
            continue
        rows = r.tables["applications"]["rows"]
        rl = r.tables["review_litigation"]
        for name in ("受理政府信息公开申请", "新收政府信息公开申请", "受理依申请公开事项"):
            if name in figs:
                assert figs[name] == rows["new_received"][6]
        for name in ("办结", "答复"):
            if name in figs:
                assert figs[name] == rows["total"][6]
        if "上年结转" in figs:
            assert figs["上年结转"] == rows["carried_over"][6]
        if "结转下年度办理" in figs:
            assert figs["结转下年度办理"] == rows["carried_forward"][6]
        if "行政复议" in figs:
            assert figs["行政复议"] == rl["review"][4]
        if "行政诉讼" in figs:
            assert figs["行政诉讼"] == rl["litigation_direct"][4] + rl["litigation_after_review"][4]


def test_synth_paragraphs_items_and_themes():
    labels = set()
    for seed in range(150):
        r = make_report(seed)
        labels |= {lab for lab, _ in r.paragraphs}
        assert r.problems and r.improvements
        problem_text = "".join(t for lab, t in r.paragraphs if lab == "problems")
        improve_text = "".join(t for lab, t in r.paragraphs if lab == "improvements")
        assert all(item in problem_text for item in r.problems)
        assert all(item in improve_text for item in r.improvements)
        prose = "".join(t for _, t in r.paragraphs)
        for theme in r.themes:
            assert f"“{theme}”" in prose or f"《{theme}》" in prose
        assert "中华人民共和国政府信息公开条例" not in r.themes
        assert len(_squash(render_text(r))) > 700
    assert labels == {"overview", "problems", "improvements", "other"}


def test_synth_render_txt_layouts_contain_text_and_tables():
    r = make_report(118, "2021")
    rows = r.tables["applications"]["rows"]
    new = rows["new_received"]
    for layout in TXT_LAYOUTS:
        text = render_text(r, layout)
        assert r.agency in text
        for h in _headings(r):
            assert h in text
        for _, para in r.paragraphs:
            assert para in text
    assert "\t一、本年新收政府信息公开申请数量\n" + "\n".join(f"\t{v}" for v in new) in render_text(r, "cells")
    assert "| 一、本年新收政府信息公开申请数量 | " + " | ".join(map(str, new)) + " |" in render_text(r, "pipe")
    assert "\n一、本年新收政府信息公开申请数量 | " + " | ".join(map(str, new)) + "\n" in render_text(r, "pipe_noborder")
    assert "一、本年新收政府信息公开申请数量 " + " ".join(map(str, new)) in render_text(r, "flat")
    assert "一、本年新收政府信息公开申请数量" + "".join(map(str, new)) in render_text(r, "glued")
    with pytest.raises(ValueError):
        render_text(r, "columns")


def test_synth_render_txt_crawler_one_line_and_encoding():
    for seed in range(40):
        r = make_report(seed)
        text = render_text(r, "glued", crawler_header=True, one_line_body=True)
        head, body = text.split("==================== 正文 ====================\n")
        assert head.startswith("标题") and r.title in head and "原文链接" in head
        assert "\n" not in body.rstrip("\n")
        assert body.startswith("当前位置：首页 > 政务公开")
        squashed = _squash(body)
        for _, para in r.paragraphs:
            assert _squash(para) in squashed
        raw = render_txt(r, "pipe", encoding="gb18030")
        assert raw.decode("gb18030") == render_text(r, "pipe")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def test_synth_render_txt_is_fast():
    start = time.perf_counter()
    n = 400
    for seed in range(n):
        render_txt(make_report(seed), TXT_LAYOUTS[seed % len(TXT_LAYOUTS)], crawler_header=seed % 3 == 0)
    per_report = (time.perf_counter() - start) / n
    assert per_report < 0.005, f"{per_report * 1000:.2f} ms per report"


def test_synth_render_html_has_chrome_and_real_tables():
    from bs4 import BeautifulSoup

    for seed, gen, ntables in ((117, "2021", 3), (3, "2019", 3), (101, "legacy", 1)):
        r = make_report(seed, gen)
        soup = BeautifulSoup(render_html(r), "lxml")
        content = soup.find(id="zoom")
        text = content.get_text()
        assert r.agency in soup.get_text() and "版权所有" in soup.get_text() and "网站标识码" in soup.get_text()
        for h in _headings(r):
            assert h in text
        for _, para in r.paragraphs:
            assert para in text
        tables = content.find_all("table")
        assert len(tables) == ntables
        if gen != "legacy":
            apps = tables[1]
            assert apps.find("td", attrs={"colspan": "7"}).get_text() == "申请人情况"
            assert apps.find("td", string="三、本年度办理结果")["rowspan"] == str(len(r.tables["applications"]["rows"]) - 3)
            review = tables[2]
            assert review.find("td", string="未经复议直接起诉")["colspan"] == "5"


def test_synth_render_docx_has_merged_tables():
    import docx

    for seed, gen in ((100, "2021"), (100, "2019"), (5, "legacy")):
        r = make_report(seed, gen)
        d = docx.Document(io.BytesIO(render_docx(r)))
        text = "\n".join(p.text for p in d.paragraphs)
        assert r.agency in text
        for h in _headings(r):
            assert h in text
        for _, para in r.paragraphs:
            assert para in text
        if gen == "legacy":
            assert len(d.tables) == 1
            continue
        assert len(d.tables) == 3
        apps = d.tables[1]
        nrows = len(r.tables["applications"]["rows"]) + 3
        assert len(apps.rows) == nrows and len(apps.columns) == 10
        first = [c.text for c in apps.rows[3].cells]
        assert first[:3] == ["一、本年新收政府信息公开申请数量"] * 3  # merged over three label columns
        assert [c.text or "0" for c in apps.rows[3].cells[3:]] == [str(v) for v in r.tables["applications"]["rows"]["new_received"]]
        assert apps.cell(5, 0)._tc is apps.cell(nrows - 2, 0)._tc  # 三、本年度办理结果 spans the result rows
        assert len(d.tables[2].columns) == 15


def test_synth_render_pdf_reads_back_with_pdfplumber():
    import pdfplumber

    for seed, gen in ((123, "2021"), (111, "legacy")):
        r = make_report(seed, gen)
        data = render_pdf(r)
        assert data.startswith(b"%PDF")
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [p.extract_text() or "" for p in pdf.pages]
        assert len(pages) >= 2
        for i, page in enumerate(pages, 1):
            assert page.rstrip().endswith(f"- {i} -")
        lines = [ln for page in pages for ln in page.splitlines() if not re.fullmatch(r"- \d+ -", ln.strip())]
        text = _squash("".join(lines))
        assert _squash(r.agency) in text and "政府信息公开工作年度报告" in text
        for h in _headings(r):
            assert _squash(h) in text
        for _, para in r.paragraphs:
            assert _squash(para) in text
        body_lines = [ln for ln in lines if ln.count(" ") < 2]  # table rows have spaced cells
        widths = [sum(0.5 if ord(ch) < 128 else 1.0 for ch in ln) for ln in body_lines]
        assert 28 <= max(widths) <= 31  # wrapped at about 30 Chinese characters


def test_synth_examples_listed_and_current():
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    on_disk = {p.name for p in EXAMPLES.iterdir() if p.name not in ("README.md", "expected.json")}
    assert on_disk == set(expected)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    formats, gens = set(), set()
    for name, entry in expected.items():
        assert name in readme
        formats.add(name.rsplit(".", 1)[1])
        if entry["source"] != "generated" or entry["expected"] != "processed":
            continue
        g = entry["generator"]
        r = make_report(g["seed"], g["generation"])
        gens.add(r.generation)
        assert entry["tables"] == json.loads(json.dumps(r.tables))
        assert entry["items"] == {"problems": len(r.problems), "improvements": len(r.improvements)}
        if g["renderer"] in ("txt", "html"):  # byte-stable across library versions
            opts = {k: v for k, v in g.items() if k not in ("seed", "generation", "renderer")}
            data = render_txt(r, **opts) if g["renderer"] == "txt" else render_html(r)
            assert (EXAMPLES / name).read_bytes() == data, f"{name} is stale: run python -m bench.make_examples"
    assert formats == {"txt", "html", "docx", "pdf"} and gens == set(GENERATIONS)
    assert {e["expected"] for e in expected.values()} >= {"processed", "not_a_report", "decode_error"}
