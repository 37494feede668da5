"""Near-duplicate messages: MinHash signatures of character bigrams, banded LSH, no Python
object per indexed message.

Two residents reporting the same broken lamp rarely write the same sentence, but they share
most character bigrams (路灯, 坏了, the estate's name). The Jaccard similarity of bigram sets
is estimated from 64 MinHash values; 32 bands of 2 values make any pair above ~0.3 a candidate
with high probability, and candidates are then checked against the similarity threshold.

Signatures and band keys live in NumPy arrays (sorted per band, binary-searched), so an index of
100,000 open cases takes about 30 MB and a lookup is a few array operations.
"""

import re
import unicodedata

import numpy as np

from .defaults import DUPLICATE_THRESHOLD
from .text import normalize
from .vectorize import _ngram_codes

NUM_PERM = 64
BANDS = 32
THRESHOLD = DUPLICATE_THRESHOLD
_MERGE_EVERY = 2048
# Punctuation, symbols and spaces are dropped before shingling: "路灯坏了！" and "路灯，坏了"
# are the same report.
_NOT_CONTENT = re.compile(r"[\W_]+")
_MAX = np.uint32(0xFFFFFFFF)


def _content(text: str) -> str:
    return _NOT_CONTENT.sub("", normalize(text))


class MinHasher:
    """Multiply-shift hashing of 63-bit shingle codes: h(x) = ((a*x + b) mod 2**64) >> 32, with
    fixed odd multipliers, so signatures are the same in every process and every run."""

    def __init__(self, num_perm: int = NUM_PERM, seed: int = 1):
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self.b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
        self.num_perm = num_perm

    def signatures(self, texts: list[str], chunk: int = 512) -> np.ndarray:
        """(len(texts), num_perm) uint32; a text with no content gets all-max, matching nothing."""
        out = np.full((len(texts), self.num_perm), _MAX, dtype=np.uint32)
        for start in range(0, len(texts), chunk):
            docs = [_content(t) for t in texts[start : start + chunk]]
            # Single characters stand in for texts of one character; bigrams otherwise.
            rows, codes = _ngram_codes(docs, (2, 2))
            short = [i for i, d in enumerate(docs) if len(d) == 1]
            if short:
                rows = np.concatenate([rows, np.array(short, dtype=rows.dtype)])
                codes = np.concatenate([codes, np.array([ord(docs[i]) for i in short], dtype=codes.dtype)])
            if not len(codes):
                continue
            # Messages share most of their bigrams, so each distinct bigram is hashed once.
            unique, inverse = np.unique(codes, return_inverse=True)
            with np.errstate(over="ignore"):
                hashed = (unique.astype(np.uint64)[:, None] * self.a + self.b) >> np.uint64(32)
            hashed = hashed.astype(np.uint32)
            order = np.argsort(rows, kind="stable")
            rows, inverse = rows[order], inverse[order]
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            out[start + rows[starts]] = np.minimum.reduceat(hashed[inverse], starts, axis=0)
        return out


def _band_keys(signatures: np.ndarray, bands: int) -> np.ndarray:
    """(n, bands) uint64: each band's values folded into one key (FNV-style multiply-add; two
    uint32 values per band would even fit exactly, so collisions are negligible)."""
    n, num_perm = signatures.shape
    r = num_perm // bands
    parts = signatures[:, : bands * r].reshape(n, bands, r).astype(np.uint64)
    keys = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(r):
            keys = keys * np.uint64(0x100000001B3) + parts[:, :, k]
    return keys


