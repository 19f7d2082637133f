"""The alias table: one display name per entity key, with the spellings seen and doc counts.

Rebuilt from the index's entity columns after every reindex, so it never goes stale, and
saved beside the index as JSON, where `archive entities` and the searcher read it.
"""

from __future__ import annotations

import heapq
import json
import os
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import numpy as np

from archive.arabic import normalize_phrase, normalize_word
from archive.entities import entity_key
from archive.entities.keys import fold_word, variant_key
from archive.kinds import EntityKind

from .analysis import rank_stem
from .arrays import ranges
from .columns import column_values
from .schema import facet_column
from .variants import Decision, Observations, candidates, decide, objection, swapped_vowels

ALIASES_FILE = "aliases.json"
_CHUNK_DOCUMENTS = 100_000  # documents per step of `documents`: bounded temporaries
MIN_CLASH_DOCS = 3  # a name seen in fewer articles does not take another's stem away


class AliasTable:
    """For each (kind, key): the display form, the variants seen, and the document count."""

    def __init__(self, entries: dict[str, dict[str, dict]] | None = None):
        self.entries = entries or {kind.value: {} for kind in EntityKind}
        self._completions: dict[str, list[tuple[str, str, int]]] = {}
        self._members: dict[str, dict[str, list[str]]] = {}
        self._spellings: dict[str, frozenset[str]] | None = None
        self._clashes: frozenset[str] | None = None

    @classmethod
    def from_searcher(cls, searcher) -> AliasTable:
        """Scan every live document's entity columns (no stored body is unpickled)."""
        reader = searcher.reader()

        def text_docs(word: str) -> int:
            return searcher.doc_frequency("body", normalize_word(word))
        return cls.from_documents(_documents(reader), text_docs)

    @classmethod
    def from_documents(cls, documents: Iterable[dict[str, list[str]]],
                       text_docs: Callable[[str], int]) -> AliasTable:
        """The table of every document's names by kind; ``text_docs(word)`` counts the
        articles whose body has the (normalised) word."""
        variants: dict[str, defaultdict[str, Counter[str]]] = {
            kind.value: defaultdict(Counter) for kind in EntityKind}
        doc_keys = _KeysByDocument()
        for names_by_kind in documents:
            keys_by_kind: dict[str, set[str]] = {}
            for kind_name, names in names_by_kind.items():
                keys = keys_by_kind.setdefault(kind_name, set())
                for name in names:
                    key = entity_key(name)
                    if not key:
                        continue
                    variants[kind_name][key][name] += 1
                    keys.add(key)
            doc_keys.add(keys_by_kind)
        wanted = {k for table in variants.values() for group in candidates(list(table))
                  for k in group}
        seen = Observations(neighbours=doc_keys.neighbours(wanted))
        for keys_by_kind in doc_keys:
            seen.add_document(keys_by_kind)

        entries: dict[str, dict[str, dict]] = {}
        for kind in EntityKind:
            table = variants[kind.value]
            docs = {key: seen.kind_docs[key][kind.value] for key in table}
            decisions = decide(kind.value, docs, seen, text_docs)
            merged = {d.key: d.into for d in decisions if d.merged}
            if kind == EntityKind.PERSON:
                short = _short_forms(_joined(table, merged), fold=variant_key, allowed=lambda k:
                                     not objection(EntityKind.PERSON.value, k, seen, text_docs),
                                     apart=swapped_vowels)
                merged = _then(merged, short)
            per_doc = doc_keys.documents(kind.value, merged)
            why = {d.key: d for d in decisions}
            entries[kind.value] = {
                key: {"label": _display_form(forms), "docs": per_doc[merged.get(key, key)],
                      "variants": dict(forms), **_decision(key, merged, why.get(key))}
                for key, forms in table.items()
            }
        return cls(entries)

    def canonical(self, kind: str, key: str) -> str:
        """The key that stands for ``key`` in facets (a lone surname → the full name)."""
        entry = self.entries.get(kind, {}).get(key)
        return entry.get("merged_into", key) if entry else key

    def members(self, kind: str, key: str) -> list[str]:
        """Every indexed key that `canonical` maps to ``key`` (``key`` included)."""
        if kind not in self._members:
            members: dict[str, list[str]] = {}
            for k, entry in self.entries.get(kind, {}).items():
                members.setdefault(entry.get("merged_into", k), []).append(k)
            self._members[kind] = members
        return self._members[kind].get(key, [key])

    def spelling_variants(self, word: str) -> frozenset[str]:
        """Other spellings of a normalised name word seen in the archive (نتنياهو → نتانياهو).

        Two words are variants when they have one skeleton (`fold_word`) in names this
        table merged into one entity, so بوتان (Bhutan) is no variant of بوتين.
        """
        if self._spellings is None:
            self.warm()
        assert self._spellings is not None
        return self._spellings.get(word, frozenset()) - {word}

    def plain_only(self, word: str) -> bool:
        """True for a word of a name whose ranking stem another name's word shares (بوتين,
        in فلاديمير بوتين, and بوتان both stem to بوت): such a word is searched by its
        spellings, not by its stem."""
        if self._clashes is None:
            self.warm()
        assert self._clashes is not None
        return word in self._clashes

    def warm(self) -> None:
        """Make what `spelling_variants` and `plain_only` read, in one pass over every
        spelling's words (2 s at 60k articles: a searcher's start, not its first query)."""
        groups: dict[tuple[str, str, str], set[str]] = {}
        by_stem: dict[str, set[str]] = {}
        for kind, key, entry, w in self._name_words():
            canonical = entry.get("merged_into", key)
            groups.setdefault((kind, canonical, fold_word(w)), set()).add(w)
            if entry["docs"] >= MIN_CLASH_DOCS:
                by_stem.setdefault(rank_stem(w), set()).add(w)
        spellings: dict[str, set[str]] = {}
        for ws in groups.values():
            if len(ws) > 1:
                for w in ws:
                    spellings.setdefault(w, set()).update(ws)
        self._spellings = {w: frozenset(ws) for w, ws in spellings.items()}
        self._clashes = frozenset(w for words in by_stem.values() for w in words
                                  if words - {w} - self.spelling_variants(w))

    def _name_words(self) -> Iterator[tuple[str, str, dict, str]]:
        """``(kind, key, entry, word)`` for each normalised word of each spelling seen."""
        for kind, table in self.entries.items():
            for key, entry in table.items():
                for form in entry["variants"]:
                    for w in normalize_phrase(form).split():
                        yield kind, key, entry, w

    def completions(self, kind: str) -> list[tuple[str, str, int]]:
        """``(searchable text, key, docs)`` per entity: every spelling seen, normalised."""
        if kind not in self._completions:
            texts: dict[str, str] = {}
            for key, entry in self.entries.get(kind, {}).items():
                canonical = entry.get("merged_into", key)
                texts[canonical] = texts.get(canonical, "") + " " + " ".join(
                    normalize_phrase(v) for v in entry["variants"])
            table = self.entries.get(kind, {})
            self._completions[kind] = [
                (text, key, table[key]["docs"]) for key, text in texts.items() if key in table]
        return self._completions[kind]

    def display(self, kind: str, key: str, default: str) -> str:
        entry = self.entries.get(kind, {}).get(self.canonical(kind, key))
        return entry["label"] if entry else default

    def top(self, kind: str | None = None, n: int = 50) -> list[dict]:
        """The ``n`` entities in most documents, with their spellings, the keys merged into
        each (and why), and the keys kept apart from it (and why)."""
        rows = [
            {"kind": k, "key": key, **entry, "merged": [], "kept_apart": []}
            for k, table in self.entries.items() if kind in (None, k)
            for key, entry in table.items() if "merged_into" not in entry
        ]
        by_key = {(row["kind"], row["key"]): row for row in rows}
        for k, table in self.entries.items():
            for key, entry in table.items():
                into = entry.get("merged_into") or entry.get("kept_apart_from")
                row = by_key.get((k, self.canonical(k, into) if into else ""))
                if row is not None:
                    side = "merged" if "merged_into" in entry else "kept_apart"
                    row[side].append({"key": key, "label": entry["label"], "why": entry["why"]})
        rows.sort(key=lambda row: -row["docs"])
        return rows[:n]

    def save(self, directory: Path) -> None:
        path = Path(directory) / ALIASES_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.entries, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, directory: Path) -> AliasTable:
        path = Path(directory) / ALIASES_FILE
        if not path.is_file():
            return cls()
        return cls(json.loads(path.read_text(encoding="utf-8")))


