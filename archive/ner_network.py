"""Train the neural entity tagger (character CNN + BiLSTM + CRF) and export it to ONNX.

    python -m archive.ner_vectors             # word vectors on the archive corpus (once)
    python -m archive.ner_network build       # → archive/data/ner.onnx, ner.network.json.gz
    python -m archive.ner_network cv          # 5-fold cross-validation on ANERcorp train

Needs the ``train`` extra (torch, pytorch-crf, onnx, gensim); extraction runs the exported
graph with onnxruntime (`archive.entities.network`). A token's inputs are its word vector
(trained here, fine-tuned), a CNN over its characters and an embedded bag of the CRF's
own-features (gazetteers, registry name lists, clusters, corpus hints): `encoding`.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np
import torch
from torch import nn
from torchcrf import CRF

from archive.entities.config import DATA_DIR, MODEL_FILE, ExtractorConfig
from archive.entities.crf import Tagger
from archive.entities.encoding import (
    MAX_CHARS,
    WIDTH,
    Encoder,
    Vocabulary,
    bag,
    reverse_index,
)
from archive.entities.extractor import Extractor
from archive.entities.features import FeatureSet
from archive.entities.lexicon import lexicon_for
from archive.entities.network import NetworkFiles, NetworkTagger, save_decoding
from archive.ner_eval import Report, Sentence, folds, read_conll, score_sentences
from archive.ner_silver import sample_texts, silver
from archive.ner_train import ANERCORP, CORPUS
from archive.ner_train import train as crf_train
from archive.ner_vectors import VECTORS


class Network(nn.Module):
    """Emission scores of each token for each label; the CRF on top is decoded outside."""

    def __init__(self, vectors: np.ndarray, chars: int, features: int, labels: int,
                 char_dim: int = 32, char_filters: int = 64, feature_dim: int = 48,
                 hidden: int = 128, dropout: float = 0.5) -> None:
        super().__init__()
        self.words = nn.Embedding.from_pretrained(torch.tensor(vectors, dtype=torch.float32),
                                                  freeze=False, padding_idx=0)
        self.chars = nn.Embedding(chars, char_dim, padding_idx=0)
        self.conv = nn.Conv1d(char_dim, char_filters, 3, padding=1)
        self.features = nn.Embedding(features, feature_dim, padding_idx=0)
        width = vectors.shape[1] + char_filters + feature_dim
        self.forward_lstm = nn.LSTM(width, hidden, batch_first=True)
        self.backward_lstm = nn.LSTM(width, hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden, labels)

    def forward(self, tokens: torch.Tensor, reverse: torch.Tensor) -> torch.Tensor:
        batch, steps = tokens.shape[0], tokens.shape[1]
        words = self.words(tokens[:, :, 0])
        chars = self.chars(tokens[:, :, 1:1 + MAX_CHARS]).reshape(batch * steps, MAX_CHARS, -1)
        chars = torch.relu(self.conv(chars.transpose(1, 2))).max(dim=2).values
        bagged = self.features(tokens[:, :, 1 + MAX_CHARS:]).sum(dim=2)
        x = self.dropout(torch.cat([words, chars.reshape(batch, steps, -1), bagged], dim=2))
        ahead = self.forward_lstm(x)[0]
        back_in = torch.gather(x, 1, reverse.unsqueeze(2).expand(-1, -1, x.shape[2]))
        back = self.backward_lstm(back_in)[0]
        back = torch.gather(back, 1, reverse.unsqueeze(2).expand(-1, -1, back.shape[2]))
        return self.out(self.dropout(torch.cat([ahead, back], dim=2)))


def vocabulary(sentences: Sequence[Sentence], features: FeatureSet, vectors,
               max_words: int = 50_000) -> Vocabulary:
    """Words: the ``max_words`` most frequent with a vector plus the training words; chars
    and bagged features seen twice in training; labels of the training data."""
    tokens = [t for s in sentences for t, _ in s]
    words = list(vectors.index_to_key[:max_words])
    known = set(words)
    words += sorted({b for t in tokens if (b := features.lexical(t)[1]) not in known})
    chars = Counter(c for t in tokens for c in features.lexical(t)[0][:MAX_CHARS])
    bags = Counter(f for t in tokens for f in bag(features, t))
    labels = sorted({tag for s in sentences for _, tag in s})
    return Vocabulary(tuple(words), tuple(sorted(c for c, n in chars.items() if n > 1)),
                      tuple(sorted(f for f, n in bags.items() if n > 1)), tuple(labels))


def initial_vectors(vocab: Vocabulary, vectors) -> np.ndarray:
    """Rows for pad, unknown and each vocabulary word: its trained vector, else small noise."""
    rng = np.random.default_rng(0)
    dims = vectors.vector_size
    scale = float(np.std(vectors.vectors))
    out = rng.normal(0, scale, (len(vocab.words) + 2, dims)).astype(np.float32)
    out[0] = 0
    for i, word in enumerate(vocab.words, 2):
        if word in vectors.key_to_index:
            out[i] = vectors[word]
    return out


def _tensors(encoder: Encoder, label_id: dict[str, int], batch: Sequence[Sentence]
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    tokens, lengths = encoder.batch([[t for t, _ in s] for s in batch])
    tags = np.zeros(tokens.shape[:2], np.int64)
    for i, s in enumerate(batch):
        tags[i, :len(s)] = [label_id[tag] for _, tag in s]
    mask = np.arange(tokens.shape[1])[None, :] < lengths[:, None]
    return (torch.from_numpy(tokens), torch.from_numpy(reverse_index(lengths, tokens.shape[1])),
            torch.from_numpy(tags), torch.from_numpy(mask))


def train(sentences: Sequence[Sentence], features: FeatureSet, vectors,
          epochs: int = 20, batch_size: int = 32, seed: int = 1,
          word_dropout: float = 0.1,
          **shape: float) -> tuple[Network, CRF, Vocabulary]:
    """Train network and CRF jointly (Adam, CRF negative log-likelihood); ``shape``: the
    `Network`'s sizes; ``word_dropout``: the share of training words seen as unknown."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    vocab = vocabulary(sentences, features, vectors)
    encoder = Encoder(vocab, features)
    label_id = {label: i for i, label in enumerate(vocab.labels)}
    network = Network(initial_vectors(vocab, vectors), len(vocab.chars) + 2,
                      len(vocab.features) + 2, len(vocab.labels), **shape)  # type: ignore[arg-type]
    crf = CRF(len(vocab.labels), batch_first=True)
    optimiser = torch.optim.Adam([*network.parameters(), *crf.parameters()], lr=1e-3)
    ordered = sorted(sentences, key=len)  # batches of like lengths: little padding
    batches = [ordered[i:i + batch_size] for i in range(0, len(ordered), batch_size)]
    for epoch in range(epochs):
        network.train()
        rng.shuffle(batches)
        started, total = time.time(), 0.0
        for batch in batches:
            tokens, reverse, tags, mask = _tensors(encoder, label_id, batch)
            if word_dropout:
                drop = (torch.rand(tokens.shape[:2]) < word_dropout) & (tokens[:, :, 0] > 1)
                tokens[:, :, 0][drop] = 1  # UNKNOWN
            loss = -crf(network(tokens, reverse), tags, mask=mask, reduction="mean")
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_([*network.parameters(), *crf.parameters()], 5.0)
            optimiser.step()
            total += float(loss.detach())
        print(f"epoch {epoch + 1}: loss {total / len(batches):.3f} "
              f"({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
    network.eval()
    return network, crf, vocab


def self_train(gold: Sequence[Sentence], features: FeatureSet, teacher_crf: Path,
               teacher: NetworkFiles, texts: Sequence[str], student_crf: Path) -> int:
    """Train a CRF on ``gold`` plus the silver sentences of ``texts`` (those that the
    ``teacher_crf``, the ``teacher`` network and their ensemble label alike) and write it
    to ``student_crf``; the number of silver sentences. (A network trained likewise cost
    the ensemble person F1 on folds 1-2: it learns the teachers' person errors back.)"""
    extra = silver(Tagger(teacher_crf, features), NetworkTagger(teacher, features), texts)
    print(f"silver: {len(extra)} sentences beside {len(gold)} gold", file=sys.stderr)
    crf_train([*gold, *extra], student_crf, features)
    return len(extra)


def export(network: Network, crf: CRF, vocab: Vocabulary, files: NetworkFiles,
           quantize: bool = False) -> None:
    """Write the ONNX graph (dynamic batch and length) and vocabulary + CRF weights;
    ``quantize``: weights as int8 (onnxruntime's dynamic quantisation: a quarter of the
    size; AQMAR dev F1 within 0.003 of float weights, the same speed)."""
    network.eval()
    tokens = torch.zeros((2, 5, WIDTH), dtype=torch.int64)
    reverse = torch.from_numpy(reverse_index(np.array([5, 3]), 5))
    torch.onnx.export(network, (tokens, reverse), str(files.graph), dynamo=False,
                      input_names=["tokens", "reverse"], output_names=["emissions"],
                      dynamic_axes={"tokens": {0: "batch", 1: "steps"},
                                    "reverse": {0: "batch", 1: "steps"},
                                    "emissions": {0: "batch", 1: "steps"}},
                      opset_version=17)
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(files.graph), str(files.graph), weight_type=QuantType.QInt8)
    save_decoding(files, vocab, crf.transitions.detach().numpy(),
                  crf.start_transitions.detach().numpy(), crf.end_transitions.detach().numpy())


