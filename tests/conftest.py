"""Shared web fixtures: a small real index in tmp_path, the Flask app and its test client.

Nothing here reads ../shared: every fixture builds its own data.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from archive.models import Article

from .helpers import served

SOURCES = ("الجزيرة", "العربية", "بي بي سي عربي")
PERSONS = ("بنيامين نتنياهو", "أنتوني بلينكن", "يوآف غالانت")
PLACES = ("غزة", "القدس", "بيروت", "طهران")

XSS_ID = "xss-1"
XSS_TITLE = "مقال اختبار <script>alert(1)</script>"
XSS_BODY = ("نص يحتوي على وسم <script>alert(1)</script> وصورة <img src=x onerror=alert(2)> "
            "ضمن خبر عن الأمن السيبراني.")


def _article(n: int) -> Article:
    person = PERSONS[n % len(PERSONS)]
    place = PLACES[n % len(PLACES)]
    source = SOURCES[n % len(SOURCES)]
    year = 2018 + n % 4
    month = 1 + n % 6
    return Article(
        id=f"a{n:02d}",
        title=f"خبر رقم {n} عن {person.split()[-1]} في {place}",
        body=(f"التقى {person} مسؤولين في {place} لبحث التهدئة والمفاوضات.\n"
              f"وقال المتحدث إن الاجتماع رقم {n} تناول الوضع الإنساني.\n"
              "وأضاف أن المحادثات ستستمر الأسبوع المقبل."),
        date=datetime(year, month, 1 + n % 27, 9, 30),
        source=source,
        url=f"https://example.org/news/{n}",
        persons=[person],
        places=[place],
        organizations=["حماس"] if n % 2 else ["الأمم المتحدة"],
    )


def sample_articles() -> list[Article]:
    """24 ordinary articles (3 sources, 4 years, 3 persons, 4 places) and one XSS probe."""
    articles = [_article(n) for n in range(24)]
    articles.append(Article(
        id=XSS_ID, title=XSS_TITLE, body=XSS_BODY, date=datetime(2020, 6, 15),
        source="مصدر <b>خطير</b>", url="javascript:alert(3)",
        persons=["<script>alert(4)</script>"], places=["بيروت"]))
    return articles


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    """A real Whoosh index of `sample_articles`, built once per test session."""
    from index.build import reindex

    directory = tmp_path_factory.mktemp("web-index") / "index"
    report = reindex(directory, sample_articles())
    assert report.added == len(sample_articles()), report.as_dict()
    return directory


@pytest.fixture(scope="session")
def app(index_dir):
    from web.app import create_app

    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def missing_index_client(tmp_path):
    from web.app import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "nowhere")})
    return app.test_client()


# -- a live server and a real Chromium (tests marked `browser`) ---------------------------

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="session")
def live_server(app):
    """The app served by werkzeug on 127.0.0.1 and a free port, in a thread; yields its URL."""
    with served(app) as url:
        yield url


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """Debian's chromium driven by Playwright, with a fresh user-data directory.

    Skips when chromium (or Playwright) is missing, unless REQUIRE_BROWSER=1.
    """
    import os
    import shutil

    executable = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if not executable or sync_playwright is None:
        message = "chromium or playwright is not installed"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (REQUIRE_BROWSER=1)")
        pytest.skip(message)
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
            locale="ar", viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh tab; fails the test on any JavaScript error or dialog (alert) it sees."""
    page = chromium.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                      dialog.dismiss()))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" else None)
    page.problems = problems
    yield page
    page.close()
    assert not problems, problems
