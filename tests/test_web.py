"""The HTML pages through Flask's test client, on a real index built in tmp_path."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

from archive.entities import entity_key
from tests.conftest import XSS_ID
from web.params import BadParameter, SearchParams, parse_search_args


class _Collect(HTMLParser):
    """Just enough HTML parsing to find elements by tag and attributes."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str, tag: str, **attrs) -> list[dict]:
    parser = _Collect()
    parser.feed(html)
    return [a for t, a in parser.elements
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return response.get_data(as_text=True)


def hit_ids(html: str) -> list[str]:
    return re.findall(r'<li class="hit" data-id="([^"]+)"', html)


def total(html: str) -> int:
    return int(re.search(r'id="total">(\d+)<', html).group(1))


def facet_counts(html: str, facet: str) -> dict[str, tuple[int, bool]]:
    """label → (count, checked) of one sidebar facet (checkboxes submit the value's key)."""
    block = re.search(rf'data-facet="{facet}">(.*?)</fieldset>', html, re.S).group(1)
    out = {}
    for m in re.finditer(r'<input type="checkbox"[^>]*value="[^"]*"( checked)?>\s*'
                         r'<bdi class="label">([^<]*)</bdi>.*?class="count num">(\d+)<',
                         block, re.S):
        out[unescape(m.group(2))] = (int(m.group(3)), bool(m.group(1)))
    return out


def query_pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url.replace("&amp;", "&")).query)


# -- the search page ----------------------------------------------------------------------

def test_search_page_is_arabic_rtl_with_auto_direction_query_box(client):
    html = page(client, "/")
    assert '<html lang="ar" dir="rtl">' in html
    box = elements(html, "input", id="q")[0]
    assert box["dir"] == "auto" and box["name"] == "q" and box["type"] == "search"
    assert elements(html, "label", for_="q"), "the query box has a label"
    assert "<bdi>" in html
    # Landing page: examples that are live searches, and the newest articles.
    assert "/?q=" in html and "أمثلة" in html
    assert total(html) == 25
    assert hit_ids(html)[0] == "a23", "no query: newest first (2021-06-24)"


def test_facets_show_counts_and_checkboxes(client):
    html = page(client, "/?q=التقى")
    assert facet_counts(html, "person") == {
        "بنيامين نتنياهو": (8, False), "أنتوني بلينكن": (8, False), "يوآف غالانت": (8, False)}
    assert facet_counts(html, "source") == {
        "الجزيرة": (8, False), "العربية": (8, False), "بي بي سي عربي": (8, False)}
    assert facet_counts(html, "year") == {
        "2021": (6, False), "2020": (6, False), "2019": (6, False), "2018": (6, False)}
    assert set(facet_counts(html, "place")) == {"غزة", "القدس", "بيروت", "طهران"}
    assert set(facet_counts(html, "organization")) == {"حماس", "الأمم المتحدة"}
    # Checkboxes belong to the one GET form, with an apply button for no-JS use.
    boxes = elements(html, "input", type="checkbox")
    assert boxes and all(b["form"] == "search-form" for b in boxes)
    assert elements(html, "form", id="search-form")[0]["method"] == "get"
    assert elements(html, "button", form="search-form")


def test_two_values_of_one_facet_are_ored_and_totals_add_up(client):
    one = page(client, "/?q=التقى&person=بنيامين نتنياهو")
    two = page(client, "/?q=التقى&person=أنتوني بلينكن")
    both = page(client, "/?q=التقى&person=بنيامين نتنياهو&person=أنتوني بلينكن")
    assert total(one) == 8 and total(two) == 8
    assert total(both) == total(one) + total(two)
    counts = facet_counts(both, "person")
    assert counts["بنيامين نتنياهو"] == (8, True)
    assert counts["أنتوني بلينكن"] == (8, True)
    assert counts["يوآف غالانت"] == (8, False), "a facet's counts ignore its own filter"
    # Other facets honour the person filter: sources now count 16 articles in all.
    assert sum(c for c, _ in facet_counts(both, "source").values()) == 16


