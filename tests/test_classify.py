"""The paragraph classifier: fitting, calibrated prediction, the fast path, persistence, spans.

Every training text here is written by us for the tests (or comes from training_data/, which is).
"""
from __future__ import annotations

import json
import random
import re
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from extraction.classify import (
    LABELS,
    Item,
    ParagraphClassifier,
    label_documents,
    label_paragraphs,
    normalise,
    normalise_many,
    sha256_file,
    untrusted_types,
)
from extraction.errors import GovdigestError
from extraction.paragraphs import Paragraph

REPO = Path(__file__).resolve().parent.parent

TINY = [
    ("2023年，我局通过政府网站主动公开政府信息256条，及时发布政策文件和工作动态。", "overview", "overview"),
    ("全年共受理政府信息公开申请12件，均在法定期限内答复。", "overview", "applications"),
    ("本年度未发生因政府信息公开引起的行政复议和行政诉讼。", "overview", "review_litigation"),
    ("组织开展政务公开业务培训2次，参训人员80余人次。", "overview", "overview"),
    ("政策解读形式较为单一，图解和视频解读数量偏少。", "problems", "problems_improvements"),
    ("部分科室信息报送不够及时，栏目更新存在滞后现象。", "problems", "problems_improvements"),
    ("工作人员业务能力参差不齐，队伍不够稳定。", "problems", "problems_improvements"),
    ("基层政务公开标准化建设推进较慢，公开事项目录不够完善。", "problems", None),
    ("下一步，我局将进一步丰富政策解读形式，推出更多图解和短视频。", "improvements", "problems_improvements"),
    ("加强业务培训，每季度组织一次政务公开专题学习。", "improvements", "problems_improvements"),
    ("严格落实信息发布审核制度，确保栏目内容及时更新。", "improvements", "problems_improvements"),
    ("2024年，我局将继续推进基层政务公开标准化规范化建设。", "improvements", None),
    ("本报告中所列数据的统计期限自2023年1月1日起至12月31日止。", "other", "overview"),
    ("本年度未收取信息处理费。", "other", "other_matters"),
    ("无。", "other", "other_matters"),
    ("如对本报告有疑问，请与县政府办公室联系，电话：0000-1234567。", "other", None),
]


def tiny_items() -> tuple[list[Item], list[str]]:
    return [Item(t, sec, 0, "2021") for t, _, sec in TINY], [lab for _, lab, _ in TINY]


@pytest.fixture(scope="module")
def overfit() -> ParagraphClassifier:
    """A model trained to memorise TINY (no calibration, weak regularisation)."""
    items, labels = tiny_items()
    return ParagraphClassifier.fit(items, labels, calibrate=False, c=1000.0)


@pytest.fixture(scope="module")
def calibrated() -> ParagraphClassifier:
    items, labels = tiny_items()
    return ParagraphClassifier.fit(items * 3, labels * 3, calibrate=True)


@pytest.fixture(scope="module")
def sigmoid() -> ParagraphClassifier:
    """Per-class sigmoid calibration (the fast path supports it for older versions)."""
    items, labels = tiny_items()
    return ParagraphClassifier.fit(items * 3, labels * 3, calibrate=True, calibration="sigmoid")


def test_overfit_tiny_set_until_confident(overfit):
    items, labels = tiny_items()
    probs = overfit.predict_proba(items)
    assert [LABELS[i] for i in probs.argmax(axis=1)] == labels
    assert probs.max(axis=1).min() > 0.9
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)


def test_temperature_calibration_keeps_the_argmax_of_the_logits(classifier):
    items = _heldout_sample(200)
    probs = classifier.predict_proba(items)
    logits = classifier._fast.decision(items)
    order = [classifier.classes.index(lab) for lab in LABELS]
    assert (probs.argmax(axis=1) == logits[:, order].argmax(axis=1)).all()


def test_calibrated_probabilities_sum_to_one(calibrated):
    items, labels = tiny_items()
    probs = calibrated.predict_proba(items)
    assert probs.shape == (len(items), len(LABELS))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert (probs >= 0).all()
    assert sum(LABELS[i] == lab for i, lab in zip(probs.argmax(axis=1), labels, strict=True)) >= len(labels) - 2


def test_save_load_gives_identical_predictions(overfit, tmp_path):
    path = tmp_path / "m" / "model.skops"
    sha = overfit.save(path)
    assert sha == sha256_file(path)
    loaded = ParagraphClassifier.load(path, sha, "v1")
    assert loaded.version == "v1"
    items, _ = tiny_items()
    items += [Item("未登录词测试：这是一段模型从未见过的文字ABC", None, 5, None)]
    assert np.array_equal(loaded.predict_proba(items), overfit.predict_proba(items))
    assert np.array_equal(loaded.predict_proba(items, fast=False), overfit.predict_proba(items, fast=False))


