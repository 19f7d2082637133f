"""The numpy decoder labels exactly as crfsuite's own tagger does with the shipped model."""

from __future__ import annotations

import numpy as np
import pycrfsuite
import pytest

from archive.entities import default_extractor
from archive.entities.crf import Tagger
from archive.entities.extractor import _LINE, _sequences
from archive.entities.features import TOKEN_PATTERN, FeatureSet
from tests.helpers import SEED

TEXTS = [
    SEED.read_text(encoding="utf-8"),
    "قال الرئيس الأمريكي دونالد ترامب في واشنطن إن وزير الخارجية أنتوني بلينكن سيزور القاهرة.",
    "التقى رئيس الوزراء الإسرائيلي بنيامين نتنياهو بالرئيس الروسي فلاديمير بوتين في موسكو",
    "أعلنت منظمة الصحة العالمية . وقالت الأمم المتحدة ! ثم ماذا ؟ لا شيء",
    "بيروت",
]


def _sentences(text: str) -> list[list[str]]:
    out = []
    for line in _LINE.finditer(text):
        toks = [m.group() for m in TOKEN_PATTERN.finditer(line.group())]
        out.extend(toks[lo:hi] for lo, hi in _sequences(toks))
    return out


@pytest.fixture(scope="module")
def taggers() -> tuple[Tagger, pycrfsuite.Tagger, FeatureSet]:
    extractor = default_extractor()
    features = FeatureSet(extractor.lexicon, extractor.clitics)
    reference = pycrfsuite.Tagger()
    reference.open(str(extractor.model_path))
    return Tagger(extractor.model_path, features), reference, features


def test_labels_match_crfsuite(taggers) -> None:
    ours, reference, features = taggers
    sentences = [s for text in TEXTS for s in _sentences(text)]
    assert len(sentences) > 10
    expected = [reference.tag([list(f) for f in features.sentence(s)]) for s in sentences]
    assert ours.tag(sentences) == expected
    # one at a time and all together agree (padding does not leak between sentences)
    assert [ours.tag([s])[0] for s in sentences] == expected
    assert any(label != "O" for labels in expected for label in labels)


def test_unknown_features_weigh_nothing(taggers) -> None:
    chain = taggers[0].chain
    assert np.array_equal(chain.scores(["no-such-feature"]), np.zeros(len(chain.labels)))
    assert taggers[0].tag([]) == []


def test_ragged_batches_match_crfsuite(taggers) -> None:
    """Sentences of every length from 1 up, decoded in one batch: each ends where it ends."""
    ours, reference, features = taggers
    words = [w for s in _sentences(TEXTS[0]) for w in s]
    sentences = [words[i:i + n] for i, n in enumerate(range(1, 40))]
    expected = [reference.tag([list(f) for f in features.sentence(s)]) for s in sentences]
    assert ours.tag(sentences) == expected
    assert ours.tag(sentences[::-1]) == expected[::-1]


def test_small_table_evicts_and_grows_without_changing_labels(taggers) -> None:
    """A table far smaller than the vocabulary: rows are evicted and reused, and an
    article with more distinct words than the table holds grows it; labels never change."""
    _, reference, features = taggers
    extractor = default_extractor()
    sentences = [s for text in TEXTS for s in _sentences(text)]
    size = 2 * max(len(set(s)) for s in sentences)  # any one sentence fits in half
    assert len({w for s in sentences for w in s}) > 2 * size
    small = Tagger(extractor.model_path, features, words=size)
    expected = [reference.tag([list(f) for f in features.sentence(s)]) for s in sentences]
    assert [small.tag([s])[0] for s in sentences] == expected
    assert len(small.table) == size and len(small.rows) <= size
    assert small.tag(sentences) == expected
    assert len(small.table) > size
    assert [small.tag([s])[0] for s in sentences[::-1]] == expected[::-1]
