"""extraction.load: every format, every encoding, every error code it owns.

All inputs are built here, in code; the Chinese sample text is our own.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extraction.document import Grid, LoadedDocument
from extraction.errors import GovdigestError
from extraction.load import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    iter_archive,
    load,
    load_path,
    max_bytes_limit,
    nfkc,
    normalise_text,
)

# ---------------------------------------------------------------------------------------------
# shared builders

REPORT = (
    "某某县人民政府2022年政府信息公开工作年度报告\n"
    "一、总体情况\n"
    "2022年，某某县认真贯彻落实《中华人民共和国政府信息公开条例》，全年受理政府信息公开申请15件。\n"
    "二、主动公开政府信息情况\n"
    "本年制发规范性文件3件，废止1件。\n"
    "六、其他需要报告的事项\n"
    "本年度未收取信息处理费。\n"
)
EXPECTED = normalise_text(REPORT)


def raises_code(code: str):
    """pytest.raises for a GovdigestError with this code."""

    class _Check:
        def __enter__(self):
            self._cm = pytest.raises(GovdigestError)
            self.info = self._cm.__enter__()
            return self.info

        def __exit__(self, *exc):
            suppressed = self._cm.__exit__(*exc)
            assert self.info.value.code == code, (
                f"expected {code}, got {self.info.value.code}: {self.info.value}"
            )
            return suppressed

    return _Check()


def cid_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def make_pdf(pages: list[list[str]], footer: str | None = "- {n} -", **canvas_kwargs) -> bytes:
    """A PDF with one text line per entry, in a CJK CID font, and a page-number footer."""
    from reportlab.pdfgen import canvas

    font = cid_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, **canvas_kwargs)
    for n, lines in enumerate(pages, 1):
        c.setFont(font, 12)
        y = 780
        for line in lines:
            c.drawString(72, y, line)
            y -= 18
        if footer:
            c.drawCentredString(297, 40, footer.format(n=n))
        c.showPage()
    c.save()
    return buf.getvalue()


def make_zip(members: dict[str, bytes], compresslevel: int | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def make_docx() -> bytes:
    """Paragraphs, a table with a 2x2 merged header, a column-merged label and a row-merged group."""
    import docx

    d = docx.Document()
    d.add_paragraph("某某县人民政府2022年政府信息公开工作年度报告")
    d.add_paragraph("一、总体情况")
    d.add_paragraph("2022年，某某县受理政府信息公开申请15件。")
    t = d.add_table(rows=5, cols=4)
    t.cell(0, 0).merge(t.cell(1, 1)).text = "本列数据的勾稽关系"
    t.cell(0, 2).merge(t.cell(0, 3)).text = "申请人情况"
    t.cell(1, 2).text = "自然人"
    t.cell(1, 3).text = "总计"
    t.cell(2, 0).merge(t.cell(2, 1)).text = "一、本年新收政府信息公开申请数量"
    t.cell(2, 2).text = "15"
    t.cell(2, 3).text = "15"
    t.cell(3, 0).merge(t.cell(4, 0)).text = "三、本年度办理结果"
    t.cell(3, 1).text = "（一）予以公开"
    t.cell(3, 2).text = "12"
    t.cell(3, 3).text = "12"
    t.cell(4, 1).text = "（二）部分公开"
    t.cell(4, 2).text = "3"
    t.cell(4, 3).text = "3"
    d.add_paragraph("六、其他需要报告的事项")
    d.add_paragraph("无。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>某某县人民政府门户网站</title><style>p {{ color: red }}</style>
<script>var menu = "首页导航脚本文字";</script></head>
<body>
<div id="header"><a href="/">某某县人民政府门户网站首页</a></div>
<nav><ul><li>首页</li><li>政务公开</li><li>政府信息公开年度报告</li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 年度报告</div>
<div class="left-sidebar"><ul><li>相关链接一</li><li>相关链接二</li></ul></div>
<div class="article">
<h1>某某县人民政府2022年政府信息公开工作年度报告</h1>
<div id="zoom" class="TRS_Editor">
<p>　　根据《中华人民共和国政府信息公开条例》，编制本报告。</p>
<p>一、总体情况<br>2022年，某某县受理政府信息
公开申请15件。</p>
<table border="1">
<tr><th rowspan="2" colspan="2">本列数据的勾稽关系</th><th colspan="2">申请人情况</th></tr>
<tr><th>自然人</th><th>总计</th></tr>
<tr><td colspan="2">一、本年新收政府信息公开申请数量</td><td>15</td><td>15</td></tr>
<tr><td rowspan="2">三、本年度办理结果</td><td>（一）予以公开</td><td>12</td><td></td></tr>
<tr><td>（二）部分公开</td><td>3</td><td>3</td></tr>
</table>
<p>六、其他需要报告的事项<br/>无。</p>
<div class="share-bar">分享到：微信 微博</div>
</div></div>
<div class="footer">主办单位：某某县人民政府办公室 版权所有</div>
<footer>网站标识码 0000000000</footer>
</body></html>
"""

HTML_ROWS = [
    ["本列数据的勾稽关系", "本列数据的勾稽关系", "申请人情况", "申请人情况"],
    ["本列数据的勾稽关系", "本列数据的勾稽关系", "自然人", "总计"],
    ["一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", "15", "15"],
    ["三、本年度办理结果", "(一)予以公开", "12", ""],
    ["三、本年度办理结果", "(二)部分公开", "3", "3"],
]
HTML_RENDERING = (
    "| 本列数据的勾稽关系 | 申请人情况 |\n"
    "| 本列数据的勾稽关系 | 自然人 | 总计 |\n"
    "| 一、本年新收政府信息公开申请数量 | 15 | 15 |\n"
    "| 三、本年度办理结果 | (一)予以公开 | 12 |  |\n"
    "| 三、本年度办理结果 | (二)部分公开 | 3 | 3 |"
)


