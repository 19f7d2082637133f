"""The neural tagger at extraction time: the exported ONNX graph run by onnxruntime.

`archive.ner_network` trains a character CNN + BiLSTM with a CRF on top and exports the
network to ``ner.onnx``; the vocabularies and the CRF's transition scores go to
``ner.network.json.gz``. Here the graph gives each token's label scores, for all the
sentences of an article in a few batches of like lengths, and `crf.viterbi` decodes them,
so torch is never needed at run time.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archive.entities.crf import ChainTagger, Tagger
from archive.entities.encoding import Encoder, Vocabulary, reverse_index
from archive.entities.features import FeatureSet

GRAPH_FILE = "ner.onnx"
DECODING_FILE = "ner.network.json.gz"
# Sentences per graph call: up to 64, and up to 1,024 token slots (sentences × the longest):
# enough to fill the LSTM's matrix products, while onnxruntime's arena, which keeps the
# largest call's buffers, stays small. Sentences are sorted by length first. On 1,500
# Saudi articles in one process, against 64 sentences a call: 1.5× the articles/s, RSS
# 241 against 375 MiB (2,048 slots: 258 MiB and slower; 512: level with 1,024).
_BATCH = 64
_SLOTS = 1024


@dataclass(frozen=True)
class NetworkFiles:
    """Where a trained network lives: its graph and its decoding file."""

    directory: Path

    @property
    def graph(self) -> Path:
        return Path(self.directory) / GRAPH_FILE

    @property
    def decoding(self) -> Path:
        return Path(self.directory) / DECODING_FILE


def save_decoding(files: NetworkFiles, vocabulary: Vocabulary, transition: np.ndarray,
                  start: np.ndarray, end: np.ndarray) -> None:
    """Write the vocabularies and the CRF's scores (before→after, first, last label)."""
    with gzip.open(files.decoding, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump({**vocabulary.as_dict(), "transition": transition.tolist(),
                   "start": start.tolist(), "end": end.tolist()}, fh, ensure_ascii=False)


class NetworkTagger(ChainTagger):
    """Labels token sequences with an exported network; the same ``tag`` as `crf.Tagger`."""

    def __init__(self, files: NetworkFiles, features: FeatureSet, threads: int = 1) -> None:
        import onnxruntime

        with gzip.open(files.decoding, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
        self.vocabulary = Vocabulary.from_dict(data)
        self.labels = self.vocabulary.labels
        self.transition = np.array(data["transition"], np.float64)
        self.start = np.array(data["start"], np.float64)
        self.end = np.array(data["end"], np.float64)
        self.encoder = Encoder(self.vocabulary, features)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # one per build worker: workers are the cores
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(files.graph), options,
                                                    providers=["CPUExecutionProvider"])

    def emissions(self, sequences: Sequence[Sequence[str]], lengths: np.ndarray) -> np.ndarray:
        """The ``(tokens, labels)`` scores of all sequences one after another, each one's
        first and last token's including the CRF's start and end scores."""
        starts = np.cumsum(lengths) - lengths
        out = np.zeros((int(lengths.sum()), len(self.labels)))
        order = sorted((i for i, s in enumerate(sequences) if s), key=lambda i: len(sequences[i]))
        for chunk in _chunks(order, lengths.tolist()):
            tokens, chunk_lengths = self.encoder.batch([list(sequences[i]) for i in chunk])
            scores = self.session.run(None, {"tokens": tokens, "reverse": reverse_index(
                chunk_lengths, tokens.shape[1])})[0]
            for row, i in enumerate(chunk):
                a, n = int(starts[i]), int(lengths[i])
                out[a:a + n] = scores[row, :n]
                out[a] += self.start
                out[a + n - 1] += self.end
        return out


def _chunks(order: list[int], lengths: list[int]) -> list[list[int]]:
    """``order`` (by ascending length) cut into graph calls of at most ``_BATCH``
    sequences and ``_SLOTS`` padded tokens (one longer sequence is a call of its own)."""
    out: list[list[int]] = []
    for i in order:
        if out and len(out[-1]) < _BATCH and (len(out[-1]) + 1) * lengths[i] <= _SLOTS:
            out[-1].append(i)
        else:
            out.append([i])
    return out


class EnsembleTagger(ChainTagger):
    """The CRF and the network as one linear chain: their label scores and transition
    scores added (a product of the two models), decoded once."""

    def __init__(self, crf: Tagger, network: NetworkTagger, weight: float = 1.0) -> None:
        self.crf, self.network, self.weight = crf, network, weight
        self.labels = crf.labels
        # network columns in the CRF's label order
        self.order = np.array([network.vocabulary.labels.index(x) for x in self.labels])
        self.transition = crf.transition + weight * network.transition[np.ix_(self.order,
                                                                              self.order)]

    def emissions(self, sequences: Sequence[Sequence[str]], lengths: np.ndarray) -> np.ndarray:
        """Both models' ``(tokens, labels)`` scores, added."""
        return (self.crf.emissions(sequences, lengths)
                + self.weight * self.network.emissions(sequences, lengths)[:, self.order])
