"""Training, the model card, the promotion gate, rollback, evaluation, and reviews feeding training.

Small training sets (records of training_data/, which we wrote) and temporary model directories
keep these fast; the full training run is measured by bench/run.py, not here.
"""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from extraction.classify import LABELS, load_version, read_registry, sha256_file
from extraction.errors import GovdigestError
from extraction.training import (
    PROMOTION_TOLERANCE,
    activation_stack,
    is_held_out,
    promote,
    read_jsonl,
    rollback,
    split,
    train,
)

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "training_data" / "paragraphs.jsonl"
runner = CliRunner()


def _all_rows() -> list[dict]:
    return read_jsonl(DATA)


@pytest.fixture(scope="module")
def small_rows() -> list[dict]:
    """60 records per label from the training data (so the held-out split has every label)."""
    per: dict[str, list[dict]] = {lab: [] for lab in LABELS}
    for r in _all_rows():
        if len(per[r["label"]]) < 60:
            per[r["label"]].append(r)
    return [r for lab in LABELS for r in per[lab]]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def small_data(tmp_path, small_rows) -> Path:
    return _write(tmp_path / "small.jsonl", small_rows)


@pytest.fixture
def bad_data(tmp_path, small_rows) -> Path:
    """The same records with most training labels scrambled: a clearly worse model."""
    rng = random.Random(1)
    rows = []
    for r in small_rows:
        r = dict(r)
        if not is_held_out(r["id"]) and rng.random() < 0.7:
            r["label"] = rng.choice(LABELS)
        rows.append(r)
    return _write(tmp_path / "bad.jsonl", rows)


def test_held_out_split_is_fixed_by_id():
    rows = _all_rows()
    train_rows, held = split(rows)
    assert len(train_rows) + len(held) == len(rows)
    assert all(int(hashlib.sha256(r["id"].encode()).hexdigest(), 16) % 5 == 0 for r in held)
    assert 0.17 < len(held) / len(rows) < 0.23
    review = {"id": next(r["id"] for r in held), "text": "x", "label": "other", "source": "review:1"}
    assert split([review]) == ([review], [])  # reviews train, never test


def test_training_data_matches_the_datasheet():
    rows = _all_rows()
    assert len(rows) >= 3000
    assert {r["label"] for r in rows} == set(LABELS)
    assert {r["generation"] for r in rows} == {"legacy", "2019", "2021"}
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(r["source"] == "written" for r in rows)
    assert all(set(r) == {"id", "text", "label", "section_kind", "position", "generation", "source"} for r in rows)
    assert {min(r["position"], 3) for r in rows} == {0, 1, 2, 3}
    assert len({r["section_kind"] for r in rows}) >= 9  # every section kind, and null
    counts = {lab: sum(r["label"] == lab for r in rows) for lab in LABELS}
    assert max(counts.values()) < 2.5 * min(counts.values())
    readme = (REPO / "training_data" / "README.md").read_text(encoding="utf-8")
    assert sha256_file(DATA) in readme  # the datasheet describes this very file
    assert f"{len(rows):,}" in readme


def test_train_writes_model_and_card(tmp_path, small_data):
    version, card = train(data=small_data, models_dir=tmp_path / "models", version="v1", cv=True, cv_jobs=1)
    d = tmp_path / "models" / "v1"
    assert version == "v1" and (d / "model.skops").exists()
    assert json.loads((d / "card.json").read_text(encoding="utf-8")) == card
    assert card["model_sha256"] == sha256_file(d / "model.skops")
    td = card["training_data"]
    assert td["sha256"] == hashlib.sha256(small_data.read_bytes()).hexdigest()
    assert td["train"] + td["held_out"] == td["records"] == 240 and td["reviews"] == 0
    ho = card["held_out"]
    assert set(ho["per_class"]) == set(LABELS)
    assert all(set(c) == {"precision", "recall", "f1", "support"} for c in ho["per_class"].values())
    assert 0 <= ho["brier"] <= 2 and card["brier"] == ho["brier"]
    assert len(ho["confusion_matrix"]["matrix"]) == 4 and sum(map(sum, ho["confusion_matrix"]["matrix"])) == td["held_out"]
    assert card["cv"]["folds"] == 5 and len(card["cv"]["per_fold"]) == 5 and 0 < card["cv_macro_f1"] <= 1
    assert card["user_dictionary"]["sha256"] and card["libraries"]["scikit-learn"]
    assert ho["macro_f1"] > 0.8
    assert load_version("v1", tmp_path / "models").predict_proba([]).shape == (0, 4)


