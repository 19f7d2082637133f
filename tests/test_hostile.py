"""Hostile queries against the real app on a real small index: never a 5xx, always an
answer within a bound, memory bounded; every cap of `index.query` and the deep-page bound
refused with a message that names it.

The three property tests run ``ARCHIVE_FUZZ_EXAMPLES`` examples each (default 200: 2,600
requests, 5 per fuzzed query, 6 per fuzzed set of parameters and 2 per fuzzed set of
dates, about 10 s; ``ARCHIVE_FUZZ_EXAMPLES=2000`` for the full run: 26,000 requests, about
2 minutes), with a derandomized, database-less Hypothesis so a CI run is the same every time.
"""

from __future__ import annotations

import itertools
import os
import string
import time
from datetime import datetime
from urllib.parse import urlencode

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.models import Article
from index.models import MAX_PAGE
from index.query import (
    MAX_EXPANSIONS,
    MAX_FUZZY_CHARS,
    MAX_FUZZY_DISTANCE,
    MAX_PATTERNS,
    MAX_QUERY_TERMS,
    MIN_PREFIX_CHARS,
)
from tests.conftest import sample_articles

EXAMPLES = int(os.environ.get("ARCHIVE_FUZZ_EXAMPLES", "200"))
REQUEST_BOUND_S = 5.0  # a guard against runaway expansion, not a speed benchmark
MEMORY_BOUND_MIB = 300  # RSS growth over the whole run
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example,
                                       HealthCheck.filter_too_much])

# 26 × 26 words "abaa" … "abzz": more than MAX_EXPANSIONS behind `ab*` and `abcd~2`.
MANY_WORDS = ["ab" + x + y for x, y in itertools.product(string.ascii_lowercase, repeat=2)]
assert len(MANY_WORDS) > MAX_EXPANSIONS


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    """The app over the web sample plus four articles holding `MANY_WORDS`: its
    test client once warmed, and the process's RSS then."""
    from index.build import reindex
    from web.app import create_app

    articles = sample_articles() + [
        Article(id=f"many{i}", title="كلمات كثيرة", body=" ".join(MANY_WORDS[i::4]),
                date=datetime(2020, 1, 1 + i)) for i in range(4)]
    directory = tmp_path_factory.mktemp("hostile-index") / "index"
    reindex(directory, articles)
    client = create_app({"TESTING": True, "INDEX_DIR": str(directory)}).test_client()
    for url in ("/?q=غزة", "/api/search?q=غزة", "/api/export?q=غزة", "/articles/a00?q=غزة",
                "/api/suggest?prefix=غز"):
        assert client.get(url).status_code == 200, url
    return client, psutil.Process().memory_info().rss


def get(hostile_client, path: str, pairs: list[tuple[str, str]]):
    """One request, its body read (export streams); checks the properties every answer
    has: no 5xx, within the time bound, memory bounded, errors in their shape."""
    client, rss_before = hostile_client
    url = path + ("?" + urlencode(pairs) if pairs else "")
    start = time.monotonic()
    response = client.get(url)
    body = response.get_data(as_text=True)
    elapsed = time.monotonic() - start
    assert response.status_code < 500, (url[:300], body[:300])
    assert elapsed < REQUEST_BOUND_S, (url[:300], elapsed)
    growth = (psutil.Process().memory_info().rss - rss_before) / 2**20
    assert growth < MEMORY_BOUND_MIB, (url[:300], growth)
    if response.status_code >= 400:
        if path.startswith("/api/"):
            error = response.get_json()["error"]
            assert isinstance(error["code"], str) and error["code"], body[:300]
            assert isinstance(error["message"], str) and error["message"], body[:300]
        else:
            assert '<section class="error"' in body and "Traceback" not in body
    return response


# -- strategies ---------------------------------------------------------------------------

