"""Arabic text handling shared by the index analyzer, queries and the entity extractor.

One normalisation serves everything, so a name is the same key in a facet, in the index
and in a query. Tokens keep their original character offsets (harakat and tatweel stay
inside a word), so highlights land exactly on the diacritised text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from pyarabic import araby

# Characters that belong inside a word even though `\w` does not match them:
# harakat and other combining marks (U+064B–065F, U+0670), Quranic marks, tatweel,
# and the zero-width joiners that some keyboards insert mid-word.
_WORD_MARKS = "\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d"
WORD_PATTERN = re.compile(rf"(?:[^\W_]|[{_WORD_MARKS}])+")

# Presentation forms (ﻻ, ﺍ, …) only need NFKC; checking first keeps the hot path cheap.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")

_DELETE = (
    # pyarabic names the harakat, shadda, sukun and tanwin; we add the rest of the
    # combining range (U+0653–065F: maddah, hamza above/below, …), superscript alef,
    # Quranic annotation marks, and invisible format characters that break matching.
    set(araby.TASHKEEL)
    | {chr(c) for c in range(0x064B, 0x0660)}
    | {"\u0670", araby.TATWEEL}
    | {chr(c) for c in range(0x06D6, 0x06EE)}
    | set("\u200b\u200c\u200d\u200e\u200f\u061c\ufeff")
    | {chr(c) for c in range(0x202A, 0x202F)}
    | {chr(c) for c in range(0x2066, 0x206A)}
)

_REPLACE = {
    # alef forms أ إ آ ٱ → bare alef
    **{ch: araby.ALEF for ch in (araby.ALEF_HAMZA_ABOVE, araby.ALEF_HAMZA_BELOW,
                                 araby.ALEF_MADDA, araby.ALEF_WASLA)},
    araby.ALEF_MAKSURA: araby.YEH,
    araby.TEH_MARBUTA: araby.HEH,
    # Hamza seats vary by region (مسؤول / مسئول): both seats fold to one hamza, so the
    # variants meet while the word still differs from its hamza-less neighbours.
    araby.WAW_HAMZA: araby.HAMZA,
    araby.YEH_HAMZA: araby.HAMZA,
    "\u06a9": "\u0643",  # Persian keheh ک → kaf ك
    "\u06cc": araby.YEH,  # Farsi yeh ی
    "\u06d2": araby.YEH,  # yeh barree ے
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
}

# pyarabic supplies the named character sets; we compile them into one str.translate
# table because chaining its per-rule replace loops on every token is several times
# slower and indexing runs this on every word of every article.
_TABLE = str.maketrans({**{ch: None for ch in _DELETE}, **_REPLACE})


def normalize(text: str) -> str:
    """Fold spelling variants: ``"إِسْرَائِيـلُ"`` → ``"اسرايل"``; Latin is lower-cased."""
    if _PRESENTATION_FORMS.search(text):
        text = unicodedata.normalize("NFKC", text)
    return text.translate(_TABLE).lower()


# The same folding, but deleted marks become tatweel (a word mark): one character for one.
_ALIGNED_TABLE = str.maketrans({**{ch: araby.TATWEEL for ch in _DELETE}, **_REPLACE})


def normalize_aligned(text: str) -> str | None:
    """`normalize` with every character kept in place, for finding words by offset.

    Each character maps to one character (deleted marks to tatweel), so an offset in the
    result is an offset in ``text``. None when that cannot hold (presentation forms need
    NFKC, or lower-casing changed a length).

    >>> len(normalize_aligned("إِسْرَائِيل")) == len("إِسْرَائِيل")
    True
    >>> normalize_aligned("إِسْرَائِيل").replace("ـ", "") == normalize("إِسْرَائِيل")
    True
    """
    if _PRESENTATION_FORMS.search(text):
        return None
    out = text.translate(_ALIGNED_TABLE).lower()
    return out if len(out) == len(text) else None


@lru_cache(maxsize=50_000)
def normalize_word(word: str) -> str:
    """`normalize` for single tokens, memoised: news vocabulary repeats heavily."""
    return normalize(word)


def tokenize(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, word)`` for each word; marks and tatweel stay in the word."""
    for match in WORD_PATTERN.finditer(text):
        yield match.start(), match.end(), match.group()


def words(text: str) -> list[str]:
    """Normalised words of ``text`` (empty ones dropped)."""
    return [w for _, _, tok in tokenize(text) if (w := normalize_word(tok))]


def normalize_phrase(text: str) -> str:
    """A multi-word value (a name, a place) as one normalised key: words joined by spaces."""
    return " ".join(words(text))