def test_gate_refuses_a_worse_model_and_force_is_logged(tmp_path, small_data, bad_data):
    md = tmp_path / "models"
    train(data=small_data, models_dir=md, version="good", cv=False)
    assert promote("good", models_dir=md, who="alice") == (True, "no active model")
    _, bad = train(data=bad_data, models_dir=md, version="bad", cv=False)
    good_f1 = json.loads((md / "good" / "card.json").read_text())["held_out"]["macro_f1"]
    assert bad["held_out"]["macro_f1"] < good_f1 - PROMOTION_TOLERANCE
    ok, reason = promote("bad", models_dir=md, who="bob")
    assert not ok and "refused" in reason and "--force" in reason
    assert read_registry(md)["active"] == "good" and len(read_registry(md)["history"]) == 1
    ok, reason = promote("bad", models_dir=md, force=True, who="bob")
    assert ok and "forced" in reason
    reg = read_registry(md)
    last = reg["history"][-1]
    assert reg["active"] == "bad"
    assert (last["version"], last["previous"], last["by"], last["forced"]) == ("bad", "good", "bob", True)
    assert last["macro_f1"] == bad["held_out"]["macro_f1"] and last["previous_macro_f1"] == good_f1


def test_rollback_reactivates_the_previous_version(tmp_path, small_data):
    md = tmp_path / "models"
    for v in ("a", "b", "c"):
        train(data=small_data, models_dir=md, version=v, cv=False)
        assert promote(v, models_dir=md)[0]
    assert rollback(models_dir=md, who="carol")[0]
    reg = read_registry(md)
    assert reg["active"] == "b"
    assert reg["history"][-1] | {"at": None} == reg["history"][-1] | {
        "action": "rollback", "version": "b", "from": "c", "by": "carol", "at": None}
    assert rollback(models_dir=md)[0] and read_registry(md)["active"] == "a"
    ok, message = rollback(models_dir=md)
    assert not ok and "nothing to roll back" in message
    assert activation_stack(read_registry(md)) == ["a"]


def test_promotion_of_a_tampered_version_is_refused(tmp_path, small_data):
    md = tmp_path / "models"
    train(data=small_data, models_dir=md, version="a", cv=False)
    model = md / "a" / "model.skops"
    model.write_bytes(model.read_bytes() + b"\0")
    with pytest.raises(GovdigestError) as exc:
        promote("a", models_dir=md)
    assert exc.value.code == "model_checksum"
    assert read_registry(md)["active"] is None


def test_cli_models_list_show_promote_rollback_evaluate(tmp_path, small_data):
    md = str(tmp_path / "models")
    r = runner.invoke(app, ["train", "--data", str(small_data), "--models-dir", md, "--version", "one", "--no-cv",
                            "--promote"])
    assert r.exit_code == 0, r.output
    assert "promoted one" in r.output and "macro-F1" in r.output
    train(data=small_data, models_dir=Path(md), version="two", cv=False)
    r = runner.invoke(app, ["models", "list", "--models-dir", md, "--json"])
    listing = json.loads(r.output)
    assert listing["active"] == "one" and [v["version"] for v in listing["versions"]] == ["one", "two"]
    r = runner.invoke(app, ["models", "show", "two", "--models-dir", md])
    assert r.exit_code == 0 and "two" in r.output and "confusion matrix" in r.output
    assert runner.invoke(app, ["models", "show", "nope", "--models-dir", md]).exit_code == 2
    assert runner.invoke(app, ["models", "promote", "two", "--models-dir", md]).exit_code == 0
    assert runner.invoke(app, ["models", "rollback", "--models-dir", md]).exit_code == 0
    assert read_registry(Path(md))["active"] == "one"
    r = runner.invoke(app, ["evaluate", "--data", str(small_data), "--models-dir", md, "--version", "two"])
    assert r.exit_code == 0, r.output
    for needle in ("precision", "recall", "F1", "macro-F1", "Brier", "confusion matrix", *LABELS):
        assert needle in r.output
    r = runner.invoke(app, ["evaluate", "--data", str(small_data), "--models-dir", md, "--held-out", "--json"])
    scores = json.loads(r.output)
    assert scores["version"] == "one" and scores["items"] == sum(1 for x in read_jsonl(small_data) if is_held_out(x["id"]))


def _stored_and_reviewed(url: str, report_bytes: bytes, clf) -> list[int]:
    """Process the written 2019 report into a fresh database and correct two labels."""
    from sqlalchemy import select

    from extraction.pipeline import process_bytes
    from store.db import session
    from store.models import Paragraph
    from store.repository import relabel, save_summary, store_file

    summary = process_bytes(report_bytes, "wenlv_2020.txt", classifier=clf)
    with session(url) as s:
        doc, _ = store_file(s, report_bytes, "wenlv_2020.txt")
        save_summary(s, doc, summary)
        s.commit()
        rows = s.scalars(select(Paragraph).where(Paragraph.document_id == doc.id).order_by(Paragraph.idx)).all()
        targets = [rows[0], rows[-1]]
        relabel(s, targets[0].id, "overview", "alice")
        relabel(s, targets[1].id, "other", "bob")
        relabel(s, targets[1].id, "other", "bob")  # twice: one record, two audit entries
        s.commit()
        return [p.id for p in targets]


