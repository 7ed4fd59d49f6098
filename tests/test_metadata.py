import pytest

from extraction.metadata import agency, region, report_year
from extraction.outline import outline


def meta(text):
    o = outline(text)
    return agency(text, o), report_year(text, o)


def test_metadata_agency_on_line_above_title(report_2019_text):
    assert meta(report_2019_text) == ("某某县文化和旅游局", 2020)


def test_metadata_year_reported_not_published():
    text = "某市教育局2021年度政府信息公开工作年度报告\n发布日期：2022年1月25日\n一、总体情况\n2021年，本局推进公开。\n"
    assert meta(text) == ("某市教育局", 2021)


def test_metadata_agency_expanded_with_city_from_body():
    text = ("某湖区人民政府\n2023 年政府信息公开工作年度报告\n本报告由青山市某湖区人民政府办公室编制。\n"
            "一、总体情况\n本年度推进公开。\n")
    assert meta(text)[0] == "青山市某湖区人民政府"


def test_metadata_chinese_numeral_year():
    text = "某县人民政府二〇一六年政府信息公开工作年度报告\n一、概述\n本年度推进公开。\n"
    assert meta(text) == ("某县人民政府", 2016)


def test_metadata_region_from_agency():
    assert region("河北省某某市某县人民政府") == "河北省某某市某县"


def test_metadata_agency_after_year_in_title():
    text = "2020年度某某县人民政府政府信息公开工作年度报告\n一、总体情况\n本年度推进公开。\n"
    assert meta(text) == ("某某县人民政府", 2020)


_BODY = ("\n一、总体情况\n2022年，本局认真落实《条例》，全年主动公开信息100条。\n二、主动公开政府信息情况\n"
         "三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n"
         "五、存在的主要问题及改进情况\n一是公开不够及时。二是加强培训。\n六、其他需要报告的事项\n无。\n")


def test_metadata_agency_before_guanyu_in_title():
    assert meta("某某镇人民政府关于2022年度政府信息公开工作年度报告" + _BODY) == ("某某镇人民政府", 2022)


@pytest.mark.parametrize("ending", ["", "\n"])
def test_metadata_agency_from_signature_when_title_has_none(ending):
    # the title is the first line: no line above it may be taken for the agency (the last line was)
    text = "2022年政府信息公开工作年度报告" + _BODY + "\n某某县财政局\n2023年1月20日" + ending
    assert meta(text) == ("某某县财政局", 2022)


def test_metadata_notice_about_compiling_reports_is_no_title():
    text = "关于编制2022年政府信息公开工作年度报告有关事项的通知\n各单位：请按要求编制并报送。\n"
    assert outline(text).title == ""


@pytest.mark.parametrize("title", ["某某县财政局政府信息公开工作年度报告（2022年）",
                                   "某某县财政局政府信息公开工作年度报告\n（2022年度）",
                                   "某某县财政局2022年度\n政府信息公开工作年度报告"])
def test_metadata_agency_when_the_year_is_not_before_the_report_name(title):
    assert meta(title + _BODY) == ("某某县财政局", 2022)


def test_metadata_no_agency_from_a_bare_report_name():
    assert meta("首页>政务公开>年度报告\n政府信息公开工作年度报告" + _BODY)[0] is None


def test_metadata_title_after_a_pages_metadata_table():
    text = ("| 名称 | 某某县水务局2023年政府信息公开年度报告 |\n| 发布机构 | 某某县水务局 | 公开日期 | 2024-01-17 |\n"
            "某某县水务局2023年政府信息公开年度报告\n根据《条例》要求编制本报告。" + _BODY)
    o = outline(text)
    assert o.title == "某某县水务局2023年政府信息公开年度报告" and text[o.title_start:].startswith("某某县水务局2023")
    assert meta(text) == ("某某县水务局", 2023)
    # the table row alone still names the report
    assert meta(text.split("\n", 2)[0] + _BODY) == ("某某县水务局", 2023)


@pytest.mark.parametrize("dated", ["某某县财政局政府信息公开工作年度报告（2023年1月）",
                                   "某某县财政局政府信息公开工作年度报告\n2023年1月20日"])
def test_metadata_publication_date_is_not_the_year_reported(dated):
    assert meta(dated + _BODY) == ("某某县财政局", 2022)


