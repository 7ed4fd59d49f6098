import pytest

from extraction.outline import classify_title, detect_generation, outline


def kinds(text):
    return [s.kind for s in outline(text).sections]


def test_outline_finds_six_sections(report_2019_text):
    assert kinds(report_2019_text) == ["overview", "active_disclosure", "applications", "review_litigation",
                                       "problems_improvements", "other_matters"]


def test_outline_rejects_table_rows_that_look_like_headings(report_2019_text):
    headings = [s.heading for s in outline(report_2019_text).sections]
    assert "四、结转下年度继续办理" not in headings
    assert not any("本年新收" in h for h in headings)


def test_outline_detects_glued_headings_on_one_line():
    text = ("某市某区人民政府2022年政府信息公开工作年度报告 根据条例编制本报告。一、总体情况2022年，我区全面推进政务公开。"
            "二、主动公开政府信息情况 规章 0 0 0 三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1"
            " 四、政府信息公开行政复议、行政诉讼情况 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
            "五、存在的主要问题及改进情况 一是解读不够。六、其他需要报告的事项 无。")
    assert kinds(text) == ["overview", "active_disclosure", "applications", "review_litigation",
                           "problems_improvements", "other_matters"]


def test_outline_skips_table_of_contents_lines():
    text = ("某县2021年政府信息公开工作年度报告\n一、总体情况\n二、主动公开政府信息情况\n"
            "一、总体情况\n本年度我县认真落实各项要求，主动公开信息一百条。\n"
            "二、主动公开政府信息情况\n本年度制发规范性文件三件，全部公开。\n")
    o = outline(text)
    assert [s.kind for s in o.sections] == ["overview", "active_disclosure"]
    assert "认真落实" in text[o.sections[0].body_start:o.sections[0].end]


def test_outline_accepts_leading_overview_without_number():
    text = "某局2015年政府信息公开工作年度报告\n概述\n本年度我局政务公开工作稳步推进。\n一、主动公开政府信息情况\n全年公开信息二十条。\n"
    assert kinds(text) == ["overview", "active_disclosure"]


def test_outline_legacy_fees_and_statistics_kinds():
    assert classify_title("政府信息公开的收费及减免情况") == "fees"
    assert classify_title("政府信息公开情况统计表") == "statistics"
    assert classify_title("因政府信息公开申请行政复议、提起行政诉讼的情况") == "review_litigation"
    assert classify_title("本年新收政府信息公开申请数量") is None


def test_outline_generation_from_table_headers():
    assert detect_generation("信息内容 本年制发件数 本年废止件数 现行有效件数") == "2021"
    assert detect_generation("信息内容 本年新制作数量 本年新公开数量") == "2019"
    assert detect_generation("指标名称 计量单位 本年度 历年累计") == "legacy"
    assert detect_generation("没有表格的文字", year=2016) == "legacy"


def test_outline_skips_crawler_header_and_chrome():
    text = ("标题: 某县2021年度政府信息公开工作年度报告\n发布时间: 2022-01-20\n==================== 正文 ====================\n"
            "当前位置： 首页 政务公开 年报 来源：某县 相关链接： --> 根据条例编制本报告。\n一、总体情况\n全县推进政务公开。\n")
    o = outline(text)
    assert text[o.body_start:].startswith("根据条例编制本报告")
    assert o.title == "某县2021年度政府信息公开工作年度报告"


def test_outline_drops_sub_heading_that_breaks_template_order():
    text = ("某县2020年政府信息公开工作年度报告\n一、总体情况\n本年度推进公开。\n三、依申请公开工作\n规范受理流程。\n"
            "二、主动公开政府信息情况\n全年公开信息一百条。\n三、收到和处理政府信息公开申请情况\n本年度未收到申请。\n")
    o = outline(text)
    assert [s.kind for s in o.sections] == ["overview", "active_disclosure", "applications"]
    assert o.sections[2].heading == "三、收到和处理政府信息公开申请情况"


