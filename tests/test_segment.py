from extraction import segment


def test_segment_user_dictionary_keeps_domain_terms():
    tokens = segment.cut("围绕12345接诉即办推进依申请公开和政务新媒体建设")
    assert "12345接诉即办" in tokens and "依申请公开" in tokens and "政务新媒体" in tokens


def test_segment_rjieba_equals_jieba_on_fixtures(report_2019_text, not_a_report_bytes):
    for text in (report_2019_text, not_a_report_bytes.decode("utf-8"), "2020年本单位主动公开政府信息264条。"):
        assert segment.cut(text) == segment.cut_reference(text)


def test_segment_tokenize_offsets_cover_text():
    text = "政府信息公开工作年度报告"
    spans = segment.tokenize(text)
    assert "".join(t for t, _, _ in spans) == text
    assert all(text[s:e] == t for t, s, e in spans)


def test_segment_dictionary_id_is_versioned():
    assert segment.dictionary_id().startswith(segment.DICTIONARY_VERSION + ":")