def _load_vectors(path: Path):
    from gensim.models import KeyedVectors

    if not path.exists():
        raise click.ClickException(f"{path}: no word vectors; run python -m archive.ner_vectors")
    return KeyedVectors.load(str(path))


@click.group()
def main() -> None:
    """Train and export the neural entity tagger."""
    torch.set_num_threads(2)


_SILVER_HELP = ("Archive articles labelled for self-training (0: gold only): "
                "an equal share from each corpus file.")


@main.command("build")
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=ANERCORP)
@click.option("--vectors", type=click.Path(path_type=Path), default=VECTORS)
@click.option("--epochs", type=int, default=20)
@click.option("--silver", "articles", type=int, default=2000, help=_SILVER_HELP)
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=CORPUS)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DATA_DIR)
def build_cmd(data: Path, vectors: Path, epochs: int, articles: int, corpus: Path,
              out: Path) -> None:
    """Train the network on all of a CoNLL file (default ANERcorp train) and export it to
    ``--out``; with ``--silver``, also train a CRF on that file, let the two label
    archive articles from ``--corpus``, and train the shipped CRF (``ner.crfsuite``) on
    the gold plus the sentences they agree on."""
    config = ExtractorConfig()
    features = FeatureSet(lexicon_for(config))
    kv = _load_vectors(vectors)
    gold = read_conll(data)
    files = NetworkFiles(out)
    export(*train(gold, features, kv, epochs), files, quantize=True)
    if articles:
        texts = sample_texts(sorted(corpus.glob("*.jsonl.gz")), articles)
        with tempfile.TemporaryDirectory() as tmp:
            teacher_crf = crf_train(gold, Path(tmp) / MODEL_FILE, features)
            self_train(gold, features, teacher_crf, files, texts, out / MODEL_FILE)
    click.echo(f"wrote {files.graph} ({files.graph.stat().st_size:,} bytes), {files.decoding}")