def test_tampered_model_file_is_refused(overfit, tmp_path):
    path = tmp_path / "model.skops"
    sha = overfit.save(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(GovdigestError) as exc:
        ParagraphClassifier.load(path, sha)
    assert exc.value.code == "model_checksum"


class Payload:
    """Stands for anything a model file must never instantiate."""

    def __init__(self):
        self.command = "echo owned"


def test_model_file_with_an_untrusted_type_is_refused(overfit, tmp_path):
    import skops.io as sio

    path = tmp_path / "model.skops"
    sio.dump({**overfit.parts, "extra": Payload()}, path)
    assert any("Payload" in t for t in untrusted_types(path))
    with pytest.raises(GovdigestError) as exc:
        ParagraphClassifier.load(path, sha256_file(path))  # the checksum matches: the type check refuses
    assert exc.value.code == "model_untrusted"


def test_types_skops_trusts_by_default_are_refused_unless_listed(overfit, tmp_path):
    """The explicit list is stricter than skops's defaults: a Pipeline is not a paragraph classifier."""
    import skops.io as sio
    from sklearn.pipeline import Pipeline

    path = tmp_path / "model.skops"
    sio.dump({**overfit.parts, "clf": Pipeline([("clf", overfit.parts["clf"])])}, path)
    with pytest.raises(GovdigestError) as exc:
        ParagraphClassifier.load(path, sha256_file(path))
    assert exc.value.code == "model_untrusted"


def _heldout_sample(n: int) -> list[Item]:
    with (REPO / "training_data" / "paragraphs.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    rng = random.Random(7)
    rows = rng.sample(rows, n)
    items = [Item(r["text"], r.get("section_kind"), rng.randint(0, 5), r.get("generation")) for r in rows]
    odd = ["", "   ", "无。", "２０２３年　全角数字和空格，ＡＢＣ", "政府資訊公開工作年度報告（繁體）", "⼀是加强领导①②③",
           "emoji 🙂 and \u00a0no-break space", "\u0301combining first", "表 1 2 3\n4 5 6", "x" * 500]
    return items + [Item(t, sec, 0, gen) for t in odd for sec, gen in [(None, None), ("problems_improvements", "2021")]]


@pytest.mark.parametrize("model", ["classifier", "calibrated", "sigmoid", "overfit"])
def test_fast_path_equals_sklearn(model, request):
    clf = request.getfixturevalue(model)
    items = _heldout_sample(300)
    fast = clf.predict_proba(items)
    slow = clf.predict_proba(items, fast=False)
    assert clf._fast is not None  # the fast path was used
    assert np.abs(fast - slow).max() < 1e-6


def test_batch_and_single_prediction_agree(classifier):
    items = _heldout_sample(60)
    batch = classifier.predict_proba(items)
    single = np.vstack([classifier.predict_proba([i]) for i in items])
    assert np.abs(batch - single).max() < 1e-9


def _doc(texts_sections: list[tuple[str, str | None]]) -> list[Paragraph]:
    out, pos = [], 0
    for text, section in texts_sections:
        out.append(Paragraph(text, pos, pos + len(text), section))
        pos += len(text) + 1
    return out


DOC_A = _doc([
    ("本报告根据《中华人民共和国政府信息公开条例》编制。", None),
    ("2022年，我县主动公开政府信息1,024条，其中政策文件86条。", "overview"),
    ("全年收到政府信息公开申请7件，已全部按期答复。", "overview"),
    ("一是政策解读的形式不够丰富，群众关注度不高。二是个别单位信息更新不及时。", "problems_improvements"),
    ("针对上述问题，我县将加强政策解读工作，推出图解和视频解读，并建立信息更新督办机制。", "problems_improvements"),
    ("本年度未收取任何费用。", "other_matters"),
])
DOC_B = _doc([
    ("2019年，本局依法做好政府信息公开工作，公开信息312条。", "overview"),
    ("本年度未收到政府信息公开申请。", "applications"),
    ("工作人员均为兼职，专业能力有所欠缺。下一步，我局将每半年组织一次专题培训，提升业务水平。", "problems_improvements"),
])


def test_label_documents_equals_label_paragraphs_per_document(classifier):
    together = label_documents(classifier, [(DOC_A, "2021"), (DOC_B, "2019"), ([], "legacy")])
    assert together[2] == []
    assert together[0] == label_paragraphs(classifier, DOC_A, "2021")
    assert together[1] == label_paragraphs(classifier, DOC_B, "2019")
    assert [lab["label"] for lab in together[0]] == ["other", "overview", "overview", "problems", "improvements",
                                                     "other"]
    for labs in together:
        for lab in labs:
            assert set(lab) == {"label", "confidence", "spans"} and 0.25 <= lab["confidence"] <= 1.0


def test_mixed_paragraph_is_labelled_per_sentence(classifier):
    (labels,) = label_documents(classifier, [(DOC_B, "2019")])
    spans = labels[2]["spans"]
    assert spans is not None and [s["label"] for s in spans] == ["problems", "improvements"]
    par = DOC_B[2]
    assert spans[0]["start"] == par.start and spans[-1]["end"] == par.end
    for s in spans:
        assert par.text[s["start"] - par.start:s["end"] - par.start] == s["text"]
    # A paragraph whose sentences agree has no spans; sections outside problems/improvements are never split.
    assert labels[0]["spans"] is None and labels[1]["spans"] is None


def test_no_items_no_call(classifier):
    assert label_documents(classifier, []) == []
    assert classifier.predict_proba([]).shape == (0, len(LABELS))


def _reference_normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\d+", "0", re.sub(r"\s+", "", text))
    return re.sub(r"^(?:\([一二三四五六七八九十0]{1,3}\)|0[.、]|[一二三四五六七八九十]{1,3}[、.])", "", text)


def test_normalise_is_nfkc_without_spaces_digits_and_leading_enumerator():
    assert normalise("（二）　依申请公开 情况。") == normalise("2.依申请公开情况。") == "依申请公开情况。"
    assert normalise("全年受理申请１２件，答复１１件") == "全年受理申请0件,答复0件"
    rng = random.Random(3)
    pool = ["（一）", "1.", "二、", "(3)", "①"] + [chr(c) for c in [*range(0x20, 0x180), *range(0x300, 0x310), *range(0x2000, 0x2070), *range(0x2460, 0x24A0),
                             *range(0x2F00, 0x2F20), *range(0x3000, 0x3020), *range(0x4E00, 0x4E40), *range(0xAC00, 0xAC08),
                             *range(0x1100, 0x1108), *range(0xFF00, 0xFF70), *range(0xF900, 0xF910)]]
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 16)))
        assert normalise(text) == _reference_normalise(text), repr(text)


