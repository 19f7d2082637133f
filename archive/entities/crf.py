"""Viterbi decoding of the trained crfsuite model with numpy, many sentences at once.

crfsuite's own tagger converts every feature string of every token into an attribute id on
each call (a hash lookup per string) and decodes one sentence per call. Here the model's
weights are read once into a matrix; a word's score vector (the sum of its features'
weights, per label) is computed once and cached, and one article's sentences
are decoded together, one numpy step per position. No maintained library decodes a
crfsuite model this way, hence this module; tests check it agrees with crfsuite's tagger.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pycrfsuite

from archive.entities.features import BOS, EOS, FeatureSet


class LinearChain:
    """The weights of a first-order crfsuite model: state features and transitions."""

    def __init__(self, tagger: pycrfsuite.Tagger) -> None:
        info = tagger.info()
        self.labels: list[str] = sorted(info.labels, key=lambda label: int(info.labels[label]))
        label_id = {label: i for i, label in enumerate(self.labels)}
        self.attribute_id: dict[str, int] = {}
        rows, cols, weights = [], [], []
        for (attribute, label), weight in info.state_features.items():
            rows.append(self.attribute_id.setdefault(attribute, len(self.attribute_id)))
            cols.append(label_id[label])
            weights.append(weight)
        self.state = np.zeros((len(self.attribute_id), len(self.labels)), np.float64)
        self.state[rows, cols] = weights
        self.transition = np.zeros((len(self.labels), len(self.labels)), np.float64)
        for (before, after), weight in info.transitions.items():
            self.transition[label_id[before], label_id[after]] = weight

    def scores(self, features: Iterable[str]) -> np.ndarray:
        """Per-label score of a set of features (unknown ones weigh nothing)."""
        ids = [i for f in features if (i := self.attribute_id.get(f)) is not None]
        return self.state[ids].sum(axis=0)

    def decode(self, emissions: Sequence[np.ndarray]) -> list[list[str]]:
        """The best label sequence of each sentence, given its ``(tokens, labels)`` scores."""
        if not emissions:
            return []
        lengths = np.array([len(e) for e in emissions])
        count, longest, n = len(emissions), int(lengths.max()), len(self.labels)
        scores = np.zeros((longest, count, n))
        for s, e in enumerate(emissions):
            scores[: len(e), s] = e
        best = scores[0].copy()
        back = np.zeros((longest, count, n), np.intp)
        for t in range(1, longest):
            candidates = best[:, :, None] + self.transition  # [sentence, before, after]
            back[t] = candidates.argmax(axis=1)
            best = np.where((t < lengths)[:, None], candidates.max(axis=1) + scores[t], best)
        label = best.argmax(axis=1)
        path = np.zeros((longest, count), np.intp)
        rows = np.arange(count)
        for t in range(longest - 1, 0, -1):
            inside = t < lengths
            path[t] = label
            label = np.where(inside, back[t, rows, label], label)
        path[0] = label
        names = self.labels
        return [[names[i] for i in path[: length, s]] for s, length in enumerate(lengths)]


class Tagger:
    """Labels token sequences with a crfsuite model file and the features it was trained on.

    A word's score vectors are cached, so a worker's memory plateaus."""

    def __init__(self, model_path: Path, features: FeatureSet) -> None:
        crfsuite = pycrfsuite.Tagger()
        crfsuite.open(str(model_path))
        self.chain = chain = LinearChain(crfsuite)
        # One cached (3, labels) array a word: its own scores, then as the word before
        # and after another.
        self.word = lru_cache(maxsize=60_000)(lambda t: np.stack((
            chain.scores(features.own_features(t)),
            chain.scores(features.context_features(t, "-1")),
            chain.scores(features.context_features(t, "+1")))))
        self.bos, self.eos = chain.scores(BOS), chain.scores(EOS)

    def emissions(self, tokens: Sequence[str]) -> np.ndarray:
        """``(tokens, labels)`` scores of one sequence: each word's own features and its
        neighbours' context features."""
        words = np.array([self.word(t) for t in tokens])
        out = words[:, 0].copy()
        out[1:] += words[:-1, 1]
        out[:-1] += words[1:, 2]
        out[0] += self.bos
        out[-1] += self.eos
        return out

    def tag(self, sequences: Sequence[Sequence[str]]) -> list[list[str]]:
        """The labels of each token of each (non-empty) sequence."""
        return self.chain.decode([self.emissions(tokens) for tokens in sequences])
