"""Tokens and CRF features, shared by training and extraction (so they can never drift).

Training reads a token's feature list as its own tuple plus the "context view" tuples of
its neighbours (`FeatureSet.sentence`, memoised per word); extraction scores the same
features per word with `archive.entities.crf`, which caches the scores instead.
"""

from __future__ import annotations

import re
from functools import lru_cache

from archive.arabic import WORD_PATTERN, normalize_word
from archive.entities.clitics import Clitics
from archive.entities.lexicon import ORG_CUES, PERSON_CUES, PLACE_CUES, SAY_CUES, Lexicon

# Words (as archive.arabic sees them) or any single other visible character, so that
# punctuation is a token of its own, as in the training data.
TOKEN_PATTERN = re.compile(rf"{WORD_PATTERN.pattern}|[^\s]")

_ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def tokenize(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, token)`` for words and single punctuation marks of ``text``."""
    return [(m.start(), m.end(), m.group()) for m in TOKEN_PATTERN.finditer(text)]


def _shape(word: str) -> str:
    if word.isdigit():
        return "D"
    if _ARABIC_LETTER.match(word):
        return "A"
    if word.isalpha():
        return "L"  # Latin or other script
    if any(c.isdigit() for c in word):
        return "d"
    return "P"  # punctuation


# Neighbours contribute their 128- and 2048-way cluster ids. 5-fold CV person F1: 128 only
# 0.726, 128+2048 0.733, 128+512+2048 0.729, 512+2048 0.729; the 128-way id of the words
# two away as well: level with 128 only, so left out.
CONTEXT_CLUSTER_LEVELS = (1, 3)

BOS = ("-1w=^",)
EOS = ("+1w=$",)


class FeatureSet:
    """Per-word feature tuples from one `Lexicon`."""

    def __init__(self, lexicon: Lexicon, clitics: Clitics | None = None) -> None:
        self.lexicon = lexicon
        self.clitics = clitics or Clitics(lexicon)
        # Word caches across the package are sized for a worker's plateau: at a quarter of
        # the earlier sizes, a 10k-article extraction run plateaus at 385 MiB rather than
        # growing past 520 MiB, for 7 % more time; hit rates stay above 90 %.
        self.lexical = lru_cache(maxsize=50_000)(self._lexical)
        self.own = lru_cache(maxsize=50_000)(self.own_features)
        self.ctx = lru_cache(maxsize=100_000)(self.context_features)

    def _lexical(self, token: str) -> tuple[str, str, str]:
        """(normalised word, clitic-free normalised word, gazetteer/cue code)."""
        norm = normalize_word(token)
        bare = normalize_word(self.clitics.free(token)) if len(norm) > 3 else norm
        gaz = self.lexicon.gazetteer_words
        code = gaz.get(bare) or gaz.get(norm) or ""
        if not code:
            if bare.startswith("ال") and bare[2:] in gaz:
                code = gaz[bare[2:]].lower()
            elif norm in PERSON_CUES:
                code = "T"
            elif norm in ORG_CUES:
                code = "R"
            elif norm in SAY_CUES:
                code = "V"
            elif norm in PLACE_CUES:
                code = "C"
        return norm, bare, code

    def _proper_noun_hint(self, bare: str) -> str:
        """Corpus hint that a word is a name: frequent, yet (almost) never seen with ال.

        Arabic has no capital letters; definiteness is the closest cheap signal."""
        if bare.startswith("ال") or len(bare) < 3:
            return ""
        freq = self.lexicon.word_freq
        n = freq.get(bare, 0)
        if n < 5:
            return "u"  # unknown / rare word: often a foreign name
        definite = freq.get("ال" + bare, 0)
        return "n" if definite * 20 < n else ""

    def own_features(self, token: str) -> tuple[str, ...]:
        """Features of a token about itself (all of them)."""
        norm, bare, code = self.lexical(token)
        shape = _shape(norm)
        if shape != "A":
            return ("b", "w=" + norm, "sh=" + shape)
        feats = ["b", "w=" + norm, "s=" + bare, "p2=" + bare[:2], "p3=" + bare[:3],
                 "x1=" + bare[-1:], "x2=" + bare[-2:], "x3=" + bare[-3:],
                 "L=" + str(min(len(bare), 8))]
        if bare != norm:
            feats.append("cl=" + norm[: len(norm) - len(bare)] if norm.endswith(bare) else "cl")
        if code:
            feats.append("g=" + code)
        hint = self._proper_noun_hint(bare)
        if hint:
            feats.append("h=" + hint)
        ctx = self.lexicon.word_context.get(bare)
        if ctx:
            feats.extend(("dt" + ctx[0], "dp" + ctx[1], "ds" + ctx[2]))
        clusters = self.lexicon.word_clusters.get(bare)
        if clusters:
            feats.extend(f"k{i}={c}" for i, c in enumerate(clusters))
        unit = self._name_unit(norm, bare)
        if unit:
            feats.extend(("nu=" + unit, "nr=" + unit[0]))
        return tuple(feats)

    def _name_unit(self, norm: str, bare: str) -> str:
        """Role code of a known name word (`Lexicon.name_units`), or ""."""
        units = self.lexicon.name_units
        return units.get(bare) or units.get(norm) or ""

    def context_features(self, token: str, offset: str) -> tuple[str, ...]:
        """Features a neighbour contributes, tagged with its relative position (``-1``,
        ``+1``)."""
        norm, bare, code = self.lexical(token)
        feats = [offset + "w=" + norm]
        if bare != norm:
            feats.append(offset + "s=" + bare)
        if len(bare) > 3:
            feats.append(offset + "x2=" + bare[-2:])
        if code:
            feats.append(offset + "g=" + code)
        hint = self._proper_noun_hint(bare) if _shape(norm) == "A" else ""
        if hint:
            feats.append(offset + "h=" + hint)
        clusters = self.lexicon.word_clusters.get(bare)
        if clusters:
            feats.extend(offset + f"k{i}=" + clusters[i] for i in CONTEXT_CLUSTER_LEVELS)
        unit = self._name_unit(norm, bare)
        if unit:
            feats.append(offset + "nr=" + unit[0])
        return tuple(feats)

    def sentence(self, tokens: list[str]) -> list[tuple[str, ...]]:
        """Feature lists of a token sequence (one sentence or line)."""
        # Only ±1 neighbours: ±2 words cost ~25 % of the features and gave no F1 on
        # cross-validation (fold 5: 0.718 with, 0.720 without).
        own, ctx = self.own, self.ctx
        prev1 = [BOS] + [ctx(t, "-1") for t in tokens[:-1]]
        next1 = [ctx(t, "+1") for t in tokens[1:]] + [EOS]
        return [o + p + n for o, p, n in zip(map(own, tokens), prev1, next1, strict=True)]
