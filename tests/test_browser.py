"""User paths in a real Chromium (Debian's), against the app served on 127.0.0.1.

Run with ``pytest -m browser``; skipped without chromium unless REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from archive.entities import entity_key
from tests.conftest import XSS_ID

pytestmark = pytest.mark.browser


def ids(page) -> list[str]:
    return page.locator("li.hit").evaluate_all("els => els.map(e => e.dataset.id)")


def total(page) -> int:
    return int(page.locator("#total").inner_text())


def args(page) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(page.url).query)


def test_page_is_right_to_left(browser_page, live_server):
    page = browser_page
    page.goto(live_server + "/")
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    # The sidebar sits at the right (the start) on a wide screen, results to its left.
    aside = page.locator("aside.filters").bounding_box()
    results = page.locator("section.results").bounding_box()
    assert aside["x"] > results["x"]


def test_search_and_results(browser_page, live_server):
    page = browser_page
    page.goto(live_server + "/")
    page.fill("#q", "غزة")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=%D8%BA"))
    assert total(page) == 6
    assert page.locator("li.hit mark").first.inner_text() == "غزة"
    assert page.locator("li.hit").count() == 6


def test_tick_two_facet_values_then_remove_a_chip(browser_page, live_server):
    page = browser_page
    page.goto(live_server + "/?q=التقى")
    assert total(page) == 24
    facet = page.locator('fieldset[data-facet="person"]')
    # JavaScript submits the form as soon as a box is ticked.
    with page.expect_navigation():
        facet.get_by_label("بنيامين نتنياهو").check()
    assert total(page) == 8
    with page.expect_navigation():
        page.locator('fieldset[data-facet="person"]').get_by_label("أنتوني بلينكن").check()
    assert total(page) == 16
    # The boxes submit facet keys (one facet identifier); chips show the names.
    assert sorted(v for k, v in args(page) if k == "person") == sorted(
        [entity_key("أنتوني بلينكن"), entity_key("بنيامين نتنياهو")])
    chips = page.locator("a.chip")
    assert chips.count() == 2
    with page.expect_navigation():
        chips.filter(has_text="بنيامين نتنياهو").click()
    assert total(page) == 8
    assert [v for k, v in args(page) if k == "person"] == [entity_key("أنتوني بلينكن")]
    assert page.locator('fieldset[data-facet="person"] input:checked').count() == 1


def test_facets_work_without_javascript(chromium, live_server):
    page = chromium.new_page()
    try:
        page.route("**/app.js", lambda route: route.abort())
        page.goto(live_server + "/?q=التقى")
        page.locator('fieldset[data-facet="source"]').get_by_label("الجزيرة").check()
        page.locator('fieldset[data-facet="source"]').get_by_label("العربية").check()
        with page.expect_navigation():
            page.click("button.apply")
        assert total(page) == 16
        assert ("q", "التقى") in args(page)
    finally:
        page.close()


def test_pagination(browser_page, live_server):
    page = browser_page
    page.goto(live_server + "/?q=التقى")
    first = ids(page)
    with page.expect_navigation():
        page.click("a[rel=next]")
    assert ("page", "2") in args(page)
    second = ids(page)
    with page.expect_navigation():
        page.get_by_role("link", name="صفحة 3").click()
    third = ids(page)
    assert len(first) == 10 and len(second) == 10 and len(third) == 4
    assert len(set(first + second + third)) == 24


def test_sort(browser_page, live_server):
    page = browser_page
    page.goto(live_server + "/?q=التقى&limit=100")
    with page.expect_navigation():
        page.click("a[data-sort=newest]")
    newest = page.locator("li.hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert newest == sorted(newest, reverse=True) and len(newest) == 24
    with page.expect_navigation():
        page.click("a[data-sort=oldest]")
    oldest = page.locator("li.hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert oldest == sorted(oldest)


def test_article_and_back(browser_page, live_server):
    page = browser_page
    page.goto(live_server + "/?q=غزة&sort=oldest")
    title = page.locator("li.hit h2 a").first
    expected = title.inner_text()
    with page.expect_navigation():
        title.click()
    assert page.url.startswith(live_server + "/articles/a00?")
    assert page.locator("article h1").inner_text() == expected
    assert page.locator("article .body mark").first.inner_text() == "غزة"
    assert page.locator("article .body p").count() == 3
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    with page.expect_navigation():
        page.click("#back")
    assert args(page) == [("q", "غزة"), ("sort", "oldest")]
    assert total(page) == 6


def test_script_and_onerror_article_shows_text_and_runs_nothing(browser_page, live_server):
    page = browser_page
    page.add_init_script("window.__xss = 0; window.alert = () => { window.__xss += 1; };")
    for url in (f"/articles/{XSS_ID}", f"/articles/{XSS_ID}?q=script", "/?q=script",
                "/?q=alert"):
        page.goto(live_server + url)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") == 0, url
        assert page.locator("main img").count() == 0, url
        assert page.locator("main script").count() == 0, url
    page.goto(live_server + f"/articles/{XSS_ID}")
    body = page.locator("article .body").inner_text()
    assert "<script>alert(1)</script>" in body
    assert "<img src=x onerror=alert(2)>" in body
    # browser_page also fails the test on any dialog or page error.


def test_api_matches_the_page(browser_page, live_server):
    page = browser_page
    query = "?q=التقى&person=بنيامين نتنياهو&person=يوآف غالانت&sort=newest&page=2"
    page.goto(live_server + "/" + query)
    response = page.request.get(live_server + "/api/search" + query)
    assert response.ok
    data = json.loads(response.text())
    assert data["total"] == total(page) == 16
    assert [hit["id"] for hit in data["hits"]] == ids(page)


def test_name_completion_adds_a_filter(browser_page, live_server):
    page = browser_page
    page.goto(live_server + "/")
    page.locator("#q").press_sequentially("نتن", delay=30)
    option = page.locator("#suggestions li a").first
    option.wait_for()
    assert "بنيامين نتنياهو" in option.inner_text()
    assert page.get_attribute("#q", "aria-expanded") == "true"
    page.press("#q", "ArrowDown")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert args(page) == [("person", "بنيامين نتنياهو")]
    assert total(page) == 8


def test_phone_layout_puts_filters_below_results(chromium, live_server):
    page = chromium.new_page()
    try:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(live_server + "/?q=التقى")
        results = page.locator("section.results").bounding_box()
        aside = page.locator("aside.filters").bounding_box()
        assert aside["y"] >= results["y"] + results["height"] - 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "no horizontal scrolling on a phone"
    finally:
        page.close()


def test_keyboard_reaches_the_search_box_and_results(browser_page, live_server):
    page = browser_page
    page.goto(live_server + "/?q=غزة")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    focused = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert "q" in focused
