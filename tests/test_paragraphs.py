import unicodedata

import pytest

from extraction.outline import outline
from extraction.paragraphs import itemize, split_paragraphs


def nfkc(text: str) -> str:
    # The loader normalises every document this way before the outline sees it.
    return unicodedata.normalize("NFKC", text)


def test_paragraphs_split_collapsed_one_line_body_at_markers():
    text = ("某区2018年政府信息公开工作年度报告\n一、概述 本年度我区推进政务公开。（一）着力加强公开解读1.围绕法治政府推进公开"
            "（1）政府工作公开透明。坚持以公开为常态，及时公开政策文件。（2）政策执行阳光透明。对涉及公众权益的文件全面公开。"
            "二、主动公开政府信息情况 全年公开信息100条。")
    text = nfkc(text)
    paras = split_paragraphs(text, outline(text))
    narrative = [p.text for p in paras if not p.is_heading]
    headings = [p.text for p in paras if p.is_heading]
    assert any(t.startswith("(1)政府工作公开透明") for t in narrative)
    assert any(t.startswith("(2)政策执行阳光透明") for t in narrative)
    assert "1.围绕法治政府推进公开" in headings


def test_paragraphs_rejoin_pdf_wrapped_lines():
    body = ("2023年，某某区人民政府坚持以习近平新时代中国特色社会\n主义思想为指导，全面贯彻落实条例相关规范要求，不断完\n"
            "善政府信息公开制度，推进政府信息公开工作规范发展。\n（一）主动公开情况。主要通过政府门户网站主动公开政府\n"
            "文件、项目审批、通知公告等各类政府信息。全年主动公开\n政府信息800条。\n（二）依申请公开情况。进一步规范依申请公开流程，畅通\n"
            "受理渠道，全年受理申请12件，均在法定期限内答复办结。\n")
    text = nfkc("某某区2023年政府信息公开工作年度报告\n一、总体情况\n" + body + "二、主动公开政府信息情况\n")
    paras = [p for p in split_paragraphs(text, outline(text)) if not p.is_heading]
    assert len(paras) == 3
    assert paras[0].text.endswith("推进政府信息公开工作规范发展。")
    assert paras[1].text.startswith("(一)主动公开情况。") and paras[1].text.endswith("政府信息800条。")


def test_paragraphs_table_sections_yield_no_table_cells(report_2019_text):
    paras = split_paragraphs(report_2019_text, outline(report_2019_text))
    assert not any(p.section == "applications" for p in paras)
    assert any(p.section == "other_matters" and "信息处理费" in p.text for p in paras)


def test_paragraphs_items_enumerated_with_yi_shi():
    items = itemize(["存在不足。一是解读形式单一；二是培训不够。"], "problems")
    assert items == ["解读形式单一", "培训不够"]


def test_paragraphs_items_from_separate_paragraphs():
    assert len(itemize(["一是加强培训。", "二是丰富形式。"], "improvements")) == 2


def test_paragraphs_items_from_enumerated_problem_clauses():
    text = "本年度工作取得一定的成效，但仍存在一定差距。如公开规范性还有待提高、内容深度还有待提升、队伍建设有待加强等。"
    assert len(itemize([text], "problems")) == 3


def test_paragraphs_items_from_one_sentence_plan():
    text = "下一步，我局将加强队伍建设，提升业务素质，拓宽公开领域，丰富公开形式，推动工作再上新台阶。"
    assert itemize([text], "improvements") == ["加强队伍建设", "提升业务素质", "拓宽公开领域", "丰富公开形式"]


def test_paragraphs_items_after_a_run_in_heading_split_like_a_plain_paragraph():
    text = "（一）存在的主要问题：政策解读形式比较单一，图解运用得少。信息发布的及时性还有待提高。"
    assert itemize([text], "problems") == ["政策解读形式比较单一，图解运用得少", "信息发布的及时性还有待提高"]
    # a single enumerated item without a run-in heading stays one item
    assert itemize(["一是政策解读形式比较单一。信息发布不够及时。"], "problems") == ["政策解读形式比较单一。信息发布不够及时"]


def test_paragraphs_items_skip_a_lead_in_without_its_colon():
    texts = ["针对上述问题，本局坚持问题导向，推动政务公开工作再上新台阶；",
             "一是丰富解读形式，增加图解和视频解读。", "二是加强业务培训，提高答复质量。"]
    assert itemize(texts, "improvements") == ["丰富解读形式，增加图解和视频解读", "加强业务培训，提高答复质量"]
    # an unenumerated measure is kept as one
    assert len(itemize(["本局将加强业务培训。"], "improvements")) == 1


