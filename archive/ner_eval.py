"""Score an entity extractor on CoNLL files (token<TAB>tag, blank line between sentences).

Each sentence is rebuilt as its tokens joined by single spaces; the extractor runs on that
text; a predicted mention is mapped to the whitespace tokens it overlaps, and counts as
correct when its kind and token span equal a gold entity's exactly (MISC is ignored).

    python -m archive.ner_eval ../shared/data/ner/aqmar/dev.conll
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.kinds import ENTITY_KINDS, EntityKind

# Gold tags scored, by their exact CoNLL tag (PERS, LOC, ORG); MISC is ignored.
_KIND_OF_TAG = {kind.tag: kind for kind in ENTITY_KINDS}

Sentence = list[tuple[str, str]]  # (token, tag)


def read_conll(path: str | Path) -> list[Sentence]:
    """Sentences of a CoNLL file as lists of ``(token, tag)``."""
    sentences: list[Sentence] = []
    current: Sentence = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                if current:
                    sentences.append(current)
                    current = []
                continue
            token, _, tag = line.rpartition("\t") if "\t" in line else line.rpartition(" ")
            current.append((token.strip(), tag.strip() or "O"))
    if current:
        sentences.append(current)
    return sentences


def sentence_text(sentence: Sentence) -> tuple[str, list[tuple[int, int]]]:
    """The sentence as text (tokens joined by one space) and each token's char span."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for token, _ in sentence:
        spans.append((pos, pos + len(token)))
        pos += len(token) + 1
    return " ".join(token for token, _ in sentence), spans


def gold_entities(sentence: Sentence) -> set[tuple[EntityKind, int, int]]:
    """``(kind, first token, last token)`` of gold PERS/LOC/ORG entities (BIO, lenient I-)."""
    out: set[tuple[EntityKind, int, int]] = set()
    label_of_run, start = None, -1
    for i, (_, tag) in enumerate([*sentence, ("", "O")]):
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and label == label_of_run
        if label_of_run is not None and not continues:
            kind = _KIND_OF_TAG.get(label_of_run)
            if kind is not None:
                out.add((kind, start, i - 1))
            label_of_run = None
        if prefix in ("B", "I") and not continues:
            label_of_run, start = label, i
    return out


def token_span(spans: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """First and last token overlapping the character range ``[start, end)``."""
    hit = [i for i, (a, b) in enumerate(spans) if a < end and start < b]
    return (hit[0], hit[-1]) if hit else None


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Report:
    """Per-kind scores plus the micro average over all kinds."""

    kinds: dict[EntityKind, Score] = field(
        default_factory=lambda: {k: Score() for k in ENTITY_KINDS})

    @property
    def overall(self) -> Score:
        return Score(*(sum(getattr(s, a) for s in self.kinds.values()) for a in ("tp", "fp", "fn")))

    def add(self, other: Report) -> None:
        for kind, score in other.kinds.items():
            mine = self.kinds[kind]
            mine.tp += score.tp
            mine.fp += score.fp
            mine.fn += score.fn

    def count(self, gold: set[Any], predicted: set[Any]) -> None:
        """Add one sentence's ``(kind, first, last)`` gold and predicted entities."""
        for kind, score in self.kinds.items():
            g = {e for e in gold if e[0] == kind}
            p = {e for e in predicted if e[0] == kind}
            score.tp += len(g & p)
            score.fp += len(p - g)
            score.fn += len(g - p)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: s.as_dict() for k, s in self.kinds.items()}
        return {**out, "overall": self.overall.as_dict()}

    def table(self) -> str:
        rows = [f"{'kind':<14}{'P':>8}{'R':>8}{'F1':>8}{'gold':>7}"]
        for name, s in [*self.kinds.items(), ("overall", self.overall)]:
            rows.append(f"{name:<14}{s.precision:>8.3f}{s.recall:>8.3f}{s.f1:>8.3f}"
                        f"{s.tp + s.fn:>7}")
        return "\n".join(rows)


ExtractFn = Callable[[str], Iterable[Any]]  # text → objects with start, end, kind


def score_sentences(sentences: Iterable[Sentence], extractor: ExtractFn) -> Report:
    """Run ``extractor`` (text → mentions with start, end, kind) on each sentence and score."""
    report = Report()
    for sentence in sentences:
        text, spans = sentence_text(sentence)
        gold = gold_entities(sentence)
        predicted: set[tuple[str, int, int]] = set()
        for m in extractor(text):
            if m.kind in report.kinds and (span := token_span(spans, m.start, m.end)):
                predicted.add((m.kind, *span))
        report.count(gold, predicted)
    return report


def evaluate(conll_path: str | Path, extractor: ExtractFn | None = None) -> Report:
    """Score ``extractor`` (default: `archive.entities.extract`) on a CoNLL file."""
    if extractor is None:
        from archive.entities import extract

        extractor = extract
    return score_sentences(read_conll(conll_path), extractor)


def folds(sentences: Sequence[Sentence], k: int = 5) -> list[tuple[list[Sentence], list[Sentence]]]:
    """``k`` (train, test) splits by contiguous blocks of sentences (documents stay together
    as far as the file keeps them in order)."""
    size = -(-len(sentences) // k)
    out = []
    for i in range(k):
        test = list(sentences[i * size:(i + 1) * size])
        train = list(sentences[: i * size]) + list(sentences[(i + 1) * size:])
        out.append((train, test))
    return out


if __name__ == "__main__":
    result = evaluate(sys.argv[1])
    as_json = "--json" in sys.argv
    print(json.dumps(result.as_dict(), ensure_ascii=False) if as_json else result.table())
