"""Web safety: stored and reflected XSS render as text (in HTML and in a real Chromium), no
path traversal through article ids or static files, security headers on every response
(errors included), and no debug mode unless asked for.

The browser tests are marked ``browser``: skipped without chromium unless REQUIRE_BROWSER=1.
"""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from click.testing import CliRunner

from archive.models import Article
from web.app import SECURITY_HEADERS, create_app

from .conftest import sample_articles
from .helpers import served

SCRIPT = '<script id="xss-script">alert("script")</script>'
IMG = '<img id="xss-img" src=x onerror=alert("img")>'
SVG = '"><svg id="xss-svg" onload=alert("svg")>'
ATTR = "' autofocus onfocus=alert('attr') x='"
IFRAME = '<iframe id="xss-iframe" src="javascript:alert(1)"></iframe>'
TEMPLATE = "{{ 7*7 }}{% if 1 %}"
PAYLOADS = (SCRIPT, IMG, SVG, ATTR, IFRAME, TEMPLATE, 'javascript:alert("href")')
INJECTED_IDS = ("xss-script", "xss-img", "xss-svg", "xss-iframe", "xss-id")
PERSON = "زعيمخطير " + IMG  # a name the suggest box completes from "زعيمخ"
HOSTILE_ID = 'x"><script id="xss-id">alert("id")</script>'
ARTICLE = Article(
    id=HOSTILE_ID, title="خبر مسموم " + SCRIPT + " " + SVG,
    body=f"اختراق في النص {IMG}\n{ATTR} {IFRAME}\n{TEMPLATE}", date=datetime(2020, 6, 1),
    source="مصدر " + SVG, category="فئة " + SCRIPT, url='javascript:alert("url")',
    persons=[PERSON, SCRIPT], places=["مكان " + SVG], organizations=["منظمة " + ATTR])


@pytest.fixture(scope="module")
def safety_app(tmp_path_factory):
    from index.build import reindex

    directory = tmp_path_factory.mktemp("safety-index") / "index"
    reindex(directory, sample_articles() + [ARTICLE])
    return create_app({"TESTING": True, "INDEX_DIR": str(directory)})


@pytest.fixture
def safety_client(safety_app):
    return safety_app.test_client()