@pytest.mark.parametrize("lead", ["围绕去年查找出的短板，本局着重落实如下几项举措。",
                                  "对照上年度发现的不足，本局采取了以下措施。"])
def test_paragraphs_items_skip_a_lead_in_that_names_the_problems_or_announces_the_list(lead):
    texts = [lead, "一是丰富解读形式，增加图解和视频解读。", "二是加强业务培训，提高答复质量。"]
    assert itemize(texts, "improvements") == ["丰富解读形式，增加图解和视频解读", "加强业务培训，提高答复质量"]


_SUB_HEADED = nfkc("某某县财政局2022年政府信息公开工作年度报告\n一、总体情况\n（一）加强组织领导。\n成立领导小组，明确专人负责公开工作。\n"
                   "（二）规范公开流程。\n严格执行保密审查制度，全年未发生泄密事件。\n五、存在的主要问题及改进情况\n（一）存在的问题\n"
                   "1.信息发布不够及时。\n2.政策解读形式单一。\n（二）改进措施\n1.建立信息发布台账，定期巡查。\n2.丰富解读形式。\n")


def test_paragraphs_numbered_lines_without_text_below_are_a_list_not_headings():
    paras = split_paragraphs(_SUB_HEADED, outline(_SUB_HEADED))
    headings = [p.text for p in paras if p.is_heading]
    narrative = [p.text for p in paras if not p.is_heading]
    # headings with text of their own below them stay headings
    assert headings == ["(一)加强组织领导。", "(二)规范公开流程。", "(一)存在的问题", "(二)改进措施"]
    assert narrative[-4:] == ["1.信息发布不够及时。", "2.政策解读形式单一。", "1.建立信息发布台账,定期巡查。", "2.丰富解读形式。"]


# A crawled page with its body on one line: each sub-heading runs straight into its text.
_ONE_LINE_PARTS = nfkc(
    "某某县示例局2023年政府信息公开工作年度报告\n"
    "一、总体情况2023年，我局全年主动公开政府信息56条。"
    "五、存在的主要问题及改进情况（一）存在的不足本年度我局政府信息公开工作虽然取得了一定进展，但对照群众期盼仍存在以下不足："
    "1.栏目更新不够及时，部分信息发布滞后；2.解读形式较为单一。"
    "（二）下一步工作打算1.建立栏目巡查机制，按月检查更新情况。2.丰富解读形式，多用图表解读。"
    "六、其他需要报告的事项本年度未收取信息处理费。\n"
)


def test_paragraphs_part_heading_after_a_run_in_lead_in_is_a_heading_not_an_item():
    paras = split_paragraphs(_ONE_LINE_PARTS, outline(_ONE_LINE_PARTS))
    assert [p.text for p in paras if p.is_heading and p.section == "problems_improvements"] == ["(二)下一步工作打算"]
    assert [p.text for p in paras if not p.is_heading and p.section == "problems_improvements"] == nfkc(
        "（一）存在的不足本年度我局政府信息公开工作虽然取得了一定进展，但对照群众期盼仍存在以下不足：|"
        "1.栏目更新不够及时，部分信息发布滞后；|2.解读形式较为单一。|1.建立栏目巡查机制，按月检查更新情况。|"
        "2.丰富解读形式，多用图表解读。").split("|")


def test_pipeline_one_line_parts_give_items_without_the_part_heading(classifier):
    from extraction.pipeline import process_bytes

    summary = process_bytes(_ONE_LINE_PARTS.encode(), "one_line.txt", classifier=classifier)
    assert summary["improvements"] == [nfkc("建立栏目巡查机制，按月检查更新情况"), nfkc("丰富解读形式，多用图表解读")]
    assert len(summary["problems"]) == 2


_ONE_LINE_LEGACY = nfkc(
    "某某市示例局2012年政府信息公开工作年度报告\n"
    "本报告是根据《中华人民共和国政府信息公开条例》要求编制的年度报告。全文由概述和统计组成。"
    "2012年，我局认真落实《条例》要求，扎实推进政府信息公开工作，全年公开信息120条。"
    "一、概述本局建立了公开工作机制。二、依申请公开政府信息情况我局规范了申请受理流程。"
    "2012年，我局共受理申请3件，均已按期答复。2012年，我局未收取检索、复制等费用。"
    "三、存在的主要问题及改进措施一是公开内容不够全面。二是加强人员培训。\n"
)


def test_paragraphs_collapsed_body_splits_before_paragraph_openers():
    paras = [p.text for p in split_paragraphs(_ONE_LINE_LEGACY, outline(_ONE_LINE_LEGACY)) if not p.is_heading]
    assert nfkc("2012年，我局认真落实《条例》要求，扎实推进政府信息公开工作，全年公开信息120条。") in paras
    assert nfkc("2012年，我局未收取检索、复制等费用。") in paras
    # not in the problems part, where each paragraph is an item
    assert nfkc("一是公开内容不够全面。二是加强人员培训。") in paras