def test_chips_remove_one_value_each(client):
    html = page(client, "/?q=التقى&person=بنيامين نتنياهو&person=أنتوني بلينكن&year=2018")
    chips = elements(html, "a", class_="chip")
    assert len(chips) == 3
    removals = [query_pairs(c["href"]) for c in chips]
    assert removals[0] == [("q", "التقى"), ("person", "أنتوني بلينكن"), ("year", "2018")]
    assert removals[1] == [("q", "التقى"), ("person", "بنيامين نتنياهو"), ("year", "2018")]
    assert removals[2] == [("q", "التقى"), ("person", "بنيامين نتنياهو"),
                           ("person", "أنتوني بلينكن")]
    # Following a removal link really drops that filter.
    after = page(client, chips[2]["href"].replace("&amp;", "&"))
    assert total(after) == 16


def test_hit_entities_link_to_added_filters_and_articles_carry_the_query(client):
    html = page(client, "/?q=غزة")
    assert hit_ids(html) and all(i in {"a00", "a04", "a08", "a12", "a16", "a20"}
                                 for i in hit_ids(html))
    person_links = [a["href"] for a in elements(html, "a", class_="tag person")]
    assert query_pairs(person_links[0])[0] == ("q", "غزة")
    assert query_pairs(person_links[0])[1][0] == "person"
    title_link = re.search(r'<h2 class="hit-title"><a href="([^"]+)"', html).group(1)
    assert title_link.startswith("/articles/") and query_pairs(title_link) == [("q", "غزة")]
    assert '<mark class="match term0">غزة</mark>' in html


def test_pagination(client):
    first = page(client, "/?q=التقى")
    assert total(first) == 24 and len(hit_ids(first)) == 10
    assert 'aria-current="page">1<' in first
    next_url = elements(first, "a", rel="next")[0]["href"].replace("&amp;", "&")
    assert ("page", "2") in query_pairs(next_url)
    second = page(client, next_url)
    third = page(client, "/?q=التقى&page=3")
    ids = hit_ids(first) + hit_ids(second) + hit_ids(third)
    assert len(ids) == 24 and len(set(ids)) == 24
    assert len(hit_ids(third)) == 4 and not elements(third, "a", rel="next")
    assert elements(third, "a", rel="prev")
    # Beyond the last page: no hits (not the last page's again) and a way back.
    beyond = page(client, "/?q=التقى&page=9")
    assert hit_ids(beyond) == [] and total(beyond) == 24
    assert ("page", "3") in query_pairs(elements(beyond, "a", rel="prev")[0]["href"])


def test_sort_orders(client, app):
    newest = page(client, "/?q=التقى&sort=newest&limit=100")
    oldest = page(client, "/?q=التقى&sort=oldest&limit=100")
    assert hit_ids(newest) == list(reversed(hit_ids(oldest)))
    dates = re.findall(r'<time datetime="([\d-]+)"', newest)
    assert dates == sorted(dates, reverse=True)
    links = {a["data-sort"]: a["href"] for a in elements(newest, "a") if "data-sort" in a}
    assert set(links) == {"relevance", "oldest"}
    assert ("sort", "oldest") in query_pairs(links["oldest"])


def test_date_range_and_histogram(client):
    html = page(client, "/?q=التقى&from=2019-01-01&to=2019-12-31")
    assert total(html) == 6
    assert elements(html, "input", id="from")[0]["value"] == "2019-01-01"
    chip = [c for c in elements(html, "a", class_="chip")][0]
    assert query_pairs(chip["href"]) == [("q", "التقى")]
    # Over three years: one bar per year, each a link to that year's filter.
    landing = page(client, "/")
    assert landing.count('class="hitbox"') == 4 and landing.count('<rect class="bar') == 4
    year_link = re.search(r'<a href="([^"]*year=2019[^"]*)"', landing).group(1)
    assert total(page(client, year_link.replace("&amp;", "&"))) == 6
    # Within a year: months, empty months included (2019: Feb, Apr, Jun have articles).
    year = page(client, "/?year=2019")
    assert year.count('class="hitbox"') == 5 and year.count('<rect class="bar') == 3
    assert 'aria-label="مارس 2019: 0"' in year
    month_link = re.search(r'<a href="([^"]*month=2019-04[^"]*)"', year).group(1)
    assert total(page(client, month_link.replace("&amp;", "&"))) == 2


