"""The process's one read-only engine, which the blueprints import (flaskr's ``db.py``
idea: the app factory and the views both depend on this, not on each other)."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from flask import current_app

from archive.settings import get_settings
from index.engine import Engine, EngineConfig, EngineName
from index.engines import engine_config, open_engine
from index.models import SearchResult

from .params import SearchParams

_ENGINE_KEY = "archive_engine"
_LOCK = threading.Lock()


def app_engine_config(config) -> EngineConfig:
    """The engine an app's config names (``ENGINE``, ``INDEX_DIR``, ``SPHINX_NODES`` as
    addresses or a nodes folder, ``SPHINX_TIMEOUT``)."""
    chosen = engine_config(get_settings(), config.get("ENGINE") or EngineName.WHOOSH.value,
                           Path(config["INDEX_DIR"]), config.get("SPHINX_NODES") or "")
    return replace(chosen, timeout=float(config.get("SPHINX_TIMEOUT", chosen.timeout)))


def get_engine() -> Engine:
    """The process's engine, opened on first use and reused (it refreshes itself).

    Raises `IndexMissing` while there is no index; nothing is cached then, so the app
    starts working as soon as `archive reindex` has built one.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = app.extensions.get(_ENGINE_KEY)
    if engine is None:
        with _LOCK:
            engine = app.extensions.get(_ENGINE_KEY)
            if engine is None:
                engine = open_engine(app_engine_config(app.config))
                engine.warm()  # facet tables now, not on a user's first search
                app.extensions[_ENGINE_KEY] = engine
    return engine


def run_search(params: SearchParams, facet_limit: int = 10) -> SearchResult:
    """Search with parsed parameters (pages and API share this one call)."""
    return get_engine().search(params.to_request(facet_limit=facet_limit))
