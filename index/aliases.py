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

from .columns import column_values
from .schema import ENTITY_KINDS, facet_column

ALIASES_FILE = "aliases.json"


class AliasTable:
    """For each (kind, key): the display form, the variants seen, and the document count."""

    def __init__(self, entries: dict[str, dict[str, dict]] | None = None):
        self.entries = entries or {kind: {} for kind in ENTITY_KINDS}
        self._completions: dict[str, list[tuple[str, str, int]]] = {}

    @classmethod
    def from_searcher(cls, searcher) -> AliasTable:
        """Scan every live document's entity columns (no stored body is unpickled)."""
        reader = searcher.reader()
        entries: dict[str, dict[str, dict]] = {}
        for kind in ENTITY_KINDS:
            variants: dict[str, Counter[str]] = {}
            docs: Counter[str] = Counter()
            for _, names in column_values(reader, facet_column(kind)):
                keys_seen = set()
                for name in names:
                    key = entity_key(name)
                    variants.setdefault(key, Counter())[name] += 1
                    keys_seen.add(key)
                docs.update(keys_seen)
            entries[kind] = {
                key: {"label": _display_form(forms), "docs": docs[key], "variants": dict(forms)}
                for key, forms in variants.items()
            }
        return cls(entries)

    def completions(self, kind: str) -> list[tuple[str, str, int]]:
        """``(searchable text, key, docs)`` per entity: every spelling seen, normalised."""
        if kind not in self._completions:
            self._completions[kind] = [
                (" " + " ".join(normalize_phrase(v) for v in entry["variants"]), key, entry["docs"])
                for key, entry in self.entries.get(kind, {}).items()
            ]
        return self._completions[kind]

    def display(self, kind: str, key: str, default: str) -> str:
        entry = self.entries.get(kind, {}).get(key)
        return entry["label"] if entry else default

    def top(self, kind: str | None = None, n: int = 50) -> list[dict]:
        """The ``n`` entities in most documents, with their variants."""
        rows = [
            {"kind": k, "key": key, **entry}
            for k, table in self.entries.items() if kind in (None, k)
            for key, entry in table.items()
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


def _display_form(forms: Counter[str]) -> str:
    """The most frequent full form: more words first, then more mentions."""
    return max(forms.items(), key=lambda item: (len(item[0].split()), item[1]))[0]
