"""Paragraph classifier: overview / problems / improvements / other, with calibrated confidence.

Features: character 1-3-grams, word 1-2-grams from our segmenter (domain dictionary loaded),
and the section kind, position, template generation and length. A logistic regression, calibrated
by cross-validation (CalibratedClassifierCV, cv=3, ensemble=False; temperature scaling by default,
per-class sigmoids supported), gives probabilities (checked with the Brier score in the model card).

Models are stored with skops, never pickle, and loaded only when the file's sha256 matches its
card and every type named in the file is on TRUSTED_TYPES below.

Prediction runs through `_FastPath`: the same arithmetic as the fitted sklearn objects (a test
holds them equal to 1e-6), done for a whole batch at once with numpy instead of per item in
Python. `label_documents` labels the paragraphs (and the sentences of possibly mixed
paragraphs) of many documents in one call.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from pathlib import Path

import numpy as np

from . import segment
from .errors import GovdigestError

LABELS = ["overview", "problems", "improvements", "other"]
REPO_ROOT = Path(__file__).resolve().parent.parent
# GOVDIGEST_MODELS_DIR points every command at another registry (a test or staging copy)
MODELS_DIR = Path(os.environ.get("GOVDIGEST_MODELS_DIR") or REPO_ROOT / "models")
TRAINING_DATA = REPO_ROOT / "training_data" / "paragraphs.jsonl"

# Every type a model file may name. Anything else is refused before skops builds a single
# object (skops would otherwise instantiate it); the same list is passed to skops as `trusted`.
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
    "numpy.float32",
    "numpy.float64",
    "numpy.int64",
    "numpy.int32",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction._dict_vectorizer.DictVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.preprocessing._label.LabelEncoder",
]
# skops node kinds a model file may use (no functions, methods, operators or reduce calls).
TRUSTED_LOADERS = {"DictNode", "ListNode", "TupleNode", "JsonNode", "NdArrayNode", "TypeNode", "ObjectNode",
                   "SliceNode", "DTypeNode", "SparseMatrixNode"}

SPAN_SECTIONS = ("problems_improvements", None)
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]*")
_DIGITS = re.compile(r"\d\d*")  # \d+, led by a character class: sre skips to the digits


@dataclass(slots=True)
class Item:
    """One unit to classify: a paragraph or a sentence, with where it stands."""

    text: str
    section: str | None = None
    position: int = 0  # index within its section
    generation: str | None = None


# ---------------------------------------------------------------- text normalisation

# The compatibility characters that fill real reports, with their NFKC form; replacing one by its
# compatibility decomposition leaves the NFKC form of the whole text unchanged, and str.replace is
# far cheaper than unicodedata.normalize, which then runs only when something unusual is left.
_COMMON_COMPAT = [(ch, unicodedata.normalize("NFKD", ch)) for ch in "，：；（）！？％\u3000\u00a0"]


# A leading enumerator ((一) 1. 1、 一、 (1), after NFKC and digit folding): every class uses them, so
# they only lend their neighbours' labels to whatever follows (table rows are numbered too).
_LEAD_MARK = re.compile(r"^(?:\([一二三四五六七八九十0]{1,3}\)|0[.、]|[一二三四五六七八九十]{1,3}[、.])")


def normalise(text: str) -> str:
    """NFKC, no whitespace, every run of digits -> "0", no leading enumerator."""
    return _drop_lead_mark(_fold(text))


def normalise_many(texts: list[str]) -> list[str]:
    """`normalise` of each text. The steps over the whole text run once, on all of them joined by
    NUL: a stable code point (NFKC neither moves nor composes anything across it), neither
    whitespace nor digit, so each text comes out as it would alone."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:  # a text holds a NUL of its own
        return [normalise(t) for t in texts]
    return [_drop_lead_mark(t) for t in _fold(joined).split("\x00")]


def _fold(text: str) -> str:
    for ch, plain in _COMMON_COMPAT:
        if ch in text:
            text = text.replace(ch, plain)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _DIGITS.sub("0", "".join(text.split()))


def _drop_lead_mark(text: str) -> str:
    return _LEAD_MARK.sub("", text, count=1) if text[:1] in _LEAD_FIRST else text


_LEAD_FIRST = frozenset("(0一二三四五六七八九十")


def _size(n: int) -> str:
    """A length bucket: one-word answers (无。, 单位：件) and captions behave unlike prose."""
    return "xs" if n < 12 else "s" if n < 40 else "m" if n < 150 else "l"


