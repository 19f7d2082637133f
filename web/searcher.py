"""The process's one read-only `ArchiveSearcher`, which the blueprints import (flaskr's
``db.py`` idea: the app factory and the views both depend on this, not on each other)."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app

from index.search import ArchiveSearcher, SearchResult

from .params import SearchParams

_SEARCHER_KEY = "archive_searcher"
_LOCK = threading.Lock()


def get_searcher() -> ArchiveSearcher:
    """The process's searcher, opened on first use and reused (it refreshes itself).

    Raises `IndexMissing` while there is no index; nothing is cached then, so the app
    starts working as soon as `archive reindex` has built one.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    searcher = app.extensions.get(_SEARCHER_KEY)
    if searcher is None:
        with _LOCK:
            searcher = app.extensions.get(_SEARCHER_KEY)
            if searcher is None:
                searcher = ArchiveSearcher(Path(app.config["INDEX_DIR"]))
                searcher.warm()  # facet tables now, not on a user's first search
                app.extensions[_SEARCHER_KEY] = searcher
    return searcher


def run_search(params: SearchParams, facet_limit: int = 10) -> SearchResult:
    """Search with parsed parameters (pages and API share this one call)."""
    return get_searcher().search(params.to_request(facet_limit=facet_limit))
