"""Training, evaluation and the model registry (models/<version>/, models/registry.json).

A version is a directory models/<version>/ holding model.skops (the fitted parts, skops format,
zip-deflated) and card.json (what it was trained on, with which libraries, how well it does).
models/registry.json names the active version and keeps the history of every promotion and
rollback (who, when, from what, with which scores, forced or not).

The held-out split is fixed by id (`is_held_out`); records that come from reviews are never
held out and never evaluated on: they only ever add to the training side.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import os
import platform
import tempfile
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
    load_version,
    normalise,
    read_card,
    read_registry,
    registry_path,
)
from .errors import GovdigestError

PROMOTION_TOLERANCE = 0.005
CV_FOLDS = 5

__all__ = ["PROMOTION_TOLERANCE", "evaluate", "is_held_out", "metrics", "promote", "read_card", "read_jsonl",
           "rollback", "train", "split"]


# ---------------------------------------------------------------- data

def read_jsonl(path: Path) -> list[dict]:
    """Labelled records (training-data format); a bad line is an error naming the line."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict) or row.get("label") not in LABELS or not isinstance(row.get("text"), str) \
                    or not row["text"]:
                raise ValueError(f"{path}:{n}: needs a text and a label in {LABELS}")
            row.setdefault("id", f"line-{n}")
            rows.append(row)
    return rows


def is_held_out(record_id: str) -> bool:
    """The fixed held-out split: 1 in 5 records by hash of id; no training run sees these."""
    return int(hashlib.sha256(record_id.encode()).hexdigest(), 16) % 5 == 0


def is_review(row: dict) -> bool:
    return str(row.get("source", "")).startswith("review:")


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(training, held-out). Review records always train, never test."""
    train_rows, held = [], []
    for r in rows:
        (held if not is_review(r) and is_held_out(str(r["id"])) else train_rows).append(r)
    return train_rows, held


def to_item(row: dict) -> Item:
    return Item(row["text"], row.get("section_kind"), int(row.get("position", 0) or 0), row.get("generation"))


# ---------------------------------------------------------------- scores

def metrics(gold: list[str], pred: list[str], probs: np.ndarray | None = None) -> dict:
    """Per-class precision/recall/F1, macro-F1, accuracy, confusion matrix (rows = gold, columns =
    predicted, in LABELS order) and, given probabilities in LABELS order, the multi-class Brier score
    (mean over items of the squared distance to the one-hot gold; 0 is perfect, 2 the worst)."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    p, r, f, n = precision_recall_fscore_support(gold, pred, labels=LABELS, zero_division=0)
    present = [lab for lab in LABELS if lab in set(gold)]
    out = {
        "items": len(gold),
        "macro_f1": round(float(f1_score(gold, pred, labels=present or LABELS, average="macro", zero_division=0)), 4),
        "accuracy": round(float(np.mean([g == q for g, q in zip(gold, pred, strict=True)])) if gold else 0.0, 4),
        "per_class": {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                            "f1": round(float(f[i]), 4), "support": int(n[i])} for i, lab in enumerate(LABELS)},
        "confusion_matrix": {"labels": LABELS, "rows": "gold", "columns": "predicted",
                             "matrix": confusion_matrix(gold, pred, labels=LABELS).tolist()},
    }
    if probs is not None and len(gold):
        onehot = np.array([[1.0 if g == lab else 0.0 for lab in LABELS] for g in gold])
        out["brier"] = round(float(np.mean(np.sum((probs - onehot) ** 2, axis=1))), 4)
    return out


def evaluate(clf: ParagraphClassifier, rows: list[dict]) -> dict:
    if not rows:
        return metrics([], [], None)
    items = [to_item(r) for r in rows]
    probs = clf.predict_proba(items)
    pred = [LABELS[int(i)] for i in probs.argmax(axis=1)]
    return metrics([r["label"] for r in rows], pred, probs)


def _fold(row: dict, folds: int) -> int:
    return int(hashlib.sha256(str(row["id"]).encode()).hexdigest(), 16) // 5 % folds


def _cv_fold(args: tuple[list[dict], int, int]) -> float:
    rows, k, folds = args
    train_rows = [r for r in rows if _fold(r, folds) != k]
    test_rows = [r for r in rows if _fold(r, folds) == k]
    clf = ParagraphClassifier.fit([to_item(r) for r in train_rows], [r["label"] for r in train_rows],
                                  calibrate=False)
    pred = [lab for lab, _ in clf.predict([to_item(r) for r in test_rows])]
    return metrics([r["label"] for r in test_rows], pred)["macro_f1"]


