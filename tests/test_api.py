"""The JSON API: shapes, errors, and real responses validated against /api/openapi.json."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from tests.conftest import XSS_ID

SEARCH_KEYS = {"query", "match", "total", "page", "limit", "hits", "facets", "facets_more",
               "suggestion", "notices", "took_ms"}
HIT_KEYS = {"id", "title", "title_html", "score", "date", "source", "url", "snippet",
            "persons", "places", "organizations"}


@pytest.fixture(scope="module")
def spec(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    validate_spec(document)  # a valid OpenAPI 3.1 document
    return document


def response_validator(spec: dict, path: str, status: int) -> Draft202012Validator:
    """A JSON Schema validator for one documented response, $refs resolved in the spec."""
    operation = spec["paths"][path]["get"]
    assert str(status) in operation["responses"], f"{path} does not document {status}"
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": spec["components"]})


def check(client, spec, url: str, path: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    errors = list(response_validator(spec, path, status).iter_errors(body))
    assert not errors, [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]
    return body


def test_search_shape_is_the_cli_json(client):
    body = client.get("/api/search?q=غزة").get_json()
    assert set(body) == SEARCH_KEYS
    assert body["total"] == 6 and body["page"] == 1 and body["limit"] == 10
    assert all(set(hit) == HIT_KEYS for hit in body["hits"])
    assert set(body["facets"]) == {"person", "place", "organization", "source", "year", "month"}
    assert body["facets"]["place"][0] == {"value": "غزه", "label": "غزة", "count": 6,
                                          "selected": False}
    assert '<mark class="match term0">غزة</mark>' in body["hits"][0]["snippet"]


def test_search_same_as_library(client, index_dir):
    from index.search import ArchiveSearcher, SearchRequest

    library = ArchiveSearcher(index_dir).search(SearchRequest(
        query="التقى", filters={"person": ["بنيامين نتنياهو", "أنتوني بلينكن"]},
        sort="oldest", page=2, limit=5)).as_json()
    api = client.get("/api/search?q=التقى&person=بنيامين نتنياهو&person=أنتوني بلينكن"
                     "&sort=oldest&page=2&limit=5").get_json()
    for data in (library, api):
        data.pop("took_ms")
    assert api == library


def test_search_filters_dates_and_paging(client):
    both = client.get("/api/search?person=بنيامين نتنياهو&person=أنتوني بلينكن").get_json()
    assert both["total"] == 16
    selected = {v["label"] for v in both["facets"]["person"] if v["selected"]}
    assert selected == {"بنيامين نتنياهو", "أنتوني بلينكن"}
    dated = client.get("/api/search?from=2019-01-01&to=2019-12-31&limit=100").get_json()
    assert dated["total"] == 6 and all(h["date"].startswith("2019") for h in dated["hits"])
    org = client.get("/api/search?org=حماس").get_json()
    assert org["total"] == 12
    beyond = client.get("/api/search?page=50").get_json()
    assert beyond["hits"] == [] and beyond["total"] == 25


def test_article(client):
    body = client.get("/api/articles/a00?q=غزة").get_json()
    assert body["id"] == "a00" and "<mark" in body["body_html"]
    assert [p["label"] for p in body["persons"]] == ["بنيامين نتنياهو"]
    xss = client.get(f"/api/articles/{XSS_ID}").get_json()
    assert "<script>" not in xss["body_html"] and "&lt;script&gt;" in xss["body_html"]
    assert xss["title"].endswith("<script>alert(1)</script>"), "plain text fields stay raw"


def test_suggest(client):
    body = client.get("/api/suggest?prefix=نتن").get_json()
    assert body["prefix"] == "نتن"
    assert [(s["kind"], s["label"]) for s in body["suggestions"]] == [
        ("person", "بنيامين نتنياهو")]
    places = client.get("/api/suggest?prefix=بير").get_json()["suggestions"]
    assert ("place", "بيروت") in [(s["kind"], s["label"]) for s in places]
    assert client.get("/api/suggest?prefix=").get_json() == {"prefix": "", "suggestions": []}
    assert client.get("/api/suggest").get_json()["suggestions"] == []


@pytest.mark.parametrize("url, parameter", [
    ("/api/search?page=0", "page"), ("/api/search?page=1001", "page"),
    ("/api/search?limit=101", "limit"), ("/api/search?limit=0", "limit"),
    ("/api/search?match=x", "match"), ("/api/search?sort=x", "sort"),
    ("/api/search?from=2020-1-1", "from"), ("/api/search?to=x", "to"),
    ("/api/search?q=" + "a" * 1001, "q"), ("/api/search?month=2020", "month"),
    ("/api/suggest?prefix=" + "a" * 101, "prefix"), ("/api/suggest?prefix=a&limit=99", "limit"),
    ("/api/articles/a00?page=x", "page"),
])
def test_bad_parameters_are_400_json_naming_the_parameter(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_parameter" and error["parameter"] == parameter
    assert error["message"].startswith(f"{parameter}: ")


def test_not_found_and_method_errors_are_json(client):
    missing = client.get("/api/articles/nope")
    assert missing.status_code == 404
    assert missing.get_json() == {"error": {"code": "not_found",
                                            "message": "no article with id 'nope'"}}
    assert client.get("/api/nothing").get_json()["error"]["code"] == "not_found"
    post = client.post("/api/search")
    assert post.status_code == 405 and post.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in post.headers["Allow"]


def test_missing_index_is_503_json(missing_index_client):
    response = missing_index_client.get("/api/search?q=x")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "index_missing" and "archive reindex" in error["message"]


def test_headers_on_api(client):
    response = client.get("/api/search")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


# -- every endpoint's real responses against the OpenAPI document -------------------------

def test_openapi_documents_every_api_route(app, spec):
    routes = {rule.rule.replace("<path:doc_id>", "{id}") for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    assert routes == set(spec["paths"])
    search_params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert search_params == {"q", "match", "sort", "page", "limit", "person", "place", "org",
                             "source", "year", "month", "from", "to"}


@pytest.mark.parametrize("url, path, status", [
    ("/api/search", "/api/search", 200),
    ("/api/search?q=غزة&sort=newest", "/api/search", 200),
    ("/api/search?q=التقى&person=بنيامين نتنياهو&person=أنتوني بلينكن&year=2018",
     "/api/search", 200),
    ("/api/search?q=كلمةغيرموجودة", "/api/search", 200),
    ("/api/search?q=غزة كلمةغيرموجودة", "/api/search", 200),
    ("/api/search?q=غزه~&match=any&limit=100", "/api/search", 200),
    ("/api/search?page=1001", "/api/search", 400),
    ("/api/articles/a00", "/api/articles/{id}", 200),
    (f"/api/articles/{XSS_ID}?q=script", "/api/articles/{id}", 200),
    ("/api/articles/nope", "/api/articles/{id}", 404),
    ("/api/articles/a00?to=x", "/api/articles/{id}", 400),
    ("/api/suggest?prefix=بي", "/api/suggest", 200),
    ("/api/suggest?prefix=", "/api/suggest", 200),
    ("/api/suggest?limit=0", "/api/suggest", 400),
    ("/api/openapi.json", "/api/openapi.json", 200),
])
def test_real_responses_match_the_openapi_document(client, spec, url, path, status):
    check(client, spec, url, path, status)


def test_503_matches_the_openapi_document(missing_index_client, spec):
    check(missing_index_client, spec, "/api/search", "/api/search", 503)


def test_schemas_are_strict(spec):
    """Unknown fields fail validation, so a new field must be documented first."""
    validator = response_validator(spec, "/api/search", 200)
    assert not validator.is_valid({"unexpected": 1})


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_streams_every_hit_not_one_page(client, fmt):
    import csv
    import json

    total = client.get("/api/search?q=خبر&limit=5").get_json()["total"]
    response = client.get(f"/api/export?q=خبر&limit=5&format={fmt}")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = (list(csv.DictReader(text.splitlines())) if fmt == "csv"
            else [json.loads(line) for line in text.splitlines()])
    assert total > 5 and len(rows) == total


def test_export_rejects_an_unknown_format(client):
    response = client.get("/api/export?q=خبر&format=xlsx")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "format"
