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

    def decode(self, emissions: np.ndarray, lengths: np.ndarray) -> list[list[str]]:
        """The best label sequence of each sentence: ``emissions`` holds the ``(tokens,
        labels)`` scores of all sentences one after another, ``lengths`` their lengths."""
        if not len(lengths):
            return []
        count, longest, n = len(lengths), int(lengths.max()), len(self.labels)
        starts = np.cumsum(lengths) - lengths
        sentence = np.repeat(np.arange(count), lengths)
        position = np.arange(len(emissions)) - np.repeat(starts, lengths)
        scores = np.zeros((longest, count, n))
        scores[position, sentence] = emissions
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
        names = np.array(self.labels, dtype=object)[path[position, sentence]].tolist()
        return [names[a:a + length] for a, length in zip(starts.tolist(), lengths.tolist(),
                                                          strict=True)]


class Tagger:
    """Labels token sequences with a crfsuite model file and the features it was trained on.

    Each word's scores are computed once into a table (its own features' scores, and its
    scores as the word before and after another); the table is emptied when full, so a
    worker's memory stays bounded. A first version cached one small array a word and
    stacked them per sentence; one table lookup for a whole article is faster."""

    def __init__(self, model_path: Path, features: FeatureSet, words: int = 50_000) -> None:
        crfsuite = pycrfsuite.Tagger()
        crfsuite.open(str(model_path))
        self.chain = chain = LinearChain(crfsuite)
        self.features = features
        self.rows: dict[str, int] = {}
        self.table = np.zeros((words, 3, len(chain.labels)))
        self.bos, self.eos = chain.scores(BOS), chain.scores(EOS)

    def _row(self, word: str) -> int:
        row = self.rows.get(word)
        if row is None:
            row = self.rows[word] = len(self.rows)
            chain, features = self.chain, self.features
            self.table[row] = (chain.scores(features.own_features(word)),
                               chain.scores(features.context_features(word, "-1")),
                               chain.scores(features.context_features(word, "+1")))
        return row

    def tag(self, sequences: Sequence[Sequence[str]]) -> list[list[str]]:
        """The labels of each token of each (non-empty) sequence."""
        lengths = np.array([len(s) for s in sequences], np.intp)
        total = int(lengths.sum())
        if total == 0:
            return [[] for _ in sequences]
        if len(self.rows) + total > len(self.table):
            self.rows.clear()
            if total > len(self.table):
                self.table = np.zeros((total, *self.table.shape[1:]))
        row = self._row
        words = self.table[[row(t) for s in sequences for t in s]]
        ends = np.cumsum(lengths)
        first = np.zeros(total, bool)
        first[ends - lengths] = True
        last = np.zeros(total, bool)
        last[ends - 1] = True
        out = words[:, 0].copy()
        out[1:] += np.where(first[1:, None], 0.0, words[:-1, 1])  # the word before's context
        out[:-1] += np.where(last[:-1, None], 0.0, words[1:, 2])  # the word after's
        out[first] += self.bos
        out[last] += self.eos
        return self.chain.decode(out, lengths)