def test_metadata_word_above_a_title_that_names_its_agency_is_not_prepended():
    # a PDF conversion's "正文" marker above a wrapped title that already names the agency
    text = "正文\n2023 年某某市水务局政府信息公开\n工作年度报告\n根据《条例》要求编制本报告。" + _BODY
    o = outline(text)
    assert o.title == "2023 年某某市水务局政府信息公开工作年度报告"
    assert meta(text) == ("某某市水务局", 2023)


@pytest.mark.parametrize("preamble, expected", [
    ("根据《条例》要求，现公布某某县青石镇人民政府2020年政府信息公开工作年度报告。", "某某县青石镇人民政府"),
    ("根据《条例》和上级通知要求，青石镇人民政府编制2020年政府信息公开年度报告。", "青石镇人民政府"),
    ("根据《条例》要求，现将青石县水务局2020年度政府信息公开工作情况报告如下。", "青石县水务局"),
])
def test_metadata_agency_named_in_the_preamble_when_there_is_no_title(preamble, expected):
    assert meta(preamble + _BODY) == (expected, 2020)


def test_metadata_agency_short_form_expanded_to_the_full_name_in_the_text():
    text = ("按照上级通知要求，青石镇政府编制2020年政府信息公开年度报告。如有疑问请与青石镇人民政府联系。" + _BODY)
    assert meta(text)[0] == "青石镇人民政府"


@pytest.mark.parametrize("signature", [
    "青石县水务局\n2024年1月20日", "青石县水务局\n\n2024年1月20日", "青石县水务局  2024年1月20日",
    "青石县水务局\n2024-01-20", "青石县水务局\n2024.1.20", "青石县水务局\n二〇二四年一月二十日",
    "2024年1月20日\n青石县水务局", "青石县残疾人联合会\n2024年1月20日", "青石海关\n2024年1月20日",
])
def test_metadata_agency_from_signature_in_any_layout(signature):
    name = signature.replace("2024年1月20日", "").strip().split("\n")[0].split()[0]
    name = name if not name[0].isdigit() and not name.startswith("二〇") else "青石县水务局"
    text = "2023年政府信息公开工作年度报告" + _BODY + "\n" + signature + "\n"
    assert meta(text)[0] == name


def test_metadata_agency_with_association_suffix_from_a_title_without_year():
    assert meta("青石县红十字会政府信息公开工作年度报告" + _BODY)[0] == "青石县红十字会"


_NO_YEAR_BODY = _BODY.replace("2022年，", "本年度，")


@pytest.mark.parametrize("title", ["青石县水务局二○二二年政府信息公开工作年度报告",
                                   "青石县水务局二O二二年政府信息公开工作年度报告"])
def test_metadata_year_in_title_with_circle_or_letter_for_zero(title):
    assert meta(title + _NO_YEAR_BODY) == ("青石县水务局", 2022)


@pytest.mark.parametrize("period", ["2022年1月1日至12月31日，本局扎实推进公开工作。",
                                    "本报告统计期限自二〇二二年一月一日起至二〇二二年十二月三十一日止。",
                                    "本报告所列数据截至2022年12月31日。"])
def test_metadata_year_from_a_reporting_period_without_its_label(period):
    text = "青石县水务局政府信息公开工作年度报告\n" + period + _NO_YEAR_BODY + "2023年，将加强解读。\n青石县水务局\n2023年1月20日\n"
    assert meta(text) == ("青石县水务局", 2022)


@pytest.mark.parametrize("text", [
    "青石县水务局政府信息公开工作年度报告" + _NO_YEAR_BODY + "青石县水务局\n2023年1月20日\n",
    "青石县水务局政府信息公开工作年度报告" + _NO_YEAR_BODY + "青石县水务局\n二〇二三年一月二十日\n",
    "发布时间：2023-01-20\n青石县水务局政府信息公开工作年度报告" + _NO_YEAR_BODY,
    "青石县水务局政府信息公开工作年度报告" + _NO_YEAR_BODY.replace("无。", "无。2023年，将加强解读。")
    + "青石县水务局\n2023年1月20日\n",
])
def test_metadata_year_before_the_publication_date_when_the_text_names_none(text):
    assert meta(text) == ("青石县水务局", 2022)


def test_metadata_joint_issuers_one_a_line_above_the_title():
    text = "中共青石县委办公室\n青石县人民政府办公室\n2023年政府信息公开工作年度报告" + _BODY
    assert meta(text)[0] == "中共青石县委办公室青石县人民政府办公室"


def test_metadata_letter_spaced_year_in_title():
    assert meta("青石县水务局2 0 2 2 年政府信息公开工作年度报告" + _NO_YEAR_BODY) == ("青石县水务局", 2022)