def _documents(reader) -> Iterator[dict[str, list[str]]]:
    """Each live document's names by kind, read from the entity columns one document at a
    time (the three columns merged by document number)."""
    def stream(kind: str) -> Iterator[tuple[int, str, list[str]]]:
        for docnum, values in column_values(reader, facet_column(kind)):
            yield docnum, kind, values
    streams = [stream(kind.value) for kind in EntityKind]
    for _, group in groupby(heapq.merge(*streams, key=itemgetter(0, 1)), key=itemgetter(0)):
        yield {kind: values for _, kind, values in group}


class _KeysByDocument:
    """Every document's entity keys by kind, packed in two integer arrays: a set per kind
    and document held about 1 KB a document, gigabytes at a million articles."""

    def __init__(self) -> None:
        self.kinds = [kind.value for kind in EntityKind]
        self.ids: dict[str, int] = {}
        self.keys: list[str] = []
        self.codes = array("i")  # key id × kinds + kind index, document after document
        self.ends = array("q")  # where each document's codes end

    def add(self, keys_by_kind: dict[str, set[str]]) -> None:
        kinds = len(self.kinds)
        for i, kind in enumerate(self.kinds):
            for key in keys_by_kind.get(kind, ()):
                key_id = self.ids.setdefault(key, len(self.ids))
                if key_id == len(self.keys):
                    self.keys.append(key)
                self.codes.append(key_id * kinds + i)
        self.ends.append(len(self.codes))

    def __iter__(self) -> Iterator[dict[str, set[str]]]:
        kinds, keys, start = len(self.kinds), self.keys, 0
        for end in self.ends:
            out: dict[str, set[str]] = {}
            for code in self.codes[start:end]:
                key_id, i = divmod(code, kinds)
                out.setdefault(self.kinds[i], set()).add(keys[key_id])
            yield out
            start = end

    def documents(self, kind: str, into: dict[str, str]) -> Counter[str]:
        """Per key of ``kind``, the documents that have it once each key of ``into`` has
        joined the key it names (a document with two keys that joined one counts once)."""
        i, kinds, size = self.kinds.index(kind), len(self.kinds), len(self.keys)
        target = np.arange(size)
        for key, joined in into.items():
            if key in self.ids and joined in self.ids:
                target[self.ids[key]] = self.ids[joined]
        codes = np.frombuffer(self.codes, dtype=np.int32)
        ends = np.frombuffer(self.ends, dtype=np.int64)
        counts = np.zeros(size, dtype=np.int64)
        for lo in range(0, len(ends), _CHUNK_DOCUMENTS):
            hi = min(lo + _CHUNK_DOCUMENTS, len(ends))
            first = ends[lo - 1] if lo else 0
            chunk = codes[first:ends[hi - 1]]
            at = np.flatnonzero(chunk % kinds == i)
            docs = np.searchsorted(ends[lo:hi], first + at, side="right")
            counts += _distinct(docs, target[chunk[at] // kinds], size)
        return Counter({self.keys[j]: int(counts[j]) for j in np.flatnonzero(counts)})

    def neighbours(self, wanted: set[str]) -> Callable[[str], Counter[str]]:
        """For a key of ``wanted``: per key of another spelling skeleton, the documents it
        shares with that key (a key under two kinds in one document counts once).

        Where each wanted key occurs is found once; each call then reads only its own
        documents' codes (scanning every code per call took 96 of 178 s at 1M articles)."""
        kinds, size = len(self.kinds), len(self.keys)
        codes = np.frombuffer(self.codes, dtype=np.int32)
        ends = np.frombuffer(self.ends, dtype=np.int64)
        ids = np.fromiter((self.ids[k] for k in wanted if k in self.ids), dtype=np.int32)
        at = np.flatnonzero(np.isin(codes // kinds, ids))
        order = np.argsort(codes[at] // kinds, kind="stable")
        owners = codes[at][order] // kinds  # key ids, sorted
        docs = np.searchsorted(ends, at[order], side="right")  # each one's document

        @lru_cache(maxsize=256)
        def of(key: str) -> Counter[str]:
            key_id = self.ids.get(key, -1)
            lo, hi = np.searchsorted(owners, [key_id, key_id + 1])
            mine = np.unique(docs[lo:hi])
            begins = np.where(mine > 0, ends[mine - 1], 0)
            lengths = ends[mine] - begins
            co = codes[ranges(begins, lengths)] // kinds  # every key of those documents
            counts = _distinct(np.repeat(np.arange(len(mine)), lengths), co, size)
            skeleton = variant_key(key)
            return Counter({self.keys[i]: int(counts[i]) for i in np.flatnonzero(counts)
                            if variant_key(self.keys[i]) != skeleton})
        return of


def _distinct(docs: np.ndarray, keys: np.ndarray, size: int) -> np.ndarray:
    """Per key id below ``size``, how many distinct documents of ``docs`` have it (the
    pairs ``docs[i]``, ``keys[i]`` counted once each)."""
    return np.bincount(np.unique(docs * size + keys) % size, minlength=size)


def _joined(table: dict[str, Counter[str]], merged: dict[str, str]) -> dict[str, Counter[str]]:
    """The table with every merged key's spellings counted under the key it joined."""
    out: dict[str, Counter[str]] = {}
    for key, forms in table.items():
        out.setdefault(merged.get(key, key), Counter()).update(forms)
    return out


def _then(first: dict[str, str], second: dict[str, str]) -> dict[str, str]:
    """Two merge maps applied in turn."""
    out = {key: second.get(into, into) for key, into in first.items()}
    out.update({key: into for key, into in second.items() if key not in out})
    return out


def _decision(key: str, merged: dict[str, str], decision: Decision | None) -> dict:
    if key in merged:
        why = decision.why if decision and decision.merged else "short form of the full name"
        return {"merged_into": merged[key], "why": why}
    if decision is not None:
        return {"kept_apart_from": decision.into, "why": decision.why}
    return {}


def _short_forms(variants: dict[str, Counter[str]], share: float = 0.8, weight: float = 0.2,
                 fold: Callable[[str], str] = str, allowed: Callable[[str], bool] = bool,
                 apart: Callable[[str, str], str] = lambda a, b: "") -> dict[str, str]:
    """Person keys → the fuller name they stand for across the archive.

    A lone word merges into a longer name that starts or ends with it, a longer name into
    one that starts with all of its words, when that fuller name has at least ``share`` of
    the documents of all such fuller names and at least ``weight`` of the shorter name's
    own: نتنياهو → بنيامين نتنياهو, سلمان بن عبدالعزيز → سلمان بن عبدالعزيز آل سعود; but not
    محمد (which begins many names), nor فلاديمير بوتين → a run-together «ترامب فلاديمير
    بوتين» seen once. A fuller name that merged counts for its own target. Words are
    compared by ``fold`` (ترمب → دونالد ترامب) unless ``apart`` says two words differ
    (رينالدو, another vowel, is not رونالدو); keys not ``allowed`` never merge.
    """
    docs = {key: sum(forms.values()) for key, forms in variants.items()}
    by_part: dict[tuple[str, ...], Counter[str]] = {}
    for key in variants:
        words = tuple(fold(key).split())
        for n in range(1, len(words)):
            parts = {words[:n], words[-n:]} if n == 1 else {words[:n]}
            for part in parts:
                by_part.setdefault(part, Counter())[key] += docs[key]
    merged: dict[str, str] = {}
    for key in sorted(variants, key=lambda k: -len(k.split())):  # fullest names first
        candidates: Counter[str] = Counter()
        for longer, n in by_part.get(tuple(fold(key).split()), Counter()).items():
            if any(_alike(key, entity_key(form), fold, apart) for form in variants[longer]):
                candidates[merged.get(longer, longer)] += n
        if candidates and allowed(key):
            best, n = candidates.most_common(1)[0]
            if n >= share * sum(candidates.values()) and n >= weight * docs[key]:
                merged[key] = best
    return merged


def _alike(short: str, longer: str, fold: Callable[[str], str],
           apart: Callable[[str, str], str]) -> bool:
    """``short``'s words begin or end ``longer`` (by ``fold``), none of them ``apart``."""
    words, others = short.split(), longer.split()
    for part in (others[:len(words)], others[-len(words):]):
        if [fold(w) for w in part] == [fold(w) for w in words]:
            if not any(apart(a, b) for a, b in zip(part, words, strict=True)):
                return True
    return False


def _display_form(forms: Counter[str]) -> str:
    """The most frequent full form: among the common spellings, the one with most words."""
    top = max(forms.values())
    common = [(form, n) for form, n in forms.items() if n * 5 >= top]  # a rare typo never wins
    return max(common, key=lambda item: (len(item[0].split()), item[1]))[0]
