"""Proclitics glued to names: و ف ب ل ك and their combinations with ال.

A leading و/ب/ل/ف/ك is not always a clitic (لبنان, بيروت, واشنطن, فلسطين, كندا), so the
split is chosen by evidence, strongest first:

1. the remainder is another mention in the same article (ببلينكن next to بلينكن);
2. gazetteer membership: the remainder is a known name and the whole word is not;
3. corpus frequency: the remainder is clearly more frequent than the whole word
   (بإسرائيل ≪ إسرائيل, but لبنان ≫ بنان);
4. a clitic fused with the article (بال، وال، لل …) is stripped whenever the whole word is
   unknown: names seldom start with those letter runs.

Words are handled in their *plain* form (diacritics and tatweel dropped, hamza kept) so the
stripped form is still fit for display; decisions use the normalised form.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache, lru_cache

from archive.arabic import normalize_word
from archive.entities.lexicon import Lexicon, default_lexicon

# Proclitic runs, longest first. "ال" marks runs that end in the article; "لل" is ل + ال
# with the article's alef dropped, so its remainder gets the alef back.
_WITH_ARTICLE = ("وبال", "وكال", "فبال", "وال", "فال", "بال", "كال")
_LAM_LAM = ("ولل", "فلل", "لل")
_SINGLE = ("وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك")

_PLAIN_DROP = str.maketrans(
    {chr(c): None for c in [*range(0x064B, 0x0660), 0x0670, 0x0640, *range(0x06D6, 0x06EE),
                            0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0xFEFF]}
)


def plain(text: str) -> str:
    """Drop diacritics, tatweel and invisible marks but keep letters as written."""
    return text.translate(_PLAIN_DROP)


def splits(word: str) -> list[tuple[str, bool]]:
    """Possible ``(remainder, fused_with_article)`` splits of a plain word, longest first.

    >>> splits("للأمم")[0]
    ('الأمم', True)
    """
    out: list[tuple[str, bool]] = []
    for pre in _WITH_ARTICLE:
        if word.startswith(pre) and len(word) - len(pre) >= 2:
            out.append((word[len(pre) - 2:], True))
    for pre in _LAM_LAM:
        if word.startswith(pre) and len(word) - len(pre) >= 2:
            out.append(("ال" + word[len(pre):], True))
            out.append((word[len(pre) - 1:], False))
    for pre in _SINGLE:
        if word.startswith(pre) and len(word) - len(pre) >= 3:
            out.append((word[len(pre):], False))
    return out


class Clitics:
    """Clitic splits decided with one `Lexicon`'s gazetteer and word frequencies."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.free = lru_cache(maxsize=50_000)(self._free)

    def strip(self, word: str, context: Collection[str] = ()) -> str:
        """Plain form of ``word`` without its proclitics: ``وطهران`` → ``طهران``.

        ``context`` holds normalised words known to be names in the same text (rule 1).
        """
        if not context:
            return self.free(word)
        word = plain(word)
        norm = normalize_word(word)
        # A gazetteer name (لبنان) stays whole even if a clipped form happens to be in context.
        if norm not in self.lexicon.gazetteer_words:
            for rest, _ in splits(word):
                if normalize_word(rest) in context:
                    return rest
        return self._decide(word)

    def _free(self, word: str) -> str:
        """`strip` without article context (memoised: feature extraction uses it)."""
        return self._decide(plain(word))

    def _score(self, norm: str) -> float:
        freq: float = self.lexicon.word_freq.get(norm, 0)
        if norm in self.lexicon.gazetteer_words:
            freq += 1000.0
        return freq

    def _decide(self, word: str) -> str:
        candidates = splits(word)
        if not candidates:
            return word
        whole = self._score(normalize_word(word))
        best, best_score = word, whole
        for rest, _ in candidates:
            score = self._score(normalize_word(rest))
            # A split must beat the whole word clearly: 3x plus a floor against noise.
            if score > 3 * whole + 5 and score > best_score:
                best, best_score = rest, score
        if best is word and whole < 5:
            for rest, fused in candidates:
                if fused:
                    return rest
        return best


@cache
def default_clitics() -> Clitics:
    """Splits with the shipped lexicon: the index analyzer and the default extractor share
    its memo."""
    return Clitics(default_lexicon())


def strip_clitics(word: str, context: Collection[str] = ()) -> str:
    """`Clitics.strip` with the shipped lexicon."""
    return default_clitics().strip(word, context)


def clitic_free(word: str) -> str:
    """`Clitics.free` with the shipped lexicon (the index analyzer splits words with it)."""
    return default_clitics().free(word)
