"""Serving the app: gunicorn with several workers by default, Flask's server for development.

Each gunicorn worker builds its own app and opens the index once at start (warming the
facet tables, field lengths and vocabulary), so the first reader never waits for it.
Whoosh's open files are not shared across a fork, so nothing index-related is preloaded
in the master.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from gunicorn.app.base import BaseApplication

from index.store import IndexMissing

from .app import create_app
from .searcher import get_searcher


def make_app(index_dir: Path) -> Flask:
    """The app over ``index_dir``, its searcher opened and warmed when an index is there."""
    app = create_app({"INDEX_DIR": str(index_dir)})
    with app.app_context():
        try:
            get_searcher()
        except IndexMissing:
            pass  # served as 503 until `archive reindex` builds one
    return app


class _Gunicorn(BaseApplication):
    def __init__(self, index_dir: Path, options: dict):
        self.index_dir, self.options = index_dir, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return make_app(self.index_dir)


def serve(index_dir: Path, host: str, port: int, workers: int, dev: bool = False) -> None:
    """Serve until interrupted: gunicorn with ``workers`` processes, or Flask's server."""
    if dev:
        make_app(index_dir).run(host=host, port=port, threaded=False)  # see below
        return
    # Sync workers, one request at a time each: a Whoosh reader seeks and reads shared
    # file objects, so it is not to be used from several threads at once.
    _Gunicorn(index_dir, {"bind": f"{host}:{port}", "workers": workers,
                          "worker_class": "sync", "timeout": 60, "accesslog": "-",
                          "preload_app": False}).run()
