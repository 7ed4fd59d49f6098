from extraction.themes import extract_themes, quoted_names


def test_themes_quoted_names_without_laws():
    text = "围绕“12345接诉即办”和《宜居某县》APP开展工作，落实《中华人民共和国政府信息公开条例》和《关于做好年报的通知》。"
    names = quoted_names(text)
    assert set(names) == {"12345接诉即办", "宜居某县"}


def test_themes_lexicon_found_without_quotes():
    themes = extract_themes("深化放管服改革，推进一网通办，全年办件三千件。")
    lex = {t["text"] for t in themes if t["kind"] == "lexicon"}
    assert {"放管服", "一网通办"} <= lex


def test_themes_generic_terms_are_not_themes():
    names = quoted_names("在“政府信息公开”栏目和“依申请公开”子栏目发布信息。")
    assert not names


def test_themes_keywords_present():
    themes = extract_themes("加强政务新媒体管理，清理政务新媒体账号，审核政务新媒体内容。")
    assert themes[0] == {"text": "政务新媒体", "kind": "keyword", "count": 3, "score": themes[0]["score"]}


def test_themes_keyword_inside_a_listed_theme_is_left_out():
    text = "本局开展“我为群众办实事”实践活动，办实事项目全部完成，群众办实事满意度持续提高。"
    themes = extract_themes(text, prose=text)
    assert "我为群众办实事" in [t["text"] for t in themes]
    assert not [t for t in themes if t["kind"] == "keyword" and t["text"] in "我为群众办实事"]


def test_themes_lexicon_counts_every_sentence_once_per_occurrence():
    from extraction.themes import lexicon, lexicon_hits

    text = "推进一网通办。\n深化一网通办，一网通办事项全覆盖！放管服改革"
    assert lexicon_hits(text) == {"一网通办": 3, "放管服": 1}
    assert lexicon_hits("无关的句子。") == {}
    # lexicon_hits finds the sentences around each occurrence: no phrase may hold a sentence end
    assert not [w for w in lexicon() if any(ch in w for ch in "。！？!?；;\n")]
