"""The JSON API: the same parameters as the pages, the shapes of ``archive search --json``.

Errors (400, 404, 503) are ``{"error": {"code", "message"}}``, rendered by the app.
"""

from __future__ import annotations

from itertools import chain

from flask import Blueprint, Response, abort, jsonify, request, stream_with_context

from .engine import get_engine, run_search
from .export import FORMATS, export_lines
from .openapi import openapi_document
from .params import BadParameter, parse_search_args, parse_suggest_args, shown

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    params = parse_search_args(request.args)
    return jsonify(run_search(params).as_json())


@bp.get("/export")
def export():
    """Every hit of the search (not one page), streamed as CSV or JSON Lines."""
    params = parse_search_args(request.args)
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS:
        raise BadParameter("format", f"must be one of {', '.join(FORMATS)}, got {shown(fmt)}")
    hits = iter(get_engine().export(params.to_request()))
    # The search runs here, before the 200 is sent: a refused query is a 400, not a
    # stream cut short.
    first = next(hits, None)
    if first is not None:
        hits = chain([first], hits)
    return Response(stream_with_context(export_lines(hits, fmt)), mimetype=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="archive.{fmt}"'})


@bp.get("/articles/<path:doc_id>")
def article(doc_id: str):
    params = parse_search_args(request.args)
    view = get_engine().article(doc_id, query=params.q)
    if view is None:
        abort(404, f"no article with id {doc_id!r}")
    return jsonify(view.model_dump())


@bp.get("/suggest")
def suggest():
    prefix, limit = parse_suggest_args(request.args)
    names = get_engine().suggest_names(prefix, limit=limit) if prefix else []
    return jsonify({"prefix": prefix, "suggestions": [n.model_dump() for n in names]})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
