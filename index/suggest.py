"""Help when results are poor ("did you mean") and name completion."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from archive.arabic import normalize_phrase
from archive.kinds import EntityKind

from .aliases import AliasTable
from .analysis import arabic_stopwords
from .models import NameSuggestion


class Vocabulary:
    """The index's body words grouped by first letter, for near-spelling look-ups.

    Whoosh's own ``suggest`` computes an edit distance in Python for every word that
    shares the first letter (about a second per word at 60k articles); rapidfuzz does the
    same comparison in C++ over the group.
    """

    def __init__(self, reader):
        groups: dict[str, list[str]] = {}
        for term in reader.lexicon("body"):
            word = term.decode("utf-8")
            groups.setdefault(word[:1], []).append(word)
        self._groups = groups

    def near(self, word: str, maxdist: int = 2) -> list[str]:
        """Words within ``maxdist`` edits (Damerau-Levenshtein) sharing the first letter."""
        found = process.extract(word, self._groups.get(word[:1], []),
                                scorer=DamerauLevenshtein.distance, score_cutoff=maxdist,
                                limit=None)
        return [choice for choice, _, _ in found if choice != word]


def did_you_mean(searcher, vocabulary: Callable[[], Vocabulary], words: list[str],
                 found_nothing: bool) -> str | None:
    """The query with misspelt words replaced by frequent near spellings from the index.

    A word is suspect when the index lacks it, or when it is rare and nothing was found;
    a rare word among results is usually a real name. ``vocabulary`` is asked for only
    when there is a suspect (reading it takes ~1.7 s at 60k articles, once a generation).
    """
    rare = 2 if found_nothing else 1
    suspects = [w for w in dict.fromkeys(words)
                if len(w) >= 3 and w not in arabic_stopwords()
                and _frequency(searcher, w) < rare][:3]
    if not suspects:
        return None
    replaced = {}
    for word in suspects:
        own = _frequency(searcher, word)
        best = max(vocabulary().near(word), key=lambda c: _frequency(searcher, c), default=None)
        if best and _frequency(searcher, best) > max(2, own * 5):
            replaced[word] = best
    if not replaced:
        return None
    return " ".join(replaced.get(w, w) for w in words)


def complete_names(aliases: AliasTable, prefix: str, kinds: Iterable[EntityKind],
                   limit: int) -> list[NameSuggestion]:
    """Entities with a spelling that has a word starting with ``prefix``, most common first."""
    needle = " " + normalize_phrase(prefix)
    if not needle.strip():
        return []
    found = [
        NameSuggestion(kind=kind, value=key, label=aliases.display(kind, key, key), count=docs)
        for kind in kinds
        for text, key, docs in aliases.completions(kind)
        if needle in text
    ]
    found.sort(key=lambda s: -s.count)
    return found[:limit]


def _frequency(searcher, word: str) -> int:
    return searcher.doc_frequency("body", word) + searcher.doc_frequency("title", word)
