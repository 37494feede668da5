"""The category (or unit) classifier: text in, calibrated probabilities out.

Two complementary linear models read the same message:
- a linear SVM over character 1–3-grams of title + body, jieba word uni/bigrams, and the
  title's own character n-grams (so the title, usually the clearest sentence, weighs more);
- a complement naive Bayes over the same TF-IDF features, which does well on small classes
  where the SVM has too few examples to move its weights.
Their scores are stacked by a multinomial logistic regression fitted on out-of-fold scores,
which both blends them and calibrates the result into probabilities (Platt scaling
generalised to many classes). The same out-of-fold pass gives honest probabilities for
choosing the auto-dispatch threshold, so one training run yields model, calibration and
threshold, and cross-validated evaluation reuses exactly this function per fold.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .defaults import SEED, TARGET_PRECISION
from .errors import TrainingError
from .text import compose, normalize, word_ngrams
from .threshold import choose_threshold
from .vectorize import CharNgramTfidf, WordTfidf

# scikit-learn (about two seconds of imports, most of it SciPy's statistics) is imported where
# a model is fitted; suggesting needs only NumPy and SciPy's sparse matrices (see
# `LinearStack`), and unpickling a model imports the few estimator classes it holds.
if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import ComplementNB
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

TITLE_WEIGHT = 1.0
WORD_WEIGHT = 1.0
SVM_C = 0.5
# liblinear's default tolerance (1e-4) spends a third more iterations for no measurable gain.
SVM_TOL = 1e-3
# Out-of-fold scores for calibration and the threshold: three folds cost two full fits.
INNER_FOLDS = 3
NB_ALPHA = 0.3
PRIOR_CORRECTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass
class Suggestion:
    label: str
    probability: float

    def as_dict(self) -> dict:
        return {"label": self.label, "probability": round(self.probability, 4)}


class Features:
    """The three TF-IDF blocks, fitted together. Training sees them weighted and side by side;
    prediction keeps them apart (see `LinearStack`), which saves stacking sparse matrices for
    every message."""

    def fit_transform(self, docs: list[str], titles: list[str]) -> sp.csr_matrix:
        self.char = CharNgramTfidf(ngram_range=(1, 3), min_df=2)
        self.word = WordTfidf(word_ngrams, min_df=2)
        self.use_title = any(titles)
        blocks = [self.char.fit_transform(docs), self.word.fit_transform(docs)]
        if self.use_title:
            self.title = CharNgramTfidf(ngram_range=(1, 3), min_df=2)
            blocks.append(self.title.fit_transform(titles))
        return sp.hstack([w * b for w, b in zip(self.weights, blocks, strict=True)], format="csr")

    @property
    def weights(self) -> list[float]:
        return [1.0, WORD_WEIGHT, TITLE_WEIGHT][: 3 if self.use_title else 2]

    @property
    def vectorizers(self) -> list:
        return [self.char, self.word, self.title] if self.use_title else [self.char, self.word]

    def blocks(self, docs: list[str], titles: list[str]) -> list[sp.csr_matrix]:
        """The unweighted blocks of new messages."""
        out = [self.char.transform(docs), self.word.transform(docs)]
        if self.use_title:
            out.append(self.title.transform(titles))
        return out


def _svm(seed: int) -> LinearSVC:
    from sklearn.svm import LinearSVC

    # Balanced class weights: dispatch categories are very uneven (a few cover most messages)
    # and a rare category still has to be recognised.
    return LinearSVC(C=SVM_C, tol=SVM_TOL, class_weight="balanced", random_state=seed)


def _nb(seed: int) -> ComplementNB:
    from sklearn.naive_bayes import ComplementNB

    return ComplementNB(alpha=NB_ALPHA)


BASE_MODELS = {"svm": _svm, "nb": _nb}


def _scores(model, X) -> np.ndarray:
    """Per-class scores of one base model, shaped (n, classes) even for two classes."""
    from sklearn.naive_bayes import ComplementNB

    if isinstance(model, ComplementNB):
        joint = model.predict_joint_log_proba(X)
        return joint - joint.max(axis=1, keepdims=True)
    scores = model.decision_function(X)
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def _fit_scores(name: str, seed: int, X_fit, y_fit, X_out) -> np.ndarray:
    return _scores(BASE_MODELS[name](seed).fit(X_fit, y_fit), X_out)


class LinearStack:
    """The fitted model folded into one matrix product: both base models are linear in the
    features (the SVM's decision function, naive Bayes' joint log-likelihood), so their weights
    sit side by side in one dense matrix and a message costs one sparse-dense product plus a
    few small array operations, without scikit-learn's per-call input validation."""

    def __init__(self, bases: list, n_classes: int, features: Features):
        from sklearn.naive_bayes import ComplementNB

        weights, biases, self.nb_columns = [], [], []
        for j, (_, model) in enumerate(bases):
            if isinstance(model, ComplementNB):
                weights.append(model.feature_log_prob_.T)
                biases.append(np.zeros(n_classes))
                self.nb_columns.append(slice(j * n_classes, (j + 1) * n_classes))
            else:
                coef, intercept = model.coef_, model.intercept_
                if coef.shape[0] == 1:  # two classes: scikit-learn keeps one row for the second
                    coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
                weights.append(coef.T)
                biases.append(intercept)
        stacked = np.hstack(weights)
        # One weight matrix per feature block, with the block's weight folded in, so
        # prediction multiplies the unweighted blocks directly.
        self.block_weights, start = [], 0
        for vectorizer, weight in zip(features.vectorizers, features.weights, strict=True):
            size = vectorizer.n_features
            self.block_weights.append(np.ascontiguousarray(stacked[start : start + size] * weight, dtype=np.float32))
            start += size
        self.bias = np.concatenate(biases).astype(np.float32)

    def scores(self, blocks: list[sp.csr_matrix]) -> np.ndarray:
        S = sum(np.asarray(X @ W) for X, W in zip(blocks, self.block_weights, strict=True)) + self.bias
        for cols in self.nb_columns:
            S[:, cols] -= S[:, cols].max(axis=1, keepdims=True)
        return S


