import pytest

from extraction.errors import GovdigestError
from extraction.pipeline import process_bytes, process_many
from extraction.summary import validate


def test_pipeline_summary_of_written_report(report_2019_bytes, classifier):
    s = process_bytes(report_2019_bytes, "wenlv_2020.txt", classifier=classifier)
    validate(s)
    assert s["report"]["agency"] == "某某县文化和旅游局"
    assert s["report"]["year"] == 2020 and s["report"]["template"] == "2019"
    rows = s["tables"]["applications"]["rows"]
    assert rows["new_received"] == [2, 0, 0, 1, 0, 0, 3]
    assert rows["unavailable_not_held"] == [1, 0, 0, 0, 0, 0, 1]
    assert s["tables"]["review_litigation"]["litigation_direct"] == [1, 0, 0, 0, 1]
    assert s["tables"]["active_disclosure"]["procurement"] == {"projects": 3, "amount": 56.5}
    assert len(s["problems"]) == 2 and len(s["improvements"]) == 2
    assert {"主动公开政府信息", "受理政府信息公开申请"} <= {f["name"] for f in s["figures"]}
    assert {"文旅惠民", "12345接诉即办"} <= {t["text"] for t in s["themes"]}
    assert all(c["status"] == "pass" for c in s["checks"])


def test_pipeline_labels_paragraphs(report_2019_bytes, classifier):
    s = process_bytes(report_2019_bytes, "wenlv_2020.txt", classifier=classifier)
    by_start = {p["text"][:6]: p["label"] for p in s["paragraphs"]}
    assert by_start["根据《中华人"] == "other"
    assert by_start["我局政务公开"] == "problems"
    assert by_start["一是丰富政策"] == "improvements"
    assert all(0.0 <= p["confidence"] <= 1.0 for p in s["paragraphs"])


def test_pipeline_not_a_report_is_refused(not_a_report_bytes, classifier):
    with pytest.raises(GovdigestError) as exc:
        process_bytes(not_a_report_bytes, "notice.txt", classifier=classifier)
    assert exc.value.code == "not_a_report"


def test_pipeline_source_error_in_review_table_fails_check(report_2019_text, classifier):
    broken = report_2019_text.replace("0 0 0 0 0 1 0 0 0 1 0 0 0 0 0", "0 0 0 0 0 1 0 0 0 2 0 0 0 0 0")
    s = process_bytes(broken.encode(), "broken.txt", classifier=classifier)
    failing = [c for c in s["checks"] if c["status"] == "fail"]
    assert [c["rule"] for c in failing] == ["review_litigation.block_total"]
    assert failing[0]["attribution"] == "source"


def _without_timings(summary: dict) -> dict:
    return {**summary, "pipeline": {k: v for k, v in summary["pipeline"].items() if k != "timings_ms"}}


def test_pipeline_many_equals_one_by_one_and_keeps_each_error(report_2019_bytes, report_2019_text,
                                                               not_a_report_bytes, classifier):
    other = report_2019_text.replace("2019", "2018").encode("utf-8")
    files = [(report_2019_bytes, "a.txt"), (not_a_report_bytes, "notice.txt"), (b"", "empty.txt"),
             (other, "b.txt")]
    results = process_many(files, classifier=classifier)
    assert [type(r).__name__ for r in results] == ["dict", "GovdigestError", "GovdigestError", "dict"]
    assert (results[1].code, results[2].code) == ("not_a_report", "empty_document")
    for (data, name), result in zip(files, results, strict=True):
        if isinstance(result, dict):
            assert _without_timings(result) == _without_timings(process_bytes(data, name, classifier=classifier))


@pytest.mark.parametrize("footer", ["\n- 3 -\n[extractor: 2 table(s) on this page]\n=== page 4 ===",
                                    "\n— 3 —", "\n第 3 页 共 5 页"])
@pytest.mark.parametrize("layout", ["flat", "cells", "pipe"])
def test_pipeline_table_across_a_page_break_of_text_saved_from_pdf(layout, footer, classifier):
    from bench.synth import make_report, render_txt

    text = render_txt(make_report(321, "2021"), table_layout=layout).decode("utf-8")
    row = text.index("\n", text.index("国家秘密") + 40)  # inside 表三, past the row's numbers
    broken = text[:row] + footer + text[row:]
    whole = process_bytes(text.encode("utf-8"), "r.txt", classifier=classifier)
    paged = process_bytes(broken.encode("utf-8"), "r.txt", classifier=classifier)
    assert paged["tables"]["applications"] == whole["tables"]["applications"]
    assert not [w for w in paged["warnings"] if "applications" in w]