def cross_val_macro_f1(rows: list[dict], folds: int = CV_FOLDS, jobs: int | None = None) -> dict:
    """k-fold cross-validation on the training split (folds by hash of id; the base model without
    its calibration, which rescales probabilities but rarely moves an argmax). Folds run in
    `jobs` processes (default: one per core, at most 2)."""
    import multiprocessing as mp

    jobs = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    if mp.current_process().daemon:
        jobs = 1  # a daemonic process (a worker pool's child) may not start processes of its own
    tasks = [(rows, k, folds) for k in range(folds)]
    scores: list[float] | None = None
    if jobs > 1:
        segment.warm()  # the forked processes share the tokenizer instead of building their own
        try:
            with mp.get_context("fork").Pool(jobs) as pool:
                scores = pool.map(_cv_fold, tasks)
        except (OSError, AssertionError, ValueError):
            scores = None  # no processes to be had here: run the folds in this one
    if scores is None:
        scores = [_cv_fold(t) for t in tasks]
    return {"folds": folds, "macro_f1": round(float(np.mean(scores)), 4), "per_fold": [round(s, 4) for s in scores],
            "std": round(float(np.std(scores)), 4)}


# ---------------------------------------------------------------- training

def new_version(models_dir: Path = MODELS_DIR) -> str:
    base = "clf-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    version, n = base, 1
    while (Path(models_dir) / version).exists():
        n += 1
        version = f"{base}-{n}"
    return version


def _library_versions() -> dict:
    import scipy
    import sklearn
    import skops

    try:
        from importlib.metadata import version as dist_version

        rjieba_version = dist_version("rjieba")
    except Exception:  # pragma: no cover - metadata missing
        rjieba_version = None
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "skops": skops.__version__, "rjieba": rjieba_version}


def _calibration(clf: ParagraphClassifier) -> str:
    model = clf.parts["clf"]
    return getattr(model, "method", None) or "none"


def _count(rows: list[dict]) -> dict:
    return {lab: sum(1 for r in rows if r["label"] == lab) for lab in LABELS}


def train(*, data: Path = TRAINING_DATA, reviews: list[dict] | None = None, models_dir: Path = MODELS_DIR,
          version: str | None = None, cv: bool = True, cv_jobs: int | None = None) -> tuple[str, dict]:
    """Fit on the training split (plus reviews), evaluate on the held-out split, write the version.

    Returns (version, card). Reviews whose text is also a held-out text are left out (they would
    leak the test into training); review records in `data` itself are training-only as well."""
    t0 = time.perf_counter()
    data = Path(data)
    models_dir = Path(models_dir)
    rows = read_jsonl(data)
    train_rows, held = split(rows)
    reviews = list(reviews or [])
    held_texts = {normalise(r["text"]) for r in held}
    used_reviews = [r for r in reviews if normalise(r["text"]) not in held_texts]
    train_rows = train_rows + used_reviews
    if not held or len({r["label"] for r in train_rows}) < 2:
        raise ValueError(f"{data}: need records of at least two labels and a non-empty held-out split")
    clf = ParagraphClassifier.fit([to_item(r) for r in train_rows], [r["label"] for r in train_rows])
    fit_seconds = time.perf_counter() - t0
    version = version or new_version(models_dir)
    clf.version = version
    out = models_dir / version
    out.mkdir(parents=True, exist_ok=False)
    sha = clf.save(out / "model.skops")
    held_eval = evaluate(clf, held)
    cv_result = cross_val_macro_f1(train_rows, jobs=cv_jobs) if cv else None
    all_reviews = [r for r in rows if is_review(r)] + used_reviews
    card = {
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "created_by": getpass.getuser(),
        "model": {"file": "model.skops", "sha256": sha, "bytes": (out / "model.skops").stat().st_size,
                  "classes": clf.classes,
                  "features": {"char_ngrams": len(clf.parts["char"].vocabulary_),
                               "word_ngrams": len(clf.parts["word"].vocabulary_),
                               "meta": len(clf.parts["meta"].vocabulary_)},
                  "calibration": _calibration(clf),
                  "design": "char 1-3 + word 1-2 tf-idf + section/position/generation -> "
                            f"CalibratedClassifierCV(LogisticRegression, {_calibration(clf)}, cv=3, ensemble=False)"},
        "model_sha256": sha,
        "training_data": {"path": data.name, "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
                          "records": len(rows), "train": len(train_rows), "held_out": len(held),
                          "reviews": len(all_reviews), "reviews_left_out": len(reviews) - len(used_reviews),
                          "train_per_label": _count(train_rows), "held_out_per_label": _count(held),
                          "reviews_per_label": _count(all_reviews),
                          "split": "held-out iff sha256(id) % 5 == 0 (review records never)"},
        "user_dictionary": {"version": segment.DICTIONARY_VERSION, "sha256": segment.dictionary_hash()},
        "libraries": _library_versions(),
        "held_out": held_eval,
        "brier": held_eval.get("brier"),
        "cv": cv_result,
        "cv_macro_f1": cv_result["macro_f1"] if cv_result else None,
        "fit_seconds": round(fit_seconds, 1),
        "training_seconds": None,
    }
    card["training_seconds"] = round(time.perf_counter() - t0, 1)
    _write_json(out / "card.json", card)
    return version, card


