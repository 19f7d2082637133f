"""The JSON API: the same parameters as the pages, the shapes of ``archive search --json``.

Errors (400, 404, 503) are ``{"error": {"code", "message"}}``, rendered by the app.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from .app import get_searcher, run_search
from .openapi import openapi_document
from .params import parse_search_args, parse_suggest_args

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    params = parse_search_args(request.args)
    return jsonify(run_search(params).as_json())


@bp.get("/articles/<path:doc_id>")
def article(doc_id: str):
    params = parse_search_args(request.args)
    view = get_searcher().article(doc_id, query=params.q)
    if view is None:
        abort(404, f"no article with id {doc_id!r}")
    return jsonify(view.model_dump())


@bp.get("/suggest")
def suggest():
    prefix, limit = parse_suggest_args(request.args)
    names = get_searcher().suggest_names(prefix, limit=limit) if prefix else []
    return jsonify({"prefix": prefix, "suggestions": [n.model_dump() for n in names]})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
