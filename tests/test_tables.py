"""The table readers on small hand-written inputs (every text here is written for the test)."""
from extraction.document import Grid
from extraction.table_layouts import (
    _REVIEW_STRAY,
    CRow,
    _ad_glued,
    _next_numlike,
    grid_rows,
    pipe_rows,
    read_applications_rows,
    read_review_rows,
    split_row,
)
from extraction.table_template import REVIEW_HEADER_CHARS
from extraction.tables import (
    APP_ROWS_2021,
    application_identity_failures,
    extract_tables,
    parse_applications_text,
    parse_review_text,
    split_glued,
)


def test_tables_split_glued_row_uses_row_total():
    assert split_glued("21710000218", 7) == [[217, 1, 0, 0, 0, 0, 218]]
    assert [2, 7, 0, 0, 20, 1, 30] in split_glued("270020130", 7)
    assert [27, 0, 0, 2, 0, 1, 30] in split_glued("270020130", 7)


def test_tables_glued_rows_decided_by_column_identities():
    rows = {k: [0] * 7 for k in APP_ROWS_2021}
    rows["new_received"] = [27, 0, 0, 2, 0, 1, 30]
    rows["granted"] = [20, 0, 0, 2, 0, 1, 23]
    rows["unavailable_not_held"] = [7, 0, 0, 0, 0, 0, 7]
    rows["total"] = [27, 0, 0, 2, 0, 1, 30]
    # no readable labels at all: 25 glued rows are the 2021 template's rows in order
    text = "\n".join(f"label{''.join(str(v) for v in rows[k])}" for k in APP_ROWS_2021)
    res = parse_applications_text(text, "2021")
    assert res.data["rows"]["new_received"] == [27, 0, 0, 2, 0, 1, 30]
    assert res.data["rows"]["granted"] == [20, 0, 0, 2, 0, 1, 23]
    assert not application_identity_failures(res.data["rows"])
    assert res.outcome == "solved"
    assert res.evidence["applications.new_received[0]"]["status"] == "solved"


def test_tables_review_glued_blocks():
    res = parse_review_text("行政复议 行政诉讼 10203120001200000")
    assert res.data == {"review": [1, 0, 2, 0, 3], "litigation_direct": [12, 0, 0, 0, 12],
                        "litigation_after_review": [0, 0, 0, 0, 0]}


def test_tables_grid_with_empty_cells_counts_zero():
    header = [["申请人情况", "申请人情况", "申请人情况", "", "", "", "", ""]]
    rows = [[label] + ["1", "", "", "", "", "", "1"] for label in [
        "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（七）总计", "四、结转下年度继续办理"]]
    grid = Grid(header + rows, spans={(0, 1), (0, 2)})
    res = read_applications_rows(grid_rows(grid, None), [], "grid")
    assert res.data["rows"]["new_received"] == [1, 0, 0, 0, 0, 0, 1]
    assert res.evidence["applications.new_received[1]"] == {
        "value": 0, "source_text": "", "start": 0, "end": 0, "status": "read"}


def test_tables_review_data_row_without_label_blank_cells_are_zero():
    head = [["行政复议"] * 5 + ["行政诉讼"] * 10,
            ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
            ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3]
    data = [["2", "", "1", "", "3"] + [""] * 10]
    spans = {(0, c) for c in range(1, 15) if c != 5} | {(1, c) for c in (6, 7, 8, 9, 11, 12, 13, 14)}
    res = read_review_rows(grid_rows(Grid(head + data, spans=spans), None), [], "grid")
    assert res.data == {"review": [2, 0, 1, 0, 3], "litigation_direct": [0] * 5, "litigation_after_review": [0] * 5}


def test_tables_missing_rows_are_reported_not_shifted():
    text = "一、本年新收政府信息公开申请数量 3 0 0 0 0 0 3\n（七）总计 3 0 0 0 0 0 3\n四、结转下年度继续办理 0 0 0 0 0 0 0"
    res = parse_applications_text(text, "2021")
    assert res.data["rows"]["new_received"] == [3, 0, 0, 0, 0, 0, 3]
    assert res.data["rows"]["total"] == [3, 0, 0, 0, 0, 0, 3]
    assert "granted" not in res.data["rows"]
    assert "granted" in res.missing and "carried_over" in res.missing


