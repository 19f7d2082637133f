"""The neural tagger: inputs, decoding, the shipped ONNX model, and training → export."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from archive.entities import Extractor, ExtractorConfig, entity_key, extractor_for
from archive.entities.crf import viterbi
from archive.entities.encoding import MAX_CHARS, UNKNOWN, Encoder, Vocabulary, reverse_index
from archive.entities.features import FeatureSet
from archive.entities.lexicon import default_lexicon
from archive.entities.network import EnsembleTagger, NetworkFiles, NetworkTagger

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_04c1b4fd56738f6d.txt"
NETWORK = ExtractorConfig(tagger="network")


def test_reverse_index_reverses_within_each_length() -> None:
    index = reverse_index(np.array([3, 1, 0]), 4)
    assert index.tolist() == [[2, 1, 0, 3], [0, 1, 2, 3], [0, 1, 2, 3]]


def test_encoder_rows_words_chars_and_features() -> None:
    features = FeatureSet(default_lexicon())
    vocabulary = Vocabulary(words=("القاهره",), chars=tuple("والقهر"), features=("nope",),
                            labels=("O", "B-PERS"))
    encoder = Encoder(vocabulary, features)
    tokens, lengths = encoder.batch([["والقاهرة", "مجهولة"], ["x"]])
    assert tokens.shape[:2] == (2, 2) and lengths.tolist() == [2, 1]
    assert tokens[0, 0, 0] == 2  # the clitic-free form is the vocabulary word
    assert tokens[0, 1, 0] == UNKNOWN
    assert tokens[0, 0, 1] == 2 + vocabulary.chars.index("و")
    assert not tokens[1, 1].any()  # padding
    assert (tokens[0, 0, 1 + MAX_CHARS:] == 0).all()  # no bagged feature in the vocabulary


def test_viterbi_finds_the_best_path_of_each_sentence() -> None:
    rng = np.random.default_rng(3)
    transition = rng.normal(size=(3, 3))
    lengths = np.array([4, 1, 3])
    emissions = rng.normal(size=(int(lengths.sum()), 3))
    got = viterbi(emissions, lengths, transition).tolist()
    start = 0
    for n in lengths.tolist():
        own = emissions[start:start + n]

        def score(path: tuple[int, ...], own: np.ndarray = own) -> float:
            return float(sum(own[i, p] for i, p in enumerate(path))
                         + sum(transition[a, b] for a, b in itertools.pairwise(path)))

        best = max(itertools.product(range(3), repeat=n), key=score)
        assert got[start:start + n] == list(best)
        start += n


@pytest.fixture(scope="module")
def network_extractor() -> Extractor:
    return Extractor(config=NETWORK)


def test_shipped_network_finds_the_seed_persons(network_extractor: Extractor) -> None:
    text = SEED.read_text(encoding="utf-8")
    persons = {m.key for m in network_extractor.extract(text) if m.kind == "person"}
    assert {entity_key("بنيامين نتنياهو"), entity_key("أنتوني بلينكن")} <= persons


def test_network_tags_every_token_and_skips_empty_input(network_extractor: Extractor) -> None:
    tagger = network_extractor.tagger
    assert isinstance(tagger, NetworkTagger)
    sequences = [["قال", "الرئيس", "الأمريكي", "جو", "بايدن"], [], ["في", "القاهرة"]]
    labels = tagger.tag(sequences)
    assert [len(x) for x in labels] == [5, 0, 2]
    assert labels[0][3:] == ["B-PERS", "I-PERS"]
    assert labels[2][1] == "B-LOC"
    assert tagger.tag([[]]) == [[]]


def test_network_is_part_of_the_fingerprint_of_the_settings_that_run_it(tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "archive" / "data", data)
    fast, accurate = (ExtractorConfig(data_dir=data),
                      ExtractorConfig(data_dir=data, tagger="ensemble"))
    before = Extractor(config=fast).fingerprint(), Extractor(config=accurate).fingerprint()
    assert before[0] != before[1]
    with open(data / "ner.onnx", "ab") as fh:  # a retrained network
        fh.write(b"\0")
    after = Extractor(config=fast).fingerprint(), Extractor(config=accurate).fingerprint()
    assert after[0] == before[0] and after[1] != before[1]
    with open(data / "ner.crfsuite", "ab") as fh:  # a retrained CRF: both are stale
        fh.write(b"\0")
    assert Extractor(config=fast).fingerprint() != after[0]
    assert Extractor(config=accurate).fingerprint() != after[1]


def test_training_exports_a_graph_that_onnxruntime_runs_alike(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="training needs the train extra (torch)")
    pytest.importorskip("torchcrf", reason="training needs the train extra (pytorch-crf)")
    from archive.ner_network import export, train

    class Vectors:  # the part of gensim's KeyedVectors that training reads
        index_to_key = ["قال", "محمد", "القاهرة", "في"]
        key_to_index = {w: i for i, w in enumerate(index_to_key)}
        vector_size = 8
        vectors = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)

        def __getitem__(self, word: str) -> np.ndarray:
            return self.vectors[self.key_to_index[word]]

    sentences = [[("قال", "O"), ("محمد", "B-PERS"), ("علي", "I-PERS"), ("في", "O"),
                  ("القاهرة", "B-LOC")], [("في", "O"), ("القاهرة", "B-LOC")]] * 20
    features = FeatureSet(default_lexicon())
    network, crf, vocabulary = train(sentences, features, Vectors(), epochs=2)
    files = NetworkFiles(tmp_path)
    export(network, crf, vocabulary, files)
    tagger = NetworkTagger(files, features)
    # Another batch size and length than the export's sample (2 × 5)
    sequences = [["قال", "محمد", "علي", "في", "القاهرة", "."], ["في", "القاهرة"], ["علي"]]
    tokens, lengths = tagger.encoder.batch(sequences)
    got = np.split(tagger.emissions(sequences, lengths), np.cumsum(lengths)[:-1])
    with torch.no_grad():
        want = network(torch.from_numpy(tokens), torch.from_numpy(
            reverse_index(lengths, tokens.shape[1]))).numpy()
    start, end = crf.start_transitions.detach().numpy(), crf.end_transitions.detach().numpy()
    for i, n in enumerate(lengths.tolist()):
        expected = want[i, :n].astype(np.float64)
        expected[0] += start
        expected[-1] += end
        np.testing.assert_allclose(got[i], expected, atol=1e-4)
    paths = crf.decode(torch.from_numpy(want), mask=torch.from_numpy(
        np.arange(tokens.shape[1])[None, :] < lengths[:, None]))
    assert tagger.tag(sequences) == [[vocabulary.labels[j] for j in p] for p in paths]


def test_accurate_setting_is_the_ensemble_of_crf_and_network() -> None:
    extractor = extractor_for("accurate")
    assert isinstance(extractor.tagger, EnsembleTagger)
    assert extractor.fingerprint() != extractor_for("fast").fingerprint()
    text = SEED.read_text(encoding="utf-8")
    persons = {m.key for m in extractor.extract(text) if m.kind == "person"}
    assert {entity_key("بنيامين نتنياهو"), entity_key("أنتوني بلينكن")} <= persons


def test_ensemble_adds_the_two_models_scores() -> None:
    """Weight 0 decodes as the CRF alone; the network's columns follow the CRF's labels."""
    crf = extractor_for("fast").tagger
    network = Extractor(config=NETWORK).tagger
    assert isinstance(network, NetworkTagger)
    sequences = [SEED.read_text(encoding="utf-8").split()[:60], ["في", "القاهرة"]]
    alone = EnsembleTagger(crf, network, weight=0.0)  # type: ignore[arg-type]
    assert alone.tag(sequences) == crf.tag(sequences)
    both = EnsembleTagger(crf, network, weight=1.0)  # type: ignore[arg-type]
    net_labels = list(network.vocabulary.labels)
    assert [net_labels[i] for i in both.order] == list(crf.labels)
    assert both.tag(sequences)[1] == ["O", "B-LOC"]


def test_word_vectors_are_trained_on_the_tagger_s_word_forms(tmp_path: Path) -> None:
    pytest.importorskip("gensim", reason="word vectors need the train extra (gensim)")
    import gzip
    import json

    from archive.entities.encoding import word_form
    from archive.ner_vectors import train_vectors

    path = tmp_path / "corpus.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i in range(40):
            fh.write(json.dumps({"title": f"خبر {i}", "body": "قال الرئيس والقاهرة "
                                 "وبيروت في القاهرة وبيروت اليوم"}, ensure_ascii=False) + "\n")
    vectors = train_vectors([path], dims=8, epochs=2, min_count=2, workers=1)
    assert word_form("والقاهرة") == word_form("القاهرة") in vectors.key_to_index
    assert "والقاهرة" not in vectors.key_to_index  # clitics are not words of their own
    assert vectors.vector_size == 8


def test_graph_calls_are_bounded_in_sentences_and_padded_tokens() -> None:
    from archive.entities import network

    lengths = [3] * 200 + [40] * 30 + [2000]
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    chunks = network._chunks(order, lengths)
    assert sorted(i for c in chunks for i in c) == list(range(len(lengths)))
    for chunk in chunks:
        assert len(chunk) <= network._BATCH
        assert len(chunk) == 1 or len(chunk) * max(lengths[i] for i in chunk) <= network._SLOTS
    assert [2000] in [[lengths[i] for i in c] for c in chunks]  # a long one goes alone


@pytest.mark.parametrize("text", ["", "   \n\n", "!!!", "hello world", "قال " * 5000,
                                  "x" * 10_000])
def test_accurate_setting_takes_any_text(text: str) -> None:
    assert extractor_for("accurate").extract(text) == []
