"""Self-training data: archive sentences the CRF, the network and their ensemble agree on."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from archive.entities import Extractor, ExtractorConfig, extractor_for
from archive.entities.crf import Tagger
from archive.entities.extractor import sentences
from archive.entities.network import EnsembleTagger, NetworkTagger
from archive.ner_silver import sample_texts, silver

ROOT = Path(__file__).resolve().parents[1]
SEED = (ROOT / "seeds" / "000_04c1b4fd56738f6d.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def taggers() -> tuple[Tagger, NetworkTagger]:
    crf = extractor_for("fast").tagger
    network = Extractor(config=ExtractorConfig(tagger="network")).tagger
    assert isinstance(crf, Tagger) and isinstance(network, NetworkTagger)
    return crf, network


def test_silver_keeps_exactly_the_sentences_all_three_taggers_label_alike(
        taggers: tuple[Tagger, NetworkTagger]) -> None:
    crf, network = taggers
    candidates = [s for s in sentences(SEED) if 5 <= len(s) <= 60]
    ensemble = EnsembleTagger(crf, network)
    agreed = [list(zip(s, a, strict=True)) for s, a, b, c in zip(
        candidates, crf.tag(candidates), network.tag(candidates), ensemble.tag(candidates),
        strict=True) if a == b == c]
    assert 0 < len(agreed) < len(candidates)  # the seed has a sentence they disagree on
    assert silver(crf, network, [SEED, "قال محمد ."], plain_share=1.0) == agreed


def test_silver_keeps_a_share_of_the_sentences_without_entities(
        taggers: tuple[Tagger, NetworkTagger]) -> None:
    crf, network = taggers
    plain = "ذهب الرجل إلى السوق صباح اليوم واشترى الخبز والحليب ثم عاد إلى البيت ."
    texts = [SEED, *[plain] * 30]
    kept = silver(crf, network, texts, plain_share=0.0)
    assert kept and all(any(tag != "O" for _, tag in s) for s in kept)
    some = silver(crf, network, texts, plain_share=0.5)
    without = [s for s in some if all(tag == "O" for _, tag in s)]
    assert 5 <= len(without) <= 25  # about half of the 30 plain sentences


def test_sample_texts_draws_an_equal_share_from_each_file(tmp_path: Path) -> None:
    paths = []
    for name, count in (("a", 10), ("b", 30)):
        path = tmp_path / f"{name}.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            for i in range(count):
                fh.write(json.dumps({"title": f"{name}{i}", "body": "نص"}) + "\n")
        paths.append(path)
    texts = sample_texts(paths, 8)
    assert sorted(t[0] for t in texts) == ["a"] * 4 + ["b"] * 4
    assert all(t.endswith("\nنص") for t in texts)
    assert texts == sample_texts(paths, 8) != sample_texts(paths, 8, seed=8)


def test_self_training_adds_the_silver_sentences_to_the_crf(
        taggers: tuple[Tagger, NetworkTagger], tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="training needs the train extra (torch)")
    pytest.importorskip("torchcrf", reason="training needs the train extra (pytorch-crf)")
    from archive.entities.features import FeatureSet
    from archive.entities.lexicon import default_lexicon
    from archive.entities.network import NetworkFiles
    from archive.ner_network import self_train

    gold = [[("قال", "O"), ("محمد", "B-PERS"), ("في", "O"), ("القاهرة", "B-LOC")]] * 10
    features = FeatureSet(default_lexicon())
    shipped = ExtractorConfig()
    student = tmp_path / "student.crfsuite"
    count = self_train(gold, features, shipped.model_path, NetworkFiles(shipped.network_path),
                       [SEED], student)
    kept = silver(*taggers, [SEED])
    assert count == len(kept) > 0
    # Labels that only the silver sentences hold reached the student.
    assert "I-PERS" in {tag for s in kept for _, tag in s}
    assert "I-PERS" in Tagger(student, features).labels