def assert_invariants(doc: LoadedDocument) -> None:
    """What every LoadedDocument promises: normal form, and grids that point at their rendering."""
    assert doc.text == normalise_text(doc.text)
    assert unicodedata.is_normalized("NFKC", doc.text)
    assert "\r" not in doc.text
    for grid in doc.tables:
        assert isinstance(grid, Grid)
        assert len({len(row) for row in grid.rows}) == 1, "grid must be rectangular"
        rendering = doc.text[grid.start : grid.end]
        assert len(rendering.split("\n")) == len(grid.rows)
        assert all(line.startswith("| ") and line.endswith(" |") for line in rendering.split("\n"))


# ---------------------------------------------------------------------------------------------
# plain text and encodings


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_load_txt_encodings(encoding):
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + REPORT.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + REPORT.encode("utf-16-be")
    else:
        data = REPORT.encode(encoding)
    doc = load(data, "report.txt")
    assert doc.format == "txt"
    assert doc.filename == "report.txt"
    assert doc.text == EXPECTED
    assert doc.text.startswith("某某县人民政府2022年政府信息公开工作年度报告\n一、总体情况\n")
    assert doc.tables == [] and doc.pages is None


def test_load_gb18030_characters_outside_gbk():
    text = REPORT + "附:㐀字与𠀀字只在GB18030中。\n"  # U+3400 and U+20000 are not in GBK
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    doc = load(text.encode("gb18030"), "r.txt")
    assert "㐀字与𠀀字" in doc.text
    assert doc.text.startswith("某某县人民政府")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_load_utf16_without_bom(encoding):
    data = REPORT.encode(encoding)
    assert not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    assert load(data, "r.txt").text == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_load_utf16_without_bom_truncated(encoding):
    # a file cut one byte short (odd length) still decodes: the NUL positions give UTF-16 away
    data = REPORT.encode(encoding) + b"\n"
    assert load(data, "r.txt").text == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_load_utf16_without_bom_or_ascii(encoding):
    # No ASCII at all, so no NUL bytes to go by: only the plausibility of the characters decides.
    text = "某某县人民政府政府信息公开工作年度报告总体情况主动公开政府信息情况收到和处理政府信息公开申请情况"
    assert load(text.encode(encoding), "r.txt").text == text


def test_load_gbk_is_not_mistaken_for_other_encodings():
    data = (REPORT * 30).encode("gbk")
    doc = load(data, "r.txt")
    assert doc.text.count("政府信息公开") == 30 * 3
    assert doc.warnings == []


def test_load_kangxi_radicals_and_full_width_are_normalised():
    raw = "⼀、总体情况\r\n（⼆）依申请公开：受理１５件，ＡＢＣ。\r⼗分重要\u3000\n"
    doc = load(raw.encode("utf-8"), "r.txt")
    assert doc.text == "一、总体情况\n(二)依申请公开:受理15件,ABC。\n十分重要"
    assert "\u2f00" not in doc.text


def test_load_normalises_controls_blank_lines_and_trailing_spaces():
    raw = "标题  \n\n\n\n\n\n第一段\x00\x07内容\t \n\u200b第二段\ufeff\n\n\n\n"
    doc = load(raw.encode("utf-8"), "r.txt")
    assert doc.text == "标题\n\n\n第一段内容\n第二段"


def test_load_nfkc_fast_path_equals_unicodedata():
    samples = [
        REPORT,
        "⼀、（⼆）①②㈠㎡ｶﾞﾟ…\u3000e\u0301가\u1161\u11a8Ⅻ ﬁ",
        "".join(chr(c) for c in range(0xFF00, 0xFFEF)),
        "".join(chr(c) for c in range(0x2F00, 0x2FD6)),
    ]
    rng = random.Random(7)
    pool = [chr(c) for c in range(0xA0, 0x3400) if c % 7 == 0] + list("一二abc\u0301\u0308가\u1161")
    samples += ["".join(rng.choice(pool) for _ in range(20)) for _ in range(300)]
    for s in samples:
        assert nfkc(s) == unicodedata.normalize("NFKC", s)


def test_load_random_binary_named_txt_is_decode_error():
    data = random.Random(1234).randbytes(8192)
    with raises_code("decode_error"):
        load(data, "report.txt")


def test_load_pdf_bytes_named_txt_is_decode_error():
    with raises_code("decode_error") as info:
        load(make_pdf([["某某县人民政府年度报告"]]), "report.txt")
    assert "PDF" in info.value.detail


def test_load_text_full_of_control_characters_is_decode_error():
    data = ("报告\x01\x02\x03\x04\x05\x06" * 50).encode("utf-8")
    with raises_code("decode_error"):
        load(data, "r.txt")


