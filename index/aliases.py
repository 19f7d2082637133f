"""The alias table: one display name per entity key, with the spellings seen and doc counts.

Rebuilt from the index's entity columns after every reindex, so it never goes stale, and
saved beside the index as JSON, where `archive entities` and the searcher read it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from archive.arabic import normalize_phrase
from archive.entities import entity_key
from archive.entities.keys import fold_word
from archive.kinds import EntityKind

from .columns import column_values
from .schema import facet_column

ALIASES_FILE = "aliases.json"


class AliasTable:
    """For each (kind, key): the display form, the variants seen, and the document count."""

    def __init__(self, entries: dict[str, dict[str, dict]] | None = None):
        self.entries = entries or {kind.value: {} for kind in EntityKind}
        self._completions: dict[str, list[tuple[str, str, int]]] = {}
        self._members: dict[str, dict[str, list[str]]] = {}
        self._spellings: dict[str, frozenset[str]] | None = None

    @classmethod
    def from_searcher(cls, searcher) -> AliasTable:
        """Scan every live document's entity columns (no stored body is unpickled)."""
        reader = searcher.reader()
        entries: dict[str, dict[str, dict]] = {}
        for kind in EntityKind:
            variants: dict[str, Counter[str]] = {}
            doc_keys: list[set[str]] = []
            for _, names in column_values(reader, facet_column(kind.value)):
                keys = set()
                for name in names:
                    key = entity_key(name)
                    variants.setdefault(key, Counter())[name] += 1
                    keys.add(key)
                doc_keys.append(keys)
            merged = _short_forms(variants) if kind == EntityKind.PERSON else {}
            docs = Counter(k for keys in doc_keys for k in {merged.get(k, k) for k in keys})
            entries[kind.value] = {
                key: {"label": _display_form(forms), "docs": docs[merged.get(key, key)],
                      "variants": dict(forms), **({"merged_into": merged[key]}
                                                  if key in merged else {})}
                for key, forms in variants.items()
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

        Two words are variants when the entity key folds them together (`fold_word`).
        """
        if self._spellings is None:
            spellings: dict[str, set[str]] = {}
            for table in self.entries.values():
                for entry in table.values():
                    for form in entry["variants"]:
                        for w in normalize_phrase(form).split():
                            spellings.setdefault(fold_word(w), set()).add(w)
            self._spellings = {fold: frozenset(ws) for fold, ws in spellings.items()
                               if len(ws) > 1}
        return self._spellings.get(fold_word(word), frozenset()) - {word}

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
        """The ``n`` entities in most documents, with their variants."""
        rows = [
            {"kind": k, "key": key, **entry}
            for k, table in self.entries.items() if kind in (None, k)
            for key, entry in table.items() if "merged_into" not in entry
        ]
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


def _short_forms(variants: dict[str, Counter[str]], share: float = 0.8,
                 weight: float = 0.2) -> dict[str, str]:
    """Person keys → the fuller name they stand for across the archive.

    A lone word merges into a longer name that starts or ends with it, a longer name into
    one that starts with all of its words, when that fuller name has at least ``share`` of
    the documents of all such fuller names and at least ``weight`` of the shorter name's
    own: نتنياهو → بنيامين نتنياهو, سلمان بن عبدالعزيز → سلمان بن عبدالعزيز آل سعود; but not
    محمد (which begins many names), nor فلاديمير بوتين → a run-together «ترامب فلاديمير
    بوتين» seen once. A fuller name that merged counts for its own target.
    """
    docs = {key: sum(forms.values()) for key, forms in variants.items()}
    by_part: dict[tuple[str, ...], Counter[str]] = {}
    for key in variants:
        words = tuple(key.split())
        for n in range(1, len(words)):
            parts = {words[:n], words[-n:]} if n == 1 else {words[:n]}
            for part in parts:
                by_part.setdefault(part, Counter())[key] += docs[key]
    merged: dict[str, str] = {}
    for key in sorted(variants, key=lambda k: -len(k.split())):  # fullest names first
        candidates: Counter[str] = Counter()
        for longer, n in by_part.get(tuple(key.split()), Counter()).items():
            candidates[merged.get(longer, longer)] += n
        if candidates:
            best, n = candidates.most_common(1)[0]
            if n >= share * sum(candidates.values()) and n >= weight * docs[key]:
                merged[key] = best
    return merged


def _display_form(forms: Counter[str]) -> str:
    """The most frequent full form: among the common spellings, the one with most words."""
    top = max(forms.values())
    common = [(form, n) for form, n in forms.items() if n * 5 >= top]  # a rare typo never wins
    return max(common, key=lambda item: (len(item[0].split()), item[1]))[0]
