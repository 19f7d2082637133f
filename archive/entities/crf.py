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
        # One more row, all zeros, so that a sum over no known feature is a sum over it.
        self.zero = len(self.attribute_id)
        self.state = np.zeros((self.zero + 1, len(self.labels)), np.float64)
        self.state[rows, cols] = weights
        self.transition = np.zeros((len(self.labels), len(self.labels)), np.float64)
        for (before, after), weight in info.transitions.items():
            self.transition[label_id[before], label_id[after]] = weight

    def scores(self, features: Iterable[str]) -> np.ndarray:
        """Per-label score of a set of features (unknown ones weigh nothing)."""
        ids = [i for f in features if (i := self.attribute_id.get(f)) is not None]
        return self.state[ids].sum(axis=0)


def viterbi(emissions: np.ndarray, lengths: np.ndarray, transition: np.ndarray) -> np.ndarray:
    """The best label id of each token: ``emissions`` holds the ``(tokens, labels)`` scores
    of all sentences one after another, ``lengths`` their lengths, ``transition`` the
    ``(before, after)`` scores.

    Sentences are decoded longest first, so at each position the ones still running
    are a prefix of the batch: slices instead of masks."""
    if not len(lengths):
        return np.zeros(0, np.intp)
    order = np.argsort(-lengths, kind="stable")
    longest, count, n = int(lengths[order[0]]), len(lengths), transition.shape[0]
    starts = np.cumsum(lengths) - lengths
    # running[t]: how many sentences (longest first) have a position t
    running = np.searchsorted(-lengths[order], -np.arange(longest))
    sentence = np.repeat(np.argsort(order), lengths)  # rank of each token's sentence
    position = np.arange(len(emissions)) - np.repeat(starts, lengths)
    scores = np.zeros((longest, count, n))
    scores[position, sentence] = emissions
    best = scores[0].copy()
    back = np.zeros((longest, count, n), np.intp)
    for t in range(1, longest):
        k = running[t]
        candidates = best[:k, :, None] + transition  # [sentence, before, after]
        back[t, :k] = candidates.argmax(axis=1)
        best[:k] = candidates.max(axis=1) + scores[t, :k]
    label = best.argmax(axis=1)
    path = np.zeros((longest, count), np.intp)
    for t in range(longest - 1, 0, -1):
        k = running[t]
        path[t, :k] = label[:k]
        label[:k] = back[t, np.arange(k), label[:k]]
    path[0] = label
    return path[position, sentence]


def label_names(ids: np.ndarray, lengths: np.ndarray, labels: Sequence[str]
                ) -> list[list[str]]:
    """Label ids of concatenated sentences → one list of label names per sentence."""
    names = np.array(labels, dtype=object)[ids].tolist()
    starts = np.cumsum(lengths) - lengths
    return [names[a:a + n] for a, n in zip(starts.tolist(), lengths.tolist(), strict=True)]


class ChainTagger:
    """A tagger whose label scores decode as one linear chain: a subclass gives each
    token's ``emissions``, the ``transition`` scores and the ``labels``."""

    labels: Sequence[str]
    transition: np.ndarray

    def emissions(self, sequences: Sequence[Sequence[str]], lengths: np.ndarray) -> np.ndarray:
        """The ``(tokens, labels)`` scores of all sequences one after another."""
        raise NotImplementedError

    def tag(self, sequences: Sequence[Sequence[str]]) -> list[list[str]]:
        """The labels of each token of each sequence."""
        lengths = np.array([len(s) for s in sequences], np.intp)
        if not lengths.sum():
            return [[] for _ in sequences]
        emissions = self.emissions(sequences, lengths)
        return label_names(viterbi(emissions, lengths, self.transition), lengths, self.labels)


class Tagger(ChainTagger):
    """Labels token sequences with a crfsuite model file and the features it was trained on.

    Each word's scores are computed once into a table (its own features' scores, and its
    scores as the word before and after another), the new words of an article together. A
    full table keeps the half of its words used most recently, so a worker's memory stays
    bounded while the frequent words stay: on 8,000 news articles an emptied 50k-word table
    missed 255k times, a least-recently-used one 164k times (any size: 120k)."""

    def __init__(self, model_path: Path, features: FeatureSet, words: int = 50_000) -> None:
        crfsuite = pycrfsuite.Tagger()
        crfsuite.open(str(model_path))
        self.chain = chain = LinearChain(crfsuite)
        self.labels, self.transition = chain.labels, chain.transition
        self.features = features
        self.rows: dict[str, int] = {}
        self.words: list[str] = []  # row → word
        self.table = np.zeros((words, 3, len(chain.labels)))
        self.used = np.zeros(words, np.int64)  # row → the call that last read it
        self.calls = 0
        self.bos, self.eos = chain.scores(BOS), chain.scores(EOS)

    def _add(self, words: list[str]) -> None:
        """Score ``words`` (not in the table yet) into new rows, with one numpy sum."""
        features, attribute_id = self.features, self.chain.attribute_id
        zero = self.chain.zero  # every view's sum starts with this zero row
        ids: list[int] = []
        starts: list[int] = []
        for word in words:
            for view in (features.own_features(word), features.context_features(word, "-1"),
                         features.context_features(word, "+1")):
                starts.append(len(ids))
                ids.append(zero)
                ids += [i for f in view if (i := attribute_id.get(f)) is not None]
        first = len(self.words)
        sums = np.add.reduceat(self.chain.state[ids], starts)
        self.table[first:first + len(words)] = sums.reshape(len(words), 3, -1)
        self.rows.update(zip(words, range(first, first + len(words)), strict=True))
        self.words += words

    def _make_room(self, needed: int, current: int) -> None:
        """Free at least ``needed`` rows for a call that reads ``current`` distinct words:
        keep the most recently used half of the table (the call's words among them), or
        grow the table for a huge article."""
        if current > len(self.table) // 2:
            grown = len(self.words) + needed
            self.table = np.concatenate([self.table, np.zeros((grown - len(self.table),
                                                               *self.table.shape[1:]))])
            self.used = np.concatenate([self.used, np.zeros(grown - len(self.used), np.int64)])
            return
        used = self.used[:len(self.words)]
        keep = np.sort(np.argsort(-used, kind="stable")[:len(self.table) // 2])
        self.table[:len(keep)] = self.table[keep]
        self.used[:len(keep)] = used[keep]
        self.words = [self.words[i] for i in keep.tolist()]
        self.rows = {word: row for row, word in enumerate(self.words)}

    def emissions(self, sequences: Sequence[Sequence[str]], lengths: np.ndarray) -> np.ndarray:
        """The ``(tokens, labels)`` state scores of all sequences one after another."""
        total = int(lengths.sum())
        self.calls += 1
        tokens = [t for s in sequences for t in s]
        rows = self.rows
        distinct = dict.fromkeys(tokens)
        new = [w for w in distinct if w not in rows]
        if len(self.words) + len(new) > len(self.table):
            self.used[[rows[w] for w in distinct if w in rows]] = self.calls
            self._make_room(len(new), len(distinct))
            rows = self.rows
        if new:
            self._add(new)
        index = [rows[t] for t in tokens]
        self.used[index] = self.calls
        words = self.table[index]
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
        return out