@pytest.mark.parametrize("page_break", ["\f", "\n=== page 2 ===\n", "\n--- Page 2 ---\n"])
def test_load_txt_saved_from_pdf_drops_page_numbers_and_markers(page_break):
    text = ("某某县人民政府2022年政府信息公开工作年度报告\n一、总体情况\n全年主动公开信息120条。\n- 1 -\n"
            "[tool: 1 table(s) detected on this page]" + page_break + "行政许可 35\n行政处罚 7\n第2页 共2页\n")
    doc = load(text.encode("utf-8"), "r.txt")
    assert doc.text.split("\n") == ["某某县人民政府2022年政府信息公开工作年度报告", "一、总体情况",
                                    "全年主动公开信息120条。", "行政许可 35", "行政处罚 7"]


def test_load_txt_without_pages_drops_only_decorated_page_numbers():
    text = "某某县人民政府年度报告\n- 1 -\n[1]\n3\n本年增/减 -2\n第2页 共3页\n—3—"
    assert load(text.encode("utf-8"), "r.txt").text.split("\n") == ["某某县人民政府年度报告", "[1]", "3", "本年增/减 -2"]


@pytest.mark.parametrize("text", ["正文\n—3—\u3000\n正文", "正文\n第2页\x1c", "- 1 -", "正文 -\t\n", "正文\n页 \u2028",
                                  "正文\n-3-正文", "正文—\n正文", "页码：三", "", "=="])
def test_load_furniture_hint_agrees_with_the_dash_pattern(text):
    from extraction.load import _DASH_AT_LINE_END, _MARKER_RUNS, _furniture_hint

    expected = any(m in text for m in _MARKER_RUNS) or bool(_DASH_AT_LINE_END.search(text))
    assert _furniture_hint(text) is expected


def test_load_txt_in_markdown_loses_its_heading_marks():
    text = "# 某某县人民政府2022年政府信息公开工作年度报告\n\n## 一、总体情况\n\n全年公开信息#12条。\n### （一）加强组织领导\n"
    lines = [x for x in load(text.encode("utf-8"), "r.txt").text.split("\n") if x]
    assert lines == ["某某县人民政府2022年政府信息公开工作年度报告", "一、总体情况", "全年公开信息#12条。", "(一)加强组织领导"]
    # one '#' line alone is text, not Markdown
    assert load("# 1\n某某县人民政府年度报告".encode(), "r.txt").text.startswith("# 1")


def test_load_spaced_out_characters_of_a_pdf_text_layer_are_joined():
    text = "某 某 县 财 政 局 2 0 2 2 年 政 府 信 息 公 开 工 作 年 度 报 告\n全 年 公 开 信 息 1 0 0 条 。\n"
    text += "自然人 商业企业 科研机构 社会公益组织\n行政许可 0 0 0\n"
    assert load(text.encode(), "r.txt").text.split("\n") == [
        "某某县财政局2022年政府信息公开工作年度报告", "全年公开信息100条。",
        "自然人 商业企业 科研机构 社会公益组织", "行政许可 0 0 0"]  # words and cells keep their spaces


def test_load_txt_holding_html_is_parsed_as_html():
    page = "<!DOCTYPE html><html><body><nav>首页 导航</nav><p>某某县年度报告</p><p>一、总体情况</p></body></html>"
    doc = load(page.encode("utf-8"), "page.txt")
    assert doc.format == "html"
    assert doc.text == "某某县年度报告\n一、总体情况"
    assert any("HTML" in w for w in doc.warnings)


# ---------------------------------------------------------------------------------------------
# HTML


def test_load_html_drops_chrome_and_expands_spans():
    doc = load(HTML_PAGE.encode("gbk"), "report.html")
    assert_invariants(doc)
    assert doc.format == "html"
    lines = doc.text.split("\n")
    assert lines[0] == "某某县人民政府2022年政府信息公开工作年度报告"
    assert lines[1] == "根据《中华人民共和国政府信息公开条例》,编制本报告。"
    assert lines[2] == "一、总体情况"
    assert lines[3] == "2022年,某某县受理政府信息公开申请15件。"  # source line break inside CJK joined
    assert lines[-2:] == ["六、其他需要报告的事项", "无。"]
    for chrome in ("首页", "当前位置", "相关链接", "分享到", "版权所有", "网站标识码", "导航脚本", "color"):
        assert chrome not in doc.text, chrome

    assert len(doc.tables) == 1
    grid = doc.tables[0]
    assert grid.rows == HTML_ROWS
    assert grid.spans == {(0, 1), (0, 3), (1, 0), (1, 1), (2, 1), (4, 0)}
    assert doc.text[grid.start : grid.end] == HTML_RENDERING
    assert doc.text[grid.start - 1] == "\n" and doc.text[grid.end] == "\n"


def test_load_html_nested_layout_table_is_a_container():
    inner = (
        "<table><tr><td>项目</td><td>数量</td></tr><tr><td>行政许可</td><td>550</td></tr>"
        "<tr><td>行政处罚</td><td>41</td></tr></table>"
    )
    page = (
        "<html><head><meta charset='utf-8'></head><body><table width='980'><tr>"
        "<td class='menu'>栏目一 栏目二 栏目三</td>"
        f"<td><p>某某区人民政府2022年政府信息公开工作年度报告</p><p>二、主动公开政府信息情况</p>{inner}"
        "<p>三、收到和处理政府信息公开申请情况</p></td></tr></table></body></html>"
    )
    doc = load(page.encode("utf-8"), "r.htm")
    assert_invariants(doc)
    assert len(doc.tables) == 1
    assert doc.tables[0].rows == [["项目", "数量"], ["行政许可", "550"], ["行政处罚", "41"]]
    assert doc.tables[0].spans == set()
    assert doc.text == (
        "某某区人民政府2022年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
        "| 项目 | 数量 |\n| 行政许可 | 550 |\n| 行政处罚 | 41 |\n三、收到和处理政府信息公开申请情况"
    )


