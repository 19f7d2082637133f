"""AliasTable: what the archive calls each entity, gathered while indexing.

For each (kind, key) it keeps the surface forms used, counted in documents (each entity
counts once per document, like the facets), so the display form is the most frequent full
form and variants can be listed. It remembers which entries each document added, so a
document can be removed or re-added on incremental reindexing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from archive.entities.extractor import Mention
from archive.entities.keys import entity_key

Entry = tuple[str, str, str]  # (kind, key, surface form)
ArticleEntities = Mapping[str, Iterable[tuple[str, str]]]  # what article_entities returns


class AliasTable:
    """Accumulates (kind, key, form, doc id); see the module docstring.

    >>> table = AliasTable()
    >>> table.add("d1", {"person": [("نتنهو", "بنيامين نتنياهو")]})
    >>> table.display("person", "نتنهو")
    'بنيامين نتنياهو'
    """

    def __init__(self) -> None:
        self._forms: dict[tuple[str, str], Counter[str]] = {}
        self._docs: dict[str, tuple[Entry, ...]] = {}

    def __len__(self) -> int:
        return len(self._forms)

    def add(self, doc_id: str, mentions: Iterable[Mention] | ArticleEntities) -> None:
        """Record one document's entities: `Mention` objects, or the dict that
        `article_entities` returns. Adding a known ``doc_id`` again replaces it."""
        self.remove(doc_id)
        entries: dict[tuple[str, str], str] = {}
        if isinstance(mentions, Mapping):
            for kind, pairs in mentions.items():
                for key, display in pairs:
                    entries.setdefault((kind, key), display)
        else:
            for m in mentions:
                key = entity_key(m.canonical)
                old = entries.get((m.kind, key))
                if key and (old is None or len(m.canonical) > len(old)):
                    entries[(m.kind, key)] = m.canonical
        self._docs[doc_id] = tuple((k, key, form) for (k, key), form in entries.items())
        for (kind, key), form in entries.items():
            self._forms.setdefault((kind, key), Counter())[form] += 1

    def remove(self, doc_id: str) -> None:
        """Forget a document's entities (no-op for an unknown id)."""
        for kind, key, form in self._docs.pop(doc_id, ()):
            forms = self._forms[(kind, key)]
            forms[form] -= 1
            if forms[form] <= 0:
                del forms[form]
            if not forms:
                del self._forms[(kind, key)]

    def documents(self, kind: str, key: str) -> int:
        """Number of documents mentioning the entity."""
        return sum(self._forms.get((kind, key), Counter()).values())

    def variants(self, kind: str, key: str) -> list[tuple[str, int]]:
        """Surface forms with their document counts, most frequent first."""
        forms = self._forms.get((kind, key), Counter())
        return sorted(forms.items(), key=lambda kv: (-kv[1], kv[0]))

    def display(self, kind: str, key: str) -> str:
        """The most frequent form among the fullest (most words) ones; ``key`` if unknown."""
        forms = self.variants(kind, key)
        if not forms:
            return key
        most_words = max(len(f.split()) for f, _ in forms)
        return next(f for f, _ in forms if len(f.split()) == most_words)

    def resolve(self, kind: str, key: str, share: float = 0.8) -> str:
        """Key of the full name a one-word person key stands for across the archive, when
        one longer key ending (or starting) with it has ≥ ``share`` of such documents."""
        if kind != "person" or " " in key:
            return key
        candidates = Counter({k: sum(f.values()) for (kd, k), f in self._forms.items()
                              if kd == kind and " " in k
                              and (k.endswith(" " + key) or k.startswith(key + " "))})
        if not candidates:
            return key
        best, n = candidates.most_common(1)[0]
        return best if n >= share * sum(candidates.values()) else key

    def top(self, kind: str | None = None, n: int = 50) -> list[dict[str, Any]]:
        """The ``n`` entities in most documents: dicts with kind, key, display, documents,
        variants (list of ``[form, documents]``)."""
        rows = [(sum(forms.values()), k, key) for (k, key), forms in self._forms.items()
                if kind is None or k == kind]
        rows.sort(key=lambda r: (-r[0], r[1], r[2]))
        return [{"kind": k, "key": key, "display": self.display(k, key), "documents": docs,
                 "variants": [list(v) for v in self.variants(k, key)]}
                for docs, k, key in rows[:n]]

    def to_dict(self) -> dict[str, Any]:
        index = {ek: i for i, ek in enumerate(self._forms)}
        return {
            "version": 1,
            "entities": [[k, key] for k, key in self._forms],
            "docs": {d: [[index[(k, key)], form] for k, key, form in entries]
                     for d, entries in self._docs.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AliasTable:
        table = cls()
        entities = [tuple(e) for e in data["entities"]]
        for doc_id, entries in data["docs"].items():
            table._docs[doc_id] = tuple((*entities[i], form) for i, form in entries)
            for i, form in entries:
                table._forms.setdefault(entities[i], Counter())[form] += 1
        return table

    def save(self, path: str | Path) -> None:
        """Write JSON atomically (temp file then rename), so readers never see half a file."""
        path = Path(path)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> AliasTable:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
