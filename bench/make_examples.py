"""Regenerate examples/: synthetic reports in every format with their ground truth, plus edge files.

    python -m bench.make_examples            # write examples/ (deterministic)
    python -m bench.make_examples --check    # exit 1 if a committed file differs from what would be written
    python -m bench.make_examples --out DIR  # write elsewhere

Generated files come from bench.synth with fixed seeds; the hand-written ones (a notice and a news
page that are not annual reports, an edge-case report, an empty file) are literal text below.
examples/expected.json holds, per file, the expected outcome and, for reports, the ground truth.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from bench.synth import (
    make_report,
    render_docx,
    render_html,
    render_pdf,
    render_txt,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# name, seed, generation, renderer, options, what it tests
GENERATED = [
    ("synth_2021_cells.txt", 118, "2021", "txt", {"table_layout": "cells"},
     "one cell per line like the seed (merged labels, header cells split over lines, blank lines between rows)"),
    ("synth_2021_pipe.txt", 111, "2021", "txt", {"table_layout": "pipe"},
     "pipe rows `| label | n | ... |`; rowspan-covered label cells left empty"),
    ("synth_2021_glued_crawler_oneline.txt", 102, "2021", "txt",
     {"table_layout": "glued", "crawler_header": True, "one_line_body": True},
     "crawler header + site chrome, whole body on one line, headings glued to sentences, table digits glued (split only by template + identities)"),
    ("synth_2021_note_pipe_noborder.txt", 52, "2021", "txt", {"table_layout": "pipe_noborder"},
     "pipe rows without outer pipes; 表二 cell with a note 'N（其中修订k件）'"),
    ("synth_2019_flat.txt", 117, "2019", "txt", {"table_layout": "flat"},
     "2019 template, rows flattened to label + space-separated numbers like a PDF text layer"),
    ("synth_2019_gb18030.txt", 126, "2019", "txt", {"table_layout": "pipe_noborder", "encoding": "gb18030"},
     "GB18030-encoded text (charset detection), 2019 template with 政府集中采购 and one （六）其他处理 row"),
    ("synth_legacy_cells.txt", 118, "legacy", "txt", {"table_layout": "cells"},
     "legacy outline (概述 / 一、主动公开… / 附表) with a 统计表 (指标名称 · 计量单位 · 本年度 · 历年累计)"),
    ("synth_legacy_glued_crawler.txt", 119, "legacy", "txt", {"table_layout": "glued", "crawler_header": True},
     "legacy report behind a crawler header; statistics rows glued (主动公开政府信息数条2641830 style)"),
    ("synth_2021.html", 117, "2021", "html", {},
     "web page with nav/breadcrumb/footer chrome; real tables with rowspan/colspan; zeros printed as empty cells"),
    ("synth_legacy.html", 101, "legacy", "html", {}, "legacy report as a web page, 统计表 as a real table"),
    ("synth_2019.docx", 100, "2019", "docx", {}, "Word document, 2019 template tables with merged cells"),
    ("synth_2021.docx", 100, "2021", "docx", {}, "Word document, 2021 template tables with merged cells (official layout)"),
    ("synth_2021.pdf", 123, "2021", "pdf", {},
     "A4 PDF text layer: ~30 characters a line, footers '- N -', ruled tables split over pages, vertical merged labels"),
    ("synth_2019.pdf", 129, "2019", "pdf", {}, "2019 template as a PDF"),
    ("synth_legacy.pdf", 111, "legacy", "pdf", {}, "legacy report as a PDF with the 统计表"),
]
BROKEN = ("broken_truncated.pdf", 104, "2021", 0.45)

# ---------------------------------------------------------------------------------------------
# Hand-written files (all text written for this project)
# ---------------------------------------------------------------------------------------------

NOTICE = """柏源县人民政府办公室
关于做好2023年度政府信息公开工作年度报告编制发布工作的通知

各乡镇人民政府、街道办事处，县政府各部门、各直属机构：
根据《中华人民共和国政府信息公开条例》规定，为做好2023年度政府信息公开工作年度报告（以下简称年度报告）的编制和发布工作，现将有关事项通知如下。
一、编制要求
各单位要严格按照国务院办公厅印发的年度报告格式模板编制，做到内容完整、数据准确、表述规范。表格数据须与本单位政府信息公开工作台账一致，不得随意改动表格格式。
二、发布时间
各单位应于2024年1月31日前完成年度报告的编制和内部审核，并在县政府门户网站“政府信息公开年报”栏目集中发布。
三、工作要求
各单位主要负责同志要亲自审定本单位年度报告，办公室要加强对报告质量的把关。县政务公开办将对各单位年度报告进行抽查，抽查结果纳入年度政务公开考核。
联系人：县政务公开办公室，电话：0000-0000000。