@pytest.mark.parametrize("marker", ["（{cn}）", "({cn}) ", "{n}.", "{n}、"])
def test_outline_parts_numbered_like_sub_headings_when_there_are_no_others(marker):
    titles = ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况",
              "存在的主要问题及改进情况", "其他需要报告的事项"]
    lines = ["某某县商务局2022年政府信息公开工作年度报告"]
    for i, title in enumerate(titles):
        lines += [marker.format(cn="一二三四五六"[i], n=i + 1) + title, "2022年，本局扎实推进相关工作，取得较好成效。"]
    o = outline("\n".join(lines))
    assert [s.kind for s in o.sections] == ["overview", "active_disclosure", "applications", "review_litigation",
                                            "problems_improvements", "other_matters"]
    assert [s.number for s in o.sections] == [1, 2, 3, 4, 5, 6]


def test_outline_sub_headings_stay_inside_numbered_parts():
    text = ("某某县商务局2022年政府信息公开工作年度报告\n一、总体情况\n（一）主动公开情况\n全年公开信息12条。\n"
            "（二）依申请公开情况\n收到申请2件。\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n")
    assert [s.kind for s in outline(text).sections] == ["overview", "active_disclosure", "applications"]


def test_outline_glued_standard_title_ends_where_the_title_ends():
    # a crawled one-line body: the last heading runs into a sentence that repeats its words
    text = ("某某县示例局2023年政府信息公开工作年度报告\n一、总体情况本年度我局主动公开信息20条。"
            "五、存在的主要问题及改进情况仍有不足。六、其他需要报告的事项本年度无其他需要报告的事项。某某县示例局\n")
    last = outline(text).sections[-1]
    assert (last.kind, last.heading) == ("other_matters", "六、其他需要报告的事项")
    assert text[last.body_start:].startswith("本年度无其他")


def test_outline_problems_section_whose_heading_was_lost_starts_at_its_sub_heading():
    # the converter dropped "五、存在的主要问题及改进情况"; its sub-headings follow the 表四 numbers
    text = ("某某市水务局2023年政府信息公开工作年度报告\n一、总体情况\n本年度推进公开。\n二、主动公开政府信息情况\n"
            "规章 0 0 0\n三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1\n"
            "四、政府信息公开行政复议、行政诉讼情况\n0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n（一）主要问题\n公开栏目不够完善。\n"
            "（二）改进情况\n一是调整栏目。\n六、其他需要报告的事项\n无。\n")
    o = outline(text)
    assert [s.kind for s in o.sections] == ["overview", "active_disclosure", "applications", "review_litigation",
                                            "problems_improvements", "other_matters"]
    lost = o.sections[4]
    assert text[lost.start:].startswith("（一）主要问题") and lost.body_start == lost.start
    assert "（一）主要问题" not in text[o.sections[3].start:o.sections[3].end]


def test_outline_no_problems_section_from_a_sub_heading_inside_the_overview():
    text = ("某某市水务局2023年政府信息公开工作年度报告\n一、总体情况\n（一）主要问题\n本年度推进公开。\n"
            "二、主动公开政府信息情况\n规章 0 0 0\n三、收到和处理政府信息公开申请情况\n")
    assert kinds(text) == ["overview", "active_disclosure", "applications"]


def test_outline_attachment_statistics_heading_mid_line():
    """A one-line crawl: the 统计表 attachment follows the signature date on the same line."""
    text = ("某县人民政府2012年政府信息公开工作年度报告 根据条例编制本报告。一、概述 本年度全县推进公开工作。"
            "二、主动公开政府信息情况 全年主动公开信息三百条。三、依申请公开政府信息情况 全年未收到申请。"
            "四、存在的主要问题及改进措施 一是队伍不稳定。 二○一三年一月十日 附件1：某县人民政府2012年政府信息公开情况统计表"
            " 指标名称计量单位2012年度历年累计主动公开信息数条300900")
    o = outline(text)
    assert [s.kind for s in o.sections] == ["overview", "active_disclosure", "applications",
                                           "problems_improvements", "statistics"]
    stats = o.sections[-1]
    assert stats.heading.startswith("附件1") and stats.heading.endswith("统计表")
    # without the 附件 label: the title before the table's header row
    bare = text.replace("附件1：", "")
    assert outline(bare).sections[-1].heading == "某县人民政府2012年政府信息公开情况统计表"
    # the preamble's list of parts names the 统计表 too, but is no heading
    text2 = "某县2012年政府信息公开工作年度报告 本报告由概述和政府信息公开情况统计表共两个部分组成。一、概述 全县推进。"
    assert kinds(text2) == ["overview"]