# ---------------------------------------------------------------- registry

def _write_json(path: Path, obj: dict) -> None:
    """Write atomically (a reader never sees half a file)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it owner-only; workers run as other users
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def list_versions(models_dir: Path = MODELS_DIR) -> list[dict]:
    """Every version directory with a card, oldest first."""
    out = []
    for d in sorted(Path(models_dir).iterdir()) if Path(models_dir).exists() else []:
        if (d / "card.json").exists():
            card = json.loads((d / "card.json").read_text(encoding="utf-8"))
            out.append(card)
    out.sort(key=lambda c: (c.get("created") or "", c.get("version") or ""))
    return out


def activation_stack(reg: dict) -> list[str]:
    """The versions that were active, in order, with rolled-back ones removed: the last is active,
    the one before it is what a rollback returns to."""
    stack: list[str] = []
    for h in reg.get("history", []):
        if h.get("action") == "rollback":
            if stack and stack[-1] == h.get("from"):
                stack.pop()
            if not stack or stack[-1] != h["version"]:
                stack.append(h["version"])
        elif not stack or stack[-1] != h["version"]:
            stack.append(h["version"])
    return stack


def _log(reg: dict, entry: dict, models_dir: Path) -> None:
    reg.setdefault("history", []).append(entry)
    reg["active"] = entry["version"]
    _write_json(registry_path(models_dir), reg)


def promote(version: str, *, force: bool = False, models_dir: Path = MODELS_DIR, who: str | None = None,
            action: str = "promote") -> tuple[bool, str]:
    """Make `version` active if its held-out macro-F1 is no more than PROMOTION_TOLERANCE below the
    active version's (each measured on the held-out split of its own card); `force` overrides the
    gate and is logged. The model file is loaded (checksum and trusted types) before it is activated."""
    models_dir = Path(models_dir)
    reg = read_registry(models_dir)
    card = read_card(version, models_dir)
    load_version(version, models_dir)  # refuses a tampered or untrusted file before it goes live
    new_f1 = card["held_out"]["macro_f1"]
    active = reg.get("active")
    old_f1 = None
    if active == version:
        return False, f"{version} is already active"
    reason = "no active model"
    if active:
        try:
            old_f1 = read_card(active, models_dir)["held_out"]["macro_f1"]
        except GovdigestError:
            old_f1 = None
            reason = f"the active version {active} has no card"
        if old_f1 is not None:
            worse = new_f1 < old_f1 - PROMOTION_TOLERANCE
            if worse and not force:
                return False, (f"refused: held-out macro-F1 {new_f1:.4f} is more than {PROMOTION_TOLERANCE} below "
                               f"the active {active}'s {old_f1:.4f}; use --force to override")
            reason = f"held-out macro-F1 {new_f1:.4f} vs active {old_f1:.4f}"
            if worse:
                reason += f" (below the gate of {PROMOTION_TOLERANCE}; forced)"
            elif force:
                reason += " (forced, gate passed anyway)"
    _log(reg, {"action": action, "version": version, "previous": active, "by": who or getpass.getuser(),
               "at": datetime.now(UTC).isoformat(timespec="seconds"), "forced": bool(force),
               "macro_f1": new_f1, "previous_macro_f1": old_f1, "reason": reason}, models_dir)
    return True, reason


def rollback(*, models_dir: Path = MODELS_DIR, who: str | None = None) -> tuple[bool, str]:
    """Re-activate the version that was active before the current one (logged; no gate)."""
    models_dir = Path(models_dir)
    reg = read_registry(models_dir)
    active = reg.get("active")
    stack = activation_stack(reg)
    if not active or len(stack) < 2 or stack[-1] != active:
        return False, "nothing to roll back to: the history has no earlier active version"
    target = stack[-2]
    load_version(target, models_dir)  # still present and intact?
    _log(reg, {"action": "rollback", "version": target, "from": active, "previous": active,
               "by": who or getpass.getuser(), "at": datetime.now(UTC).isoformat(timespec="seconds"),
               "forced": False, "macro_f1": read_card(target, models_dir)["held_out"]["macro_f1"],
               "reason": f"rolled back from {active}"}, models_dir)
    return True, f"{target} is active again (was {active})"