@dataclass
class TriageClassifier:
    classes_: np.ndarray
    features: Features
    stack: LinearStack
    scaler: StandardScaler
    calibrator: LogisticRegression
    threshold: float | None
    rank_weights: np.ndarray
    metadata: dict = field(default_factory=dict)

    def predict_proba(self, texts: list[str], titles: list[str] | None = None) -> np.ndarray:
        titles = titles if titles is not None else [""] * len(texts)
        docs = [compose(t, x) for t, x in zip(titles, texts, strict=True)]
        blocks = self.features.blocks(docs, [normalize(t) for t in titles])
        Z = (self.stack.scores(blocks) - self.scaler.mean_) / self.scaler.scale_
        logits = Z @ self.calibrator.coef_.T + self.calibrator.intercept_
        if logits.shape[1] == 1:  # binary logistic regression keeps one column
            logits = np.hstack([np.zeros_like(logits), logits])
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, texts: list[str], titles: list[str] | None = None) -> np.ndarray:
        return self.classes_[self.rank(self.predict_proba(texts, titles)).argmax(axis=1)]

    def rank(self, proba: np.ndarray) -> np.ndarray:
        """Ranking scores: calibrated probabilities with the prior correction chosen in
        training (see `_choose_rank_weights`)."""
        return proba * self.rank_weights

    def suggest(self, text: str, title: str = "", k: int = 3) -> list[Suggestion]:
        """The k best labels in ranking order, each with its calibrated probability."""
        proba = self.predict_proba([text], [title])[0]
        top = np.argsort(-self.rank(proba), kind="stable")[:k]
        return [Suggestion(str(self.classes_[i]), float(proba[i])) for i in top]

    def auto_dispatchable(self, suggestion: Suggestion) -> bool:
        return self.threshold is not None and suggestion.probability >= self.threshold