def test_tables_extract_uses_section_regions(report_2019_text):
    from extraction.outline import outline

    o = outline(report_2019_text)
    tables, warnings = extract_tables(report_2019_text, o.sections, o.generation, [])
    assert tables["active_disclosure"]["normative_documents"] == {"new_made": 2, "new_published": 2, "total_published": 9}
    assert warnings == []
    assert tables["readings"]["applications"]["outcome"] == "read"
    ev = tables["evidence"]["applications.new_received[3]"]
    assert report_2019_text[ev["start"]:ev["end"]] == "1" and ev["status"] == "read"


def test_tables_markdown_separator_rows_are_no_table_rows():
    # a converter's markdown: the |---| line under each header is no row of blank cells
    text = ("| 维持 | 纠正 | 结果 | 审结 | 维持 | 纠正 | 结果 | 审结 | 维持 | 纠正 | 结果 | 审结 |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
            "| 2 | 0 | 1 | 0 | 3 | 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 |\n"
            "|:---|---:|:---:|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    rows = pipe_rows(text, 0, len(text))
    assert len(rows) == 2
    res = read_review_rows(rows, [], "pipe")
    assert res.data == {"review": [2, 0, 1, 0, 3], "litigation_direct": [1, 0, 0, 0, 1],
                        "litigation_after_review": [0] * 5}


def test_tables_read_from_the_section_of_its_kind_that_holds_the_table():
    # a prose part named like the table's section comes first; its figures are no table row
    from extraction.outline import outline

    text = ("某某市科技局2024年政府信息公开工作年度报告\n一、总体情况\n本年度推进公开。\n"
            "二、主动公开工作情况\n全年发布信息 300 件，其中行政规范性文件 9 件；规划文件 2 件。\n"
            "三、主动公开政府信息情况\n第二十条第（一）项\n信息内容 本年制发件数 本年废止件数 现行有效件数\n"
            "规章 0 0 0\n行政规范性文件 9 1 40\n第二十条第（五）项\n信息内容 本年处理决定数量\n行政许可 5\n"
            "四、收到和处理政府信息公开申请情况\n")
    o = outline(text)
    assert [s.kind for s in o.sections][:3] == ["overview", "active_disclosure", "active_disclosure"]
    tables, _ = extract_tables(text, o.sections, o.generation, [])
    ad = tables["active_disclosure"]
    assert ad["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert ad["normative_documents"] == {"issued": 9, "repealed": 1, "in_force": 40}


def test_tables_active_rows_outside_a_partial_pipe_table_are_read_too():
    # a converter made a pipe table of the first block only; the other blocks stayed text lines
    from extraction.outline import outline

    text = ("某某市科技局2024年政府信息公开工作年度报告\n一、总体情况\n本年度推进公开。\n"
            "二、主动公开政府信息情况\n第二十条第（五）项\n信息内容本年处理决定数量\n行政许可 31\n"
            "第二十条第（六）项\n信息内容本年处理决定数量\n行政处罚 2\n行政强制 0\n"
            "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n|---|---|---|---|\n"
            "| 规章 | 0 | 0 | 0 |\n| 行政规范性文件 | 7 | 0 | 21 |\n三、收到和处理政府信息公开申请情况\n")
    o = outline(text)
    tables, _ = extract_tables(text, o.sections, o.generation, [])
    ad = tables["active_disclosure"]
    assert ad["normative_documents"] == {"issued": 7, "repealed": 0, "in_force": 21}
    assert ad["licensing"] == {"decisions": 31} and ad["punishment"] == {"decisions": 2}


def test_tables_active_labels_with_long_notes_keep_their_numbers():
    # some provinces' 2019 form adds a row "其他主动公开文件" after 规范性文件, and long notes to the labels
    from extraction.table_layouts import read_active_text

    text = ("第二十条第（一）项\n信息内容\n本年新\n制作数量\n本年新\n公开数量\n对外公开总数量\n"
            "规章（设区的市人民政府填写）\n0\n0\n0\n规范性文件（行政机关制定的决定、通告、意见、通知，以及标题采用“办法”"
            "“细则”“规程”等字样的公文，一般情况下属于规范性文件）\n12\n3\n40\n"
            "其他主动公开文件（除规范性文件以外的主动公开文件）\n0\n0\n0\n")
    res = read_active_text(text, 0, len(text), "2019")
    assert res.data["regulations"] == {"new_made": 0, "new_published": 0, "total_published": 0}
    assert res.data["normative_documents"] == {"new_made": 12, "new_published": 3, "total_published": 40}


def test_tables_glued_active_rows_prefer_cells_of_like_size():
    """A 2019 表二 flattened with no separators: where no zero splits the row, the cut whose
    cells are of like size wins over one that leaves a huge cell (a real 本年增/减 can be large)."""
    from extraction.outline import outline

    text = ("二、主动公开政府信息情况 第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量"
            "规章003规范性文件5454231第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量"
            "行政许可218537164其他对外管理服务事项206108第二十条第（六）项信息内容上一年项目数量本年增/减处理决定数量"
            "行政处罚3170-25614行政强制43025第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费120"
            "第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购21748213560.50元三、收到和处理政府信息公开申请情况")
    o = outline(text, 2020)
    tables, _ = extract_tables(text, o.sections, o.generation, [])
    ad = tables["active_disclosure"]
    assert ad["normative_documents"] == {"new_made": 54, "new_published": 54, "total_published": 231}
    assert ad["licensing"] == {"previous": 218, "change": 537, "decisions": 164}
    assert ad["other_services"] == {"previous": 20, "change": 6, "decisions": 108}
    assert ad["punishment"] == {"previous": 3170, "change": -25, "decisions": 614}
    # a zero that splits the row still reads as "no change"
    assert ad["coercion"] == {"previous": 43, "change": 0, "decisions": 25}
    assert ad["fees"] == {"previous": 12, "change": 0}
    # purchases of some hundred thousand 元 each, not two of a few hundred million
    assert ad["procurement"] == {"projects": 217, "amount": 48213560.5}


def _mixed_conversion_table(floating: dict[str, str]) -> str:
    """表三 as a PDF-to-markdown converter leaves it: most rows are pipe rows with their label,
    the rows named in `floating` are unlabelled pipe rows whose label (the value) the converter
    printed as a loose line further up, before the row of `unavailable_unclear`."""
    vals = dict.fromkeys(APP_ROWS_2021, 0)
    vals.update(new_received=30, carried_over=5, granted=10, partially_granted=2, refused_third_party=1,
                unavailable_not_held=6, unavailable_needs_creation=3, unavailable_unclear=1,
                rejected_petition=2, rejected_confirmation=4, other=2, total=31, carried_forward=4)
    labels = {"new_received": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量",
              "granted": "（一）予以公开", "partially_granted": "（二）部分公开", "refused_state_secret": "1.属于国家秘密",
              "refused_prohibited": "2.其他法律行政法规禁止公开", "refused_security_stability": "3.危及“三安全一稳定”",
              "refused_third_party": "4.保护第三方合法权益", "refused_internal": "5.属于三类内部事务信息",
              "refused_process": "6.属于四类过程性信息", "refused_enforcement_file": "7.属于行政执法案卷",
              "refused_query": "8.属于行政查询事项", "unavailable_not_held": "1.本机关不掌握相关政府信息",
              "unavailable_needs_creation": "2.没有现成信息需要另行制作", "unavailable_unclear": "3.补正后申请内容仍不明确",
              "rejected_petition": "1.信访举报投诉类申请", "rejected_duplicate": "2.重复申请",
              "rejected_publication": "3.要求提供公开出版物", "rejected_excessive": "4.无正当理由大量反复申请",
              "rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
              "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
              "other_no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
              "other": "3.其他", "total": "（七）总计", "carried_forward": "四、结转下年度继续办理"}
    lines = ["三、收到和处理政府信息公开申请情况", "申请人情况", "| 本列数据的勾稽关系 | 自然人 | 商业企业 | 总计 |", "|---|---|---|---|"]
    for key in APP_ROWS_2021:
        if key == "unavailable_unclear":
            lines += [floating[k] for k in floating]
        cells = [str(vals[key])] + ["0"] * 5 + [str(vals[key])]
        label = [] if key in floating else [labels[key]]
        lines.append("| " + " | ".join(label + cells) + " |")
    return "\n".join(lines) + "\n四、政府信息公开行政复议、行政诉讼情况\n"


def test_tables_pipe_row_label_wins_over_a_floating_label():
    # two labels float above the 补正后 row; read in label order the rows come out permuted
    # (every identity still holds), but a pipe row that names itself keeps its numbers
    text = _mixed_conversion_table({"rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
                                    "other_no_correction": "1.申请人无正当理由逾期不补正、"})
    res = parse_applications_text(text)
    rows = res.data["rows"]
    assert rows["unavailable_unclear"] == [1, 0, 0, 0, 0, 0, 1]
    assert rows["rejected_petition"] == [2, 0, 0, 0, 0, 0, 2]
    assert rows["rejected_confirmation"] == [4, 0, 0, 0, 0, 0, 4]
    assert rows["other_no_correction"] == [0] * 7
    assert not application_identity_failures(rows) and res.outcome == "read"
    ev = res.evidence["applications.rejected_confirmation[0]"]
    assert text[ev["start"]:ev["end"]] == "4"


def test_tables_glued_active_row_follows_the_prose_counts():
    """A 2021 表二 row glued with no separators ("4115370") has several cuts of like size; the
    prose that states the counts ("现行有效行政规范性文件370件", "制发规范性文件41件") picks one."""
    from extraction.figures import extract_figures
    from extraction.outline import outline

    def read(prose: str) -> dict:
        text = ("某某区2023年度政府信息公开工作年度报告\n一、总体情况 " + prose + " 二、主动公开政府信息情况"
                "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件4115370"
                "第二十条第（五）项信息内容本年处理决定数量行政许可812 三、收到和处理政府信息公开申请情况")
        o = outline(text)
        figures = [f.as_dict() for f in extract_figures(text, [(0, o.sections[1].start)])]
        tables, _ = extract_tables(text, o.sections, o.generation, [], figures=figures)
        return tables["active_disclosure"]["normative_documents"]

    assert read("本年度制发行政规范性文件41件，集中公开现行有效行政规范性文件370件。") == {
        "issued": 41, "repealed": 15, "in_force": 370}
    assert read("本年度印发的规范性文件4件。") == {"issued": 4, "repealed": 115, "in_force": 370}
    # without the prose: fewer repealed than stay in force, and few repealed
    assert read("本年度推进公开。") == {"issued": 41, "repealed": 15, "in_force": 370}


def test_tables_glued_statistics_row_in_yuan_is_its_own_row():
    # a one-line crawl of the legacy 统计表: the fee row's unit is 元, glued like the others
    from extraction.table_layouts import read_statistics_text

    text = ("七、政府信息公开情况统计表 指标名称计量单位2016年度历年累计主动公开文件数条3125000"
            "受理依申请公开信息总数条27对申请的答复总数条27政府信息公开收费减免金额元00"
            "接受行政诉讼、举报数件00行政复议数件01行政诉讼数件00")
    res = read_statistics_text(text, 0, len(text), [])
    rows = {r["indicator"]: (r["unit"], r["this_year"], r["cumulative"]) for r in res.data}
    assert rows["政府信息公开收费减免金额"] == ("元", 0, 0)
    assert rows["接受行政诉讼、举报数"] == ("件", 0, 0)
    assert rows["行政复议数"] == ("件", 0, 1)


def test_tables_statistics_sub_rows_named_without_a_count_word():
    # sub-rows "1.网站公开 条" name no 数 before their unit; 否决公开 is a refusal
    from extraction.table_layouts import read_statistics_text

    text = ("附件1：某某县2011年政府信息公开情况统计表 指标名称计量单位2011年度历年累计主动公开信息数条8101900"
            "其中：1.网站公开条7801700 2.政府公报公开条3040受理依申请公开信息总数条99其中：1.当面申请数条66"
            "2.电子邮件申请数条33对申请的答复数条99其中：1.同意公开答复数条552.同意部分公开答复数条11"
            "3.否决公开答复数条33行政复议数条00")
    res = read_statistics_text(text, 0, len(text), [])
    rows = {r["indicator"]: (r["this_year"], r["cumulative"], r["key"]) for r in res.data}
    assert rows["其中:网站公开"][:2] == (780, 1700)
    assert rows["政府公报公开"][:2] == (30, 40)
    assert rows["受理依申请公开信息总数"] == (9, 9, "applications_total")
    assert rows["否决公开答复数"] == (3, 3, "refused")


def test_tables_dash_cells_one_per_line_are_not_a_page_footer():
    from extraction.table_layouts import read_review_text
    cells = ["4", "—", "—", "1", "5", "—", "—", "—", "—", "—", "2", "—", "—", "1", "3"]
    text = "四、政府信息公开行政复议、行政诉讼情况\n结果维持\n结果纠正\n" + "".join(f"\t{c}\n" for c in cells)
    read = read_review_text(text, 0, len(text), [])
    assert read.data == {"review": [4, 0, 0, 1, 5], "litigation_direct": [0, 0, 0, 0, 0],
                         "litigation_after_review": [2, 0, 0, 1, 3]}


def _cells_report(table: str) -> str:
    from extraction.load import normalise_text

    return normalise_text("2023年某某局政府信息公开工作年度报告\n\n一、总体情况\n\n本局依法公开。\n\n" + table
                          + "五、存在的主要问题及改进情况\n\n无。\n")


def _cells_tables(table: str) -> tuple[str, dict]:
    from extraction.outline import outline

    text = _cells_report(table)
    o = outline(text)
    tables, _ = extract_tables(text, o.sections, o.generation, [])
    return text, tables


_APP_LABELS = [
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（七）总计", "四、结转下年度继续办理",
]


def test_tables_cells_one_a_line_blank_cells_count_zero():
    values = {0: ["4", "", "", "1", "", "", "5"], 1: [""] * 7, 2: ["3", "", "", "1", "", "", "4"],
              3: [""] * 7, 4: ["3", "", "", "1", "", "", "4"], 5: ["1", "", "", "", "", "", "1"]}
    rows = "".join(f"\t{label}\n" + "".join(f"\t{v}\n" for v in values[i]) + "\n" for i, label in enumerate(_APP_LABELS))
    table = ("三、收到和处理政府信息公开申请情况\n\n\t申请人情况\n\n\t自然人\n\t法人或其他组织\n\t总计\n\n"
             "\t商业企业\n\t科研机构\n\t社会公益组织\n\t法律服务机构\n\t其他\n\t\n\n" + rows)
    text, tables = _cells_tables(table)
    got = tables["applications"]["rows"]
    assert got["new_received"] == [4, 0, 0, 1, 0, 0, 5]
    assert got["carried_over"] == [0] * 7
    assert got["carried_forward"] == [1, 0, 0, 0, 0, 0, 1]
    ev = tables["evidence"]["applications.new_received[1]"]
    assert ev["value"] == 0 and ev["source_text"] == "" and ev["start"] == ev["end"] and ev["status"] == "read"
    line_start = text.rfind("\n", 0, ev["start"]) + 1
    assert text[line_start:text.index("\n", ev["start"])] == "\t"  # the blank cell's own line
    assert text[line_start - 3:line_start] == "\t4\n"


def test_tables_cells_one_a_line_review_row_all_blank_is_zero():
    head = "".join(f"\t{c}\n" for c in ["行政复议", "行政诉讼"]) + "\n" + "".join(
        f"\t{c}\n" for c in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3)
    table = "四、政府信息公开行政复议、行政诉讼情况\n\n" + head + "\n" + "\t\n" * 15 + "\n"
    _, tables = _cells_tables(table)
    assert tables["review_litigation"] == {"review": [0] * 5, "litigation_direct": [0] * 5,
                                           "litigation_after_review": [0] * 5}


def test_tables_cells_one_a_line_active_blank_cells_count_zero():
    table = ("二、主动公开政府信息情况\n\n\t第二十条第（一）项\n\n\t信息内容\n\t本年制发件数\n\t本年废止件数\n\t现行有效件数\n\n"
             "\t规章\n\t\n\t\n\t\n\n\t行政规范性文件\n\t3\n\t\n\t8\n\n"
             "\t第二十条第（五）项\n\n\t信息内容\n\t本年处理决定数量\n\n\t行政许可\n\t\n\n"
             "\t第二十条第（六）项\n\n\t信息内容\n\t本年处理决定数量\n\n\t行政处罚\n\t6\n\n\t行政强制\n\t\n\n"
             "\t第二十条第（八）项\n\n\t信息内容\n\t本年收费金额（单位：万元）\n\n\t行政事业性收费\n\t\n\n")
    _, tables = _cells_tables(table)
    ad = tables["active_disclosure"]
    assert ad["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert ad["normative_documents"] == {"issued": 3, "repealed": 0, "in_force": 8}
    assert ad["licensing"] == {"decisions": 0} and ad["punishment"] == {"decisions": 6}
    assert ad["coercion"] == {"decisions": 0} and ad["fees"] == {"amount": 0}


def test_tables_pipe_rows_repeated_lines_keep_their_own_offsets():
    # one line's cells are cut once and reused: the same row printed twice reads at each place
    line = "| 一、本年新收政府信息公开申请数量 | 3 | 0 |  | — | 1(其中1件) | 0 | 4 |"
    text = "前言\n" + line + "\n" + line + "\n| a | 1 |\n"
    rows = pipe_rows(text, 0, len(text))
    first, second = rows[0], rows[1]
    assert second.cells[0][1] - first.cells[0][1] == len(line) + 1
    for row in (first, second):
        for body, start, end in row.cells:
            assert text[start:end] == body
        labels, toks = split_row(row)
        assert [c[0] for c in labels] == ["一、本年新收政府信息公开申请数量"]
        assert [(t.text, t.blank) for t in toks] == [("3", False), ("0", False), ("", True), ("", True),
                                                     ("1", False), ("0", False), ("4", False)]
        for t in toks:
            assert text[t.start:t.end] == t.text
    assert split_row(CRow(first.cells))[1] == split_row(first)[1]  # as a row made from its cells


def test_tables_number_candidates_cover_every_digit_character():
    # _next_numlike skips the ranges that hold no digit but \d's: str.isdigit() must agree there
    for lo, hi in ((0, 0x7F), (0x2000, 0x206F), (0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF)):
        for code in range(lo, hi + 1):
            ch = chr(code)
            assert not ch.isdigit() or ch.isdecimal(), hex(code)
    s = "总计 ² ①x—12"
    assert _next_numlike(s, 0, len(s)) == s.index("²")
    assert _next_numlike(s, 4, len(s)) == s.index("①")
    assert _next_numlike(s, 6, len(s)) == s.index("—")
    assert _next_numlike("合计", 0, 2) == 2


def test_tables_review_stray_characters_are_ideographs_outside_the_header():
    for code in range(0x3000, 0xA000):
        ch = chr(code)
        stray = "\u4e00" <= ch <= "\u9fff" and ch not in REVIEW_HEADER_CHARS
        assert bool(_REVIEW_STRAY.fullmatch(ch)) == stray, hex(code)


def test_tables_glued_active_row_cells_are_made_per_row():
    # a glued row's cuts are worked out once; each row gets cells of its own at its own offsets
    a = _ad_glued("208112", 10, "normative_documents", ["issued", "repealed", "in_force"])
    b = _ad_glued("208112", 50, "normative_documents", ["issued", "repealed", "in_force"])
    assert [r.values for r in a] == [r.values for r in b] and a[0].values == [20, 8, 112]
    assert [r.cost for r in a] == [r.cost for r in b]
    assert [(c.start - 10, c.end - 10) for c in a[0].cells] == [(c.start - 50, c.end - 50) for c in b[0].cells]
    assert a[0].cells[0] is not b[0].cells[0]
