"""Flask app factory: pages and JSON API blueprints over one read-only engine.

Development: ``archive serve``. Production: ``gunicorn -w 4 -b 0.0.0.0:8000
'web.app:create_app()'`` (each worker opens the index once, lazily, and reuses it).
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from archive.settings import get_settings
from index.engine import EngineUnavailable, QueryRefused
from index.engines import engine_config
from index.store import IndexMissing

from . import api, views
from .params import BadParameter

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; ``INDEX_DIR``, ``ENGINE``, ``SPHINX_NODES`` and ``SPHINX_TIMEOUT``
    default to the ``ARCHIVE_*`` settings. Debug mode is off unless ``test_config`` asks
    for it (``FLASK_DEBUG`` in the environment is not enough)."""
    app = Flask(__name__)
    settings = get_settings()
    app.config.from_mapping(
        INDEX_DIR=str(engine_config(settings).index_dir),
        ENGINE=settings.engine,
        SPHINX_NODES=settings.sphinx_nodes,
        SPHINX_TIMEOUT=settings.sphinx_timeout,
        JSON_SORT_KEYS=False,
        DEBUG=False,
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.after_request(_security_headers)
    app.register_error_handler(BadParameter, _bad_parameter)
    app.register_error_handler(IndexMissing, _index_missing)
    app.register_error_handler(EngineUnavailable, _engine_unavailable)
    app.register_error_handler(QueryRefused, _query_refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    return app


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, **extra):
    """The one place errors are rendered: JSON under /api/, an HTML page elsewhere."""
    if _wants_json():
        response = jsonify({"error": {"code": code, "message": message, **extra}})
    else:
        response = make_response(render_template(
            "error.html", status=status, code=code, message=message, **extra))
    response.status_code = status
    return response


def _bad_parameter(exc: BadParameter):
    return error_response(400, "bad_parameter", str(exc), parameter=exc.parameter)


def _index_missing(exc: IndexMissing):
    log.warning("index missing: %s", exc)
    return error_response(503, "index_missing", str(exc))


def _engine_unavailable(exc: EngineUnavailable):
    log.warning("engine unavailable: %s", exc)
    return error_response(503, "engine_unavailable", str(exc))


def _query_refused(exc: QueryRefused):
    return error_response(400, "bad_query", f"the search engine refused this query: {exc}")


_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


def _http_error(exc: HTTPException):
    status = exc.code or 500
    code = _CODES.get(status, (exc.name or "error").lower().replace(" ", "_"))
    message = exc.description
    if status == 404 and message == type(exc).description:
        message = f"not found: {request.path}"
    response = error_response(status, code, message or exc.name)
    if allowed := getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(allowed)
    return response


def _unexpected(exc: Exception):
    log.exception("unhandled error on %s", request.path)
    return error_response(500, "internal_error", "an unexpected error occurred; it was logged")