def test_pipeline_sub_headings_say_which_items_are_problems(classifier):
    text = ("某某县财政局2022年政府信息公开工作年度报告\n一、总体情况\n2022年，本局认真落实《条例》，全年主动公开信息100条。\n"
            "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n"
            "五、存在的主要问题及改进情况\n（一）存在的问题\n1.信息发布不够及时。\n2.政策解读形式单一。\n（二）改进措施\n"
            "1.建立信息发布台账，定期巡查。\n2.丰富解读形式，增加图解视频。\n六、其他需要报告的事项\n无。\n")
    s = process_bytes(text.encode("utf-8"), "r.txt", classifier=classifier)
    assert s["problems"] == ["信息发布不够及时", "政策解读形式单一"]
    assert s["improvements"] == ["建立信息发布台账,定期巡查", "丰富解读形式,增加图解视频"]
    labels = {p["text"]: p["label"] for p in s["paragraphs"]}
    assert labels["2.政策解读形式单一。"] == "problems" and labels["无。"] == "other"


def test_pipeline_letter_on_the_disclosure_work_is_not_a_report(classifier):
    """A letter filed among the annual reports: its title names no report, and one section
    heading (问题及下一步计划) is not enough to call it one."""
    text = ("标题: 关于2016年政务公开工作任务完成情况的函\n==================== 正文 ====================\n"
            "市政府办公室： 根据通知要求，现将我县政府信息公开工作任务完成情况函告如下： "
            "一、工作完成情况 （一）深化公开内容。全年主动公开信息一千条。 "
            "二、存在问题及下一步工作计划 一是队伍不稳定；二是宣传不够。下一步将加强培训。 某县人民政府办公室 2016年11月2日")
    with pytest.raises(GovdigestError) as exc:
        process_bytes(text.encode(), "letter.txt", classifier=classifier)
    assert exc.value.code == "not_a_report"


_SIX_HEADINGS = ("一、总体情况\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
                 "四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n六、其他需要报告的事项\n")


@pytest.mark.parametrize("text", [
    "关于印发政府信息公开工作年度报告格式的通知\n各区县政务公开办：\n现将《政府信息公开工作年度报告格式》印发给你们。\n"
    + _SIX_HEADINGS + "青石市政务公开办公室\n2021年12月20日\n",
    "青石县水务局政府信息公开指南\n根据《中华人民共和国政府信息公开条例》，编制本指南。\n一、主动公开\n（一）公开范围。\n"
    "二、依申请公开\n（一）申请方式。\n三、收费标准\n不收取费用。\n四、监督和救济\n可依法申请行政复议。\n",
    "青石市人民政府办公室关于2023年度政府信息公开工作年度报告发布情况的通报\n各单位：\n"
    "按照要求，我办对全市2023年度政府信息公开工作年度报告发布情况进行了检查。\n一、总体情况\n均按时发布。\n"
    "二、存在的问题\n部分表格数据有误。\n三、工作要求\n抓好整改。\n",
])
def test_pipeline_guide_or_circular_about_the_reports_is_not_a_report(text, classifier):
    with pytest.raises(GovdigestError) as exc:
        process_bytes(text.encode(), "notice.txt", classifier=classifier)
    assert exc.value.code == "not_a_report"


@pytest.mark.parametrize("title", ["图解：青石县水务局2023年政府信息公开工作年度报告",
                                   "《青石县水务局2023年政府信息公开工作年度报告》解读"])
def test_pipeline_interpretation_of_a_report_is_not_a_report(title, classifier):
    text = title + "\n近日，青石县水务局发布了年度报告。\n一、总体情况\n全年主动公开信息120条。\n二、依申请公开情况\n受理申请5件。\n"
    with pytest.raises(GovdigestError) as exc:
        process_bytes(text.encode(), "jiedu.txt", classifier=classifier)
    assert exc.value.code == "not_a_report"
