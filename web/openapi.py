"""The OpenAPI 3.1 document of /api/*, served at /api/openapi.json.

Schemas are strict (``additionalProperties: false``) and a test validates real responses
of every endpoint against them, so the document cannot drift from the code.
"""

from __future__ import annotations

from pydantic import BaseModel

from index.models import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_PAGE,
    MAX_QUERY_CHARS,
    ArticleView,
    Match,
    SearchResponse,
    Sort,
    Suggestions,
)

from .export import FIELDS as EXPORT_FIELDS
from .params import FILTER_PARAMS

_REF = "#/components/schemas/{model}"
_STR = {"type": "string"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


class ErrorDetail(BaseModel):
    code: str
    message: str
    parameter: str | None = None  # the bad parameter (bad_parameter only)


class Error(BaseModel):
    error: ErrorDetail


def _schemas() -> dict:
    """Component schemas generated from the pydantic models that shape the responses."""
    out: dict = {}
    for name, model in (("SearchResult", SearchResponse), ("Article", ArticleView),
                        ("Suggestions", Suggestions), ("Error", Error)):
        schema = model.model_json_schema(ref_template=_REF)
        out.update(schema.pop("$defs", {}))
        out[name] = schema
    return out


def _param(name: str, schema: dict, description: str, *, repeat: bool = False,
           where: str = "query", required: bool = False) -> dict:
    if repeat:
        schema = {"type": "array", "items": schema}
    out = {"name": name, "in": where, "required": required, "description": description,
           "schema": schema}
    if repeat:
        out.update(style="form", explode=True)
    return out


_FILTER_SCHEMAS = {"year": {"type": "string", "pattern": r"^\d{4}$"},
                   "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}}

SEARCH_PARAMETERS = [
    _param("q", {"type": "string", "maxLength": MAX_QUERY_CHARS},
           'The query: words (all must match), "phrase", -word, OR/أو, word*, word~, '
           "person: place: org: source: title: date:2018-03..2018-05"),
    _param("match", {"enum": [m.value for m in Match], "default": Match.ALL.value},
           "all: every word must match; any: more and rarer words rank first"),
    _param("sort", {"enum": [s.value for s in Sort], "default": Sort.RELEVANCE.value},
           "Result order"),
    _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
           "Page number"),
    _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                     "default": DEFAULT_LIMIT}, "Hits per page"),
    *(_param(param, _FILTER_SCHEMAS.get(param, _STR),
             f"{name.value} filter: a facet value (its key or a spelling of it); "
             "repeat for OR", repeat=True)
      for param, name in FILTER_PARAMS.items()),
    _param("from", {"type": "string", "format": "date"}, "Earliest date, YYYY-MM-DD"),
    _param("to", {"type": "string", "format": "date"}, "Latest date (inclusive), YYYY-MM-DD"),
]


def _json(schema_name: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema_name)}}}


_ERRORS = {
    "400": _json("Error", "A bad parameter (the message names it), or a query the engine "
                          "refused (bad_query)"),
    "503": _json("Error", "No index has been built yet (index_missing), or no search node "
                          "answered (engine_unavailable)"),
}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Arabic news archive API",
            "version": "1.0.0",
            "description": "Search Arabic news articles: facets, highlights, entities. "
                           "HTML fields are escaped except for <mark> tags.",
        },
        "paths": {
            "/api/search": {"get": {
                "operationId": "search",
                "summary": "Search articles (the JSON of `archive search --json`)",
                "parameters": SEARCH_PARAMETERS,
                "responses": {"200": _json("SearchResult", "One page of results"),
                              **_ERRORS},
            }},
            "/api/export": {"get": {
                "operationId": "export",
                "summary": "Every hit of a search (not one page), streamed",
                "parameters": [p for p in SEARCH_PARAMETERS if p["name"] not in ("page", "limit")]
                + [_param("format", {"enum": ["csv", "jsonl"], "default": "csv"},
                          "CSV (names joined by '; ') or JSON Lines")],
                "responses": {"200": {
                    "description": "One row (CSV) or line (JSON Lines) per hit: "
                                   + ", ".join(EXPORT_FIELDS),
                    "content": {"text/csv": {"schema": {"type": "string"}},
                                "application/x-ndjson": {"schema": {"type": "string"}}}},
                    **_ERRORS},
            }},
            "/api/articles/{id}": {"get": {
                "operationId": "article",
                "summary": "One article in full, with the query's matches marked",
                "parameters": [
                    _param("id", _STR, "Article id", where="path", required=True),
                    _param("q", {"type": "string", "maxLength": MAX_QUERY_CHARS},
                           "Query whose matches to mark"),
                ],
                "responses": {"200": _json("Article", "The article"),
                              "404": _json("Error", "No such article"), **_ERRORS},
            }},
            "/api/suggest": {"get": {
                "operationId": "suggest",
                "summary": "Persons and places whose name has a word starting with prefix",
                "parameters": [
                    _param("prefix", {"type": "string", "maxLength": 100}, "Start of a name"),
                    _param("limit", {"type": "integer", "minimum": 1, "maximum": 50,
                                     "default": 10}, "How many names"),
                ],
                "responses": {"200": _json("Suggestions", "Matching names, most common first"),
                              **_ERRORS},
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}},
            }},
        },
        "components": {"schemas": _schemas()},
    }
