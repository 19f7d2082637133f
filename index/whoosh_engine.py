"""The embedded engine: a Whoosh index in one directory (`index.build`, `index.search`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from archive.kinds import EntityKind

from .aliases import AliasTable
from .build import ReindexReport, reindex
from .engine import NAME_KINDS, EngineConfig
from .models import ArticleView, Hit, NameSuggestion, SearchRequest, SearchResult
from .search import ArchiveSearcher
from .store import is_current, open_index, resolve


class WhooshEngine:
    """`ArchiveSearcher` opened on first read; `reindex` writes the directory."""

    def __init__(self, config: EngineConfig):
        self.index_dir = Path(config.index_dir)
        self._searcher: ArchiveSearcher | None = None

    @property
    def searcher(self) -> ArchiveSearcher:
        if self._searcher is None:
            self._searcher = ArchiveSearcher(self.index_dir)
        return self._searcher

    def has_index(self) -> bool:
        return is_current(self.index_dir)

    def reindex(self, items, **options) -> ReindexReport:
        return reindex(self.index_dir, items, **options)

    def search(self, request: SearchRequest) -> SearchResult:
        return self.searcher.search(request)

    def ranked_ids(self, request: SearchRequest) -> list[str]:
        return self.searcher.ranked_ids(request)

    def export(self, request: SearchRequest) -> Iterator[Hit]:
        return self.searcher.export(request)

    def article(self, doc_id: str, query: str = "", related: int = 5) -> ArticleView | None:
        return self.searcher.article(doc_id, query, related)

    def entity_keys(self, kind: EntityKind, name: str) -> list[str]:
        return self.searcher.entity_keys(kind, name)

    def suggest_names(self, prefix: str, kinds: Sequence[EntityKind] = NAME_KINDS,
                      limit: int = 10) -> list[NameSuggestion]:
        return self.searcher.suggest_names(prefix, kinds, limit)

    def aliases(self) -> AliasTable:
        if self._searcher is not None:
            return self._searcher.generation().aliases
        return AliasTable.load(resolve(self.index_dir))

    def stats(self) -> dict:
        open_index(self.index_dir)  # raises IndexMissing when there is none
        searcher = self.searcher.generation().searcher
        return {"engine": "whoosh", "index": str(resolve(self.index_dir)),
                "documents": searcher.doc_count()}

    def warm(self) -> None:
        self.searcher.warm()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