def _meta(item: Item) -> dict:
    n = len(item.text)
    return {
        f"sec={item.section or 'none'}": 1.0,
        f"pos={min(item.position, 3)}": 1.0,
        f"gen={item.generation or 'none'}": 1.0,
        f"size={_size(n)}": 1.0,
        "len": min(n, 400) / 400.0,
    }


def _words(text: str) -> str:
    return " ".join(t for t in segment.cut(text) if t.strip())


# ---------------------------------------------------------------- the classifier

class ParagraphClassifier:
    def __init__(self, parts: dict, version: str = "unsaved"):
        self.parts = parts
        self.version = version
        self._fast: _FastPath | None = None

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.parts["clf"].classes_]

    # ---- training
    @classmethod
    def fit(cls, items: list[Item], labels: list[str], *, calibrate: bool = True, c: float = 4.0,
            seed: int = 0, calibration: str = "temperature") -> ParagraphClassifier:
        """Fit the vectorizers and the calibrated logistic regression.

        `calibration` is CalibratedClassifierCV's method: "temperature" (default: one inverse
        temperature on the multinomial logits, argmax-preserving) or "sigmoid" (one Platt sigmoid
        per class, then normalised; on real reports it turned confident "overview" logits into
        "other" labels whenever both logits were high, see models/README.md)."""
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
        x = _stack(char.fit_transform(norm), word.fit_transform(_words_batch(norm)),
                   meta.fit_transform([_meta(i) for i in items]))
        base = LogisticRegression(C=c, max_iter=500, tol=1e-3, random_state=seed)
        counts = {lab: labels.count(lab) for lab in set(labels)}
        if calibrate and len(counts) > 2 and min(counts.values()) >= 3:
            # One base model refitted on all the data plus calibrators fitted on its 3-fold
            # out-of-fold scores (ensemble=False): one linear map and a softmax at prediction.
            clf = CalibratedClassifierCV(base, method=calibration, cv=3, ensemble=False)
        else:
            clf = base
        from threadpoolctl import threadpool_limits

        # BLAS threads only fight each other over these small dense products (5x slower on 2 cores)
        with threadpool_limits(limits=1):
            clf.fit(x, labels)
        parts["clf"] = clf
        for name in ("char", "word"):
            vec = parts[name]
            # plain ints keep the skops file small and loading fast; stop_words_ (terms pruned by
            # min_df / max_features) is only for introspection and is most of a fitted vectorizer.
            vec.vocabulary_ = {term: int(j) for term, j in vec.vocabulary_.items()}
            if hasattr(vec, "stop_words_"):
                delattr(vec, "stop_words_")
        return cls(parts)

    # ---- prediction
    def features(self, items: list[Item]):
        """The sklearn feature matrix (the reference the fast path must equal)."""
        norm = [normalise(i.text) for i in items]
        p = self.parts
        return _stack(p["char"].transform(norm), p["word"].transform([_words(t) for t in norm]),
                      p["meta"].transform([_meta(i) for i in items]))

    def predict_proba(self, items: list[Item], *, fast: bool = True) -> np.ndarray:
        """Probabilities in LABELS order, one row per item (classes the model never saw get 0)."""
        if not items:
            return np.zeros((0, len(LABELS)))
        clf = self.parts["clf"]
        if fast and self._fast is None:
            self._fast = _FastPath.build(self.parts)
        if fast and self._fast:
            raw = self._fast.predict_proba(items)
        else:
            raw = clf.predict_proba(self.features(items))
        out = np.zeros((len(items), len(LABELS)))
        out[:, [LABELS.index(cls_) for cls_ in clf.classes_]] = raw
        return out

    def predict(self, items: list[Item]) -> list[tuple[str, float]]:
        probs = self.predict_proba(items)
        return [(LABELS[int(r.argmax())], float(r.max())) for r in probs]

    # ---- persistence
    def save(self, path: Path) -> str:
        """Write the model (skops, zip-deflated); returns the file's sha256.

        The vectorizers' vocabularies go in as arrays of terms in column order ("char_terms",
        "word_terms"): as dicts skops writes a schema node per term (24 MB of JSON, a second to
        read); `load` puts the dicts back."""
        import copy

        import skops.io as sio

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        parts = dict(self.parts)
        for name in ("char", "word"):
            vec = parts[name]
            terms = [""] * len(vec.vocabulary_)
            for term, j in vec.vocabulary_.items():
                terms[j] = term
            array = np.array(terms, dtype=str)
            if "\x00" in "".join(terms) or array.tolist() != terms:
                continue  # numpy would drop trailing NULs: keep this vocabulary as a dict
            vec = copy.copy(vec)
            del vec.vocabulary_
            parts[name], parts[f"{name}_terms"] = vec, array
        sio.dump(parts, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        return sha256_file(path)

    @classmethod
    def load(cls, path: Path, expected_sha256: str | None, version: str = "unknown") -> ParagraphClassifier:
        """Load a model file: refused (model_checksum) when its sha256 differs from the card's,
        refused (model_untrusted) when it names any type outside TRUSTED_TYPES."""
        import skops.io as sio

        path = Path(path)
        if expected_sha256 is not None and sha256_file(path) != expected_sha256:
            raise GovdigestError("model_checksum", f"{path}: sha256 differs from the card's")
        untrusted = untrusted_types(path)
        if untrusted:
            raise GovdigestError("model_untrusted", f"{path}: {', '.join(untrusted)}")
        parts = sio.load(path, trusted=TRUSTED_TYPES)
        if not isinstance(parts, dict) or not {"char", "word", "meta", "clf"} <= set(parts):
            raise GovdigestError("model_untrusted", f"{path}: not a paragraph classifier")
        for name in ("char", "word"):
            terms = parts.pop(f"{name}_terms", None)
            if terms is not None:
                vocabulary = {str(t): j for j, t in enumerate(terms.tolist())}
                if len(vocabulary) != len(terms):
                    raise GovdigestError("model_untrusted", f"{path}: duplicate terms in the {name} vocabulary")
                parts[name].vocabulary_ = vocabulary
        return cls(parts, version)


def untrusted_types(path: Path) -> list[str]:
    """Types (and skops node kinds) named in a model file that are not on the trusted lists.

    Reads the file's schema without building any object; skops's own check runs as well."""
    import skops.io as sio

    try:
        with zipfile.ZipFile(path) as z:
            schema = json.loads(z.read("schema.json"))
        skops_view = sio.get_untrusted_types(file=path)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        return [f"unreadable model file ({type(exc).__name__})"]
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if "__module__" in node and "__class__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            if "__loader__" in node and node["__loader__"] not in TRUSTED_LOADERS:
                found.add(f"loader:{node['__loader__']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    found.update(skops_view)
    return sorted(t for t in found if t not in TRUSTED_TYPES)


class _Lookup:
    """An open-addressing hash table from int64 keys (>= 0) to column numbers, queried for a whole
    array at once (numpy has no vectorised dict; a binary search costs several times more here).
    One vectorised probe settles most queries (load factor <= 1/8); the few whose home slot holds
    another key look at the next `reach` slots in one more vectorised step (`reach`: the farthest
    any key was placed past its home slot, a few slots)."""

    _MUL = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        keys = np.asarray(keys, dtype=np.int64)
        values = np.asarray(values, dtype=np.int32)  # column numbers: half the memory of int64
        bits = max(4, int(np.ceil(np.log2(max(1, len(keys)) * 8))))  # load factor <= 1/8
        self.shift = np.uint64(64 - bits)
        self.mask = (1 << bits) - 1
        self.keys = np.full(1 << bits, -1, dtype=np.int64)
        self.values = np.full(1 << bits, -1, dtype=np.int32)
        slot = self._slot(keys)
        pending = np.arange(len(keys))
        while len(pending):  # linear probing, built a wave at a time
            s = slot[pending]
            free = self.keys.take(s) == -1
            cand, cs = pending[free], s[free]
            _, first = np.unique(cs, return_index=True)  # one key per free slot per wave
            won = cand[first]
            self.keys[cs[first]] = keys[won]
            self.values[cs[first]] = values[won]
            placed = np.zeros(len(keys), dtype=bool)
            placed[won] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & self.mask
        taken = np.flatnonzero(self.keys != -1)
        self.reach = int(((taken - self._slot(self.keys[taken])) & self.mask).max(initial=0))
        self._steps = np.arange(1, self.reach + 1)

    def _slot(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * self._MUL) >> self.shift).astype(np.int64)

    def get(self, query: np.ndarray) -> np.ndarray:
        """Values of `query` keys; -1 where a key is absent."""
        slot = self._slot(query)
        found = self.keys.take(slot)
        out = np.where(found == query, self.values.take(slot).astype(np.int64), -1)
        # Slots are never emptied, so every slot between a key's home and its own was taken when
        # the key was placed: an empty home slot proves the key absent. Otherwise the key, if
        # present, lies within `reach` slots past its home (keys are unique: a match is the key).
        rest = np.flatnonzero((found != query) & (found != -1))
        if len(rest):
            window = (slot.take(rest)[:, None] + self._steps) & self.mask
            row, col = np.nonzero(self.keys.take(window) == query.take(rest)[:, None])
            out[rest.take(row)] = self.values.take(window[row, col])
        return out


class _FastPath:
    """TF-IDF features and the calibrated linear model evaluated directly from fitted parameters.

    Character n-grams are looked up as integer keys (code points packed 21 bits apiece) in a
    code-point table and hash tables, word n-grams by an id per token; counts, sublinear tf, idf
    and the l2 norm are computed in float32 exactly as sklearn's TfidfVectorizer(dtype=float32)
    does, the scores in float64, then the calibration (temperature, sigmoid, or none)."""

    def __init__(self, parts: dict, coef: np.ndarray, intercept: np.ndarray, calibrators,
                 beta: float | None = None):
        char, word, meta = parts["char"], parts["word"], parts["meta"]
        self.n_char, self.n_word = len(char.idf_), len(word.idf_)
        self.char_idf = np.asarray(char.idf_, dtype=np.float32)
        self.word_idf = np.asarray(word.idf_, dtype=np.float32)
        coef_t = np.ascontiguousarray(np.asarray(coef, dtype=np.float64).T)  # (features, classes)
        self.k = coef_t.shape[1]
        self.coef_char = coef_t[:self.n_char]
        self.coef_word = coef_t[self.n_char:self.n_char + self.n_word]
        self.coef_meta = coef_t[self.n_char + self.n_word:]
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.calibrators = calibrators  # sigmoid: [(a, b)] per class
        self.beta = beta  # temperature scaling: the inverse temperature
        # character n-grams: unigrams in a table indexed by code point, 2- and 3-grams hashed by
        # their code points packed 21 bits apiece
        by_n: dict[int, list[tuple[int, int]]] = {1: [], 2: [], 3: []}
        for term, j in char.vocabulary_.items():
            key = 0
            for ch in term:
                key = (key << 21) | ord(ch)
            by_n[len(term)].append((key, int(j)))
        top = max((k for k, _ in by_n[1]), default=0) + 1
        self.char_uni = np.full(top + 1, -1, dtype=np.int64)  # last slot: any code point above
        for key, j in by_n[1]:
            self.char_uni[key] = j
        self.char_top = top
        self.char_ngrams = [_Lookup(np.array([k for k, _ in by_n[n]], dtype=np.int64),
                                    np.array([j for _, j in by_n[n]], dtype=np.int64)) for n in (2, 3)]
        # words: an id per token; unigram column per id; bigram keys id_a * T + id_b
        token_id: dict[str, int] = {}
        unigrams: list[tuple[int, int]] = []
        bigrams: list[tuple[int, int, int]] = []
        for term, j in word.vocabulary_.items():
            toks = term.split(" ")
            ids = [token_id.setdefault(t, len(token_id)) for t in toks]
            if len(ids) == 1:
                unigrams.append((ids[0], int(j)))
            else:
                bigrams.append((ids[0], ids[1], int(j)))
        self.n_tokens = t_count = len(token_id)
        self.token_id = token_id
        self.token_id_sep = {**token_id, "\n": -1}
        self.uni_col = np.full(t_count + 1, -1, dtype=np.int64)  # last slot: unknown token
        for tid, j in unigrams:
            self.uni_col[tid] = j
        self.bigrams = _Lookup(np.array([a * t_count + b for a, b, _ in bigrams], dtype=np.int64),
                               np.array([j for _, _, j in bigrams], dtype=np.int64))
        # meta features: one column per known name
        self.meta_col = {name: int(j) for name, j in meta.vocabulary_.items()}
        self.len_col = self.meta_col.get("len")
        self._meta_cache: dict[tuple, np.ndarray] = {}

    @classmethod
    def build(cls, parts: dict) -> _FastPath | None:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression

        clf = parts["clf"]
        char, word = parts["char"], parts["word"]
        expected = (char.analyzer == "char" and char.ngram_range == (1, 3) and char.lowercase
                    and word.analyzer == "word" and word.ngram_range == (1, 2) and not word.lowercase
                    and word.token_pattern == r"\S+" and char.sublinear_tf and word.sublinear_tf
                    and char.norm == "l2" and word.norm == "l2" and char.use_idf and word.use_idf
                    and char.dtype == np.float32 and word.dtype == np.float32
                    and char.preprocessor is None and word.preprocessor is None
                    and char.tokenizer is None and word.tokenizer is None
                    and char.strip_accents is None and word.strip_accents is None)
        if not expected:
            return None
        if isinstance(clf, LogisticRegression):
            if clf.coef_.shape[0] != len(clf.classes_):
                return None
            return cls(parts, clf.coef_, clf.intercept_, None)
        if isinstance(clf, CalibratedClassifierCV) and len(clf.calibrated_classifiers_) == 1:
            cc = clf.calibrated_classifiers_[0]
            base = cc.estimator
            if not isinstance(base, LogisticRegression) or base.coef_.shape[0] != len(clf.classes_):
                return None
            if cc.method == "temperature" and len(cc.calibrators) == 1:
                return cls(parts, base.coef_, base.intercept_, None, beta=float(cc.calibrators[0].beta_))
            if cc.method != "sigmoid" or len(cc.calibrators) != len(clf.classes_):
                return None
            ab = [(float(c.a_), float(c.b_)) for c in cc.calibrators]
            return cls(parts, base.coef_, base.intercept_, ab)
        return None

    # ---- one block of tf-idf features, folded straight into class scores
    def _block(self, doc: np.ndarray, col: np.ndarray, n_docs: int, n_cols: int, idf: np.ndarray,
               coef: np.ndarray) -> np.ndarray:
        if not len(doc):
            return np.zeros((n_docs, self.k))
        key = doc * n_cols + col
        if n_docs * n_cols < 2**31:
            key = key.astype(np.int32)  # sorts ~1.7x faster than int64, and the sort is this block's cost
        key.sort()
        first = np.empty(len(key), dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        tf = np.diff(np.append(starts, len(key))).astype(np.float32)
        uniq = key[starts]
        d = uniq // n_cols
        c = uniq - d * n_cols
        w = np.log(tf)  # sublinear tf, idf and the l2 norm in float32, as sklearn computes them
        w += np.float32(1.0)
        w *= idf.take(c)
        norm = np.sqrt(np.bincount(d, weights=(w * w).astype(np.float64), minlength=n_docs))
        x = (w.astype(np.float64) / norm.take(d)).astype(np.float32).astype(np.float64)
        if len(d) > 20_000:  # large batches: scipy's sparse product
            from scipy.sparse import csr_matrix

            indptr = np.zeros(n_docs + 1, dtype=np.int64)
            np.cumsum(np.bincount(d, minlength=n_docs), out=indptr[1:])
            return np.asarray(csr_matrix((x, c, indptr), shape=(n_docs, n_cols)) @ coef)
        # small batches (one document): sums over each document's run of rows
        contrib = coef.take(c, axis=0)
        contrib *= x[:, None]
        first = np.empty(len(d), dtype=bool)
        first[0] = True
        np.not_equal(d[1:], d[:-1], out=first[1:])
        runs = np.flatnonzero(first)
        out = np.zeros((n_docs, self.k))
        out[d.take(runs)] = np.add.reduceat(contrib, runs, axis=0)
        return out

    def _char_scores(self, norm: list[str]) -> np.ndarray:
        n = len(norm)
        lowered = [t.lower() for t in norm]
        lens = np.fromiter(map(len, lowered), dtype=np.int64, count=n)
        cps = np.frombuffer("".join(lowered).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        cps = cps.astype(np.int64)
        doc = np.repeat(np.arange(n, dtype=np.int64), lens)
        uni = self.char_uni.take(np.minimum(cps, self.char_top))
        known = uni >= 0
        docs, cols = [doc[known]], [uni[known]]
        for k, table in enumerate(self.char_ngrams, start=2):
            if len(cps) < k:
                break
            m = len(cps) - k + 1
            keys = cps[:m] << (21 * (k - 1))
            for i in range(1, k):
                keys |= cps[i:i + m] << (21 * (k - 1 - i))
            same = doc[:m] == doc[k - 1:]
            found = table.get(keys[same])
            hit = found >= 0
            docs.append(doc[:m][same][hit])
            cols.append(found[hit])
        return self._block(np.concatenate(docs), np.concatenate(cols), n, self.n_char, self.char_idf,
                           self.coef_char)

    def _word_scores(self, norm: list[str]) -> np.ndarray:
        n = len(norm)
        tokens = segment.cut("\n".join(norm))
        if tokens.count("\n") == n - 1:
            # one segmenter call; "\n" tokens (id -1) mark the borders between texts
            tid = np.fromiter(map(self.token_id_sep.get, tokens, repeat(self.n_tokens)), dtype=np.int64,
                              count=len(tokens))
            sep = tid < 0
            doc = np.cumsum(sep, dtype=np.int64)
            keep = ~sep
            tid, doc = tid[keep], doc[keep]
        else:  # cannot happen for normalised text (no whitespace in it); stay exact if it ever does
            tokens, doc_list = [], []
            for i, t in enumerate(norm):
                toks = [x for x in segment.cut(t) if x.strip()]
                tokens += toks
                doc_list += [i] * len(toks)
            doc = np.array(doc_list, dtype=np.int64)
            tid = np.fromiter(map(self.token_id.get, tokens, repeat(self.n_tokens)), dtype=np.int64,
                              count=len(tokens))
        unknown = self.n_tokens
        uni = self.uni_col[tid]
        known = uni >= 0
        docs, cols = [doc[known]], [uni[known]]
        if len(tid) > 1:
            a, b = tid[:-1], tid[1:]
            ok = (doc[:-1] == doc[1:]) & (a < unknown) & (b < unknown)
            found = self.bigrams.get(a[ok] * self.n_tokens + b[ok])
            hit = found >= 0
            docs.append(doc[:-1][ok][hit])
            cols.append(found[hit])
        return self._block(np.concatenate(docs), np.concatenate(cols), n, self.n_word, self.word_idf,
                           self.coef_word)

    def _meta_scores(self, items: list[Item]) -> np.ndarray:
        cache_ = self._meta_cache
        rows = []
        for item in items:
            key = (item.section, min(item.position, 3), item.generation, _size(len(item.text)))
            row = cache_.get(key)
            if row is None:
                row = np.zeros(self.k)
                for name in (f"sec={item.section or 'none'}", f"pos={key[1]}", f"gen={item.generation or 'none'}",
                             f"size={key[3]}"):
                    j = self.meta_col.get(name)
                    if j is not None:
                        row = row + self.coef_meta[j]
                cache_[key] = row
            rows.append(row)
        out = np.array(rows).reshape(len(items), self.k)
        if self.len_col is not None:
            lengths = np.fromiter((len(i.text) for i in items), dtype=np.float64, count=len(items))
            out += (np.minimum(lengths, 400) / 400.0)[:, None] * self.coef_meta[self.len_col]
        return out

    def decision(self, items: list[Item]) -> np.ndarray:
        norm = normalise_many([i.text for i in items])
        return self._char_scores(norm) + self._word_scores(norm) + self._meta_scores(items) + self.intercept

    def predict_proba(self, items: list[Item]) -> np.ndarray:
        scores = self.decision(items)
        if self.beta is not None:  # CalibratedClassifierCV(method="temperature")
            if ((scores >= 0) & (scores <= 1)).all() and np.isclose(scores.sum(axis=1), 1.0).all():
                scores = np.log(scores + 1e-12)  # sklearn reads such rows as probabilities
            probs = _softmax(self.beta * scores)
        elif self.calibrators is None:  # plain LogisticRegression
            probs = _softmax(scores)
        else:  # CalibratedClassifierCV(method="sigmoid"): per-class sigmoids, normalised
            a = np.array([ab[0] for ab in self.calibrators])
            b = np.array([ab[1] for ab in self.calibrators])
            probs = 1.0 / (1.0 + np.exp(scores * a + b))
            total = probs.sum(axis=1, keepdims=True)
            uniform = np.full_like(probs, 1.0 / probs.shape[1])
            probs = np.where(total == 0, uniform, probs / np.where(total == 0, 1, total))
        probs[(1.0 < probs) & (probs <= 1.0 + 1e-5)] = 1.0
        return probs


def _softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _words_batch(norm: list[str]) -> list[str]:
    """`_words` of many normalised texts with one segmenter call (same tokens: a line break
    always ends a segment)."""
    if not norm:
        return []
    tokens = segment.cut("\n".join(norm))
    if tokens.count("\n") != len(norm) - 1:
        return [_words(t) for t in norm]
    out: list[list[str]] = [[]]
    for t in tokens:
        if t == "\n":
            out.append([])
        elif t.strip():
            out[-1].append(t)
    return [" ".join(x) for x in out]


def _stack(*mats):
    from scipy.sparse import hstack

    return hstack(mats, format="csr")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- registry

def registry_path(models_dir: Path = MODELS_DIR) -> Path:
    return Path(models_dir) / "registry.json"


def read_registry(models_dir: Path = MODELS_DIR) -> dict:
    p = registry_path(models_dir)
    try:
        st = p.stat()
    except FileNotFoundError:
        return {"active": None, "history": []}
    return json.loads(_registry_text(str(p), st.st_mtime_ns, st.st_size))


@cache
def _registry_text(path: str, mtime_ns: int, size: int) -> str:
    return Path(path).read_text(encoding="utf-8")


def read_card(version: str, models_dir: Path = MODELS_DIR) -> dict:
    card_path = Path(models_dir) / version / "card.json"
    if not card_path.exists():
        raise GovdigestError("model_missing", f"no card for version {version} in {models_dir}")
    return json.loads(card_path.read_text(encoding="utf-8"))


def load_version(version: str, models_dir: Path = MODELS_DIR) -> ParagraphClassifier:
    card = read_card(version, models_dir)
    return ParagraphClassifier.load(Path(models_dir) / version / "model.skops", card["model_sha256"], version)


@cache
def _active(models_dir: str, version: str) -> ParagraphClassifier:
    return load_version(version, Path(models_dir))


def active_classifier(models_dir: str | Path | None = None) -> ParagraphClassifier:
    """The active model, loaded once per process (a promotion or rollback is picked up on the
    next call: the registry is small and read each time)."""
    md = Path(models_dir) if models_dir else MODELS_DIR
    version = read_registry(md).get("active")
    if not version:
        raise GovdigestError("model_missing")
    return _active(str(md), version)


# ---------------------------------------------------------------- document-level labelling

def sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def label_documents(clf: ParagraphClassifier, documents: list[tuple[list, str | None]]) -> list[list[dict]]:
    """Labels, confidences and (for mixed paragraphs) sentence spans for many documents at once.

    `documents` is a list of (paragraphs, generation); paragraphs are extraction.paragraphs.Paragraph
    objects (headings excluded by the caller). Every paragraph, and every sentence of a paragraph
    that may mix problems and their fixes, goes through one predict call."""
    items: list[Item] = []
    par_rows: list[list[int]] = []  # per document: the item row of each paragraph
    sent_rows: list[list[tuple[int, int, int, int]]] = []  # per document: (paragraph, start, end, row)
    for paragraphs, generation in documents:
        rows: list[int] = []
        position: dict[str | None, int] = {}
        for p in paragraphs:
            pos = position.get(p.section, 0)
            position[p.section] = pos + 1
            rows.append(len(items))
            items.append(Item(p.text, p.section, pos, generation))
        par_rows.append(rows)
    for paragraphs, generation in documents:
        sents: list[tuple[int, int, int, int]] = []
        for pi, p in enumerate(paragraphs):
            if p.section not in SPAN_SECTIONS:
                continue  # mixed paragraphs are looked for where problems meet their fixes
            spans = sentences(p.text)
            if len(spans) >= 2:
                for s, e in spans:
                    sents.append((pi, s, e, len(items)))
                    items.append(Item(p.text[s:e], p.section, 1, generation))
        sent_rows.append(sents)
    probs = clf.predict_proba(items)
    best = [LABELS[j] for j in probs.argmax(axis=1).tolist()]
    conf = probs.max(axis=1).tolist()
    out: list[list[dict]] = []
    for (paragraphs, _), rows, sents in zip(documents, par_rows, sent_rows, strict=True):
        labels = [{"label": best[r], "confidence": round(conf[r], 4), "spans": None} for r in rows]
        by_par: dict[int, list[tuple[int, int, str, float]]] = {}
        for pi, s, e, r in sents:
            by_par.setdefault(pi, []).append((s, e, best[r], conf[r]))
        for pi, sent_labels in by_par.items():
            spans = _mixed_spans(paragraphs[pi], sent_labels)
            if spans:
                labels[pi]["spans"] = spans
        out.append(labels)
    return out


def _mixed_spans(paragraph, sent_labels: list[tuple[int, int, str, float]]) -> list[dict] | None:
    """A paragraph that states a problem and then its fix becomes labelled spans (None: not mixed).

    Consecutive sentences with the same label form a run; a sentence below 0.6 confidence joins
    the run before it, and an overview run (the positive lead-in of a problem statement) joins the
    run after it. Only a problem run followed by improvement runs (problem, fix[, problem, fix])
    is split, each run at least 12 characters: that is the mixed paragraph of the label guide; any
    other disagreement is more often one misread sentence than a second topic."""
    runs: list[list] = []
    for s, e, lab, conf in sent_labels:
        if runs and (runs[-1][2] == lab or conf < 0.6):
            runs[-1][1] = e
        else:
            runs.append([s, e, lab])
    merged: list[list] = []
    pending_start = None
    for r in runs:
        if r[2] == "overview":
            pending_start = r[0] if pending_start is None else pending_start
            continue
        if pending_start is not None:
            r = [pending_start, r[1], r[2]]
            pending_start = None
        if merged and merged[-1][2] == r[2]:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    if pending_start is not None and merged:
        merged[-1][1] = runs[-1][1]
    # a table row, date or attachment line glued to the end of a paragraph (a text-layer quirk)
    tail = merged.pop() if len(merged) >= 2 and merged[-1][2] == "other" else None
    labels = [r[2] for r in merged]
    if not set(labels) <= {"problems", "improvements"} or (len(merged) >= 2 and labels[0] != "problems"):
        return None
    if labels[-1:] != ["improvements"]:  # a problem left without its fix: a misread sentence in a list
        return None
    if tail is not None:
        merged.append(tail)
    if len(merged) < 2 or any(r[1] - r[0] < 12 for r in merged):
        return None
    base, text = paragraph.start, paragraph.text
    return [{"start": base + r[0], "end": base + r[1], "label": r[2], "text": text[r[0]:r[1]]} for r in merged]


# Sub-headings inside 存在的主要问题及改进情况 that say which half follows: "（一）存在的问题",
# "（二）改进措施", "2.下一步工作打算".
_PROBLEMS_HEADING = re.compile(r"存在的?(?:主要)?(?:问题|不足)|主要问题|问题(?:和|与)不足|不足之处")
_IMPROVEMENTS_HEADING = re.compile(r"改进|整改|下一步|(?:工作)?(?:打算|计划|思路)|努力方向|下阶段|措施")


def _half_named(heading: str) -> str | None:
    """The half a sub-heading names; None for neither, or both side by side ("问题及改进措施"):
    such a heading ends the half before it and says nothing. "问题的整改情况" is about the
    fixes: the word it ends on, after the problems it refers to, decides."""
    problems, improvements = _PROBLEMS_HEADING.search(heading), _IMPROVEMENTS_HEADING.search(heading)
    if problems and improvements:
        between = heading[problems.end():improvements.start()]
        if improvements.start() >= problems.end() and not _BOTH_HALVES.fullmatch(between):
            return "improvements"
        return None
    return "problems" if problems else "improvements" if improvements else None


_BOTH_HALVES = re.compile(r"\s*(?:及|和|与|、|以及|及其)\s*")


def label_by_subheading(paragraphs: list, headings: list, labels: list[dict]) -> None:
    """Where the problems-and-improvements part is split by sub-headings that name its halves,
    a paragraph under "存在的问题" is a problem and one under "改进措施" an improvement: the
    report says so, whatever a short item's words suggest ("2.政策解读形式单一。" read alone looks
    like a plan). Only problems and improvements trade places; other labels stay."""
    marks = [(h.start, _half_named(h.text)) for h in headings if h.section == "problems_improvements"]
    # A crawled page runs a sub-heading into its text: "（一）存在的不足本年度…". Such a
    # paragraph marks its half as a heading would, from the paragraph itself on.
    marks += [(p.start, half) for p in paragraphs
              if p.section == "problems_improvements" and (half := _run_in_half(p.text))]
    marks.sort(key=lambda mark: mark[0])
    if not any(kind for _, kind in marks):
        return
    for p, lab in zip(paragraphs, labels, strict=True):
        if p.section != "problems_improvements" or lab["label"] not in ("problems", "improvements"):
            continue
        said = [kind for start, kind in marks if start <= p.start]
        if not said or said[-1] is None:
            continue
        lab["label"] = said[-1]
        lab["spans"] = None  # under such a sub-heading the paragraph is one half, not a mix


_RUN_IN_MARKER = re.compile(r"^(?:[(（][一二三四五六七八九十]{1,2}[)）]|[一二三四五六七八九十]{1,2}[、.])\s*")


def _run_in_half(text: str) -> str | None:
    """The half a run-in sub-heading names right after its marker ("(二)改进措施下一步…"), if
    it names exactly one; an enumerated problem ("(一)工作计划性不强") names none at its start."""
    m = _RUN_IN_MARKER.match(text)
    if not m:
        return None
    head = text[m.end():m.end() + 12]
    problems, improvements = _PROBLEMS_HEADING.match(head), _IMPROVEMENTS_HEADING.match(head)
    if bool(problems) == bool(improvements):
        return None
    return "problems" if problems else "improvements"


def label_paragraphs(clf: ParagraphClassifier, paragraphs: list, generation: str | None) -> list[dict]:
    """`label_documents` for one document."""
    return label_documents(clf, [(paragraphs, generation)])[0]
