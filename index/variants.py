"""Spelling variants of one name, merged only on the archive's evidence.

`archive.entities.keys.variant_key` proposes candidates: keys that share a spelling
skeleton (بوتين / بوتن / بوتان). A skeleton alone is not evidence: بوتان is Bhutan. Here a
key joins the most frequent key of its skeleton and kind that nothing objects to, only when

- neither is seen mostly as another kind (بوتان is mostly a place, so it never joins the
  person بوتين, and the place بوتين, a tagging slip, never joins the place بوتان);
- neither is a common word: a one-word name is tagged in at least `MIN_TAGGED` of the
  articles whose text has it;
- and they share a full name (فلاديمير بوتن / فلاديمير بوتين), or the names around them
  are alike (cosine of their co-occurring entities ≥ `MIN_NEIGHBOURS`) and one spelling
  only drops or adds long vowels (طهرن / طهران; not رينالدو / رونالدو: another vowel).

Each decision keeps its reason, which `archive entities` prints.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from archive.entities.keys import variant_key

MIN_KIND_SHARE = 0.5  # of a key's articles, tagged as this kind
MIN_TAGGED = 0.2  # of the articles whose text has a one-word name, tagged with it
MIN_TEXT_DOCS = 10  # below this, a word's text frequency says nothing
MIN_NEIGHBOURS = 0.2  # cosine of the co-occurring entity counts
_LONG_VOWELS = frozenset("اوي")


def _no_neighbours(key: str) -> Counter[str]:
    return Counter()


@dataclass
class Observations:
    """What one pass over the archive's entity columns saw."""

    # key → kind → docs
    kind_docs: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # word → kind → docs with a longer name of that kind holding the word: the person
    # بوتين is mostly stored as فلاديمير بوتين
    word_kind_docs: defaultdict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter))
    # key → co-occurring keys of another skeleton → docs, asked only for the pairs that
    # reach `_alike_neighbours` (held for every candidate key, they were 10M counts and
    # 300 MiB at a million articles)
    neighbours: Callable[[str], Counter[str]] = _no_neighbours

    def add_document(self, keys_by_kind: dict[str, set[str]]) -> None:
        for kind, keys in keys_by_kind.items():
            for key in keys:
                self.kind_docs[key][kind] += 1
            for word in {w for key in keys if " " in key for w in key.split()}:
                self.word_kind_docs[word][kind] += 1


@dataclass(frozen=True)
class Decision:
    key: str
    into: str  # the key it joins, or the key it was kept apart from
    merged: bool
    why: str


def candidates(keys: list[str]) -> list[list[str]]:
    """Groups of two or more keys with one skeleton."""
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(variant_key(key), []).append(key)
    return [g for g in groups.values() if len(g) > 1]


def decide(kind: str, docs: dict[str, int], seen: Observations,
           text_docs: Callable[[str], int]) -> list[Decision]:
    """Merge decisions for every skeleton group of one kind's keys (``docs``: key → docs)."""
    decisions = []
    contexts: dict[str, set[tuple[str, ...]]] | None = None  # made on the first one-word pair
    for group in candidates(list(docs)):
        # The head is the most frequent key with nothing against it as this kind.
        group.sort(key=lambda k: (bool(objection(kind, k, seen, text_docs)), -docs[k], k))
        head, *rest = group
        for key in rest:
            why = objection(kind, head, seen, text_docs) or objection(kind, key, seen, text_docs)
            if why:
                decisions.append(Decision(key, head, False, why))
                continue
            if contexts is None and " " not in head and " " not in key:
                contexts = _name_contexts(docs)
            why = _shared_full_name(head, key, contexts or {})
            swapped = swapped_vowels(head, key)
            if not why and not swapped:
                why = _alike_neighbours(head, key, seen)
            decisions.append(Decision(key, head, bool(why), why or (
                f"another vowel ({swapped}) and no shared full name" if swapped else
                "nothing shows they are the same name (no shared full name, other neighbours)")))
    return decisions


