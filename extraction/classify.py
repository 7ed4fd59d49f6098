"""Paragraph classifier: overview / problems / improvements / other, with calibrated confidence.

Features: character 1-3-grams, word 1-2-grams from our segmenter (domain dictionary loaded),
and the section kind and position. A logistic regression, calibrated by cross-validation,
gives probabilities (checked with the Brier score in the model card).

Models are stored with skops, never pickle, and loaded only when every type in the file is
on TRUSTED_TYPES below and the file's sha256 matches its card.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from . import segment
from .errors import GovdigestError

LABELS = ["overview", "problems", "improvements", "other"]
REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "models"
TRAINING_DATA = REPO_ROOT / "training_data" / "paragraphs.jsonl"

# Every type a model file may hold. Anything else is refused (skops would otherwise run it).
TRUSTED_TYPES = [
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.slice",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.int64",
    "numpy.int32",
    "numpy.core.multiarray._reconstruct",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction._dict_vectorizer.DictVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.frozen._frozen.FrozenEstimator",
    "sklearn.preprocessing._label.LabelEncoder",
]

_DIGITS = re.compile(r"\d+")
SPAN_SECTIONS = ("problems_improvements", None)
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]*")


@dataclass
class Item:
    """One unit to classify: a paragraph or a sentence, with where it stands."""

    text: str
    section: str | None = None
    position: int = 0  # index within its section
    generation: str | None = None


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return _DIGITS.sub("0", text)


def _meta(item: Item) -> dict:
    return {
        f"sec={item.section or 'none'}": 1.0,
        f"pos={min(item.position, 3)}": 1.0,
        f"gen={item.generation or 'none'}": 1.0,
        "len": min(len(item.text), 400) / 400.0,
    }


def _words(text: str) -> str:
    return " ".join(t for t in segment.cut(text) if t.strip())


class ParagraphClassifier:
    def __init__(self, parts: dict, version: str = "unsaved"):
        self.parts = parts
        self.version = version
        self._fast: _FastPath | None = None

    # ---- training
    @classmethod
    def fit(cls, items: list[Item], labels: list[str], *, calibrate: bool = True, c: float = 4.0,
            seed: int = 0) -> ParagraphClassifier:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        norm = [normalise(i.text) for i in items]
        char = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                               max_features=120_000, dtype=np.float32)
        word = TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                               lowercase=False, max_features=80_000, dtype=np.float32)
        meta = DictVectorizer()
        parts = {"char": char, "word": word, "meta": meta}
        x = _stack(char.fit_transform(norm), word.fit_transform([_words(t) for t in norm]),
                   meta.fit_transform([_meta(i) for i in items]))
        base = LogisticRegression(C=c, max_iter=500, tol=1e-3, random_state=seed)
        counts = {lab: labels.count(lab) for lab in set(labels)}
        if calibrate and min(counts.values()) >= 3:
            # One base model plus per-class sigmoids (ensemble=False): one linear map at prediction.
            clf = CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)
        else:
            clf = base
        clf.fit(x, labels)
        parts["clf"] = clf
        return cls(parts)

    # ---- prediction
    def features(self, items: list[Item]):
        norm = [normalise(i.text) for i in items]
        p = self.parts
        return _stack(p["char"].transform(norm), p["word"].transform([_words(t) for t in norm]),
                      p["meta"].transform([_meta(i) for i in items]))

    def predict_proba(self, items: list[Item], *, fast: bool = True) -> np.ndarray:
        """Probabilities in LABELS order, one row per item (classes the model never saw get 0).

        The fast path computes exactly what the sklearn objects compute (a test holds them
        equal) without their per-call validation, which costs more than the arithmetic here."""
        if not items:
            return np.zeros((0, len(LABELS)))
        clf = self.parts["clf"]
        if fast and self._fast is None:
            self._fast = _FastPath.build(self.parts)
        raw = self._fast.predict_proba(items) if fast and self._fast else clf.predict_proba(self.features(items))
        out = np.zeros((len(items), len(LABELS)))
        for j, cls_ in enumerate(clf.classes_):
            out[:, LABELS.index(cls_)] = raw[:, j]
        return out

    def predict(self, items: list[Item]) -> list[tuple[str, float]]:
        probs = self.predict_proba(items)
        return [(LABELS[int(r.argmax())], float(r.max())) for r in probs]

    # ---- persistence
    def save(self, path: Path) -> str:
        import skops.io as sio

        path.parent.mkdir(parents=True, exist_ok=True)
        for name in ("char", "word"):
            vec = self.parts[name]
            # skops writes each numpy scalar as its own array: plain ints keep the file small and
            # loading fast. stop_words_ (terms pruned by min_df) is only for introspection.
            vec.vocabulary_ = {term: int(j) for term, j in vec.vocabulary_.items()}
            if hasattr(vec, "stop_words_"):
                delattr(vec, "stop_words_")
        sio.dump(self.parts, path, compression=8)  # zipfile.ZIP_DEFLATED
        return sha256_file(path)

    @classmethod
    def load(cls, path: Path, expected_sha256: str | None, version: str = "unknown") -> ParagraphClassifier:
        import skops.io as sio

        if expected_sha256 is not None and sha256_file(path) != expected_sha256:
            raise GovdigestError("model_checksum", str(path))
        untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
        if untrusted:
            raise GovdigestError("model_untrusted", ", ".join(untrusted))
        parts = sio.load(path, trusted=TRUSTED_TYPES)
        return cls(parts, version)


class _FastPath:
    """TF-IDF features and the calibrated linear model evaluated directly from fitted parameters."""

    def __init__(self, parts: dict, coef, intercept, calibrators):
        char, word, meta = parts["char"], parts["word"], parts["meta"]
        self.char_vocab, self.char_idf = char.vocabulary_, char.idf_.astype(np.float64)
        self.word_vocab, self.word_idf = word.vocabulary_, word.idf_.astype(np.float64)
        self.meta_vocab = meta.vocabulary_
        self.n_char, self.n_word = len(self.char_idf), len(self.word_idf)
        self.n_meta = len(meta.feature_names_)
        self.coef, self.intercept, self.calibrators = coef, intercept, calibrators

    @classmethod
    def build(cls, parts: dict) -> _FastPath | None:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression

        clf = parts["clf"]
        char, word = parts["char"], parts["word"]
        if char.analyzer != "char" or char.ngram_range != (1, 3) or word.ngram_range != (1, 2) or \
                not char.sublinear_tf or not word.sublinear_tf:
            return None
        if isinstance(clf, LogisticRegression):
            return cls(parts, clf.coef_, clf.intercept_, None)
        if isinstance(clf, CalibratedClassifierCV) and len(clf.calibrated_classifiers_) == 1:
            cc = clf.calibrated_classifiers_[0]
            base = cc.estimator
            if not isinstance(base, LogisticRegression) or base.coef_.shape[0] != len(clf.classes_):
                return None
            ab = [(c.a_, c.b_) for c in cc.calibrators]
            return cls(parts, base.coef_, base.intercept_, ab)
        return None

    @staticmethod
    def _tfidf(grams_per_doc, vocab, idf, rows, cols, vals, offset):
        from collections import Counter

        for r, grams in enumerate(grams_per_doc):
            counts = Counter(map(vocab.get, grams))  # counted in C; unknown grams land on None
            counts.pop(None, None)
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            w = (np.log(tf) + 1.0) * idf[idx]
            w /= np.sqrt(np.dot(w, w))
            rows.append(np.full(len(idx), r))
            cols.append(idx + offset)
            vals.append(w)

    def predict_proba(self, items: list[Item]) -> np.ndarray:
        from scipy.sparse import csr_matrix

        norm = [normalise(i.text) for i in items]
        rows: list = []
        cols: list = []
        vals: list = []
        chars = []
        for t in norm:
            t = t.lower()
            n = len(t)
            chars.append([t[i:i + k] for k in (1, 2, 3) for i in range(n - k + 1)])
        self._tfidf(chars, self.char_vocab, self.char_idf, rows, cols, vals, 0)
        words = []
        for t in norm:
            toks = _words(t).split()
            words.append(toks + [a + " " + b for a, b in zip(toks, toks[1:], strict=False)])
        self._tfidf(words, self.word_vocab, self.word_idf, rows, cols, vals, self.n_char)
        base = self.n_char + self.n_word
        for r, item in enumerate(items):
            for name, value in _meta(item).items():
                j = self.meta_vocab.get(name)
                if j is not None:
                    rows.append(np.array([r]))
                    cols.append(np.array([base + j]))
                    vals.append(np.array([value]))
        n_features = base + self.n_meta
        x = csr_matrix((np.concatenate(vals) if vals else np.zeros(0),
                        (np.concatenate(rows) if rows else np.zeros(0, int),
                         np.concatenate(cols) if cols else np.zeros(0, int))),
                       shape=(len(items), n_features))
        scores = np.asarray(x @ self.coef.T) + self.intercept
        if self.calibrators is None:
            scores -= scores.max(axis=1, keepdims=True)
            e = np.exp(scores)
            return e / e.sum(axis=1, keepdims=True)
        probs = np.column_stack([1.0 / (1.0 + np.exp(a * scores[:, k] + b)) for k, (a, b) in enumerate(self.calibrators)])
        total = probs.sum(axis=1, keepdims=True)
        uniform = np.full_like(probs, 1.0 / probs.shape[1])
        return np.where(total == 0, uniform, probs / np.where(total == 0, 1, total))


def _stack(*mats):
    from scipy.sparse import hstack

    return hstack(mats, format="csr")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------- registry

def registry_path(models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / "registry.json"


def read_registry(models_dir: Path = MODELS_DIR) -> dict:
    p = registry_path(models_dir)
    if not p.exists():
        return {"active": None, "history": []}
    return json.loads(p.read_text(encoding="utf-8"))


def load_version(version: str, models_dir: Path = MODELS_DIR) -> ParagraphClassifier:
    d = models_dir / version
    card_path = d / "card.json"
    if not card_path.exists():
        raise GovdigestError("model_missing", f"no card for version {version}")
    card = json.loads(card_path.read_text(encoding="utf-8"))
    return ParagraphClassifier.load(d / "model.skops", card["model_sha256"], version)


@cache
def active_classifier(models_dir: str | None = None) -> ParagraphClassifier:
    """The active model, loaded once per process."""
    md = Path(models_dir) if models_dir else MODELS_DIR
    version = read_registry(md).get("active")
    if not version:
        raise GovdigestError("model_missing")
    return load_version(version, md)


# ---------------------------------------------------------------- document-level labelling

def sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def label_paragraphs(clf: ParagraphClassifier, paragraphs: list, generation: str | None) -> list[dict]:
    """Labels, confidences and (for mixed paragraphs) sentence spans, in one batch per document.

    `paragraphs` are extraction.paragraphs.Paragraph objects (headings excluded by the caller)."""
    items: list[Item] = []
    sent_index: list[tuple[int, int, int]] = []  # (paragraph idx, start, end) per sentence item
    position: dict[str | None, int] = {}
    for p in paragraphs:
        pos = position.get(p.section, 0)
        position[p.section] = pos + 1
        items.append(Item(p.text, p.section, pos, generation))
    n_par = len(items)
    for pi, p in enumerate(paragraphs):
        if p.section not in SPAN_SECTIONS:
            continue  # mixed paragraphs are looked for where problems meet their fixes
        spans = sentences(p.text)
        if len(spans) >= 2:
            for s, e in spans:
                items.append(Item(p.text[s:e], p.section, 1, generation))
                sent_index.append((pi, s, e))
    probs = clf.predict_proba(items) if items else np.zeros((0, 4))
    out = []
    for pi in range(n_par):
        row = probs[pi]
        out.append({"label": LABELS[int(row.argmax())], "confidence": round(float(row.max()), 4), "spans": None})
    # Mixed paragraphs: consecutive sentences that confidently disagree become spans.
    by_par: dict[int, list[tuple[int, int, str, float]]] = {}
    for k, (pi, s, e) in enumerate(sent_index):
        row = probs[n_par + k]
        by_par.setdefault(pi, []).append((s, e, LABELS[int(row.argmax())], float(row.max())))
    for pi, sents in by_par.items():
        runs: list[list] = []
        for s, e, lab, conf in sents:
            if runs and (runs[-1][2] == lab or conf < 0.6):
                runs[-1][1] = e
            else:
                runs.append([s, e, lab])
        if len(runs) >= 2 and all(r[1] - r[0] >= 12 for r in runs) and \
                {r[2] for r in runs} <= {"problems", "improvements", "overview"} and \
                paragraphs[pi].section in SPAN_SECTIONS:
            base = paragraphs[pi].start
            text = paragraphs[pi].text
            out[pi]["spans"] = [{"start": base + r[0], "end": base + r[1], "label": r[2], "text": text[r[0]:r[1]]}
                                for r in runs]
    return out