def test_load_html_keeps_only_the_main_container_and_the_title():
    # the related-links block has no chrome-like class; only picking the content container drops it
    page = (
        "<html><body><div class='detail-title'><h2>某某县2022年政府信息公开工作年度报告</h2></div>"
        "<div class='content'><p>一、总体情况</p><p>全年受理政府信息公开申请15件,均已按期答复。</p>"
        "<p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p></div>"
        "<div class='related'><p>相关文章:某某县2021年政府信息公开工作年度报告</p></div></body></html>"
    )
    doc = load(page.encode("utf-8"), "r.html")
    assert doc.text == (
        "某某县2022年政府信息公开工作年度报告\n一、总体情况\n全年受理政府信息公开申请15件,均已按期答复。\n"
        "六、其他需要报告的事项\n本年度未收取信息处理费。"
    )


def test_load_html_form_wrapping_the_page_is_not_chrome():
    # ASP.NET pages wrap the whole body in <form>; dropping it would drop the report.
    page = (
        "<html><body><form id='form1'><div class='nav'>首页 机构 政务</div>"
        "<p>某某县2022年政府信息公开工作年度报告</p><p>一、总体情况</p><p>全年受理申请15件。</p>"
        "</form></body></html>"
    )
    doc = load(page.encode("utf-8"), "r.html")
    assert doc.text == "某某县2022年政府信息公开工作年度报告\n一、总体情况\n全年受理申请15件。"


def test_load_html_names_the_report_from_its_head_title_when_the_body_does_not():
    page = ("<html><head><title>某某县民政局2022年政府信息公开工作年度报告_某某县人民政府</title></head><body>"
            "<p>一、总体情况</p><p>2022年，本局推进公开。</p></body></html>")
    assert load(page.encode(), "p.html").text.split("\n")[0] == "某某县民政局2022年政府信息公开工作年度报告"
    named = page.replace("<p>一、总体情况", "<h1>某某县民政局2022年政府信息公开工作年度报告</h1><p>一、总体情况")
    assert load(named.encode(), "p.html").text.count("年度报告") == 1  # not twice


def test_load_html_charset_from_meta_and_utf8_wins_when_valid():
    body = '<html><head><meta charset="gbk"></head><body><p>某某县年度报告</p></body></html>'
    assert load(body.encode("gbk"), "a.html").text == "某某县年度报告"
    # A page that lies (declares GBK, is UTF-8) still decodes.
    assert load(body.encode("utf-8"), "a.html").text == "某某县年度报告"


def test_load_html_without_markup_keeps_its_lines():
    doc = load(REPORT.encode("utf-8"), "saved.htm")
    assert doc.text == EXPECTED


# ---------------------------------------------------------------------------------------------
# DOCX


def test_load_docx_paragraphs_and_merged_table():
    doc = load(make_docx(), "report.docx")
    assert_invariants(doc)
    assert doc.format == "docx"
    lines = doc.text.split("\n")
    assert lines[:3] == [
        "某某县人民政府2022年政府信息公开工作年度报告",
        "一、总体情况",
        "2022年,某某县受理政府信息公开申请15件。",
    ]
    assert lines[-2:] == ["六、其他需要报告的事项", "无。"]
    assert len(doc.tables) == 1
    grid = doc.tables[0]
    assert grid.rows == [
        ["本列数据的勾稽关系", "本列数据的勾稽关系", "申请人情况", "申请人情况"],
        ["本列数据的勾稽关系", "本列数据的勾稽关系", "自然人", "总计"],
        ["一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", "15", "15"],
        ["三、本年度办理结果", "(一)予以公开", "12", "12"],
        ["三、本年度办理结果", "(二)部分公开", "3", "3"],
    ]
    assert grid.spans == {(0, 1), (0, 3), (1, 0), (1, 1), (2, 1), (4, 0)}
    assert doc.text[grid.start : grid.end] == (
        "| 本列数据的勾稽关系 | 申请人情况 |\n"
        "| 本列数据的勾稽关系 | 自然人 | 总计 |\n"
        "| 一、本年新收政府信息公开申请数量 | 15 | 15 |\n"
        "| 三、本年度办理结果 | (一)予以公开 | 12 | 12 |\n"
        "| 三、本年度办理结果 | (二)部分公开 | 3 | 3 |"
    )
    # the table sits between the paragraphs, in document order
    assert doc.text.index("申请15件。") < grid.start < doc.text.index("六、其他需要报告的事项")


def test_load_docx_renders_automatic_numbering():
    import docx

    d = docx.Document()
    d.add_paragraph("某某县年度报告")
    d.add_paragraph("主动公开", style="List Number")
    d.add_paragraph("依申请公开", style="List Number")
    buf = io.BytesIO()
    d.save(buf)
    assert load(buf.getvalue(), "n.docx").text == "某某县年度报告\n1.主动公开\n2.依申请公开"