柏源县人民政府办公室
2023年12月18日
"""

NEWS_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>我县召开政务公开工作推进会_工作动态_桐川县人民政府门户网站</title></head>
<body>
<div class="nav"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/xwzx/">新闻中心</a></div>
<div class="breadcrumb">当前位置：首页 &gt; 新闻中心 &gt; 工作动态</div>
<div class="article">
<h1>我县召开政务公开工作推进会</h1>
<div class="info">发布时间：2023-06-15　来源：县政务公开办</div>
<div id="zoom">
<p>6月14日下午，县政务公开工作推进会在县政府第二会议室召开。副县长出席会议并讲话，县政府各部门和各乡镇分管负责同志参加会议。</p>
<p>会议通报了上半年全县政务公开工作情况，对网站栏目更新、政策解读、依申请公开办理等方面存在的问题进行了点评，并对下半年重点任务作了安排。</p>
<p>会议强调，各单位要把政务公开作为密切联系群众的重要途径，进一步提高政策发布和解读的质量，确保群众看得到、看得懂、用得上。要严格落实信息发布审核制度，防止出现错漏。</p>
<p>会上，三个单位作了交流发言，介绍了在基层政务公开标准化建设方面的做法。</p>
</div>
</div>
<div class="footer">主办：桐川县人民政府办公室　网站标识码：0000000000</div>
</body>
</html>
"""

# A report written by hand with deviations the generator does not produce: Kangxi radicals
# (⼀ U+2F00, ⼆ U+2F06) in headings, a table-of-contents line repeating every heading, a heading glued
# to the end of the previous paragraph, the 四、结转下年度继续办理 row directly before section 四.
_ZERO7 = "| 0 | 0 | 0 | 0 | 0 | 0 | 0 |"
EDGE_REPORT = "\n".join([
    "柏源县档案馆2022年政府信息公开工作年度报告",
    "目录：⼀、总体情况 ⼆、主动公开政府信息情况 三、收到和处理政府信息公开申请情况 四、政府信息公开行政复议、行政诉讼情况 五、存在的主要问题及改进情况 六、其他需要报告的事项",
    "⼀、总体情况",
    "2022年，柏源县档案馆围绕档案开放利用，认真落实政府信息公开各项要求，公开工作有序开展。全年主动公开政府信息46条，主要涉及档案开放目录、查档指南和馆藏展览等内容。本年度受理政府信息公开申请3件，均已按期答复。",
    "⼆、主动公开政府信息情况",
    "| 第二十条第（一）项 |",
    "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
    "| 规章 | 0 | 0 | 0 |",
    "| 行政规范性文件 | 1 | 0 | 4 |",
    "| 第二十条第（五）项 |",
    "| 信息内容 | 本年处理决定数量 |",
    "| 行政许可 | 0 |",
    "| 第二十条第（六）项 |",
    "| 信息内容 | 本年处理决定数量 |",
    "| 行政处罚 | 0 |",
    "| 行政强制 | 0 |",
    "| 第二十条第（八）项 |",
    "| 信息内容 | 本年收费金额（单位：万元） |",
    "| 行政事业性收费 | 0 |",
    "三、收到和处理政府信息公开申请情况",
    "| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |",
    "| | 自然人 | 法人或其他组织 | 总计 |",
    "| | | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | |",
    "| 一、本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |",
    "| 二、上年结转政府信息公开申请数量 " + _ZERO7,
    "| 三、本年度办理结果 | （一）予以公开 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |",
    "| | （二）部分公开（区分处理的，只计这一情形，不计其他情形） " + _ZERO7,
    "| | （三）不予公开 | 1.属于国家秘密 " + _ZERO7,
    *[f"| | | {lab} " + _ZERO7 for lab in (
        "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益", "5.属于三类内部事务信息",
        "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项")],
    "| | （四）无法提供 | 1.本机关不掌握相关政府信息 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
    *[f"| | | {lab} " + _ZERO7 for lab in ("2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确")],
    "| | （五）不予处理 | 1.信访举报投诉类申请 " + _ZERO7,
    *[f"| | | {lab} " + _ZERO7 for lab in (
        "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息")],
    "| | （六）其他处理 | 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 " + _ZERO7,
    "| | | 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 " + _ZERO7,
    "| | | 3.其他 " + _ZERO7,
    "| | （七）总计 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |",
    "| 四、结转下年度继续办理 " + _ZERO7,
    "四、政府信息公开行政复议、行政诉讼情况",
    "| 行政复议 | 行政诉讼 |",
    "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |",
    "| | | | | | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
    "| 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
    "五、存在的主要问题及改进情况",
    "本馆政府信息公开工作还存在一些不足：一是开放档案目录的更新频次偏低；二是网上查档服务的功能还比较简单。",
    "下一步，本馆将着力做好以下工作：一是按季度更新开放档案目录；二是完善网上查档预约功能；三是加强工作人员业务培训。六、其他需要报告的事项",
    "本年度未收取信息处理费。",
    "",
])


