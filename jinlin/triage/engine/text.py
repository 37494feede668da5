"""Text clean-up shared by every part of the engine.

Real messages arrive with layout padding from web forms and spreadsheets: leading `\\n\\t\\t`,
ideographic spaces (U+3000), no-break spaces (U+00A0), byte-order marks. Full-width letters and
digits (Ａ３区, １２号楼) mean the same as their half-width forms. NFKC folds those, and whitespace
runs collapse to one space so that padding never becomes a feature.
"""

import functools
import logging
import re
import sys
import unicodedata

# Characters that are layout, not content. `str.split()` already covers U+3000 and U+00A0; the
# zero-width ones and the BOM are not whitespace to Python, so they are listed explicitly.
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\x00]")
# Excel escapes a carriage return inside a cell as the literal text "_x000D_"; exports of such
# workbooks carry it into CSV.
_EXCEL_CR = re.compile(r"_x000[dD]_")
_WHITESPACE = re.compile(r"\s+")


def clean_cell(value: str | None) -> str:
    """A spreadsheet cell without its padding: invisible characters removed, ends stripped."""
    if not value:
        return ""
    return _EXCEL_CR.sub("\n", _INVISIBLE.sub("", value)).strip()


def normalize(text: str | None) -> str:
    """The form every model sees: NFKC, lower case, one space for any run of whitespace."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", _EXCEL_CR.sub(" ", _INVISIBLE.sub("", text)))
    return _WHITESPACE.sub(" ", text).strip().lower()


def compose(title: str | None, text: str | None) -> str:
    """One document from a title and a body. The full stop keeps the title's last words and the
    body's first words from forming n-grams that occur in neither."""
    title, text = normalize(title), normalize(text)
    if title and text:
        return f"{title}。{text}"
    return title or text


@functools.cache
def jieba_tokenizer():
    import jieba

    # jieba announces its dictionary loading on stderr at DEBUG level; a CLI printing JSON
    # must stay quiet.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@functools.lru_cache(maxsize=20000)
def words(text: str) -> tuple[str, ...]:
    """jieba words of an already normalised text, without spaces and punctuation-only tokens.

    Cached because cross-validation segments every message once per fold; tokens are interned
    so the cache holds pointers to shared strings rather than copies.
    """
    return tuple(
        sys.intern(token) for token in jieba_tokenizer().lcut(text, HMM=False) if token.strip() and _is_word(token)
    )


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


# jieba segments about 150,000 characters a second, the largest cost of a suggestion; words are
# taken from the beginning of a message (title first), where residents state the problem, while
# character n-grams still cover all of it.
WORD_CHARS = 400


def word_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams; the analyser of the word TF-IDF block (module level so that
    a trained model pickles)."""
    tokens = words(text[:WORD_CHARS])
    return [*tokens, *(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))]