def objection(kind: str, key: str, seen: Observations, text_docs: Callable[[str], int]) -> str:
    """Why ``key`` may not merge as a ``kind`` (mostly another kind, or a common word)."""
    kinds = seen.kind_docs.get(key, Counter())
    if " " not in key:
        kinds = kinds + seen.word_kind_docs.get(key, Counter())
    total = sum(kinds.values())
    if total and kinds[kind] < MIN_KIND_SHARE * total:
        other, n = max(((k, n) for k, n in kinds.items() if k != kind), key=lambda kv: kv[1])
        article = "an" if other[0] in "aeiou" else "a"
        return f"{key} is mostly {article} {other} ({n} of {total} articles)"
    if " " not in key:
        in_text = text_docs(key)
        if in_text >= MIN_TEXT_DOCS and total < MIN_TAGGED * in_text:
            return f"{key} is mostly a common word (a name in {total} of {in_text} articles)"
    return ""


def _shared_full_name(a: str, b: str, contexts: dict[str, set[tuple[str, ...]]]) -> str:
    """Two spellings seen inside one longer name with the same other words (``contexts``:
    `_name_contexts` of the kind's keys)."""
    wa, wb = a.split(), b.split()
    if len(wa) == len(wb) > 1:
        same = [x for x, y in zip(wa, wb, strict=True) if x == y]
        if same:
            return f"share the name words {' '.join(same)}"
    if len(wa) == len(wb) == 1:
        common = contexts.get(a, set()) & contexts.get(b, set())
        if common:
            return f"both in the full name {' '.join(min(common)).replace('*', '…')}"
    return ""


def _name_contexts(keys: Iterable[str]) -> dict[str, set[tuple[str, ...]]]:
    """For every word of a longer name, that name with the word starred (made once per
    kind: scanning every name for every candidate pair took 60% of an alias build)."""
    contexts: dict[str, set[tuple[str, ...]]] = {}
    for key in keys:
        words = key.split()
        if len(words) > 1:
            for i, w in enumerate(words):
                contexts.setdefault(w, set()).add(tuple(words[:i]) + ("*",) + tuple(words[i + 1:]))
    return contexts


def swapped_vowels(a: str, b: str) -> str:
    """``"ي/و"`` when a word of ``b`` has another long vowel where the same word of ``a``
    has one (رونالدو / رينالدو), else ``""``. A dropped, added or moved vowel is a spelling
    habit (بوتين / بوتن, أمريكا / أميركا); a swapped one is usually another name, which
    shared neighbours (one sport, one region) cannot tell."""
    for x, y in zip(a.split(), b.split(), strict=False):
        gx, gy = _vowel_gaps(x), _vowel_gaps(y)
        if gx is None or gy is None or len(gx) != len(gy):
            continue
        for vx, vy in zip(gx, gy, strict=True):
            if vx and vy and not (_within(vx, vy) or _within(vy, vx)):
                return f"{vx}/{vy}"
    return ""


def _vowel_gaps(word: str) -> list[str] | None:
    """The inner long vowels between each two other letters (بوتين → ["و", "", "ي"])."""
    if len(word) < 3:
        return None
    gaps, current = [], ""
    for ch in word[1:-1]:
        if ch in _LONG_VOWELS:
            current += ch
        else:
            gaps.append(current)
            current = ""
    gaps.append(current)
    return gaps


def _within(short: str, long: str) -> bool:
    """``short`` is a subsequence of ``long``."""
    rest = iter(long)
    return all(ch in rest for ch in short)


def _alike_neighbours(a: str, b: str, seen: Observations) -> str:
    na, nb = seen.neighbours(a), seen.neighbours(b)
    dot = sum(n * nb[k] for k, n in na.items() if k in nb)
    norm = math.sqrt(sum(n * n for n in na.values()) * sum(n * n for n in nb.values()))
    cosine = dot / norm if norm else 0.0
    return f"alike neighbouring names (cosine {cosine:.2f})" if cosine >= MIN_NEIGHBOURS else ""