@main.command("cv")
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=ANERCORP)
@click.option("--vectors", type=click.Path(path_type=Path), default=VECTORS)
@click.option("-k", type=int, default=5)
@click.option("--folds", "only", type=str, default="", help="Comma-separated fold numbers.")
@click.option("--epochs", type=int, default=20)
@click.option("--weights", type=str, default="1", help="Ensemble weights of the network.")
@click.option("--silver", "articles", type=int, default=2000, help=_SILVER_HELP)
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=CORPUS)
@click.option("--models", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep each fold's models in DIR/fold-N, and reuse those already there "
                   "(to score changed post-rules without training again).")
def cv_cmd(data: Path, vectors: Path, k: int, only: str, epochs: int, weights: str,
           articles: int, corpus: Path, models: Path | None) -> None:
    """k-fold cross-validation through the whole extractor (post-rules included): the CRF,
    the network and their ensemble, each trained on the same folds; with ``--silver``,
    also the CRF self-trained with those two as teachers, alone and with the network
    (``+silver``)."""
    lexicon = lexicon_for(ExtractorConfig())
    features = FeatureSet(lexicon)
    kv = _load_vectors(vectors)
    chosen = {int(i) for i in only.split(",") if i}
    texts = sample_texts(sorted(corpus.glob("*.jsonl.gz")), articles) if articles else []
    settings = {"crf": {"tagger": "crf"}, "network": {"tagger": "network"},
                **{f"ensemble {w}": {"tagger": "ensemble", "ensemble_weight": float(w)}
                   for w in weights.split(",")}}
    names = [*settings, *(f"{n} +silver" for n in settings if texts and n != "network")]
    pooled = {name: Report() for name in names}
    for number, (train_part, test_part) in enumerate(folds(read_conll(data), k), 1):
        if chosen and number not in chosen:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            where = models / f"fold-{number}" if models else Path(tmp)
            where.mkdir(parents=True, exist_ok=True)
            network = NetworkFiles(where)
            runs = {"": where / MODEL_FILE}  # suffix → the CRF's file
            if not runs[""].exists():
                crf_train(train_part, runs[""], features)
            if not network.graph.exists():
                export(*train(train_part, features, kv, epochs), network)
            if texts:
                runs[" +silver"] = where / f"silver-{MODEL_FILE}"
                if not runs[" +silver"].exists():
                    self_train(train_part, features, runs[""], network, texts,
                               runs[" +silver"])
            for suffix, crf_path in runs.items():
                for name, options in settings.items():
                    if suffix and name == "network":
                        continue  # the same network in both runs
                    config = ExtractorConfig(data_dir=DATA_DIR, model_file=crf_path,
                                             network_dir=network.directory,
                                             **options)  # type: ignore[arg-type]
                    report = score_sentences(test_part, Extractor(config=config,
                                                                  lexicon=lexicon).extract)
                    pooled[name + suffix].add(report)
                    print(f"fold {number} {name}{suffix}: " + json.dumps(
                        {k: round(s.f1, 3) for k, s in report.kinds.items()}),
                        file=sys.stderr, flush=True)
    for name, report in pooled.items():
        click.echo(f"{name}\n{report.table()}\n")


if __name__ == "__main__":
    main()