def test_outline_numbered_part_with_unknown_title_between_known_parts_is_other():
    """Legacy reports add parts of their own (审批事项, 人员及经费); numbered in sequence with the
    standard parts they are sections (kind other), so the part before them ends where they begin."""
    text = ("某局2013年信息公开年度报告\n一、概述\n本年度我局推进公开工作。\n二、主动公开政府信息情况\n全年公开信息四十条。\n"
            "三、依申请公开政府信息情况\n全年未收到申请。\n四、审批事项及处理情况\n全年受理审批事项一百件。\n"
            "五、申请行政复议、提起行政诉讼的情况\n全年未发生复议。\n六、工作人员及信息公开事务支出情况\n兼职人员一人。\n")
    o = outline(text)
    assert [(s.kind, s.number) for s in o.sections] == [
        ("overview", 1), ("active_disclosure", 2), ("applications", 3), ("other", 4), ("review_litigation", 5),
        ("other", 6)]
    assert "审批事项" not in text[o.sections[2].body_start:o.sections[2].end]
    # a numbered sub-point inside a section is not a part: its number does not follow the last part's
    text2 = ("某局2013年信息公开年度报告\n一、概述\n本年度推进公开。\n二、主动公开政府信息情况\n一、网站建设\n网站运行良好。\n"
             "三、依申请公开政府信息情况\n未收到申请。\n")
    assert kinds(text2) == ["overview", "active_disclosure", "applications"]


def test_outline_heading_ends_at_the_gap_before_a_short_body():
    """"六、其他需要报告的事项 无" on one line: the body after the gap is no part of the title."""
    text = ("某区2020年政府信息公开工作年度报告 根据条例编制。一、总体情况 全区推进公开。"
            "五、存在的主要问题及改进情况 一是解读不够。二是形式单一。六、其他需要报告的事项 本年度没有")
    o = outline(text)
    last = o.sections[-1]
    assert (last.kind, last.heading) == ("other_matters", "六、其他需要报告的事项")
    assert text[last.body_start:last.end].strip() == "本年度没有"


def test_outline_glued_review_heading_with_a_stray_character_is_found():
    # a one-line crawl glues 四、 to the 表三 digits, and the title has a typo (行政法复议)
    text = ("某某区2022年度政府信息公开工作年度报告 一、总体情况 本年度推进公开。 二、主动公开政府信息情况 规章000"
            " 三、收到和处理政府信息公开申请情况 （七）总计 3100004四、结转下年度继续办理 0000000 "
            "四、政府信息公开行政法复议、行政诉讼情况行政复议 行政诉讼 0 0 0 0 0 "
            "五、存在的主要问题及改进情况 不足。 六、其他需要报告的事项 无。")
    assert kinds(text) == ["overview", "active_disclosure", "applications", "review_litigation",
                           "problems_improvements", "other_matters"]


def test_outline_joins_heading_wrapped_over_two_lines():
    text = ("某县某局2022年政府信息公开工作年度报告\n一、总体情况\n本年度我局稳步推进政务公开。\n"
            "二、主动公开\n政府信息情况\n规章 0 0 0\n"
            "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1\n"
            "四、政府信息公开行政复\n议、行政诉讼情况\n0 0 0 0 0\n"
            "五、政府信息公开工作存在的主\n要问题及改进情况\n一是解读不够深入。\n六、其他需要报告的事项\n无。\n")
    o = outline(text)
    assert [s.kind for s in o.sections] == ["overview", "active_disclosure", "applications", "review_litigation",
                                            "problems_improvements", "other_matters"]
    assert o.sections[1].heading == "二、主动公开政府信息情况"
    assert text[o.sections[4].body_start:].lstrip().startswith("一是")


