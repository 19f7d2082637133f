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