def test_paragraphs_lined_body_keeps_paragraphs_whole_at_openers():
    lined = _ONE_LINE_LEGACY.replace("。二、", "。\n二、").replace("。三、", "。\n三、")
    paras = [p.text for p in split_paragraphs(lined, outline(lined)) if not p.is_heading]
    assert "我局规范了申请受理流程。2012年,我局共受理申请3件,均已按期答复。2012年,我局未收取检索、复制等费用。" in paras


def test_paragraphs_items_closing_status_is_no_item():
    # after the listed measures, a word on where they stand is no measure of its own
    texts = ["针对上述不足，本局采取以下措施：一是开设惠企专栏。二是调整公开目录。三是改版政务公开栏目。",
             "目前，惠企专栏已上线，目录调整和栏目改版正在推进中。"]
    assert itemize(texts, "improvements") == ["开设惠企专栏", "调整公开目录", "改版政务公开栏目"]
    # a closing paragraph that still plans something is a measure
    assert len(itemize(texts[:1] + ["目前正在评估成效，下一步将推广到各乡镇。"], "improvements")) == 4


def test_paragraphs_items_sub_points_count_with_their_item():
    # （二） with points 1.–3. under it is one measure, whether the points are paragraphs or run on
    texts = ["（一）丰富解读形式。增加图解和视频解读。", "（二）规范办理流程", "1.加强业务培训。", "2.完善审核机制。",
             "3.开展案卷评查。"]
    items = itemize(texts, "improvements")
    assert len(items) == 2 and items[1].startswith("规范办理流程") and "开展案卷评查" in items[1]
    assert len(itemize(["（一）强化队伍建设。一是加强培训；二是完善考核。", "（二）拓宽公开渠道。"], "improvements")) == 2
    # a sub-heading that names the part keeps its points as items
    assert itemize(["（二）改进措施：一是加强培训；二是完善考核。"], "improvements") == ["加强培训", "完善考核"]
    assert len(itemize(["（一）解读不够及时。（二）栏目更新偏慢。"], "problems")) == 2


def test_paragraphs_items_first_problem_without_its_lead_in():
    text = "本局这一年的公开工作有所进步，不过仍存在一些短板，如：解读形式较为单一；栏目更新不够及时。"
    assert itemize([text], "problems") == ["解读形式较为单一", "栏目更新不够及时"]
    text = "虽然本局公开工作取得了一定成效，但还存在培训覆盖面不够、答复规范性有待提高等问题。"
    assert itemize([text], "problems")[0] == "培训覆盖面不够"


def test_paragraphs_items_sub_points_of_a_numbered_item_are_not_items():
    # "（三）规范公开行为1、…" opens a sub-list inside item (三): its 2、3、 are sub-points
    texts = ["（一）深化公开内容。加大公开力度。", "（二）拓展公开形式。发挥网站作用。",
             "（三）规范公开行为1、加强业务培训，提升水平。", "2、落实公开责任，发挥服务作用。", "3、做好巡查工作，保证持续开展。"]
    assert [i[:6] for i in itemize(texts, "improvements")] == ["深化公开内容", "拓展公开形式", "规范公开行为"]
    # a list of its own after a lead-in stays a list
    texts = ["（一）深化公开内容。", "（二）规范公开行为，重点做好以下工作：", "1、加强业务培训。", "2、落实公开责任。"]
    assert len(itemize(texts, "improvements")) == 3
    # a sub-list inside a part's run-in heading holds the items
    texts = ["（二）改进措施1、加强业务培训，提升水平。", "2、落实公开责任，发挥服务作用。"]
    assert len(itemize(texts, "improvements")) == 2


def test_paragraphs_short_first_item_of_a_numbered_list_is_no_heading():
    text = ("某局2022年政府信息公开工作年度报告\n一、总体情况\n本年度我局稳步推进政务公开，各项工作有序开展。\n"
            "五、存在的主要问题及改进情况\n（一）存在问题\n1.信息发布还不够及时。\n"
            "2.政策解读的形式比较单一，图表、音视频等解读方式运用得不多。\n（二）改进措施\n"
            "1.规范发布流程。\n（三）其他\n另有说明。\n")
    paras = split_paragraphs(text, outline(text))
    body = [p.text for p in paras if not p.is_heading]
    assert "1.信息发布还不够及时。" in body
    assert "1.规范发布流程。" in body
    assert [p.text for p in paras if p.is_heading] == ["（一）存在问题", "（二）改进措施", "（三）其他"]