def test_outline_reads_arabic_top_level_numbering():
    text = ("某县某局2022年政府信息公开工作年度报告\n概述\n本年度我局稳步推进政务公开。\n"
            "1.主动公开政府信息情况\n（一）主动公开的数量\n全年公开信息十条。\n（二）主动公开的形式\n依托网站发布。\n"
            "2.收到和处理政府信息公开申请情况\n全年受理申请两件。\n"
            "（六）其他处理\n1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 0 0 0 0 0 0 0\n"
            "3.政府信息公开行政复议、行政诉讼情况\n未发生复议诉讼。\n"
            "4.存在的主要问题及改进情况\n（一）存在的不足\n解读不够深入。\n（二）改进措施\n加强解读。\n"
            "5.其他需要报告的事项\n无。\n附表：政府信息公开情况统计表\n指标名称 计量单位 数量\n")
    assert kinds(text) == ["overview", "active_disclosure", "applications", "review_litigation",
                           "problems_improvements", "other_matters", "statistics"]


def test_outline_accepts_legacy_bare_titles_without_numbers():
    text = ("某局2012年政府信息公开工作年度报告\n概述\n本年度我局稳步推进政务公开。\n主动公开政府信息情况\n全年公开信息十条。\n"
            "政府信息依申请公开工作情况\n全年受理申请两件。\n政府信息公开的收费及减免情况\n未收取费用。\n"
            "因政府信息公开申请提起行政复议和行政诉讼情况\n未发生复议诉讼。\n存在的问题和改进措施\n解读不够深入。\n")
    assert kinds(text) == ["overview", "active_disclosure", "applications", "fees", "review_litigation",
                           "problems_improvements"]


def test_outline_drops_contents_list_followed_by_preamble():
    text = ("某局2013年政府信息公开工作年度报告\n目录\n概述\n一、主动公开政府信息情况\n二、依申请公开政府信息情况\n"
            "三、其他需要报告的事项\n四、政府信息公开情况统计表\n"
            "本报告依据条例编制，所列数据的统计期限为全年。\n概述\n本年度我局稳步推进政务公开。\n"
            "一、主动公开政府信息情况\n全年主动公开政府信息十条，均通过门户网站发布。\n"
            "二、依申请公开政府信息情况\n全年受理申请两件，均已按期答复。\n"
            "三、其他需要报告的事项\n无。\n四、政府信息公开情况统计表\n指标名称 计量单位 数量\n一、主动公开情况\n")
    o = outline(text)
    assert [s.kind for s in o.sections] == ["overview", "active_disclosure", "applications", "other_matters",
                                            "statistics"]
    assert o.sections[0].start > text.index("统计期限")


@pytest.mark.parametrize("line", [
    "按照要求，我办对全市2023年度政府信息公开工作年度报告发布情况进行了检查。",
    "现将《政府信息公开工作年度报告格式》印发给你们，请遵照执行。",
    "青石市人民政府办公室关于2023年度政府信息公开工作年度报告发布情况的通报",
])
def test_outline_report_named_in_a_sentence_or_a_circular_is_no_title(line):
    assert outline(line + "\n一、总体情况\n各单位均按时发布。\n").title == ""


def test_outline_finds_unnumbered_overview_glued_to_the_preamble():
    # a crawl that collapsed the body onto one line: 概述 right after the preamble's last sentence
    text = ("某局2015年政府信息公开工作年度报告 本报告由概述、主动公开政府信息情况等部分组成。"
            "如对本报告有任何疑问，请与本局办公室联系（电话：0000-1234567）。概述2015年，本局稳步推进政务公开。"
            "一、主动公开政府信息情况 全年公开信息二十条。二、依申请公开政府信息情况 全年受理申请两件。"
            "三、存在的主要问题及改进措施 解读不够深入。")
    o = outline(text)
    assert [s.kind for s in o.sections] == ["overview", "active_disclosure", "applications",
                                            "problems_improvements"]
    assert o.sections[0].heading == "概述"
    assert text[o.sections[0].body_start:].startswith("2015年")
    # glued to the sentence before, on its own line otherwise
    text2 = text.replace("。概述2015年", "。概述\n　　2015年")
    assert kinds(text2)[0] == "overview"


