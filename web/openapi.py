"""The OpenAPI 3.1 document of /api/*, served at /api/openapi.json.

Schemas are strict (``additionalProperties: false``) and a test validates real responses
of every endpoint against them, so the document cannot drift from the code.
"""

from __future__ import annotations

from index.search import MAX_LIMIT, MAX_PAGE, MAX_QUERY_CHARS

from .export import FIELDS as EXPORT_FIELDS
from .params import MATCHES, SORTS


def _obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required,
            "additionalProperties": False, **extra}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


_STR = {"type": "string"}
_NULLABLE_STR = {"type": ["string", "null"]}
_STR_LIST = {"type": "array", "items": _STR}

SCHEMAS = {
    "Hit": _obj({
        "id": _STR,
        "title": _STR,
        "title_html": {**_STR, "description": "HTML-escaped title; matches in <mark>"},
        "score": {"type": ["number", "null"]},
        "date": {**_NULLABLE_STR, "description": "ISO 8601 date-time"},
        "source": _NULLABLE_STR,
        "url": _NULLABLE_STR,
        "snippet": {**_STR, "description": "HTML-escaped excerpt; matches in <mark>"},
        "persons": _STR_LIST,
        "places": _STR_LIST,
        "organizations": _STR_LIST,
    }),
    "FacetValue": _obj({
        "value": {**_STR, "description": "the normalised key filters match on"},
        "label": {**_STR, "description": "how to show the value"},
        "count": {"type": "integer", "minimum": 0},
        "selected": {"type": "boolean"},
    }),
    "SearchResult": _obj({
        "query": _STR,
        "match": {"enum": list(MATCHES)},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "limit": {"type": "integer", "minimum": 1},
        "hits": {"type": "array", "items": _ref("Hit")},
        "facets": {
            "type": "object",
            "description": "facet name → values, counts honouring every filter but its own",
            "additionalProperties": {"type": "array", "items": _ref("FacetValue")},
        },
        "facets_more": {"type": "object", "additionalProperties": {"type": "integer"}},
        "suggestion": {**_NULLABLE_STR, "description": "a 'did you mean' query"},
        "notices": _STR_LIST,
        "took_ms": {"type": "number"},
    }),
    "Article": _obj({
        "id": _STR,
        "title": _STR,
        "title_html": _STR,
        "body_html": {**_STR, "description": "HTML-escaped body, line breaks kept; "
                                              "the query's matches in <mark>"},
        "date": _NULLABLE_STR,
        "source": _NULLABLE_STR,
        "url": _NULLABLE_STR,
        "category": _NULLABLE_STR,
        "persons": {"type": "array", "items": _ref("FacetValue")},
        "places": {"type": "array", "items": _ref("FacetValue")},
        "organizations": {"type": "array", "items": _ref("FacetValue")},
        "related": {"type": "array", "items": _ref("Hit")},
    }),
    "Suggestions": _obj({
        "prefix": _STR,
        "suggestions": {"type": "array", "items": _obj({
            "kind": {"enum": ["person", "place", "organization"]},
            "value": _STR,
            "label": _STR,
            "count": {"type": "integer", "minimum": 0},
        })},
    }),
    "Error": _obj({
        "error": _obj({
            "code": {**_STR, "examples": ["bad_parameter", "not_found", "index_missing"]},
            "message": _STR,
            "parameter": {**_STR, "description": "the bad parameter (bad_parameter only)"},
        }, required=["code", "message"]),
    }),
}


def _param(name: str, schema: dict, description: str, *, repeat: bool = False,
           where: str = "query", required: bool = False) -> dict:
    if repeat:
        schema = {"type": "array", "items": schema}
    out = {"name": name, "in": where, "required": required, "description": description,
           "schema": schema}
    if repeat:
        out.update(style="form", explode=True)
    return out


SEARCH_PARAMETERS = [
    _param("q", {"type": "string", "maxLength": MAX_QUERY_CHARS},
           'The query: words (all must match), "phrase", -word, OR/أو, word*, word~, '
           "person: place: org: source: title: date:2018-03..2018-05"),
    _param("match", {"enum": list(MATCHES), "default": "all"},
           "all: every word must match; any: more and rarer words rank first"),
    _param("sort", {"enum": list(SORTS), "default": "relevance"}, "Result order"),
    _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
           "Page number"),
    _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10},
           "Hits per page"),
    _param("person", _STR, "Person filter; repeat for OR", repeat=True),
    _param("place", _STR, "Place filter; repeat for OR", repeat=True),
    _param("org", _STR, "Organisation filter; repeat for OR", repeat=True),
    _param("source", _STR, "Source filter; repeat for OR", repeat=True),
    _param("year", {"type": "string", "pattern": r"^\d{4}$"}, "Year filter (YYYY)",
           repeat=True),
    _param("month", {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
           "Month filter (YYYY-MM)", repeat=True),
    _param("from", {"type": "string", "format": "date"}, "Earliest date, YYYY-MM-DD"),
    _param("to", {"type": "string", "format": "date"}, "Latest date (inclusive), YYYY-MM-DD"),
]


def _json(schema_name: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema_name)}}}


_ERRORS = {
    "400": _json("Error", "A bad parameter; the message names it"),
    "503": _json("Error", "No index has been built yet"),
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
        "components": {"schemas": SCHEMAS},
    }
