"""The engine boundary: what the CLI and the web ask of an index, whichever engine holds it.

Whoosh (`index.whoosh_engine`) is the embedded default: nothing to install, one
directory. Sphinx (`index.sphinx`) spreads the archive over ``searchd`` nodes. Both
analyse with our own chain, resolve names through the same alias table and return the
same models, so a query finds the same articles in either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from archive.kinds import EntityKind
from archive.models import Article
from archive.readers import Skipped

from .aliases import AliasTable
from .build import Enrich, ReindexReport
from .models import ArticleView, BuildLimits, Hit, NameSuggestion, SearchRequest, SearchResult

NAME_KINDS = (EntityKind.PERSON, EntityKind.PLACE)


class EngineUnavailable(RuntimeError):
    """The engine cannot answer now (a node down or timing out); the message says which."""


class QueryRefused(ValueError):
    """The engine refused the query itself (e.g. nothing but excluded words)."""


class EngineName(StrEnum):
    """Which engine holds the index."""

    WHOOSH = "whoosh"
    SPHINX = "sphinx"


@dataclass(frozen=True)
class EngineConfig:
    """An engine and where its index is.

    ``index_dir`` is the Whoosh index, or for Sphinx the state the nodes do not hold
    (alias table, manifest, which slot is served); ``nodes`` are SphinxQL addresses in
    shard order; ``timeout`` bounds every call to a node, in seconds.
    """

    name: EngineName
    index_dir: Path
    nodes: Sequence[str] = ()
    timeout: float = 5.0


class Engine(Protocol):
    """Build, search and read one archive."""

    def has_index(self) -> bool:
        """Whether an index has been built (searching one that has not raises IndexMissing)."""
        ...

    def reindex(self, items: Iterable[Article | Skipped], *, full: bool = False,
                enrich: Enrich = ..., enrich_version: str = "", procs: int = 1,
                limits: BuildLimits = ..., on_item: Callable[[], None] = ...) -> ReindexReport:
        """Add, replace and delete articles (incremental), or rebuild and switch (``full``)."""
        ...

    def search(self, request: SearchRequest) -> SearchResult: ...

    def ranked_ids(self, request: SearchRequest) -> list[str]:
        """Ids of one page in result order, without snippets or facets."""
        ...

    def export(self, request: SearchRequest) -> Iterator[Hit]:
        """Every hit of ``request``, in result order."""
        ...

    def article(self, doc_id: str, query: str = "", related: int = 5) -> ArticleView | None: ...

    def entity_keys(self, kind: EntityKind, name: str) -> list[str]: ...

    def suggest_names(self, prefix: str, kinds: Sequence[EntityKind] = NAME_KINDS,
                      limit: int = 10) -> list[NameSuggestion]: ...

    def aliases(self) -> AliasTable: ...

    def stats(self) -> dict:
        """``{"engine", "documents", ...}``: what the index holds, per node for Sphinx."""
        ...

    def warm(self) -> None: ...

    def close(self) -> None: ...
