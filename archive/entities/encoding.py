"""Tokens → the neural tagger's integer inputs, shared by training and extraction.

A token is three things to the network: its word form (normalised, clitic-free; the
word-vector vocabulary), the characters of its normalised spelling (for the character
CNN), and the bag of its CRF own-features other than the word itself (gazetteer and
name-list codes, corpus hints, clusters, affixes: `FeatureSet.own_features`), so both
taggers see the same resources. The vocabularies are saved beside the model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import cache

import numpy as np

from archive.entities.features import FeatureSet
from archive.entities.lexicon import default_lexicon

PAD, UNKNOWN = 0, 1
MAX_CHARS = 20
MAX_FEATURES = 24
WIDTH = 1 + MAX_CHARS + MAX_FEATURES  # a token's row
# Own-features that are the word itself (the word vector stands for them) or constant.
_NOT_BAGGED = ("b", "w=", "s=")


@cache
def _default_features() -> FeatureSet:
    return FeatureSet(default_lexicon())


def word_form(token: str) -> str:
    """The form a word vector is looked up by: normalised, clitic-free."""
    return _default_features().lexical(token)[1]


def bag(features: FeatureSet, token: str) -> list[str]:
    """The token's feature strings that the network embeds as a bag."""
    return [f for f in features.own_features(token) if not f.startswith(_NOT_BAGGED)]


@dataclass(frozen=True)
class Vocabulary:
    """Index of each word form, character, bagged feature and label (0 pad, 1 unknown)."""

    words: tuple[str, ...]
    chars: tuple[str, ...]
    features: tuple[str, ...]
    labels: tuple[str, ...]

    def as_dict(self) -> dict[str, tuple[str, ...]]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, list[str]]) -> Vocabulary:
        return cls(**{f.name: tuple(data[f.name]) for f in fields(cls)})


class Encoder:
    """Token → ``(word id, char ids[MAX_CHARS], feature ids[MAX_FEATURES])``: each distinct
    token is encoded once into a row of a table (emptied when full, so a worker's memory
    stays bounded), and a batch is one gather from it."""

    def __init__(self, vocabulary: Vocabulary, features: FeatureSet,
                 capacity: int = 100_000) -> None:
        self.vocabulary = vocabulary
        self.features = features
        self.word_id = {w: i for i, w in enumerate(vocabulary.words, 2)}
        self.char_id = {c: i for i, c in enumerate(vocabulary.chars, 2)}
        self.feature_id = {f: i for i, f in enumerate(vocabulary.features, 2)}
        self.table = np.zeros((capacity, WIDTH), np.int32)
        self.rows: dict[str, int] = {}

    def encode(self, token: str) -> list[int]:
        """One row: word id, then char ids, then feature ids (zero-padded)."""
        norm, bare, _ = self.features.lexical(token)
        chars = [self.char_id.get(c, UNKNOWN) for c in norm[:MAX_CHARS]]
        bagged = [i for f in bag(self.features, token) if (i := self.feature_id.get(f))]
        bagged = bagged[:MAX_FEATURES]
        return ([self.word_id.get(bare, UNKNOWN)] + chars + [PAD] * (MAX_CHARS - len(chars))
                + bagged + [PAD] * (MAX_FEATURES - len(bagged)))

    def batch(self, sequences: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """``(tokens [B, T, WIDTH], lengths [B])``, right-padded with zeros."""
        lengths = np.array([len(s) for s in sequences], np.int64)
        tokens = [t for s in sequences for t in s]
        rows = self.rows
        new = [t for t in dict.fromkeys(tokens) if t not in rows]
        if len(rows) + len(new) > len(self.table):
            rows.clear()
            new = list(dict.fromkeys(tokens))
            if len(new) > len(self.table):
                self.table = np.zeros((len(new), WIDTH), np.int32)
        if new:
            first = len(rows)
            self.table[first:first + len(new)] = [self.encode(t) for t in new]
            rows.update(zip(new, range(first, first + len(new)), strict=True))
        longest = int(lengths.max()) if len(lengths) else 0
        out = np.zeros((len(sequences), longest, WIDTH), np.int64)
        sequence = np.repeat(np.arange(len(sequences)), lengths)
        position = np.arange(len(tokens)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        out[sequence, position] = self.table[[rows[t] for t in tokens]]
        return out, lengths


def reverse_index(lengths: np.ndarray, longest: int) -> np.ndarray:
    """``[B, T]`` positions reversing each sequence within its length (padding stays put):
    the backward LSTM runs forward over reversed sequences, so padding never reaches a
    real token's state."""
    t = np.arange(longest)[None, :]
    n = lengths[:, None]
    return np.where(t < n, n - 1 - t, t).astype(np.int64)
