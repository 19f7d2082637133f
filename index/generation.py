"""One open generation of the index: its Whoosh searcher and everything derived from it.

A generation lasts until a reindex changes the index; the searcher then opens a new one,
so the alias table, facet tables and lexicons below can never go stale.
"""

from __future__ import annotations

from pathlib import Path

from whoosh.searching import Searcher

from archive.kinds import EntityKind

from .aliases import AliasTable
from .facets import FacetTable, FacetType, facet_types
from .models import FacetName
from .ranking import Ranking
from .suggest import Vocabulary
from .tables import load_tables
from .vector import Evaluator, Postings


class Generation:
    """A Whoosh searcher with its alias table, facet types and per-generation tables."""

    def __init__(self, searcher: Searcher, directory: Path, ranking: Ranking):
        self.searcher = searcher
        self.directory = directory
        self.postings = Postings(searcher, ranking)
        self.evaluator = Evaluator(self.postings)
        self.aliases = AliasTable.load(directory)
        self.facets: dict[FacetName, FacetType] = facet_types(self.aliases)
        # Made at build time for this generation when the reindex could (`index.tables`).
        self._tables: dict[FacetName, FacetTable] = load_tables(
            directory, searcher.reader().generation())
        self._lexicons: dict[EntityKind, list[tuple[str, int]]] = {}
        self._vocabulary: Vocabulary | None = None

    def vocabulary(self) -> Vocabulary:
        """Body words for "did you mean" (read once per generation, on the first query
        with a suspect word: not at start-up, where it was a quarter of the wait)."""
        if self._vocabulary is None:
            self._vocabulary = Vocabulary(self.searcher.reader())
        return self._vocabulary

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self.searcher.doc_frequency(fieldname, text)

    def doc_count(self) -> int:
        return self.searcher.doc_count_all()

    def table(self, name: FacetName) -> FacetTable:
        """Per document, the ids of its values of facet ``name`` (read once)."""
        if name not in self._tables:
            self._tables[name] = self.facets[name].table(self.searcher.reader())
        return self._tables[name]

    def lexicon(self, kind: EntityKind) -> list[tuple[str, int]]:
        """Every indexed key of ``kind`` with its document frequency."""
        if kind not in self._lexicons:
            reader = self.searcher.reader()
            self._lexicons[kind] = [
                (term.decode("utf-8"), reader.doc_frequency(kind.value, term))
                for term in reader.lexicon(kind.value)
            ]
        return self._lexicons[kind]

    def warm(self) -> None:
        """Facet tables, field lengths, dates and the alias table's spellings now, not on a
        reader's first search."""
        self.aliases.warm()
        for name in self.facets:
            self.table(name).starts  # noqa: B018 - computed once here, not on a search
        for field in ("title", "body", "body_stem"):
            self.postings.lengths(field)
        self.postings.dates()