def test_outline_ignores_overview_named_inside_a_sentence():
    text = ("某局2015年政府信息公开工作年度报告 全文由概述，主动公开政府信息情况等部分组成。现将工作情况概述如下。"
            "一、主动公开政府信息情况 全年公开信息二十条。二、依申请公开政府信息情况 全年受理申请两件。")
    assert kinds(text) == ["active_disclosure", "applications"]


def test_outline_joins_unnumbered_heading_wrapped_over_two_lines():
    text = ("某局2013年政府信息公开工作年度报告\n概述\n本年度我局稳步推进政务公开。\n"
            "一、主动公开政府信息情况\n全年公开信息二十条。\n二、存在的主要问题及改进措施\n解读不够深入。\n"
            "附件：政府信息公开\n情况统计表\n指标名称 计量单位 本年度 历年累计\n主动公开政府信息数 条 20 100\n")
    o = outline(text)
    assert [s.kind for s in o.sections] == ["overview", "active_disclosure", "problems_improvements", "statistics"]
    assert o.sections[-1].heading == "附件：政府信息公开情况统计表"
    assert "附件" not in text[o.sections[2].body_start:o.sections[2].end]


def test_outline_finds_statistics_title_glued_before_a_pipe_table():
    text = ("某局2013年政府信息公开工作年度报告 概述 本年度我局稳步推进政务公开。一、主动公开政府信息情况 全年公开信息二十条。"
            "二、存在的主要问题及改进措施 解读不够深入。附表政府信息公开情况统计表 | 指标名称 | 计量单位 | 本年度 | "
            "| 主动公开政府信息数 | 条 | 20 |")
    assert kinds(text)[-1] == "statistics"


def test_outline_survives_a_line_of_only_a_full_stop():
    text = "某局2013年政府信息公开工作年度报告\n概述\n本年度我局稳步推进政务公开\n。\n一、主动公开政府信息情况\n全年公开信息二十条。\n"
    assert kinds(text) == ["overview", "active_disclosure"]


def test_outline_takes_no_numbered_sub_heading_for_a_glued_overview():
    text = ("某局2015年政府信息公开工作年度报告 本报告依据条例编制。概述如下：本年度稳步推进。（一）概述 本年度我局稳步推进政务公开。"
            "一、主动公开政府信息情况 全年公开信息二十条。二、依申请公开政府信息情况 全年受理申请两件。")
    assert kinds(text) == ["active_disclosure", "applications"]


@pytest.mark.parametrize(("first", "second"), [
    ("某某县水务局202", "3年政府信息公开工作年度报告"),
    ("某某县水务局2023年", "度政府信息公开工作年度报告"),
    ("某某县水务局2023", "年度政府信息公开工作年度报告"),
])
def test_outline_title_wrapped_inside_its_year_is_joined(first, second):
    from extraction.metadata import agency, report_year

    text = f"{first}\n{second}\n一、总体情况\n2023年，本局主动公开政府信息120条。\n二、主动公开政府信息情况\n略。\n"
    o = outline(text)
    assert o.title == first + second
    assert (agency(text, o), report_year(text, o)) == ("某某县水务局", 2023)


@pytest.mark.parametrize("chrome", ["附件下载", "附件", "附件：", "打印本页", "关闭窗口", "【 打印 】", "【关闭】", "返回顶部",
                                    "分享到:", "扫一扫在手机打开当前页", "打印本页 关闭窗口"])
def test_outline_body_end_drops_each_kind_of_trailing_page_chrome(chrome):
    from extraction.outline import find_body_end

    body = "某县2022年政府信息公开工作年度报告\n六、其他需要报告的事项\n无。"
    assert find_body_end(f"{body}\n{chrome}\n") == len(body)
