"""Serving the app: gunicorn with several workers by default, Flask's server for development.

Each gunicorn worker builds its own app and opens the index once at start (warming the
facet tables, field lengths and dates), so the first reader never waits for them.
Whoosh's open files are not shared across a fork, so nothing index-related is preloaded
in the master.
"""

from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication

from index.engine import EngineConfig, EngineUnavailable
from index.store import IndexMissing

from .app import create_app
from .engine import get_engine


def make_app(config: EngineConfig) -> Flask:
    """The app over ``config``'s index, opened and warmed when an index is there."""
    app = create_app({"INDEX_DIR": str(config.index_dir), "ENGINE": config.name.value,
                      "SPHINX_NODES": ",".join(config.nodes),
                      "SPHINX_TIMEOUT": config.timeout})
    with app.app_context():
        try:
            get_engine()
        except (IndexMissing, EngineUnavailable):
            pass  # served as 503 until `archive reindex` builds one, or the nodes are up
    return app


class _Gunicorn(BaseApplication):
    def __init__(self, config: EngineConfig, options: dict):
        self.engine_config, self.options = config, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return make_app(self.engine_config)


def serve(config: EngineConfig, host: str, port: int, workers: int, dev: bool = False) -> None:
    """Serve until interrupted: gunicorn with ``workers`` processes, or Flask's server."""
    if dev:
        # debug=False: Flask's run() would otherwise turn the debugger (which runs code
        # sent to it) and the reloader on when FLASK_DEBUG=1 is in the environment.
        make_app(config).run(host=host, port=port, threaded=False, debug=False)  # see below
        return
    # Sync workers, one request at a time each: a Whoosh reader seeks and reads shared
    # file objects, so it is not to be used from several threads at once.
    _Gunicorn(config, {"bind": f"{host}:{port}", "workers": workers,
                       "worker_class": "sync", "timeout": 60, "accesslog": "-",
                       "preload_app": False}).run()