ARABIC = "".join(chr(c) for c in range(0x0621, 0x064B)) + "ًٌٍَُِّْٰـ٠١٢٣٤٥٦٧٨٩۰۹ﻻ؟،؛«»"
MARKS = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2069\ufeff\x00"
OPERATORS = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "أو", "و", "-", "+", '"', "(", ")", "*",
             "~", "~2", "~9", "~99999", "^", "^5", "^-1", ":", "..", "[", "]", "{", "}", "TO",
             "\\", "'", "«", "»", "؟", "?", "/", "<", ">", "=", "&", "%", "%00", "\x00"]
FIELDS = ["person:", "place:", "org:", "source:", "title:", "date:", "date:2018-03..2018-05",
          "date:9999-99..", "تاريخ:..", "شخص:", "مكان:", "منظمة:", "مصدر:", "عنوان:", "body:",
          "body_stem:", "id:", "year:", "month:", "nosuchfield:", "*:", ":*"]
WORDS = ["غزة", "نتنياهو", "بنيامين نتنياهو", "القدس", "التقى", "حماس", "في", "ab", "abc",
         "abq", "x", "مُحَمَّدٌ", "ﻻ", "۱۲۳"]
utf8 = st.characters(codec="utf-8")  # every code point but the surrogates; NUL included

token = st.one_of(
    st.sampled_from(OPERATORS + FIELDS + WORDS),
    st.text(alphabet=ARABIC + MARKS, min_size=1, max_size=8),
    st.text(alphabet=utf8, min_size=1, max_size=5),
)
soup = st.builds(lambda ts, sep: sep.join(ts), st.lists(token, max_size=40),
                 st.sampled_from([" ", "", "  ", "\t", "\n"]))
unbalanced = st.lists(st.sampled_from(['"', "(", ")", "«", "»", "'", "غزة", "abc", " "]),
                      min_size=1, max_size=60).map("".join)
many_terms = st.integers(1, 3000).map(
    lambda n: " ".join(a + b for a, b in itertools.islice(
        itertools.cycle(itertools.product(ARABIC[:28], repeat=2)), n)))
long_word = st.builds(lambda n, c, end: (c * n)[:n] + end, st.integers(50, 10_000),
                      st.sampled_from(["ك", "a", "غزة", "ab", "*", "~"]),
                      st.sampled_from(["", "*", "~", "~2", "\""]))
stars = st.one_of(
    st.text(alphabet="*ab غز~ ", max_size=60),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(
        lambda ws: "*".join("*".join(w) for w in ws)),
)
queries = st.one_of(st.text(alphabet=utf8, max_size=300), soup, unbalanced, many_terms,
                    long_word, stars)

numbers = st.one_of(
    st.integers(-10**40, 10**40).map(str),
    st.text(alphabet=string.digits, min_size=1, max_size=6000),
    st.sampled_from(["", " ", "-0", "+1", "1e9", "0x10", "١", "٣٠", "NaN", "inf", "1.5",
                     "1_000", "１", "0" * 50 + "1", str(MAX_PAGE), str(MAX_PAGE + 1)]),
    st.text(alphabet=utf8, max_size=20),
)
PARAMS = ["q", "match", "sort", "page", "limit", "person", "place", "org", "source", "year",
          "month", "from", "to", "expand", "format", "prefix"]