def test_normalise_many_is_normalise_of_each_text():
    # NUL joins the texts for the whole-text steps: nothing may compose, reorder or fold across it
    # (Hangul jamo, combining marks, digits at either side), and a NUL of a text's own is kept.
    texts = ["\u1100", "\u1161全年", "\u0301e", "12", "３４", "（一）加强", "", " ", "a\x00b", "ﬁ"]
    for k in range(len(texts) + 1):
        for pair in (texts[k:k + 2], texts[:k], texts[k:]):
            assert normalise_many(pair) == [normalise(t) for t in pair], pair
    assert normalise_many([]) == []


def test_the_active_model_file_is_the_registered_one():
    from extraction.classify import MODELS_DIR, read_card, read_registry

    active = read_registry(MODELS_DIR)["active"]
    card = read_card(active, MODELS_DIR)
    assert sha256_file(MODELS_DIR / active / "model.skops") == card["model_sha256"]
    assert untrusted_types(MODELS_DIR / active / "model.skops") == []


def test_copy_of_a_version_loads_from_another_directory(tmp_path):
    from extraction.classify import MODELS_DIR, load_version, read_registry

    active = read_registry(MODELS_DIR)["active"]
    shutil.copytree(MODELS_DIR / active, tmp_path / active)
    clf = load_version(active, tmp_path)
    assert clf.version == active


def test_classify_lookup_table_answers_like_a_dict():
    import numpy as np

    from extraction.classify import _Lookup

    rng = np.random.default_rng(7)
    keys = np.unique(rng.integers(0, 2**62, 50_000))
    values = rng.integers(0, 2**31 - 1, len(keys))
    table = _Lookup(keys, values)
    # every stored key, random absent keys, and absent neighbours of the stored ones
    probes = np.concatenate([keys, rng.integers(0, 2**62, 20_000), keys + 1])
    expected = dict(zip(keys.tolist(), values.tolist(), strict=True))
    assert table.get(probes).tolist() == [expected.get(k, -1) for k in probes.tolist()]
    # keys piled onto a few home slots, some at the table's end (their runs wrap to its start),
    # and absent keys with the same homes
    small = _Lookup(np.arange(200), np.arange(200))  # the size of the table below: the same homes
    candidates = np.arange(1_000_000)
    home = small._slot(candidates)
    piled = np.concatenate([candidates[home == h][:30] for h in (0, 5, small.mask - 1, small.mask)])
    keys = np.unique(np.concatenate([piled, np.arange(100)]))
    table = _Lookup(keys, np.arange(len(keys)))
    assert table.mask == small.mask and table.reach >= 29
    absent = np.concatenate([candidates[home == h][30:40] for h in (0, small.mask)])
    expected = dict(zip(keys.tolist(), range(len(keys)), strict=True))
    probes = np.concatenate([keys, absent, candidates[:3000]])
    assert table.get(probes).tolist() == [expected.get(k, -1) for k in probes.tolist()]