class DuplicateIndex:
    """Open cases (or any messages) indexed for near-duplicate lookup.

    `place` is optional: when given both at indexing and at lookup, only messages whose place
    key equals the other or starts with it (the org-unit code-prefix rule: a grid lies inside its
    community) count as duplicates.
    """

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM, bands: int = BANDS):
        self.threshold = threshold
        self.bands = bands
        self.hasher = MinHasher(num_perm)
        self.keys: list = []
        self.places: list[str | None] = []
        self._position: dict = {}
        self._signatures = np.zeros((0, num_perm), dtype=np.uint32)
        self._removed = np.zeros(0, dtype=bool)
        # Sorted band keys with the row each came from, plus a small unsorted tail of recent
        # additions that is merged in when it grows, so adding one case stays cheap.
        self._sorted_keys = np.zeros((bands, 0), dtype=np.uint64)
        self._sorted_rows = np.zeros((bands, 0), dtype=np.int64)
        self._tail_keys = np.zeros((0, bands), dtype=np.uint64)
        self._tail_start = 0

    def __len__(self) -> int:
        return len(self.keys) - int(self._removed.sum())

    def add_many(self, keys: list, texts: list[str], places: list[str | None] | None = None) -> None:
        places = places if places is not None else [None] * len(keys)
        for key in keys:
            if key in self._position:
                raise ValueError(f"{key!r} is already in the index")
        signatures = self.hasher.signatures(list(texts))
        start = len(self.keys)
        for offset, key in enumerate(keys):
            self._position[key] = start + offset
        self.keys.extend(keys)
        self.places.extend(places)
        self._signatures = np.vstack([self._signatures, signatures])
        self._removed = np.concatenate([self._removed, np.zeros(len(keys), dtype=bool)])
        self._tail_keys = np.vstack([self._tail_keys, _band_keys(signatures, self.bands)])
        if len(self._tail_keys) >= _MERGE_EVERY:
            self._merge()

    def add(self, key, text: str, place: str | None = None) -> None:
        self.add_many([key], [text], [place])

    def remove(self, key) -> None:
        """Forget a message (a case was closed or merged)."""
        position = self._position.pop(key, None)
        if position is not None:
            self._removed[position] = True

    def _merge(self) -> None:
        n_tail = len(self._tail_keys)
        rows = np.arange(self._tail_start, self._tail_start + n_tail)
        keys = np.concatenate([self._sorted_keys, self._tail_keys.T], axis=1)
        all_rows = np.concatenate([self._sorted_rows, np.broadcast_to(rows, (self.bands, n_tail))], axis=1)
        order = np.argsort(keys, axis=1, kind="stable")
        self._sorted_keys = np.take_along_axis(keys, order, axis=1)
        self._sorted_rows = np.take_along_axis(all_rows, order, axis=1)
        self._tail_keys = np.zeros((0, self.bands), dtype=np.uint64)
        self._tail_start += n_tail

    def _candidates(self, band_keys: np.ndarray) -> np.ndarray:
        """Rows sharing at least one band with the query. Marked in a boolean array rather than
        deduplicated by sorting: with boilerplate-heavy texts a lookup can touch tens of
        thousands of bucket entries, and a linear pass over the mask is cheaper than a sort."""
        hit = np.zeros(len(self.keys), dtype=bool)
        if self._sorted_keys.shape[1]:
            lo = [np.searchsorted(self._sorted_keys[b], band_keys[b], side="left") for b in range(self.bands)]
            hi = [np.searchsorted(self._sorted_keys[b], band_keys[b], side="right") for b in range(self.bands)]
            for band in range(self.bands):
                if hi[band] > lo[band]:
                    hit[self._sorted_rows[band, lo[band] : hi[band]]] = True
        if len(self._tail_keys):
            hit[self._tail_start : self._tail_start + len(self._tail_keys)] |= (
                self._tail_keys == band_keys[None, :]
            ).any(axis=1)
        hit &= ~self._removed
        return np.flatnonzero(hit)

    def query(self, text: str, place: str | None = None, limit: int = 10, threshold: float | None = None):
        """[(key, similarity)] of indexed messages at least `threshold` similar, most similar
        first."""
        signature = self.hasher.signatures([text])
        if (signature == _MAX).all():
            return []
        return self._query_signature(signature[0], place, limit, threshold)

    def _query_signature(self, signature, place, limit, threshold, exclude: int | None = None):
        threshold = self.threshold if threshold is None else threshold
        rows = self._candidates(_band_keys(signature[None, :], self.bands)[0])
        if exclude is not None:
            rows = rows[rows != exclude]
        if not len(rows):
            return []
        similarity = (self._signatures[rows] == signature[None, :]).mean(axis=1)
        keep = similarity >= threshold
        rows, similarity = rows[keep], similarity[keep]
        if place:
            same = np.array([_same_place(place, self.places[r]) for r in rows], dtype=bool)
            rows, similarity = rows[same], similarity[same]
        order = np.argsort(-similarity, kind="stable")[:limit]
        return [(self.keys[rows[i]], float(similarity[i])) for i in order]

    def groups(self, threshold: float | None = None) -> list[list]:
        """Every set of indexed messages linked by near-duplicate pairs (single linkage), as
        lists of keys, largest group first."""
        parent = list(range(len(self.keys)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for row in range(len(self.keys)):
            if self._removed[row] or (self._signatures[row] == _MAX).all():
                continue
            matches = self._query_signature(
                self._signatures[row], self.places[row], len(self.keys), threshold, exclude=row
            )
            for key, _ in matches:
                a, b = find(row), find(self._position[key])
                if a != b:
                    parent[max(a, b)] = min(a, b)
        members: dict[int, list] = {}
        for row in range(len(self.keys)):
            if not self._removed[row]:
                members.setdefault(find(row), []).append(row)
        found = [sorted(rows) for rows in members.values() if len(rows) > 1]
        found.sort(key=lambda rows: (-len(rows), rows[0]))
        return [[self.keys[r] for r in rows] for rows in found]


def _same_place(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True
    a, b = unicodedata.normalize("NFKC", a).strip(), unicodedata.normalize("NFKC", b).strip()
    return a.startswith(b) or b.startswith(a)
