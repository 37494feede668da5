"""Hotspots: recent messages grouped by what they are about, ranked by size and growth.

The monthly theme (每月一题) is the problem many residents raise at once, or more and more of
them. Messages are compared by character 2–3-gram TF-IDF with the commonest n-grams (the stock
phrases of every complaint) left out; a message with many similar neighbours becomes the centre
of a cluster holding those neighbours (star clustering, so unrelated messages are not chained
together through a series of partial overlaps).

Place names (the estate, building or grid a message names) are taken out before comparing:
messages about one estate share its name, not its problem, and clustering on the name mixes
a burst pipe with expired food (a hotspot must share one matter; the caller groups by place).

Score = total weight + weight in the last window + rise over the window before. A message's
weight is 1 plus its supports (+1s from other residents) when a weight column is given.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp

from .defaults import HOTSPOT_SIMILARITY
from .text import compose, normalize, words
from .vectorize import CharNgramTfidf

SIMILARITY = HOTSPOT_SIMILARITY
# An n-gram in more than this share of the messages is a stock phrase, not a topic; on small
# sets every n-gram would pass that share, so at least BOILERPLATE_MIN messages must have it.
MAX_DF = 0.3
BOILERPLATE_MIN = 20
# 0: compare messages on their shared n-grams alone (renormalised); 1: plain cosine over all
# n-grams. Measured in docs/triage.md (hotspot purity on the demo and on real messages).
UNIQUE_PENALTY = 0.75
KEYWORD_MIN_IDF = float(np.log(10) + 1)


@dataclass
class Hotspot:
    ids: list
    size: int
    weight: float
    score: float
    keywords: list[str]
    example: str
    recent: float | None = None
    previous: float | None = None
    growth: float | None = None
    first: datetime | None = None
    last: datetime | None = None
    places: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {
            "size": self.size,
            "weight": round(self.weight, 2),
            "score": round(self.score, 2),
            "keywords": self.keywords,
            "example": self.example,
            "ids": self.ids,
        }
        if self.recent is not None:
            out |= {
                "recent": round(self.recent, 2),
                "previous": round(self.previous, 2),  # type: ignore[arg-type]
                "growth": round(self.growth, 2),  # type: ignore[arg-type]
                "first": self.first.isoformat(sep=" ") if self.first else None,
                "last": self.last.isoformat(sep=" ") if self.last else None,
            }
        if self.places:
            out["places"] = self.places
        return out


def _shared_part(X):
    """The rows of X (L2-normalised TF-IDF) on the n-grams that two or more messages share,
    scaled by UNIQUE_PENALTY: only shared n-grams can make two messages alike, but a message
    whose text is mostly its own (a problem nobody else raised) must not look like its
    neighbours just because the few words it shares with them are all that is left of it."""
    df = np.asarray((X > 0).sum(axis=0)).ravel()
    shared = X[:, np.flatnonzero(df >= 2)].tocsr()
    kept = np.sqrt(np.asarray(shared.multiply(shared).sum(axis=1)).ravel())
    scale = np.zeros_like(kept)
    np.power(kept, UNIQUE_PENALTY - 1.0, out=scale, where=kept > 0)
    return (sp.diags(scale) @ shared).tocsr()


def _neighbours(X, similarity: float, places, chunk: int = 2000) -> list[np.ndarray]:
    """For every row, the other rows at least `similarity` cosine-similar (rows of X are L2
    normalised), computed a block of rows at a time so memory stays bounded."""
    out = []
    XT = X.T.tocsc()
    for start in range(0, X.shape[0], chunk):
        block = (X[start : start + chunk] @ XT).tocsr()
        block.data[block.data < similarity] = 0
        block.eliminate_zeros()
        for i in range(block.shape[0]):
            cols = block.indices[block.indptr[i] : block.indptr[i + 1]]
            cols = cols[cols != start + i]
            if places is not None and len(cols):
                cols = cols[[_same(places, start + i, c) for c in cols]]
            out.append(cols.astype(np.int64))
    return out


def _same(places, a: int, b: int) -> bool:
    return places is None or not places[a] or not places[b] or places[a] == places[b]


def find_hotspots(
    texts: list[str],
    titles: list[str] | None = None,
    *,
    times: list[datetime | None] | None = None,
    weights: list[float] | None = None,
    places: list[str] | None = None,
    ids: list | None = None,
    window_days: int = 30,
    similarity: float = SIMILARITY,
    min_size: int = 3,
    top: int = 20,
    stop_phrases: list[str] | None = None,
) -> list[Hotspot]:
    n = len(texts)
    ids = ids if ids is not None else list(range(n))
    titles = titles if titles is not None else [""] * n
    weight = np.ones(n) + (np.asarray(weights, dtype=float) if weights is not None else 0.0)
    docs = [compose(t, x) for t, x in zip(titles, texts, strict=True)]
    if stop_phrases:
        docs = strip_phrases(docs, stop_phrases)
    if n < min_size:
        return []
    vectorizer = CharNgramTfidf(ngram_range=(2, 3), min_df=1, max_df=max(MAX_DF, BOILERPLATE_MIN / n))
    X = _shared_part(vectorizer.fit_transform(docs))
    if X.shape[1] == 0:
        return []
    neighbours = _neighbours(X, similarity, places)

    degree = np.array([weight[nb].sum() for nb in neighbours])
    assigned = np.zeros(n, dtype=bool)
    clusters = []
    for centre in np.argsort(-degree, kind="stable"):
        if assigned[centre] or degree[centre] == 0:
            continue
        members = [centre, *(int(j) for j in neighbours[centre] if not assigned[j])]
        assigned[members] = True
        # Messages two steps from the centre join if they resemble the cluster as a whole
        # (its centroid), which grows clusters without chaining unrelated messages.
        reach = {int(j) for i in members[1:] for j in neighbours[i] if not assigned[j]}
        if reach:
            centroid = np.asarray(X[members].mean(axis=0)).ravel()
            centroid /= np.linalg.norm(centroid) or 1.0
            candidates = sorted(reach)
            close = X[candidates] @ centroid >= similarity
            joined = [c for c, ok in zip(candidates, close, strict=True) if ok and _same(places, centre, c)]
            assigned[joined] = True
            members += joined
        if len(members) >= min_size:
            clusters.append((int(centre), sorted(members)))

    end = max((t for t in times if t is not None), default=None) if times is not None else None
    window = timedelta(days=window_days)
    hotspots = []
    for centre, members in clusters:
        w = weight[members]
        spot = Hotspot(
            ids=[ids[i] for i in members],
            size=len(members),
            weight=float(w.sum()),
            score=float(w.sum()),
            keywords=[],
            example=(titles[centre] or texts[centre])[:80],
        )
        if end is not None:
            stamps = [times[i] for i in members]  # type: ignore[index]
            recent = sum(wi for wi, t in zip(w, stamps, strict=True) if t is not None and t > end - window)
            previous = sum(
                wi for wi, t in zip(w, stamps, strict=True) if t is not None and end - 2 * window < t <= end - window
            )
            spot.recent, spot.previous = float(recent), float(previous)
            spot.growth = (recent + 1) / (previous + 1)
            spot.score = spot.weight + recent + max(0.0, recent - previous)
            known = [t for t in stamps if t is not None]
            spot.first, spot.last = (min(known), max(known)) if known else (None, None)
        if places is not None:
            counts: dict[str, int] = {}
            for i in members:
                if places[i]:
                    counts[places[i]] = counts.get(places[i], 0) + 1
            spot.places = dict(sorted(counts.items(), key=lambda kv: -kv[1])[:5])
        hotspots.append(spot)
    order = sorted(range(len(hotspots)), key=lambda c: (-hotspots[c].score, -hotspots[c].size, clusters[c][0]))
    chosen, norm_titles = [], [normalize(t) for t in titles]
    for c in order[:top]:
        # Keywords only for the hotspots shown: segmenting every cluster would cost more than
        # the clustering.
        hotspots[c].keywords = _keywords(vectorizer, docs, norm_titles, clusters[c][1])
        chosen.append(hotspots[c])
    return chosen


def purity(spots: list[Hotspot], labels: dict) -> float | None:
    """The share of the hotspots' messages that carry their hotspot's commonest label (1.0: every
    hotspot is about one thing), over the messages that have a label; None if none has one."""
    total = agreeing = 0
    for spot in spots:
        counts: dict = {}
        for i in spot.ids:
            if labels.get(i):
                counts[labels[i]] = counts.get(labels[i], 0) + 1
        total += sum(counts.values())
        agreeing += max(counts.values(), default=0)
    return round(agreeing / total, 3) if total else None


def strip_phrases(docs: list[str], phrases: list[str]) -> list[str]:
    """The documents with every phrase (normalised like them, longest first) replaced by a space."""
    wanted = sorted({normalize(p) for p in phrases if p and len(normalize(p)) >= 2}, key=len, reverse=True)
    if not wanted:
        return docs
    pattern = re.compile("|".join(re.escape(p) for p in wanted))
    return [pattern.sub(" ", d) for d in docs]


def _keywords(vectorizer: CharNgramTfidf, docs: list[str], titles: list[str], members: list[int], k: int = 5):
    """Words (jieba) shared by many of the cluster's messages and rare elsewhere: members
    containing the word × its idf (the mean idf of its trigrams when longer than three
    characters), tripled for words of the titles, which name the problem. Words made of the
    corpus's commonest n-grams have no idf and are skipped."""
    score: dict[str, float] = {}
    for i in members:
        in_title = set(words(titles[i]))
        for word in set(words(docs[i])):
            if len(word) >= 2 and not word.isdigit():
                score[word] = score.get(word, 0.0) + (3.0 if word in in_title else 1.0)
    scored = []
    for word, weight in score.items():
        parts = [word] if len(word) <= 3 else [word[i : i + 3] for i in range(len(word) - 2)]
        idfs = [vectorizer.idf(p) for p in parts]
        # A word in more than a tenth of all messages (idf below ln 10 + 1) names no topic.
        if weight >= 2 and all(v is not None and v > KEYWORD_MIN_IDF for v in idfs):
            scored.append((weight * float(np.mean(idfs)), word))  # type: ignore[arg-type]
    scored.sort(key=lambda sw: (-sw[0], sw[1]))
    return [word for _, word in scored[:k]]
