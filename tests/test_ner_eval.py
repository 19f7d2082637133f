"""The CoNLL scorer: exact token spans per kind, micro average, cross-validation folds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.ner_eval import evaluate, folds, gold_entities, read_conll, token_span

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
AQMAR = SHARED / "data" / "ner" / "aqmar" / "dev.conll"

CONLL = """\
قال\tO
أنتوني\tB-PERS
بلينكن\tI-PERS
في\tO
تل\tB-LOC
أبيب\tI-LOC
.\tO

زار\tO
ماكرون\tB-PERS
باريس\tB-LOC
و\tO
الأمم\tB-ORG
المتحدة\tI-ORG
كأس\tB-MISC
"""


@dataclass(frozen=True)
class M:
    start: int
    end: int
    kind: str


def _at(text: str, phrase: str, kind: str) -> M:
    start = text.index(phrase)
    return M(start, start + len(phrase), kind)


def fake_extractor(text: str) -> list[M]:
    """Known answers: 1 exact person, 1 partial place (wrong span), 1 wrong-kind org,
    1 correct place, 1 spurious person."""
    if text.startswith("قال"):
        return [_at(text, "أنتوني بلينكن", "person"), _at(text, "أبيب", "place")]
    return [_at(text, "باريس", "place"), _at(text, "الأمم المتحدة", "place"),
            _at(text, "زار", "person")]


def test_read_conll_and_gold(tmp_path: Path) -> None:
    path = tmp_path / "t.conll"
    path.write_text(CONLL, encoding="utf-8")
    sentences = read_conll(path)
    assert len(sentences) == 2
    assert gold_entities(sentences[0]) == {("person", 1, 2), ("place", 4, 5)}
    # MISC is ignored; an entity ends where the next B- starts.
    assert gold_entities(sentences[1]) == {("person", 1, 1), ("place", 2, 2),
                                           ("organization", 4, 5)}


def test_evaluate_known_scores(tmp_path: Path) -> None:
    path = tmp_path / "t.conll"
    path.write_text(CONLL, encoding="utf-8")
    report = evaluate(path, fake_extractor).as_dict()
    # person: tp 1 (بلينكن), fp 1 (زار), fn 1 (ماكرون) → P = R = F1 = 0.5
    assert (report["person"]["tp"], report["person"]["fp"], report["person"]["fn"]) == (1, 1, 1)
    assert report["person"]["f1"] == pytest.approx(0.5)
    # place: tp 1 (باريس), fp 2 (أبيب alone, الأمم المتحدة), fn 1 (تل أبيب)
    assert (report["place"]["tp"], report["place"]["fp"], report["place"]["fn"]) == (1, 2, 1)
    assert report["place"]["precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert report["place"]["recall"] == pytest.approx(0.5)
    assert report["organization"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0,
                                      "tp": 0, "fp": 0, "fn": 1}
    # micro: tp 2, fp 3, fn 3
    assert report["overall"]["precision"] == pytest.approx(0.4)
    assert report["overall"]["recall"] == pytest.approx(0.4)


def test_token_span_maps_partial_overlap() -> None:
    spans = [(0, 3), (4, 10), (11, 17)]
    assert token_span(spans, 5, 8) == (1, 1)
    assert token_span(spans, 4, 17) == (1, 2)
    assert token_span(spans, 3, 4) is None


def test_folds_are_contiguous_and_cover_all() -> None:
    sentences = [[(str(i), "O")] for i in range(11)]
    splits = folds(sentences, k=5)
    assert len(splits) == 5
    tests = [s for _, test in splits for s in test]
    assert tests == sentences
    for train, test in splits:
        assert len(train) + len(test) == 11
        assert not set(map(id, train)) & set(map(id, test))


@pytest.mark.shared
@pytest.mark.skipif(not AQMAR.exists(), reason="needs ../shared/data/ner (AQMAR dev)")
def test_shipped_model_on_aqmar_dev() -> None:
    # A floor well below the measured score: catches a broken model or feature drift.
    report = evaluate(AQMAR)
    assert report.kinds["place"].f1 > 0.45
    assert report.kinds["person"].f1 > 0.35
