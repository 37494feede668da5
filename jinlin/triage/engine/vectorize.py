"""Fast character n-gram TF-IDF.

scikit-learn's `analyzer="char"` builds every n-gram as a Python string and counts it in a dict,
about a microsecond each; 10,000 messages of 400 characters make 12 million of them. Here a
character is its code point (< 2**21), so an n-gram of up to three characters is one 63-bit
integer, and all n-grams of a corpus are computed, counted and looked up with NumPy in one go.
"""

import numpy as np
import scipy.sparse as sp

_BITS = 21  # every Unicode code point fits in 21 bits


def _ngram_codes(docs: list[str], ngram_range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(row, code) of every character n-gram of every document.

    Documents are joined with NUL (which `text.normalize` removes from the text itself), so an
    n-gram containing a NUL would cross a document boundary and is dropped. Codes of different
    lengths never collide because no n-gram starts with NUL.
    """
    joined = "\x00".join(docs)
    chars = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    is_sep = chars == 0
    row_of = np.cumsum(is_sep)
    rows, codes = [], []
    lo, hi = ngram_range
    for n in range(lo, hi + 1):
        if len(chars) < n:
            break
        m = len(chars) - n + 1
        code = chars[:m].copy()
        bad = is_sep[:m].copy()
        for k in range(1, n):
            code = (code << _BITS) | chars[k : k + m]
            bad |= is_sep[k : k + m]
        keep = ~bad
        rows.append(row_of[:m][keep])
        codes.append(code[keep])
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(codes)


def _csr_counts(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    """Count (row, col) pairs straight into CSR arrays: sorted unique keys are already in CSR
    order, which skips the COO conversion and duplicate summing scipy would do."""
    keys, counts = np.unique(rows.astype(np.int64) * n_cols + cols, return_counts=True)
    indptr = np.searchsorted(keys, np.arange(n_rows + 1, dtype=np.int64) * n_cols)
    return sp.csr_matrix(
        (counts.astype(np.float32), (keys % n_cols).astype(np.int32), indptr.astype(np.int32)),
        shape=(n_rows, n_cols),
    )


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smooth idf, as scikit-learn's default: ln((1 + n) / (1 + df)) + 1."""
    return (np.log((1 + n_docs) / (1 + df)) + 1).astype(np.float32)


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf (1 + ln tf) times idf, rows scaled to unit length. Done on the CSR arrays
    directly: scikit-learn's TfidfTransformer validates its input on every call, which costs
    more than the arithmetic when suggesting for one message."""
    out = counts.astype(np.float32, copy=False)
    out.data = (np.log(out.data) + 1) * idf[out.indices]
    row_of = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
    norms = np.sqrt(np.bincount(row_of, weights=out.data * out.data, minlength=out.shape[0]))
    norms[norms == 0] = 1
    out.data /= norms[row_of].astype(np.float32)
    return out


class CharNgramTfidf:
    """TF-IDF over character n-grams (sublinear tf, smooth idf, L2 rows), like
    `TfidfVectorizer(analyzer="char", sublinear_tf=True)` without whitespace handling (the text
    is normalised before) and an order of magnitude faster."""

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 1,
        max_df: float = 1.0,
        max_features: int | None = None,
    ):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features

    def _counts(self, docs: list[str], vocabulary: np.ndarray | None) -> tuple[sp.csr_matrix, np.ndarray]:
        rows, codes = _ngram_codes(docs, self.ngram_range)
        if vocabulary is None:
            vocabulary, cols = np.unique(codes, return_inverse=True)
        else:
            cols = np.searchsorted(vocabulary, codes)
            cols[cols == len(vocabulary)] = 0
            known = vocabulary[cols] == codes if len(vocabulary) else np.zeros(len(codes), bool)
            rows, cols = rows[known], cols[known]
        return _csr_counts(rows, cols, len(docs), len(vocabulary)), vocabulary

    def fit_transform(self, docs: list[str]) -> sp.csr_matrix:
        counts, vocabulary = self._counts(list(docs), None)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        keep = (df >= self.min_df) & (df <= self.max_df * len(docs))
        if self.max_features is not None and keep.sum() > self.max_features:
            # The most widespread n-grams are kept; ties broken by code for determinism.
            order = np.lexsort((vocabulary, -df))
            keep = np.zeros_like(keep)
            keep[order[: self.max_features]] = True
            keep &= (df >= self.min_df) & (df <= self.max_df * len(docs))
        self.vocabulary_ = vocabulary[keep]
        self.idf_ = _idf(df[keep], len(docs))
        return _tfidf(counts[:, np.flatnonzero(keep)].tocsr(), self.idf_)

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        counts, _ = self._counts(list(docs), self.vocabulary_)
        return _tfidf(counts, self.idf_)

    @property
    def n_features(self) -> int:
        return len(self.vocabulary_)

    def idf(self, gram: str) -> float | None:
        """The inverse document frequency of an n-gram, None if it is not a feature (too rare,
        too common, or longer than the n-grams counted)."""
        if not gram or len(gram) > self.ngram_range[1] or len(gram) < self.ngram_range[0]:
            return None
        code = 0
        for ch in gram:
            code = (code << _BITS) | ord(ch)
        column = int(np.searchsorted(self.vocabulary_, code))
        if column < len(self.vocabulary_) and self.vocabulary_[column] == code:
            return float(self.idf_[column])
        return None


class WordTfidf:
    """TF-IDF over an analyser's terms (jieba word uni- and bigrams), sublinear tf, smooth idf,
    L2 rows. The vocabulary is a plain dict: scikit-learn's vectoriser would also keep every
    pruned term (`stop_words_`) in the pickled model."""

    def __init__(self, analyzer, min_df: int = 2):
        self.analyzer = analyzer
        self.min_df = min_df

    def fit_transform(self, docs: list[str]) -> sp.csr_matrix:
        terms = [self.analyzer(doc) for doc in docs]
        df: dict[str, int] = {}
        for doc_terms in terms:
            for term in set(doc_terms):
                df[term] = df.get(term, 0) + 1
        kept = sorted(term for term, n in df.items() if n >= self.min_df)
        self.vocabulary_ = {term: i for i, term in enumerate(kept)}
        self.idf_ = _idf(np.array([df[t] for t in kept], dtype=np.float64), len(docs))
        return _tfidf(self._counts(terms), self.idf_)

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        return _tfidf(self._counts([self.analyzer(doc) for doc in docs]), self.idf_)

    @property
    def n_features(self) -> int:
        return len(self.vocabulary_)

    def _counts(self, terms: list[list[str]]) -> sp.csr_matrix:
        vocabulary = self.vocabulary_
        rows, cols = [], []
        for row, doc_terms in enumerate(terms):
            found = [vocabulary[t] for t in doc_terms if t in vocabulary]
            cols.extend(found)
            rows.extend([row] * len(found))
        return _csr_counts(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), len(terms), len(vocabulary))