def test_classify_a_sub_heading_naming_neither_half_ends_the_one_before():
    from extraction.classify import label_by_subheading
    from extraction.paragraphs import Paragraph

    part = "problems_improvements"
    headings = [Paragraph("（一）存在的问题", 0, 8, part, True), Paragraph("（二）其他情况说明", 30, 39, part, True)]
    narrative = [Paragraph("1.信息发布不够及时。", 10, 20, part), Paragraph("2.制作图解12期。", 40, 50, part)]
    labels = [{"label": "improvements", "confidence": 0.6, "spans": None},
              {"label": "improvements", "confidence": 0.9, "spans": None}]
    label_by_subheading(narrative, headings, labels)
    assert [lab["label"] for lab in labels] == ["problems", "improvements"]


def test_classify_a_run_in_sub_heading_marks_its_half_from_its_own_paragraph_on():
    from extraction.classify import label_by_subheading
    from extraction.paragraphs import Paragraph

    part = "problems_improvements"
    narrative = [Paragraph("(一)存在的不足对照要求,仍存在以下不足:", 0, 20, part),
                 Paragraph("1.信息发布不够及时。", 20, 30, part),
                 Paragraph("2.解读形式较为单一。", 30, 40, part),
                 Paragraph("(二)改进措施下一步将建立巡查机制。", 40, 58, part),
                 Paragraph("(三)工作计划性不强的问题已于年内整改。", 58, 78, part)]
    labels = [{"label": lab, "confidence": 0.6, "spans": None}
              for lab in ("problems", "problems", "improvements", "problems", "problems")]
    label_by_subheading(narrative, [], labels)
    # the last one's marker numbers an item: "工作计划" further on does not make it a heading
    assert [lab["label"] for lab in labels] == ["problems", "problems", "problems", "improvements", "improvements"]


@pytest.mark.parametrize("heading, expected", [("（一）上年度存在问题的整改情况", "improvements"),
                                               ("（一）2022年工作中存在问题的改进情况", "improvements"),
                                               ("（一）存在的主要问题及改进措施", "problems")])
def test_classify_a_sub_heading_about_fixing_problems_names_the_improvements(heading, expected):
    # "问题的改进情况" is about the fixes; "问题及改进措施" names both halves and says nothing
    from extraction.classify import label_by_subheading
    from extraction.paragraphs import Paragraph

    part = "problems_improvements"
    headings = [Paragraph(heading, 0, 20, part, True)]
    narrative = [Paragraph("一是更好发挥门户网站作用。聚焦重点领域集中发布政策。", 22, 50, part)]
    spans = [{"start": 22, "end": 35, "label": "problems", "text": "一是更好发挥门户网站作用。"},
             {"start": 35, "end": 50, "label": "improvements", "text": "聚焦重点领域集中发布政策。"}]
    labels = [{"label": "problems", "confidence": 0.6, "spans": spans}]
    label_by_subheading(narrative, headings, labels)
    assert labels[0]["label"] == expected
    assert (labels[0]["spans"] is None) == (expected == "improvements")


def test_classify_spans_need_a_fix_after_the_problem():
    """Problem, fix, problem (one sentence inside an enumerated list of shortcomings misread as a
    plan) is no mixed paragraph: only problem runs each followed by a fix are split."""
    from extraction.classify import _mixed_spans

    text = "一是公开制度建设还不够健全完善。单位调整后，新的机制正在建立。二是将丰富公开形式并加强宣传。"
    par = Paragraph(text, 100, 100 + len(text), "problems_improvements")
    a, b = text.index("单位"), text.index("二是")
    sents = [(0, a, "problems", 0.9), (a, b, "improvements", 0.8), (b, len(text), "problems", 0.9)]
    assert _mixed_spans(par, sents) is None
    fixed = [(0, a, "problems", 0.9), (a, b, "problems", 0.8), (b, len(text), "improvements", 0.9)]
    assert [s["label"] for s in _mixed_spans(par, fixed)] == ["problems", "improvements"]