class _Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(html: str, where: str) -> str:
    """No injected element, handler, inline script or ``javascript:`` link; the text."""
    page = _Page(html)
    for tag, attrs in page.elements:
        assert attrs.get("id") not in INJECTED_IDS, (where, tag, attrs)
        assert not [a for a in attrs if a.startswith("on") or a == "autofocus"], (where, attrs)
        assert tag not in ("iframe", "object", "embed"), (where, tag)
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), (where, attrs)
        for name in ("href", "src", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:text")), (where, attrs)
    return "".join(page.text)


def get_html(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def article_url(doc_id: str) -> str:
    return "/articles/" + quote(doc_id, safe="")


# -- stored XSS ---------------------------------------------------------------------------

def test_stored_payloads_render_as_text_on_the_article_page(safety_client):
    for query in ("", "?q=اختراق", "?q=script", "?q=img", "?q=alert", "?q=svg+onload+xss+id",
                  "?q=iframe+javascript", "?q=lt+gt+quot+amp"):
        html = get_html(safety_client, article_url(HOSTILE_ID) + query)
        text = assert_inert(html, query)
        for stored in (SCRIPT, IMG, ATTR, IFRAME, TEMPLATE, "مصدر " + SVG, "فئة " + SCRIPT,
                       PERSON, "مكان " + SVG, "منظمة " + ATTR):
            assert stored in text, (query, stored)
        assert 'class="original"' not in html, "only http(s) original URLs are linked"


def test_stored_payloads_render_as_text_on_the_search_page(safety_client):
    hit = safety_client.get("/api/search?q=اختراق").get_json()["hits"][0]
    assert hit["id"] == HOSTILE_ID
    org = safety_client.get("/api/search?q=اختراق").get_json()["facets"]["organization"][0]
    keys = {"persons": [e["value"] for e in hit["persons"]],
            "places": [e["value"] for e in hit["places"]], "organizations": [org["value"]]}
    urls = ["/?q=اختراق", "/?q=مسموم", "/?q=script", "/?q=img+OR+svg+OR+onerror",
            "/?sort=newest",
            "/?" + urlencode({"person": keys["persons"][0]}),
            "/?" + urlencode({"org": keys["organizations"][0], "place": keys["places"][0]}),
            "/?" + urlencode({"q": "اختراق", "expand": "person"})]
    for url in urls:
        text = assert_inert(get_html(safety_client, url), url)
        assert "خبر مسموم" in text, url
        assert "مصدر " + SVG in text and SCRIPT in text, url
    chip = assert_inert(get_html(safety_client, urls[5]), "chip")
    assert PERSON in chip, "the chip names the hostile person as text"


def test_stored_payloads_in_the_api_are_json_not_html(safety_client):
    response = safety_client.get("/api/articles/" + quote(HOSTILE_ID, safe=""))
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["title"] == ARTICLE.title and body["source"] == ARTICLE.source
    assert "<script" not in body["body_html"] and "&lt;img" in body["body_html"]
    assert "<script" not in body["title_html"]
    for url in ("/api/search?q=اختراق", "/api/suggest?prefix=زعيمخ"):
        response = safety_client.get(url)
        assert response.mimetype == "application/json", url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    export = safety_client.get("/api/export?q=اختراق&format=csv")
    assert export.mimetype == "text/csv" and export.headers["Content-Disposition"].startswith(
        "attachment")


# -- reflected XSS ------------------------------------------------------------------------

PARAMS = ("q", "match", "sort", "page", "limit", "person", "place", "org", "source", "year",
          "month", "from", "to", "expand", "format", "prefix", "unknown")
ENDPOINTS = ("/", "/articles/a00", "/help", "/api/search", "/api/export", "/api/suggest",
             "/api/articles/a00", "/nothing-here")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_reflected_payloads_render_as_text(safety_client, endpoint):
    for payload in PAYLOADS:
        for args in [[(p, payload)] for p in PARAMS] + [[(payload, "1")], [("q", payload)] * 2]:
            url = endpoint + "?" + urlencode(args)
            response = safety_client.get(url)
            assert response.status_code < 500, url
            body = response.get_data(as_text=True)
            if response.mimetype == "text/html":
                text = assert_inert(body, url)
                if endpoint == "/" and args[0][0] in ("q", "person", "source") and len(args) == 1:
                    assert response.status_code == 200 and payload in text, url
            else:
                assert response.mimetype in ("application/json", "text/csv"), url
                assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_error_messages_quote_the_payload_escaped(safety_client):
    for url in ("/?" + urlencode({"sort": SVG}), "/?" + urlencode({"page": SCRIPT}),
                "/" + quote(SCRIPT), "/articles/" + quote(IMG, safe="")):
        response = safety_client.get(url)
        assert response.status_code in (400, 404), url
        html = response.get_data(as_text=True)
        text = assert_inert(html, url)
        assert "<svg" not in html and "<script id" not in html and "<img" not in html, url
        assert "xss-" in text, "the bad value is quoted, as text"


# -- path traversal -----------------------------------------------------------------------

TRAVERSALS = ("../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
              "%2e%2e/%2e%2e/etc/passwd", "/etc/passwd", "%2fetc%2fpasswd",
              "....//....//etc/passwd", "..\\..\\etc\\passwd", "..%5c..%5cweb%5capp.py",
              "../web/app.py", "a00%00", "%00", "a00%00.html", "..%00/etc/passwd", "%ff%fe",
              "a" * 5000, "%252e%252e%252fetc%252fpasswd", "file:///etc/passwd")
LEAKS = ("root:", "/bin/", "def create_app", "import ", "SECURITY_HEADERS", "[build-system]")


@pytest.mark.parametrize("prefix", ["/articles/", "/api/articles/", "/static/"])
def test_no_path_traversal(safety_client, prefix):
    for path in TRAVERSALS:
        response = safety_client.get(prefix + path, follow_redirects=True)
        assert response.status_code in (400, 404), (prefix + path, response.status_code)
        body = response.get_data(as_text=True)
        assert not [leak for leak in LEAKS if leak in body], (prefix + path, body[:300])
        assert "Traceback" not in body


# -- security headers ---------------------------------------------------------------------

def assert_security_headers(response, where: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (where, name, response.headers.get(name))
    csp = dict((d.strip().split(" ", 1) + [""])[:2] for d in
               response.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'", where
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'", where
    assert csp["base-uri"] in ("'none'", "'self'"), where
    for directive, sources in csp.items():
        for bad in ("'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"):
            assert bad not in sources.split(), (where, directive, sources)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


RESPONSES = [
    ("GET", "/", 200), ("GET", "/?q=غزة", 200), ("GET", "/help", 200),
    ("GET", "/articles/a00", 200), ("GET", "/api/search?q=غزة", 200),
    ("GET", "/api/articles/a00", 200), ("GET", "/api/suggest?prefix=غز", 200),
    ("GET", "/api/export?q=غزة", 200), ("GET", "/api/openapi.json", 200),
    ("GET", "/static/style.css", 200), ("GET", "/static/app.js", 200),
    ("GET", "/static/favicon.svg", 200), ("HEAD", "/", 200), ("OPTIONS", "/api/search", 200),
    ("GET", "/?page=x", 400), ("GET", "/api/search?page=0", 400), ("GET", "/?q=a*", 400),
    ("GET", "/api/search?q=a*", 400), ("GET", "/api/export?format=xml", 400),
    ("GET", "/nothing", 404), ("GET", "/articles/nope", 404), ("GET", "/api/articles/nope", 404),
    ("GET", "/api/nothing", 404), ("GET", "/static/nothing.css", 404),
    ("POST", "/", 405), ("POST", "/api/search", 405), ("DELETE", "/articles/a00", 405),
]


@pytest.mark.parametrize("method, url, status", RESPONSES)
def test_security_headers_on_every_response(safety_client, method, url, status):
    response = safety_client.open(url, method=method)
    assert response.status_code == status, (method, url)
    assert_security_headers(response, f"{method} {url}")


def test_security_headers_on_304(safety_client):
    etag = safety_client.get("/static/app.js").headers["ETag"]
    response = safety_client.get("/static/app.js", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert_security_headers(response, "304")


def test_security_headers_on_503(tmp_path):
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    for url in ("/", "/api/search"):
        response = client.get(url)
        assert response.status_code == 503
        assert_security_headers(response, url)


# -- debug mode and unexpected errors -----------------------------------------------------

def test_debug_is_off_even_with_flask_debug_in_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert not create_app().debug
    assert not create_app({"INDEX_DIR": str(tmp_path)}).debug
    assert create_app({"DEBUG": True}).debug, "asking for it in the config still works"


def _failing_app(index_dir: str):
    """A production-like app (not TESTING) with routes and a search that raise."""
    app = create_app({"INDEX_DIR": index_dir})

    def boom():
        raise RuntimeError("secret internals at /srv/secret.py")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/boom", "api_boom", boom)
    return app


def test_unexpected_errors_are_plain_500s_with_headers(monkeypatch, safety_app):
    from index.search import ArchiveSearcher

    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = _failing_app(safety_app.config["INDEX_DIR"])
    monkeypatch.setattr(ArchiveSearcher, "search", lambda *a, **k: 1 / 0)
    client = app.test_client()
    for url in ("/boom", "/api/boom", "/?q=غزة", "/api/search?q=غزة"):
        response = client.get(url)
        assert response.status_code == 500, url
        body = response.get_data(as_text=True)
        for leak in ("Traceback", "secret", "ZeroDivision", "__debugger__", "Werkzeug", ".py"):
            assert leak not in body, (url, leak)
        if url.startswith("/api/"):
            assert response.get_json()["error"]["code"] == "internal_error"
        else:
            assert_inert(body, url)
        assert_security_headers(response, url)


def test_serve_never_turns_the_debugger_on(monkeypatch, safety_app):
    """`archive serve --dev` runs Flask's server without debugger or reloader, even with
    FLASK_DEBUG=1 (the debugger would run code sent to it); gunicorn's app has debug off."""
    import werkzeug.serving

    from web import serve as serve_module
    from web.cli import main

    monkeypatch.setenv("FLASK_DEBUG", "1")
    calls: list[dict] = []
    monkeypatch.setattr(werkzeug.serving, "run_simple",
                        lambda host, port, app, **options: calls.append(
                            {"app": app, **options}))
    index = safety_app.config["INDEX_DIR"]
    result = CliRunner().invoke(main, ["serve", "--dev", "--index", index, "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    assert not calls[0]["use_debugger"] and not calls[0]["use_reloader"]
    assert not calls[0]["app"].debug

    apps = []
    monkeypatch.setattr(serve_module._Gunicorn, "run", lambda self: apps.append(self.load()))
    result = CliRunner().invoke(main, ["serve", "--index", index, "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert len(apps) == 1 and not apps[0].debug


# -- in a real Chromium -------------------------------------------------------------------

@pytest.fixture(scope="module")
def safety_server(safety_app):
    with served(safety_app) as url:
        yield url


COUNT_DIALOGS = ("window.__xss = 0; for (const f of ['alert', 'confirm', 'prompt', 'print']) "
                 "{ window[f] = () => { window.__xss += 1; }; }")


def _assert_clean_dom(page, url: str) -> None:
    for injected in INJECTED_IDS:
        assert page.query_selector(f"#{injected}") is None, (url, injected)
    assert page.evaluate("document.querySelectorAll('[onerror],[onload],[onfocus],"
                         "[autofocus],iframe,object,embed').length") == 0, url
    assert page.evaluate("[...document.scripts].every(s => s.src.includes('/static/'))"), url
    assert page.evaluate("window.__xss") == 0, url


@pytest.mark.browser
def test_no_payload_runs_in_the_browser(browser_page, safety_server):
    page = browser_page  # fails the test on any dialog, page error or console error
    page.add_init_script(COUNT_DIALOGS)
    urls = [article_url(HOSTILE_ID), article_url(HOSTILE_ID) + "?q=img", "/?q=اختراق",
            "/?q=مسموم&expand=person", "/?" + urlencode({"q": SVG}),
            "/?" + urlencode({"person": PERSON, "q": IMG}), "/?" + urlencode({"sort": SVG}),
            "/" + quote(SCRIPT), "/articles/" + quote(IMG, safe="")]
    for url in urls:
        page.goto(safety_server + url)
        page.wait_for_load_state("load")
        _assert_clean_dom(page, url)
    # The 400 and 404 pages log their own status; any other console error (a CSP refusal
    # of an injected script, say) still fails the test.
    page.problems[:] = [p for p in page.problems if not p.startswith(
        "console error: Failed to load resource: the server responded with a status of 40")]
    page.goto(safety_server + article_url(HOSTILE_ID))
    assert SCRIPT in page.locator("h1").inner_text()
    assert IMG in page.locator("div.body").inner_text()


@pytest.mark.browser
def test_suggested_names_are_text_in_the_browser(browser_page, safety_server):
    page = browser_page
    page.add_init_script(COUNT_DIALOGS)
    page.goto(safety_server + "/")
    page.locator("#q").press_sequentially("زعيمخ", delay=30)
    option = page.locator("#suggestions li").first
    option.wait_for(state="visible", timeout=5000)
    assert option.locator("bdi").inner_text() == PERSON
    _assert_clean_dom(page, "suggestions")