def test_load_docx_template_content_type_is_read_anyway():
    # python-docx refuses a .dotx (template) content type; the XML is read directly instead
    src = zipfile.ZipFile(io.BytesIO(make_docx()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
                assert b"template.main+xml" in data
            out.writestr(info, data)
    doc = load(buf.getvalue(), "template.docx")
    assert doc.text == load(make_docx(), "report.docx").text
    assert doc.tables[0].rows[3] == ["三、本年度办理结果", "(一)予以公开", "12", "12"]
    assert any("python-docx" in w for w in doc.warnings)


def test_load_docx_random_bytes_is_decode_error():
    with raises_code("decode_error"):
        load(random.Random(5).randbytes(4096), "report.docx")


def test_load_docx_zip_without_document_xml_is_decode_error():
    with raises_code("decode_error") as info:
        load(make_zip({"readme.txt": "某某县".encode()}), "report.docx")
    assert "word/document.xml" in info.value.detail


def test_load_legacy_doc_named_docx_is_decode_error():
    with raises_code("decode_error") as info:
        load(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old.docx")
    assert ".doc" in info.value.detail


# ---------------------------------------------------------------------------------------------
# PDF


def test_load_pdf_cid_font_two_pages_footers_removed():
    data = make_pdf(
        [
            ["某某县人民政府2022年政府信息公开工作年度报告", "一、总体情况", "2022年，全年受理申请15件。"],
            ["二、主动公开政府信息情况", "行政许可 550"],
        ]
    )
    doc = load(data, "report.pdf")
    assert_invariants(doc)
    assert doc.format == "pdf" and doc.pages == 2
    assert doc.text == (
        "某某县人民政府2022年政府信息公开工作年度报告\n一、总体情况\n2022年,全年受理申请15件。\n"
        "二、主动公开政府信息情况\n行政许可 550"
    )
    assert "- 1 -" not in doc.text and "- 2 -" not in doc.text


def test_load_pdf_page_number_styles():
    pages = [["某某县人民政府年度报告", f"第{n}段正文内容"] for n in range(1, 4)]
    for footer in ("—{n}—", "第 {n} 页 共 3 页", "{n}/3", "{n}"):
        doc = load(make_pdf(pages, footer=footer), "r.pdf")
        assert doc.text == "\n".join("\n".join(p) for p in pages), footer


def test_load_pdf_running_header_on_every_page_is_dropped():
    # the agency name printed at the top of every page splits a paragraph at each page break
    head = "某某县水务局"
    body = [f"第{n}行正文" for n in range(1, 13)]
    pages = [
        [head, "某某县水务局2022年政府信息公开工作年度报告", "一、总体情况", *body[:4], "全年主动公开信息"],
        [head, "120条，较上年有所增加。", *body[4:8], "二、主动公开政府信息情况"],
        [head, *body[8:], "行政许可 550"],
    ]
    doc = load(make_pdf(pages), "r.pdf")
    assert doc.text == "\n".join(
        ["某某县水务局2022年政府信息公开工作年度报告", "一、总体情况", *body[:4], "全年主动公开信息",
         "120条,较上年有所增加。", *body[4:8], "二、主动公开政府信息情况", *body[8:], "行政许可 550"]
    )


def test_load_pdf_title_repeated_as_running_header_keeps_the_title():
    # a header equal to the title, from page 2 on: the title on page 1 stays
    title = "某某县水务局2022年政府信息公开工作年度报告"
    body = [f"第{n}行正文" for n in range(1, 13)]
    pages = [[title, "一、总体情况", *body[:4]], [title, *body[4:8]], [title, *body[8:]]]
    doc = load(make_pdf(pages), "r.pdf")
    assert doc.text == "\n".join([title, "一、总体情况", *body])


def test_load_pdf_line_repeated_on_two_pages_of_many_stays():
    # a table header repeated at the top of two pages of a five-page report is content
    pages = [["某某县水务局年度报告", *(f"正文{n}之{k}" for k in range(6))] for n in range(1, 4)]
    pages += [["申请人情况 自然人", *(f"本年新收 {k}" for k in range(6))]]
    pages += [["申请人情况 自然人", *(f"本年办结 {k}" for k in range(6))]]
    doc = load(make_pdf(pages), "r.pdf")
    assert doc.text.count("申请人情况 自然人") == 2


def test_load_pdf_keeps_a_number_that_is_table_data():
    # a lone "7" at the end of one page is not a page number (page 2; no other page agrees)
    pages = [["某某县人民政府年度报告", "正文第一页"], ["表三 总计", "7"]]
    doc = load(make_pdf(pages, footer=None), "r.pdf")
    assert doc.text.endswith("表三 总计\n7")


def test_load_pdf_without_text_is_no_text_layer():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 300, 400, fill=1)
    c.showPage()
    c.rect(50, 50, 100, 100, fill=0)
    c.showPage()
    c.save()
    with raises_code("no_text_layer"):
        load(buf.getvalue(), "scan.pdf")


def test_load_pdf_with_only_an_image_is_no_text_layer():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(_ppm_image(), 50, 50, 400, 400)  # a tiny bitmap built by hand (PPM)
    c.showPage()
    c.save()
    with raises_code("no_text_layer"):
        load(buf.getvalue(), "scan.pdf")


def _ppm_image():
    from reportlab.lib.utils import ImageReader

    ppm = b"P6 2 2 255\n" + bytes([0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0])
    return ImageReader(io.BytesIO(ppm))


@pytest.mark.parametrize(("text_pages", "image_pages", "error"), [(3, 1, None), (1, 2, "no_text_layer")])
def test_load_pdf_some_scanned_pages(text_pages, image_pages, error):
    from reportlab.pdfgen import canvas

    font = cid_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(text_pages):
        c.setFont(font, 12)
        c.drawString(72, 780, f"某某县人民政府2022年政府信息公开工作年度报告第{n + 1}页正文")
        c.showPage()
    for _ in range(image_pages):
        c.drawImage(_ppm_image(), 50, 50, 400, 400)
        c.showPage()
    c.save()
    if error:
        with raises_code(error):
            load(buf.getvalue(), "mixed.pdf")
    else:
        doc = load(buf.getvalue(), "mixed.pdf")
        assert doc.pages == 4
        assert doc.text.count("年度报告") == 3
        assert any("page(s) 4" in w for w in doc.warnings)


def test_load_pdf_encrypted_is_encrypted_pdf():
    data = make_pdf([["某某县人民政府2022年政府信息公开工作年度报告"]], encrypt="secret")
    assert b"/Encrypt" in data
    with raises_code("encrypted_pdf") as info:
        load(data, "locked.pdf")
    assert "password" in info.value.detail


def test_load_pdf_corrupt_is_decode_error():
    good = make_pdf([["某某县人民政府2022年政府信息公开工作年度报告"] * 5])
    with raises_code("decode_error"):
        load(b"%PDF-1.4\n" + random.Random(3).randbytes(3000), "broken.pdf")
    with raises_code("decode_error"):
        load(good[: len(good) // 3], "truncated.pdf")


def test_load_pdf_without_header_is_decode_error():
    with raises_code("decode_error") as info:
        load(REPORT.encode("utf-8"), "report.pdf")
    assert "%PDF" in info.value.detail


# ---------------------------------------------------------------------------------------------
# formats, sizes, emptiness


@pytest.mark.parametrize("name", ["setup.exe", "report.xyz", "report", "report.doc", "report.txt.gz"])
def test_load_unsupported_suffix(name):
    with raises_code("unsupported_format"):
        load(REPORT.encode("utf-8"), name)


def test_load_zip_points_to_iter_archive():
    with raises_code("unsupported_format") as info:
        load(make_zip({"a.txt": REPORT.encode()}), "batch.zip")
    assert "iter_archive" in info.value.detail


def test_load_suffix_is_case_insensitive():
    assert load(REPORT.encode("utf-8"), "REPORT.TXT").text == EXPECTED


@pytest.mark.parametrize("name", ["a.txt", "a.html", "a.docx", "a.pdf"])
def test_load_zero_bytes_is_empty_document(name):
    with raises_code("empty_document"):
        load(b"", name)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"  \r\n\t\n   \n", "a.txt"),
        ("\u3000\u3000\n\xa0".encode(), "a.txt"),
        (" \n".encode("utf-16"), "a.txt"),
        (b"<html><body><div>  </div><script>var x = 1;</script></body></html>", "a.html"),
    ],
)
def test_load_whitespace_only_is_empty_document(data, name):
    with raises_code("empty_document"):
        load(data, name)


def test_load_empty_docx_is_empty_document():
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    with raises_code("empty_document"):
        load(buf.getvalue(), "blank.docx")


def test_load_too_large_by_argument():
    data = REPORT.encode("utf-8")
    with raises_code("too_large"):
        load(data, "r.txt", max_bytes=len(data) - 1)
    assert load(data, "r.txt", max_bytes=len(data)).text == EXPECTED


def test_load_too_large_is_checked_before_parsing():
    # garbage that would be a decode_error: size wins because it is checked first
    with raises_code("too_large"):
        load(b"\x00\xff" * 100, "r.pdf", max_bytes=10)


def test_load_too_large_by_environment(monkeypatch, tmp_path):
    data = REPORT.encode("utf-8")
    monkeypatch.setenv("GOVDIGEST_MAX_BYTES", str(len(data) - 1))
    assert max_bytes_limit() == len(data) - 1
    with raises_code("too_large"):
        load(data, "r.txt")
    path = tmp_path / "r.txt"
    path.write_bytes(data)
    with raises_code("too_large"):
        load_path(path)
    monkeypatch.setenv("GOVDIGEST_MAX_BYTES", str(len(data)))
    assert load(data, "r.txt").text == EXPECTED
    monkeypatch.delenv("GOVDIGEST_MAX_BYTES")
    assert max_bytes_limit() == DEFAULT_MAX_BYTES == 20 * 1024 * 1024


def test_load_path_reads_the_file(tmp_path):
    path = tmp_path / "某某县2022年报.txt"
    path.write_bytes(REPORT.encode("gb18030"))
    doc = load_path(path)
    assert doc.text == EXPECTED
    assert doc.filename == "某某县2022年报.txt"
    with raises_code("unsupported_format"):
        load_path(tmp_path / "report.exe")


def test_load_supported_suffixes():
    assert SUPPORTED_SUFFIXES == {".txt", ".html", ".htm", ".docx", ".pdf", ".zip"}


# ---------------------------------------------------------------------------------------------
# archives


def test_load_zip_yields_supported_members():
    data = make_zip(
        {
            "2022/a.txt": REPORT.encode("gbk"),
            "2022/b.docx": make_docx(),
            "notes.xlsx": b"not a document we read",
            "inner.zip": make_zip({"c.txt": b"x"}),
            "__MACOSX/2022/._a.txt": b"\x00\x05\x16\x07",
        }
    )
    members = list(iter_archive(data, "batch.zip"))
    assert [name for name, _ in members] == ["2022/a.txt", "2022/b.docx"]
    assert load(members[0][1], members[0][0]).text == EXPECTED
    assert load(members[1][1], members[1][0]).tables[0].rows[2][2] == "15"


def test_load_zip_gbk_member_names_are_decoded():
    # Chinese Windows tools store GBK names without the UTF-8 flag; zipfile reads them as CP437.
    gbk_name = "某某县年报.txt".encode("gbk")
    placeholder = b"X" * (len(gbk_name) - 4) + b".txt"
    data = make_zip({placeholder.decode(): REPORT.encode()})
    assert data.count(placeholder) == 2  # local header and central directory; names are not checksummed
    data = data.replace(placeholder, gbk_name)
    assert not zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x800
    assert [name for name, _ in iter_archive(data, "b.zip")] == ["某某县年报.txt"]


@pytest.mark.parametrize(
    "name", ["../evil.txt", "a/../../evil.txt", "/etc/evil.txt", "C:/evil.txt", "..\\evil.txt"]
)
def test_load_zip_slip_is_zip_unsafe(name):
    data = make_zip({"ok.txt": REPORT.encode(), name: b"pwned"})
    with raises_code("zip_unsafe"):
        list(iter_archive(data, "evil.zip"))


def test_load_zip_bomb_is_zip_unsafe():
    data = make_zip({"bomb.txt": bytes(50 * 1024 * 1024)}, compresslevel=9)
    assert len(data) < 1024 * 1024
    with raises_code("zip_unsafe"):
        list(iter_archive(data, "bomb.zip", max_bytes=1024 * 1024))
    # the compression ratio alone trips it, with the default limit too
    with raises_code("zip_unsafe"):
        list(iter_archive(data, "bomb.zip"))


def test_load_zip_checks_are_done_before_anything_is_yielded():
    data = make_zip({"a.txt": REPORT.encode(), "../b.txt": REPORT.encode()})
    gen = iter_archive(data, "x.zip")
    with raises_code("zip_unsafe"):
        next(gen)


def test_load_zip_member_over_the_limit_gives_too_large():
    big = (REPORT * 40).encode("utf-8")
    data = make_zip({"big.txt": big, "small.txt": "某某县年报".encode()})
    members = dict(iter_archive(data, "x.zip", max_bytes=len(big) - 10))
    with raises_code("too_large"):
        load(members["big.txt"], "big.txt", max_bytes=len(big) - 10)
    assert load(members["small.txt"], "small.txt").text == "某某县年报"


def test_load_zip_corrupt_is_decode_error():
    with raises_code("decode_error"):
        list(iter_archive(b"PK\x03\x04" + random.Random(9).randbytes(500), "x.zip"))


def test_load_zip_archive_itself_too_large():
    data = make_zip({"a.txt": REPORT.encode()})
    with raises_code("too_large"):
        list(iter_archive(data, "x.zip", max_bytes=len(data) - 1))


# ---------------------------------------------------------------------------------------------
# robustness and cost


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([".txt", ".html", ".docx", ".pdf"]))
def test_load_never_leaks_a_library_exception(data, suffix):
    if suffix == ".pdf":
        data = b"%PDF-1.4\n" + data
    try:
        doc = load(data, "fuzz" + suffix)
    except GovdigestError as exc:
        assert exc.code in {"decode_error", "empty_document", "no_text_layer", "encrypted_pdf", "zip_unsafe"}
    else:
        assert doc.text.strip()
        assert doc.text == normalise_text(doc.text)