VALID = ["all", "any", "relevance", "newest", "oldest", "csv", "jsonl", "person", "place",
         "2020", "2020-01", "٢٠٢٠", "٢٠٢٠-٠١", "2020-01-01", "9999-12-31", "0001-01-01",
         "بنيامين نتنياهو", "غزة", "الجزيرة"]
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
dates = st.one_of(  # well-formed or nearly: years 0000-9999, months 00-13, days 00-32
    st.integers(0, 9999).map("{:04d}".format),
    st.builds("{:04d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13)),
    st.builds("{:04d}-{:02d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13),
              st.integers(0, 32)),
).flatmap(lambda d: st.sampled_from([d, d.translate(ARABIC_DIGITS), "date:" + d + "..",
                                     "date:.." + d]))
values = st.one_of(numbers, st.sampled_from(VALID), queries, dates,
                   st.text(alphabet=utf8, min_size=190, max_size=400))
TARGETED = {"q": queries, "prefix": queries, "page": numbers, "limit": numbers,
            "year": dates, "month": dates, "from": dates, "to": dates}


def _pair(name: str) -> st.SearchStrategy[tuple[str, str]]:
    """A value aimed at the parameter half of the time, any value otherwise."""
    aimed = TARGETED.get(name, st.sampled_from(VALID))
    return st.tuples(st.just(name), st.one_of(aimed, values))


pairs = st.lists(st.one_of(st.sampled_from(PARAMS).flatmap(_pair),
                           st.tuples(st.text(alphabet=utf8, max_size=10), values)), max_size=8)

ENDPOINTS = ["/api/search", "/", "/api/export", "/articles/a00", "/api/articles/a00"]


# -- properties ---------------------------------------------------------------------------

@FUZZ
@given(q=queries, fmt=st.sampled_from(["csv", "jsonl"]))
def test_fuzzed_queries_never_5xx_and_stay_bounded(hostile_client, q, fmt):
    for path in ("/api/search", "/", "/articles/a00"):
        get(hostile_client, path, [("q", q)])
    get(hostile_client, "/api/export", [("q", q), ("format", fmt)])
    get(hostile_client, "/api/suggest", [("prefix", q)])


@FUZZ
@given(args=pairs)
def test_fuzzed_parameters_never_5xx_and_stay_bounded(hostile_client, args):
    for path in ENDPOINTS:
        get(hostile_client, path, args)
    get(hostile_client, "/api/suggest", args)


WELL_FORMED = {  # any year of 0000-9999 in each date filter's own format
    "year": st.integers(0, 9999).map("{:04d}".format),
    "month": st.builds("{:04d}-{:02d}".format, st.integers(0, 9999), st.integers(1, 12)),
    "from": st.dates().map(str),
    "to": st.dates().map(str),
}


@FUZZ
@given(args=st.lists(st.sampled_from(list(WELL_FORMED)).flatmap(
           lambda name: st.tuples(st.just(name), WELL_FORMED[name])), min_size=1, max_size=3),
       q=st.sampled_from(["", "غزة", "date:2019..", "التقى OR خبر"]))
def test_fuzzed_dates_never_5xx(hostile_client, args, q):
    for path in ("/", "/api/search"):
        get(hostile_client, path, [("q", q), *args] if q else args)


# -- each cap: refused (400) with a message naming it -------------------------------------

def refused(hostile_client, q: str, *needles: str, path: str = "/api/search") -> str:
    response = get(hostile_client, path, [("q", q)])
    assert response.status_code == 400, (q[:80], response.get_data(as_text=True)[:300])
    if path.startswith("/api/"):
        error = response.get_json()["error"]
        assert error["code"] == "bad_query"
        message = error["message"]
    else:
        message = response.get_data(as_text=True)
    for needle in needles:
        assert needle in message, (needle, message[:300])
    return message


def found(hostile_client, q: str) -> dict:
    response = get(hostile_client, "/api/search", [("q", q)])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def test_prefix_standing_for_too_many_words_is_refused(hostile_client):
    for path in ("/api/search", "/api/export", "/"):
        refused(hostile_client, "ab*", "ab*", f"more than {MAX_EXPANSIONS} words", path=path)
    # A longer prefix, fewer words: served.
    assert found(hostile_client, "abq*")["total"] > 0


def test_fuzzy_word_standing_for_too_many_words_is_refused(hostile_client):
    # Within two edits of abcd (its first letter kept): every one of MANY_WORDS.
    refused(hostile_client, "abcd~2", "abcd~", f"more than {MAX_EXPANSIONS} words")
    assert found(hostile_client, "abcd~1")["total"] > 0
    assert found(hostile_client, "غزه~")["total"] > 0


def test_too_many_terms_are_refused(hostile_client):
    terms = [f"w{i}" for i in range(MAX_QUERY_TERMS + 1)]
    message = f"at most {MAX_QUERY_TERMS} words in one query ({MAX_QUERY_TERMS + 1} given)"
    refused(hostile_client, " ".join(terms), message)
    refused(hostile_client, '"' + " ".join(terms) + '"', message)  # a phrase counts its words
    refused(hostile_client, " OR ".join(terms), message)
    # The plain-word fallback (a syntax error) is bounded too.
    refused(hostile_client, " ".join(terms) + ' "', message)
    found(hostile_client, " ".join(terms[:MAX_QUERY_TERMS]))


def test_too_many_patterns_are_refused(hostile_client):
    patterns = [f"ab{c}*" for c in string.ascii_lowercase[:MAX_PATTERNS + 1]]
    refused(hostile_client, " OR ".join(patterns),
            f"at most {MAX_PATTERNS} word* or word~ in one query ({MAX_PATTERNS + 1} given)")
    assert found(hostile_client, " OR ".join(patterns[:MAX_PATTERNS]))["total"] > 0


@pytest.mark.parametrize("q", ["a*", "ك*", "*", "a* غزة"])
def test_a_prefix_needs_enough_letters(hostile_client, q):
    if q == "*":  # a lone star is no pattern: everything (or nothing), never an expansion
        found(hostile_client, q)
        return
    refused(hostile_client, q, f"type at least {MIN_PREFIX_CHARS} letters before *")


def test_long_fuzzy_word_is_refused(hostile_client):
    word = "ك" * (MAX_FUZZY_CHARS + 1)
    refused(hostile_client, word + "~",
            f"at most {MAX_FUZZY_CHARS} letters ({MAX_FUZZY_CHARS + 1} given)")
    found(hostile_client, "ك" * MAX_FUZZY_CHARS + "~")


def test_large_fuzzy_distance_is_lowered_with_a_notice(hostile_client):
    result = found(hostile_client, "غزة~5")
    assert result["total"] > 0
    assert any(f"~{MAX_FUZZY_DISTANCE} بدل ~5" in n and f"at most {MAX_FUZZY_DISTANCE} edits"
               in n for n in result["notices"]), result["notices"]
    assert not any("edits" in n for n in found(hostile_client, "غزة~2")["notices"])


@pytest.mark.parametrize("page", [str(MAX_PAGE + 1), "9" * 50, "9" * 5000])
def test_deep_pages_are_refused_with_a_way_out(hostile_client, page):
    for path in ("/api/search", "/"):
        response = get(hostile_client, path, [("q", "غزة"), ("page", page)])
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert f"results past page {MAX_PAGE} are not served" in text
        assert "/api/export" in text
        assert len(text) < 20_000, "a huge page number is not echoed whole"
    response = get(hostile_client, "/api/search", [("q", "غزة"), ("page", page)])
    assert response.get_json()["error"]["parameter"] == "page"
    last = get(hostile_client, "/api/search", [("q", "غزة"), ("page", str(MAX_PAGE))])
    assert last.status_code == 200 and last.get_json()["hits"] == []


@pytest.mark.parametrize("args", ["month=2017-01", "month=0000-01", "year=1900",
                                  "month=2030-12&month=2017-01", "q=date:2030-01.."])
def test_filters_matching_nothing_are_an_empty_page(hostile_client, args):
    """A month filter outside the index once made the page's histogram fail (a 500)."""
    response = get(hostile_client, "/", [tuple(a.split("=")) for a in args.split("&")])
    assert response.status_code == 200 and 'id="total">0<' in response.get_data(as_text=True)


@pytest.mark.parametrize("param, value", [("year", "٢٠٢٠"), ("month", "٢٠٢٠-01"),
                                          ("from", "٢٠٢٠-٠١-٠١")])
def test_dates_take_ascii_digits(hostile_client, param, value):
    response = get(hostile_client, "/api/search", [(param, value)])
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == param


def test_export_refuses_before_streaming(hostile_client):
    response = get(hostile_client, "/api/export", [("q", "ab*"), ("format", "jsonl")])
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert "Content-Disposition" not in response.headers