def _zero_rows(keys: list[str]) -> dict:
    return {k: [0] * 7 for k in keys}


def _edge_truth() -> dict:
    from bench.synth import APP_COLUMNS, APP_ROWS_2021

    rows = _zero_rows(APP_ROWS_2021)
    rows["new_received"] = [3, 0, 0, 0, 0, 0, 3]
    rows["granted"] = [2, 0, 0, 0, 0, 0, 2]
    rows["unavailable_not_held"] = [1, 0, 0, 0, 0, 0, 1]
    rows["total"] = [3, 0, 0, 0, 0, 0, 3]
    return {
        "agency": "柏源县档案馆", "year": 2022, "generation": "2021", "is_report": True,
        "sections": ["overview", "active_disclosure", "applications", "review_litigation", "problems_improvements",
                     "other_matters"],
        "tables": {
            "active_disclosure": {
                "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
                "normative_documents": {"issued": 1, "repealed": 0, "in_force": 4},
                "licensing": {"decisions": 0}, "punishment": {"decisions": 0}, "coercion": {"decisions": 0},
                "fees": {"amount": 0},
            },
            "applications": {"columns": list(APP_COLUMNS), "rows": rows},
            "review_litigation": {"review": [0] * 5, "litigation_direct": [0] * 5, "litigation_after_review": [0] * 5},
        },
        "items": {"problems": 2, "improvements": 3},
        "figures": [{"name": "主动公开政府信息", "value": 46, "unit": "条"},
                    {"name": "受理政府信息公开申请", "value": 3, "unit": "件"}],
        "themes": [],
    }


def build() -> dict[str, bytes]:
    """Every example file name -> bytes, plus expected.json."""
    files: dict[str, bytes] = {}
    expected: dict[str, dict] = {}
    for name, seed, generation, renderer, opts, what in GENERATED:
        report = make_report(seed, generation)
        if renderer == "txt":
            data = render_txt(report, **opts)
        else:
            data = {"html": render_html, "docx": render_docx, "pdf": render_pdf}[renderer](report)
        files[name] = data
        expected[name] = {
            "source": "generated",
            "generator": {"seed": seed, "generation": generation, "renderer": renderer, **opts},
            "format": renderer,
            "tests": what,
            "expected": "processed",
            **report.truth(),
        }
    name, seed, generation, frac = BROKEN
    pdf = render_pdf(make_report(seed, generation))
    files[name] = pdf[: int(len(pdf) * frac)]
    expected[name] = {"source": "generated", "generator": {"seed": seed, "generation": generation,
                                                            "renderer": "pdf", "truncated_to": frac},
                      "format": "pdf", "tests": "a PDF cut off mid-file (no xref, no trailer)",
                      "expected": "decode_error", "is_report": None}
    files["not_a_report_notice.txt"] = NOTICE.encode("utf-8")
    expected["not_a_report_notice.txt"] = {
        "source": "hand_written", "format": "txt", "expected": "not_a_report", "is_report": False,
        "tests": "a 通知 about compiling annual reports: names 政府信息公开工作年度报告 but is not one"}
    files["not_a_report_news.html"] = NEWS_HTML.encode("utf-8")
    expected["not_a_report_news.html"] = {
        "source": "hand_written", "format": "html", "expected": "not_a_report", "is_report": False,
        "tests": "a news article on a government site about 政务公开 work, with chrome, no tables"}
    files["edge_handwritten_2022.txt"] = EDGE_REPORT.encode("utf-8")
    expected["edge_handwritten_2022.txt"] = {
        "source": "hand_written", "format": "txt", "expected": "processed",
        "tests": "Kangxi radicals in headings (NFKC), table-of-contents line, heading glued to a paragraph end, "
                 "row 四、结转下年度继续办理 right before heading 四、",
        **_edge_truth()}
    files["edge_empty.txt"] = b""
    expected["edge_empty.txt"] = {"source": "hand_written", "format": "txt", "expected": "empty_document",
                                  "is_report": None, "tests": "a zero-byte file"}
    text = json.dumps(expected, ensure_ascii=False, indent=1)
    text = re.sub(r"\[\s+([-\d.,\s]+?)\s+\]", lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    files["expected.json"] = (text + "\n").encode("utf-8")
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=EXAMPLES)
    ap.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    args = ap.parse_args(argv)
    files = build()
    if args.check:
        bad = [n for n, b in files.items() if not (args.out / n).is_file() or (args.out / n).read_bytes() != b]
        for n in bad:
            print(f"differs: {n}")
        return 1 if bad else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for n, b in files.items():
        (args.out / n).write_bytes(b)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