def test_load_import_is_light():
    code = (
        "import sys, extraction.load\n"
        "heavy = [m for m in ('pdfplumber', 'pdfminer', 'docx', 'bs4', 'charset_normalizer', 'lxml') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "doc = extraction.load.load('某某县年度报告'.encode(), 'a.txt')\n"
        "heavy = [m for m in ('pdfplumber', 'docx', 'bs4', 'charset_normalizer') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_load_txt_loses_markdown_bold_marks():
    text = "**某县2022年政府信息公开工作年度报告**\n**一、总体情况**\n本年度工作**稳步**推进。\n"
    assert load(text.encode(), "r.txt").text.split("\n") == [
        "某县2022年政府信息公开工作年度报告", "一、总体情况", "本年度工作稳步推进。"]


# one cell a line (a crawled web table): a blank cell is a line holding only a tab
_CELL_ROWS = (
    "三、收到和处理政府信息公开申请情况\n\n"
    "\t申请人情况\n\n\t自然人\n\t其他\n\t \n\n"
    "\t一、本年新收政府信息公开申请数量\n\t5\n\t\t\n\t\n\t2\n\t\n\t\n\t7\n\n"
    "\t二、上年结转政府信息公开申请数量\n\t\n\t\n\t\n\t\n\t\n\t\n\t\n\n"
    "\t\n\t（二）部分公开\n\t1\n"
)


def test_load_blank_cells_one_a_line_are_kept_as_a_tab():
    text = normalise_text(_CELL_ROWS)
    assert "\t一、本年新收政府信息公开申请数量\n\t5\n\t\n\t\n\t2\n\t\n\t\n\t7\n\n" in text
    assert "\t二、上年结转政府信息公开申请数量\n" + "\t\n" * 7 + "\n" in text
    # a blank before a row's label (a merged label cell) stays an empty line; a header's last cell is a cell
    assert "\n\n\t(二)部分公开\n" in text and "\t其他\n\t\n\n\t一、" in text
    assert text == normalise_text(text)
    doc = load(_CELL_ROWS.encode(), "r.txt")
    assert doc.text == text


def test_load_whitespace_lines_without_blank_cells_become_empty():
    # number cells without any blank one, the empty corner of a header, tab-indented paragraphs
    text = "\t自然人\n\t其他\n\t\n\n\t一、本年新收\n\t5\n\t0\n\n\t\n\t（二）部分公开\n\t1\n\n\t第一段。\n\t\n\t第二段。"
    assert normalise_text(text) == (
        "\t自然人\n\t其他\n\n\n\t一、本年新收\n\t5\n\t0\n\n\n\t(二)部分公开\n\t1\n\n\t第一段。\n\n\t第二段。")


def _html_table_page(rows: str) -> bytes:
    return ("<html><body><div id='zoom'><p>四、行政复议和行政诉讼情况</p><table border='1'>"
            + rows + "</table></div></body></html>").encode()


def test_load_html_table_drops_empty_rows():
    head = "<tr><td colspan='5'>行政复议</td></tr>"
    cols = "<tr>" + "".join(f"<td>{w}</td>" for w in ("维持", "纠正", "其他", "未结", "总计")) + "</tr>"
    data = "<tr>" + "".join(f"<td>{v}</td>" for v in ("2", "", "1", "", "3")) + "</tr>"
    doc = load(_html_table_page("<tr><td colspan='3'></td></tr>" + head + cols + data
                                + "<tr><td>&nbsp;</td><td></td></tr>"), "a.html")
    (grid,) = doc.tables
    assert grid.rows == [["行政复议"] * 5, ["维持", "纠正", "其他", "未结", "总计"], ["2", "", "1", "", "3"]]
    assert (0, 1) in grid.spans and (2, 1) not in grid.spans
    assert "|  |  |" not in doc.text


def test_load_html_table_keeps_a_full_row_of_empty_cells():
    cols = "<tr>" + "".join(f"<td>{w}</td>" for w in ("维持", "纠正", "其他", "未结", "总计")) + "</tr>"
    doc = load(_html_table_page(cols + "<tr>" + "<td></td>" * 5 + "</tr>"), "a.html")
    assert doc.tables[0].rows[1] == [""] * 5
    doc = load(_html_table_page(cols + "<tr></tr>"), "a.html")
    assert doc.tables[0].rows[1] == [""] * 5


def test_load_html_table_drops_an_empty_edge_column_under_a_header():
    cols = "<tr><td></td><td>项目</td><td>自然人</td><td>法人</td><td>总计</td><td></td></tr>"
    zero = "<tr><td></td><td>结转</td><td></td><td></td><td></td><td></td></tr>"
    data = "<tr><td></td><td>新收申请</td><td>2</td><td></td><td>2</td><td></td></tr>"
    doc = load(_html_table_page(cols + zero + data), "a.html")
    assert doc.tables[0].rows == [["项目", "自然人", "法人", "总计"], ["结转", "", "", ""], ["新收申请", "2", "", "2"]]


def test_load_html_table_keeps_an_inner_blank_column_of_zeros():
    zero = "<tr><td>结转</td><td></td><td></td><td></td></tr>"
    data = "<tr><td>新收申请</td><td></td><td>2</td><td>2</td></tr>"
    doc = load(_html_table_page(zero + data), "a.html")
    assert doc.tables[0].rows == [["结转", "", "", ""], ["新收申请", "", "2", "2"]]


def test_load_html_table_without_header_keeps_its_blank_columns():
    # the body half of a table split in two: a blank column is a column of zeros
    data = "<tr><td>新收申请</td><td>2</td><td></td><td>2</td></tr><tr><td>结转</td><td>1</td><td></td><td>1</td></tr>"
    doc = load(_html_table_page(data), "a.html")
    assert doc.tables[0].rows == [["新收申请", "2", "", "2"], ["结转", "1", "", "1"]]


def test_load_html_drops_a_hidden_copy_of_the_article():
    rows = "".join(f"<tr><td>行政复议</td><td>结果维持</td><td>{i}</td></tr>" for i in range(3))
    article = f"<p>一、总体情况</p><p>本年度我局认真贯彻落实条例要求，主动公开政府信息一百条。</p><table>{rows}</table>"
    page = (f"<html><body><div class='nav'>首页 政务公开</div><div class='content' id='zoom'>{article}</div>"
            f"<div class='m-content' style='display: none'>{article}</div><p hidden>隐藏的分享文字</p></body></html>")
    text = load(page.encode(), "a.html").text
    assert text.count("一、总体情况") == 1 and "隐藏" not in text
    assert len(load(page.encode(), "a.html").tables) == 1


def test_load_html_keeps_a_hidden_article_that_is_the_whole_page():
    article = "<p>一、总体情况</p><p>本年度我局认真贯彻落实条例要求，主动公开政府信息一百条。</p>"
    page = f"<html><body><div class='content' style='display:none'>{article}</div></body></html>"
    assert "主动公开政府信息一百条" in load(page.encode(), "a.html").text


def test_load_html_head_title_when_the_preamble_cites_the_annual_report_work():
    page = ("<html><head><title>青禾县教育局2022年政府信息公开工作年度报告_青禾县人民政府</title></head><body>"
            "<div id='zoom'><p>依据《条例》和上级关于做好政府信息公开工作年度报告编制工作的要求，青禾县教育局办公室"
            "编制了本报告。报告内容包括总体情况、主动公开政府信息情况等。</p><p>一、总体情况</p></div></body></html>")
    assert load(page.encode(), "a.html").text.split("\n")[0] == "青禾县教育局2022年政府信息公开工作年度报告"
