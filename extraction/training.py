"""Training, evaluation and the model registry (models/<version>/, models/registry.json)."""
from __future__ import annotations

import getpass
import hashlib
import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from . import segment
from .classify import (
    LABELS,
    MODELS_DIR,
    TRAINING_DATA,
    Item,
    ParagraphClassifier,
    read_registry,
    registry_path,
)

PROMOTION_TOLERANCE = 0.005


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if row.get("label") not in LABELS or not row.get("text"):
            raise ValueError(f"{path}:{n}: needs text and a label in {LABELS}")
        rows.append(row)
    return rows


def is_held_out(record_id: str) -> bool:
    """The fixed held-out split: 1 in 5 records by hash of id; no training run sees these."""
    return int(hashlib.sha256(record_id.encode()).hexdigest(), 16) % 5 == 0


def to_item(row: dict) -> Item:
    return Item(row["text"], row.get("section_kind"), int(row.get("position", 0) or 0), row.get("generation"))


def metrics(gold: list[str], pred: list[str], probs: np.ndarray | None = None) -> dict:
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    p, r, f, n = precision_recall_fscore_support(gold, pred, labels=LABELS, zero_division=0)
    out = {
        "macro_f1": round(float(f1_score(gold, pred, labels=LABELS, average="macro", zero_division=0)), 4),
        "accuracy": round(float(np.mean([g == q for g, q in zip(gold, pred, strict=True)])), 4),
        "per_class": {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                            "f1": round(float(f[i]), 4), "support": int(n[i])} for i, lab in enumerate(LABELS)},
        "confusion_matrix": {"labels": LABELS, "matrix": confusion_matrix(gold, pred, labels=LABELS).tolist()},
    }
    if probs is not None:
        onehot = np.array([[1.0 if g == lab else 0.0 for lab in LABELS] for g in gold])
        out["brier"] = round(float(np.mean(np.sum((probs - onehot) ** 2, axis=1))), 4)
    return out


def evaluate(clf: ParagraphClassifier, rows: list[dict]) -> dict:
    items = [to_item(r) for r in rows]
    probs = clf.predict_proba(items)
    pred = [LABELS[int(i)] for i in probs.argmax(axis=1)]
    return metrics([r["label"] for r in rows], pred, probs)


def cross_val_macro_f1(rows: list[dict], folds: int = 5) -> float:
    scores = []
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if i % folds != k]
        test = [r for i, r in enumerate(rows) if i % folds == k]
        clf = ParagraphClassifier.fit([to_item(r) for r in train], [r["label"] for r in train], calibrate=False)
        pred = [lab for lab, _ in clf.predict([to_item(r) for r in test])]
        scores.append(metrics([r["label"] for r in test], pred)["macro_f1"])
    return round(float(np.mean(scores)), 4)


def new_version() -> str:
    return "clf-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def train(*, data: Path = TRAINING_DATA, reviews: list[dict] | None = None, models_dir: Path = MODELS_DIR,
          version: str | None = None, cv: bool = True) -> tuple[str, dict]:
    """Fit on the training split (plus reviews), evaluate on the held-out split, write the version."""
    t0 = time.perf_counter()
    rows = read_jsonl(data)
    reviews = reviews or []
    train_rows = [r for r in rows if not is_held_out(r["id"])] + reviews
    held = [r for r in rows if is_held_out(r["id"])]
    clf = ParagraphClassifier.fit([to_item(r) for r in train_rows], [r["label"] for r in train_rows])
    version = version or new_version()
    clf.version = version
    out = models_dir / version
    out.mkdir(parents=True, exist_ok=False)
    sha = clf.save(out / "model.skops")
    import scipy
    import sklearn
    import skops

    card = {
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "created_by": getpass.getuser(),
        "training_data": {"path": str(Path(data).name), "sha256": hashlib.sha256(Path(data).read_bytes()).hexdigest(),
                          "records": len(rows), "train": len(train_rows), "held_out": len(held),
                          "reviews": len(reviews)},
        "user_dictionary": {"version": segment.DICTIONARY_VERSION, "sha256": segment.dictionary_hash()},
        "libraries": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                      "numpy": np.__version__, "scipy": scipy.__version__, "skops": skops.__version__},
        "held_out": evaluate(clf, held),
        "cv_macro_f1": cross_val_macro_f1(train_rows) if cv else None,
        "model_sha256": sha,
        "training_seconds": None,
    }
    card["training_seconds"] = round(time.perf_counter() - t0, 1)
    (out / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
    return version, card


def read_card(version: str, models_dir: Path = MODELS_DIR) -> dict:
    return json.loads((models_dir / version / "card.json").read_text(encoding="utf-8"))


def promote(version: str, *, force: bool = False, models_dir: Path = MODELS_DIR, who: str | None = None,
            action: str = "promote") -> tuple[bool, str]:
    """Make `version` active if its held-out macro-F1 is within tolerance of the active one's."""
    reg = read_registry(models_dir)
    card = read_card(version, models_dir)
    new_f1 = card["held_out"]["macro_f1"]
    active = reg.get("active")
    reason = "no active model"
    if active and active != version:
        old_f1 = read_card(active, models_dir)["held_out"]["macro_f1"]
        if new_f1 < old_f1 - PROMOTION_TOLERANCE and not force:
            return False, (f"refused: held-out macro-F1 {new_f1:.4f} is more than {PROMOTION_TOLERANCE} below "
                           f"the active {active}'s {old_f1:.4f}; use --force to override")
        reason = f"macro-F1 {new_f1:.4f} vs active {old_f1:.4f}" + (" (forced)" if force else "")
    reg.setdefault("history", []).append({
        "action": action, "version": version, "previous": active, "by": who or getpass.getuser(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "forced": force, "reason": reason,
    })
    reg["active"] = version
    registry_path(models_dir).write_text(json.dumps(reg, ensure_ascii=False, indent=1), encoding="utf-8")
    return True, reason