def test_export_training_and_include_reviews_round_trip(tmp_path, sqlite_url, report_2019_bytes, classifier,
                                                        small_data):
    from store.db import session
    from store.reviews import reviewed_records

    ids = _stored_and_reviewed(sqlite_url, report_2019_bytes, classifier)
    out = tmp_path / "reviews.jsonl"
    r = runner.invoke(app, ["export-training", "--out", str(out), "--db", sqlite_url])
    assert r.exit_code == 0, r.output
    exported = read_jsonl(out)
    assert [x["source"] for x in exported] == [f"review:{i}" for i in ids]
    assert [x["label"] for x in exported] == ["overview", "other"]
    for x in exported:
        assert x["generation"] == "2019" and x["text"] and x["reviewed_by"] in ("alice", "bob")
        assert x["section_kind"] is None or isinstance(x["section_kind"], str)
    assert len(exported[1]["changes"]) == 2 and exported[1]["changes"][0]["model_version"] == classifier.version
    with session(sqlite_url) as s:
        assert reviewed_records(s) == exported
    # The exported file is itself training data: its records train and are never held out.
    train_rows, held = split(read_jsonl(small_data) + exported)
    assert held == split(read_jsonl(small_data))[1] and all(x in train_rows for x in exported)
    md = tmp_path / "models"
    r = runner.invoke(app, ["train", "--include-reviews", "--db", sqlite_url, "--data", str(small_data),
                            "--models-dir", str(md), "--version", "rev", "--no-cv"])
    assert r.exit_code == 0, r.output
    card = json.loads((md / "rev" / "card.json").read_text(encoding="utf-8"))
    assert card["training_data"]["reviews"] == 2
    assert card["training_data"]["reviews_per_label"]["other"] == 1
    base = train(data=small_data, models_dir=md, version="base", cv=False)[1]
    assert card["training_data"]["train"] == base["training_data"]["train"] + 2
    assert card["training_data"]["held_out"] == base["training_data"]["held_out"]


def test_training_worker_task_takes_reviews_and_promotion_like_the_cli(tmp_path, sqlite_url, report_2019_bytes,
                                                                       classifier, small_data, monkeypatch):
    """The `govdigest.train` task runs api.retrain.run_training, as `govdigest train` and the API do."""
    import extraction.classify
    import worker.tasks

    _stored_and_reviewed(sqlite_url, report_2019_bytes, classifier)
    md = tmp_path / "models"
    monkeypatch.setenv("GOVDIGEST_DATABASE_URL", sqlite_url)  # what a worker machine is given
    monkeypatch.setattr(extraction.classify, "MODELS_DIR", md)
    monkeypatch.setattr(extraction.classify, "TRAINING_DATA", small_data)
    version = worker.tasks.train.run(include_reviews=True, promote=True, who="admin")
    card = json.loads((md / version / "card.json").read_text(encoding="utf-8"))
    assert card["training_data"]["reviews"] == 2
    reg = read_registry(md)
    assert reg["active"] == version and reg["history"][-1]["by"] == "admin"
    without = worker.tasks.train.run()
    assert json.loads((md / without / "card.json").read_text(encoding="utf-8"))["training_data"]["reviews"] == 0
    assert read_registry(md)["active"] == version  # not promoted unless asked


def test_a_review_that_repeats_a_held_out_text_is_left_out(tmp_path, small_data):
    held = split(read_jsonl(small_data))[1]
    leak = {"id": "review-9", "text": held[0]["text"], "label": held[0]["label"], "section_kind": None,
            "generation": None, "source": "review:9"}
    fine = {"id": "review-10", "text": "一段只在审核中出现过的文字，用来检验审核记录会进入训练。", "label": "other",
            "section_kind": None, "generation": None, "source": "review:10"}
    _, card = train(data=small_data, reviews=[leak, fine], models_dir=tmp_path, version="v", cv=False)
    assert card["training_data"]["reviews"] == 1 and card["training_data"]["reviews_left_out"] == 1


def test_reclassify_refreshes_stored_predictions_and_keeps_reviews(tmp_path, sqlite_url, report_2019_bytes,
                                                                   classifier):
    from sqlalchemy import select

    from api.cli_models import reclassify_stored
    from store.db import session
    from store.models import Document, Paragraph

    ids = _stored_and_reviewed(sqlite_url, report_2019_bytes, classifier)
    with session(sqlite_url) as s:
        docs, _ = reclassify_stored(s, classifier)
        assert docs == 1
        rows = {p.id: p for p in s.scalars(select(Paragraph))}
        assert rows[ids[0]].label == "overview" and rows[ids[1]].label == "other"
        doc = s.scalar(select(Document))
        assert doc.summary["pipeline"]["classifier"] == classifier.version
        assert all(p.model_version == classifier.version for p in rows.values())
        assert [p["label"] for p in doc.summary["paragraphs"]] == [
            rows_by_idx.predicted_label for rows_by_idx in sorted(rows.values(), key=lambda p: p.idx)]
