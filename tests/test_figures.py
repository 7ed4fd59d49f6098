from extraction.figures import extract_figures, parse_number


def figs(text):
    return extract_figures(text, [(0, len(text))])


def test_figures_arabic_count_with_name_and_offsets():
    text = "2021年本单位累计主动公开政府信息1,264条；共受理政府信息公开申请5件。"
    f = figs(text)
    assert [(x.name, x.value, x.unit) for x in f] == [("主动公开政府信息", 1264, "条"), ("受理政府信息公开申请", 5, "件")]
    assert text[f[0].start:f[0].end] == "1,264条"


def test_figures_chinese_numerals_and_wan():
    f = figs("全年召开新闻发布会十二场，发布信息1.5万条，收取费用3.2万元。")
    assert [(x.value, x.unit) for x in f] == [(12, "场"), (15000, "条"), (3.2, "万元")]


def test_figures_percent_and_approximate():
    f = figs("网上办件占比达到98.5%，处理网络舆情70多件。")
    assert f[0].value == 98.5 and f[0].unit == "%"
    assert f[1].approximate


def test_figures_match_numbers_across_token_borders():
    # jieba cuts "2020年本单位" as 年本; characters still give the count.
    f = figs("2020年本单位主动公开信息264条。")
    assert f[0].value == 264 and f[0].name == "主动公开信息"


def test_figures_ignore_articles_and_ordinals():
    assert figs("建立一个机制，依据第711号令。") == []


def test_figures_parse_number_forms():
    assert parse_number("二十三") == 23
    assert parse_number("1,024") == 1024
    assert parse_number("万") is None


def test_figures_thousands_after_arabic_digits():
    text = "全年发布政策解读3千余篇，办理申请三千件。"
    got = [(f.value, f.unit, f.approximate) for f in extract_figures(text, [(0, len(text))])]
    assert got == [(3000, "篇", True), (3000, "件", False)]


def test_figures_sentence_and_name_within_the_region():
    # two figures of one sentence share it; the sentence stops at the region's edges and at
    # sentence ends (a line break too, which it drops); the name is the clause before the number
    text = "标题。全年主动公开信息120条，其中政策文件 15件；另有3篇 \n尾句"
    region = (3, text.index("尾句"))
    got = [(f.name, f.value, f.text) for f in extract_figures(text, [region])]
    assert got == [("主动公开信息", 120, "全年主动公开信息120条，其中政策文件 15件；"),
                   ("政策文件", 15, "全年主动公开信息120条，其中政策文件 15件；"),
                   ("另有", 3, "另有3篇")]
    assert [f.text for f in extract_figures(text, [(text.index("主动"), text.index("，"))])] == ["主动公开信息120条"]
