"""Cross-validated evaluation of the platform's own training code, next to a plain baseline."""

import time
import warnings
from collections import Counter

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from . import classifier
from .errors import TrainingError
from .text import compose

BASELINE = "char 1-3-gram TF-IDF + LinearSVC (scikit-learn defaults)"


def _baseline_predict(train_docs, train_y, test_docs, seed):
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
    model = LinearSVC(random_state=seed).fit(vectorizer.fit_transform(train_docs), train_y)
    return model.predict(vectorizer.transform(test_docs))


def evaluate(
    texts: list[str],
    labels: list[str],
    titles: list[str] | None = None,
    *,
    folds: int = 5,
    seed: int = classifier.SEED,
    baseline: bool = True,
    n_jobs: int = 2,
) -> dict:
    """Stratified k-fold cross-validation of `classifier.train`, with a fixed seed.

    Categories with fewer examples than folds cannot appear in every fold; they are left out and
    listed under "skipped". The auto-dispatch figures are honest: each fold's model chooses its
    threshold from its own training data, and precision and coverage are measured on the fold it
    did not see.
    """
    started = time.monotonic()
    titles = titles if titles is not None else [""] * len(texts)
    counts = Counter(labels)
    rare = {label: n for label, n in sorted(counts.items()) if n < folds}
    keep = [i for i, label in enumerate(labels) if label not in rare]
    y = np.array([labels[i] for i in keep], dtype=object)
    if len(set(y)) < 2:
        raise TrainingError(f"Evaluation needs at least two categories with at least {folds} examples each.")
    texts = [texts[i] for i in keep]
    titles = [titles[i] for i in keep]

    predicted = np.empty(len(y), dtype=object)
    confidence = np.zeros(len(y))
    covered = np.zeros(len(y), dtype=bool)
    baseline_predicted = np.empty(len(y), dtype=object)
    thresholds, train_seconds = [], []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        model = classifier.train(
            [texts[i] for i in train_idx],
            list(y[train_idx]),
            [titles[i] for i in train_idx],
            seed=seed,
            n_jobs=n_jobs,
        )
        train_seconds.append(model.metadata["seconds"])
        proba = model.predict_proba([texts[i] for i in test_idx], [titles[i] for i in test_idx])
        top = model.rank(proba).argmax(axis=1)
        predicted[test_idx] = model.classes_[top]
        confidence[test_idx] = proba[np.arange(len(top)), top]
        thresholds.append(model.threshold)
        if model.threshold is not None:
            covered[test_idx] = confidence[test_idx] >= model.threshold
        if baseline:
            docs = [compose(t, x) for t, x in zip(titles, texts, strict=True)]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                baseline_predicted[test_idx] = _baseline_predict(
                    [docs[i] for i in train_idx], list(y[train_idx]), [docs[i] for i in test_idx], seed
                )

    class_labels = sorted(set(y))
    precision, recall, f1, support = precision_recall_fscore_support(y, predicted, labels=class_labels, zero_division=0)
    correct = predicted == y
    used = [t for t in thresholds if t is not None]
    result = {
        "macro_f1": round(float(f1_score(y, predicted, labels=class_labels, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(y, predicted)), 4),
        "n": len(y),
        "folds": folds,
        "per_class": {
            str(label): {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(class_labels, precision, recall, f1, support, strict=True)
        },
        "auto_dispatch": {
            "threshold": round(float(np.mean(used)), 4) if used else None,
            "precision": round(float(correct[covered].mean()), 4) if covered.any() else None,
            "coverage": round(float(covered.mean()), 4),
            "target_precision": classifier.TARGET_PRECISION,
            "fold_thresholds": [round(t, 4) if t is not None else None for t in thresholds],
        },
        "skipped": {"rare_classes": rare, "rows": sum(rare.values())},
        "seed": seed,
        "train_seconds_per_fold": round(float(np.mean(train_seconds)), 2),
        "seconds": 0.0,
    }
    if baseline:
        result["baseline"] = {
            "model": BASELINE,
            "macro_f1": round(
                float(f1_score(y, baseline_predicted, labels=class_labels, average="macro", zero_division=0)), 4
            ),
            "accuracy": round(float(accuracy_score(y, baseline_predicted)), 4),
        }
    result["seconds"] = round(time.monotonic() - started, 2)
    return result