def test_did_you_mean_notices_and_empty_state(client):
    empty = page(client, "/?q=كلمةغيرموجودة")
    assert total(empty) == 0 and 'class="empty"' in empty
    assert "/help" in empty and 'class="example"' in empty
    fallback = page(client, "/?q=غزة كلمةغيرموجودة")
    assert 'class="notice"' in fallback and total(fallback) > 0


def test_xss_article_text_is_escaped_everywhere(client):
    for url in ("/?q=script", "/?q=alert", f"/articles/{XSS_ID}", f"/articles/{XSS_ID}?q=script",
                "/?person=<script>alert(4)</script>"):
        html = page(client, url)
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "<b>خطير</b>" not in html, url
        assert not elements(html, "img"), url
    article = page(client, f"/articles/{XSS_ID}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article
    assert "&lt;img src=x onerror=alert(2)&gt;" in article
    assert "javascript:" not in article, "only http(s) original URLs are linked"
    # Every script on every page is an external file from this site.
    assert re.findall(r"<script[^>]*>", article) == [
        '<script src="/static/app.js" defer></script>'.replace("></script>", ">")]


def test_security_headers_on_pages_and_errors(client):
    for url, status in (("/", 200), ("/articles/nope", 404), ("/?page=x", 400),
                        ("/api/search", 200), ("/static/style.css", 200)):
        response = client.get(url)
        assert response.status_code == status
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "style-src 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
    html = page(client, "/?q=غزة")
    assert "<style" not in html and " style=" not in html, "CSP forbids inline styles"
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline scripts"


# -- the article page ---------------------------------------------------------------------

def test_article_page_marks_query_keeps_paragraphs_and_links_back(client):
    html = page(client, "/articles/a00?q=غزة&person=بنيامين نتنياهو&page=1")
    assert '<mark class="match term0">غزة</mark>' in html
    body = re.search(r'<div class="body">(.*?)</div>', html, re.S).group(1)
    assert body.count("<p") == 3, "the body's three lines are three paragraphs"
    back = elements(html, "a", id="back")[0]["href"].replace("&amp;", "&")
    assert query_pairs(back) == [("q", "غزة"), ("person", "بنيامين نتنياهو")]
    assert "العودة إلى النتائج" in html
    original = elements(html, "a", class_="original")[0]
    assert original["href"] == "https://example.org/news/0"
    assert original["rel"] == "noopener noreferrer"
    person = elements(html, "a", class_="tag person")[0]["href"]
    # Links submit the facet key (one facet identifier), which filters like the name.
    assert query_pairs(person) == [("person", entity_key("بنيامين نتنياهو"))]
    assert '<time datetime="2018-01-01">1 يناير 2018</time>' in html
    assert 'class="related"' in html


def test_article_without_query_has_no_marks(client):
    html = page(client, "/articles/a00")
    assert "<mark" not in html and "البحث في الأرشيف" in html


def test_unknown_article_and_page_are_404_pages(client):
    for url in ("/articles/nope", "/articles/a/b/c", "/nothing-here"):
        html = page(client, url, 404)
        assert '<html lang="ar" dir="rtl">' in html and "الصفحة غير موجودة" in html


def test_help_page_examples_are_live_searches(client):
    html = unescape(page(client, "/help"))
    for text in ('"رئيس الوزراء"', "-هدنة", "OR", "أو", "مفاوض*", "نتنياهو~", "person:",
                 "place:", "org:", "source:", "title:", "date:2018-03..2018-05", "؟", "،", "؛",
                 "«", "»"):
        assert text in html, text
    examples = [a["href"] for a in elements(page(client, "/help"), "a", class_="example")]
    assert len(examples) >= 12
    for href in examples:
        assert href.startswith("/?q=")
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


# -- bad parameters -----------------------------------------------------------------------

BAD = [
    ("page=0", "page"), ("page=1001", "page"), ("page=x", "page"), ("page=-1", "page"),
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"),
    ("match=some", "match"), ("sort=random", "sort"), ("from=2020-13-01", "from"),
    ("to=yesterday", "to"), ("from=2020-02-30", "from"), ("from=2021-01-01&to=2020-01-01", "from"),
    ("q=" + "و" * 1001, "q"), ("year=20x0", "year"), ("month=2020-13", "month"),
    ("q=a&q=b", "q"), ("page=1&page=2", "page"),
]


@pytest.mark.parametrize("query, parameter", BAD)
def test_bad_parameters_are_400_pages_naming_the_parameter(client, query, parameter):
    for url in (f"/?{query}", f"/articles/a00?{query}"):
        response = client.get(url)
        assert response.status_code == 400, url
        html = response.get_data(as_text=True)
        assert f"<code dir=\"ltr\">{parameter}</code>" in html
        assert "Traceback" not in html


def test_odd_but_valid_input_never_500(client):
    for query in ('"', "(", ")", "*", "~", "OR", "-", ":", "person:", "date:..", "date:2020-99",
                  "؟؟", "«»", "a" * 1000, "\u200f", "%", "title:", "<>&'\""):
        response = client.get("/", query_string={"q": query})
        assert response.status_code == 200, query


def test_missing_index_is_a_helpful_503(missing_index_client):
    response = missing_index_client.get("/")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "archive reindex" in html and "Traceback" not in html
    assert missing_index_client.get("/help").status_code == 200


def test_unexpected_errors_are_a_page_without_traceback(app, monkeypatch):
    from index.search import ArchiveSearcher

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(ArchiveSearcher, "search", boom)
    app.testing = False  # let the error handler run instead of propagating
    try:
        client = app.test_client()
        response = client.get("/?q=x")
        assert response.status_code == 500
        assert "secret internals" not in response.get_data(as_text=True)
        api = client.get("/api/search?q=x")
        assert api.status_code == 500
        assert api.get_json()["error"]["code"] == "internal_error"
    finally:
        app.testing = True


def test_one_engine_per_app(app, client):
    client.get("/?q=غزة")
    engine = app.extensions["archive_engine"]
    client.get("/api/search?q=غزة")
    client.get("/articles/a00")
    assert app.extensions["archive_engine"] is engine


# -- the parameter parser on its own ------------------------------------------------------

def test_params_round_trip_and_helpers():
    from werkzeug.datastructures import MultiDict

    args = MultiDict([("q", " غزة "), ("org", "حماس"), ("person", "أ"), ("person", "ب"),
                      ("person", "أ"), ("from", "2020-01-02"), ("page", "3"), ("sort", "newest")])
    params = parse_search_args(args)
    assert params.q == "غزة" and params.filters["person"] == ("أ", "ب")
    assert params.to_request().filters == {"person": ["أ", "ب"], "organization": ["حماس"]}
    assert params.pairs() == [("q", "غزة"), ("sort", "newest"), ("person", "أ"),
                              ("person", "ب"), ("org", "حماس"), ("from", "2020-01-02"),
                              ("page", "3")]
    assert params.with_filter("place", "غزة").page == 1
    assert params.without_filter("person", "أ").filters["person"] == ("ب",)
    assert SearchParams().is_empty and not params.is_empty
    with pytest.raises(BadParameter) as error:
        parse_search_args(MultiDict([("limit", "500")]))
    assert error.value.parameter == "limit"


def test_show_all_opens_a_facet_beyond_its_top_values(tmp_path):
    from archive.models import Article
    from index.build import reindex
    from web.app import create_app

    places = [f"مدينة{chr(0x0628 + i)}" for i in range(14)]
    reindex(tmp_path / "ix", [
        Article(id=f"p{i}", title=f"خبر {i}", body="نص", places=[place])
        for i, place in enumerate(places)])
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix")}).test_client()
    page = client.get("/?q=خبر").get_data(as_text=True)
    assert page.count('name="place"') == 10
    link = re.search(r'<a href="([^"]*expand=place[^"]*)">عرض الكل \(و4 أخرى\)', page)
    assert link, "no show-all link"
    expanded = client.get(unescape(link.group(1))).get_data(as_text=True)
    assert expanded.count('name="place"') == 14 and "عرض الكل" not in expanded
    assert client.get("/?q=خبر&expand=nonsense").status_code == 400


def test_page_links_to_a_csv_of_every_hit(client):
    page = client.get("/?q=خبر&person=أنتوني بلينكن").get_data(as_text=True)
    link = unescape(re.search(r'<a class="export" href="([^"]+)"', page).group(1))
    assert link.startswith("/api/export?") and "format=csv" in link and "person=" in link
    rows = client.get(link).get_data(as_text=True).splitlines()
    total = int(re.search(r'id="total">(\d+)<', page).group(1))
    assert len(rows) == total + 1  # header + one row per hit