def train(
    texts: list[str],
    labels: list[str],
    titles: list[str] | None = None,
    *,
    seed: int = SEED,
    inner_folds: int | None = None,
    target_precision: float = TARGET_PRECISION,
    n_jobs: int = 2,
) -> TriageClassifier:
    """Train on labelled history. Labels with fewer than two examples are left out (and listed
    in the metadata): a category seen once cannot be calibrated."""
    from joblib import Parallel, delayed
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.preprocessing import StandardScaler

    started = time.monotonic()
    titles = titles if titles is not None else [""] * len(texts)
    counts = Counter(labels)
    rare = {label: n for label, n in counts.items() if n < 2}
    keep = [i for i, label in enumerate(labels) if label not in rare]
    if len({labels[i] for i in keep}) < 2:
        raise TrainingError("Training needs at least two categories with at least two examples each.")
    y_text = np.array([labels[i] for i in keep], dtype=object)
    classes, y = np.unique(y_text.astype(str), return_inverse=True)
    docs = [compose(titles[i], texts[i]) for i in keep]
    norm_titles = [normalize(titles[i]) for i in keep]

    features = Features()
    X = features.fit_transform(docs, norm_titles)

    folds = max(2, min(inner_folds or INNER_FOLDS, int(np.bincount(y).min())))
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(docs, y))
    names = list(BASE_MODELS)
    # liblinear releases the GIL, so threads run the folds in parallel without copying X.
    jobs = [(name, tr, va) for tr, va in splits for name in names]
    results = Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_fit_scores)(name, seed, X[tr], y[tr], X[va]) for name, tr, va in jobs
    )
    K = len(classes)
    oof = np.zeros((len(y), K * len(names)))
    for (name, _tr, va), scores in zip(jobs, results, strict=True):
        j = names.index(name)
        oof[va, j * K : (j + 1) * K] = scores

    scaler = StandardScaler().fit(oof)
    Z = scaler.transform(oof)
    calibrator = LogisticRegression(C=1.0, max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Out-of-fold again for the calibrator itself, so the threshold is chosen on
        # probabilities no part of the model has seen the answer to.
        oof_proba = cross_val_predict(calibrator, Z, y, cv=splits, method="predict_proba")
        calibrator.fit(Z, y)
    prior = np.bincount(y, minlength=K) / len(y)
    rank_weights, alpha = _choose_rank_weights(oof_proba, y, prior)
    oof_pred = (oof_proba * rank_weights).argmax(axis=1)
    oof_conf = oof_proba[np.arange(len(y)), oof_pred]
    threshold = choose_threshold(oof_conf, oof_pred == y, target_precision)

    bases = Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(lambda name: (name, BASE_MODELS[name](seed).fit(X, y)))(name) for name in names
    )
    covered = oof_conf >= threshold if threshold is not None else np.zeros(len(y), bool)
    metadata = {
        "n": len(y),
        "classes": {str(c): int(n) for c, n in zip(classes, np.bincount(y), strict=True)},
        "skipped_rare": rare,
        "features": int(X.shape[1]),
        "inner_folds": folds,
        "prior_correction": alpha,
        "oof_accuracy": float((oof_pred == y).mean()),
        "auto_dispatch": {
            "threshold": threshold,
            "target_precision": target_precision,
            "coverage": float(covered.mean()),
            "precision": float((oof_pred == y)[covered].mean()) if covered.any() else None,
        },
        "seconds": round(time.monotonic() - started, 2),
    }
    return TriageClassifier(
        classes, features, LinearStack(bases, K, features), scaler, calibrator, threshold, rank_weights, metadata
    )


def _choose_rank_weights(proba: np.ndarray, y: np.ndarray, prior: np.ndarray) -> tuple[np.ndarray, float]:
    """Per-class factors for ranking: prior ** -alpha, alpha chosen for the best out-of-fold
    macro-F1 (ties to the smaller alpha).

    Calibrated probabilities favour frequent categories, which is right for accuracy but leaves
    rare categories with poor recall; dividing by a power of the prior trades a little of one
    for the other. alpha = 0 keeps plain probabilities; alpha = 1 ranks as if all categories
    were equally common.
    """
    from sklearn.metrics import f1_score

    best, best_alpha, best_f1 = np.ones(len(prior)), 0.0, -1.0
    for alpha in PRIOR_CORRECTIONS:
        weights = prior**-alpha
        f1 = f1_score(y, (proba * weights).argmax(axis=1), average="macro")
        if f1 > best_f1 + 1e-9:
            best, best_alpha, best_f1 = weights, alpha, f1
    return best / best.max(), best_alpha
