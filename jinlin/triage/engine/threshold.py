"""Choosing the auto-dispatch threshold from out-of-fold probabilities."""

import numpy as np

# One-sided confidence of the precision guarantee: z = 1.0 is about 84%. Choosing the largest
# set whose observed precision just reaches the target is optimistic (the cut is placed where
# chance happened to be kind); requiring the lower confidence bound to reach it keeps the
# precision on new cases at the target rather than just below it.
Z = 1.0


def wilson_lower_bound(hits: np.ndarray, n: np.ndarray, z: float = Z) -> np.ndarray:
    """Lower end of the Wilson score interval for a proportion hits / n."""
    n = np.asarray(n, dtype=float)
    p = np.asarray(hits, dtype=float) / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target: float = 0.95, z: float = Z) -> float | None:
    """The lowest probability t such that the predictions with confidence >= t are precise
    enough: the lower confidence bound of their precision is at least `target`. That is the
    largest share that can be dispatched without a human. None when no such set exists (too
    few or too uncertain predictions): then nothing is dispatched automatically.

    Only cut points between distinct confidence values are considered, so every prediction at
    the threshold is counted in the precision that justified it.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    if len(confidence) == 0:
        return None
    order = np.argsort(-confidence, kind="stable")
    conf, hits = confidence[order], correct[order]
    covered = np.arange(1, len(hits) + 1)
    bound = wilson_lower_bound(np.cumsum(hits), covered, z)
    # A cut after position i is valid only if the next confidence is strictly lower.
    boundary = np.append(conf[1:] < conf[:-1], True)
    ok = boundary & (bound >= target)
    if not ok.any():
        return None
    return float(conf[np.flatnonzero(ok).max()])
