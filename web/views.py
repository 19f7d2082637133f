"""The HTML pages: search, article, help. Views parse, call the library, shape, render."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, render_template, request, url_for
from markupsafe import Markup

from archive.kinds import EntityKind
from index.models import MAX_PAGE, FacetName, SearchResult, Sort

from .engine import get_engine, run_search
from .params import SearchParams, parse_search_args

bp = Blueprint("pages", __name__)

SIDEBAR_FACETS = {
    **{FacetName(kind.value): kind.label for kind in EntityKind},
    FacetName.SOURCE: "المصادر",
    FacetName.YEAR: "السنوات",
}
FILTER_TITLES = {
    **{kind.param: kind.label_one for kind in EntityKind},
    "source": "مصدر", "year": "سنة", "month": "شهر",
}
SORT_TITLES = {"relevance": "الأكثر صلة", "newest": "الأحدث", "oldest": "الأقدم"}
SIDEBAR_VALUES = 10
EXPANDED_VALUES = 200  # a facet opened with "show all"
HISTOGRAM_MONTHS = 36
ARABIC_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
                 "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر")
EXAMPLES = ("غزة", '"وزير الخارجية"', "person:نتنياهو", "مفاوضات -هدنة",
            "بيروت OR طهران", "date:2018-03..2018-05")


def search_url(params: SearchParams, **kwargs) -> str:
    query = params.query_string(**kwargs)
    return url_for("pages.search") + (f"?{query}" if query else "")


def query_url(q: str) -> str:
    """A live search for ``q`` (help page examples, the "did you mean" link)."""
    return url_for("pages.search") + "?" + urlencode({"q": q})


@bp.app_template_filter("arabic_date")
def arabic_date(value: str | None) -> str:
    """``2018-03-05T09:30:00`` → ``5 مارس 2018``."""
    if not value:
        return ""
    year, month, day = value[:10].split("-")
    return f"{int(day)} {ARABIC_MONTHS[int(month) - 1]} {year}"


def month_label(value: str) -> str:
    year, month = value.split("-")
    return f"{ARABIC_MONTHS[int(month) - 1]} {year}"


def _same(value: str) -> str:
    return value


def safe_url(url: str | None) -> str | None:
    """Only http(s) links leave the site (no ``javascript:`` from a scraped page)."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None


def paragraphs(html_text: str) -> list[Markup]:
    """Escaped text (with ``<mark>``) split at line breaks; marks never span lines."""
    return [Markup(p.strip()) for p in html_text.split("\n") if p.strip()]


@dataclass
class Bar:
    label: str
    count: int
    url: str
    x: float
    height: float
    selected: bool


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def histogram(result: SearchResult, params: SearchParams) -> dict | None:
    """Bars per month (per year when the span is longer than three years), gaps included,
    oldest at the right as the page reads; each bar links to its month (or year) filter."""
    month = result.facets.get(FacetName.MONTH)
    counted = {v.value: v for v in month.values if v.count} if month else {}
    if not counted or (month and month.more):
        return None
    span = _months_between(min(counted), max(counted))
    if len(span) > HISTOGRAM_MONTHS:
        param, label = "year", _same
        years = result.facets.get(FacetName.YEAR)
        counted = {v.value: v for v in years.values if v.count} if years else {}
        if not counted:  # a month filter that matches nothing: no year has a count
            return None
        keys = [str(y) for y in range(int(min(counted)), int(max(counted)) + 1)]
    else:
        param, label, keys = "month", month_label, span
    if len(keys) < 2:
        return None
    slot, gap, height = 20, 4, 60
    top = max(v.count for v in counted.values())
    width = len(keys) * slot
    bars = []
    for i, key in enumerate(keys):
        value = counted.get(key)
        count = value.count if value else 0
        bars.append(Bar(
            label=label(key), count=count, url=search_url(params.with_filter(param, key)),
            x=width - (i + 1) * slot + gap / 2,
            height=round(count / top * height, 1) if count else 0.0,
            selected=bool(value and value.selected)))
    return {"bars": bars, "width": width, "height": height, "bar_width": slot - gap,
            "first": bars[0].label, "last": bars[-1].label,
            "by": "الشهر" if param == "month" else "السنة"}


def sidebar(result: SearchResult, params: SearchParams) -> list[dict]:
    facets = []
    for name, title in SIDEBAR_FACETS.items():
        facet = result.facets.get(name)
        if facet is None:
            continue
        param = facet.param
        shown = EXPANDED_VALUES if params.expand == param else SIDEBAR_VALUES
        values = [v for v in facet.values[:shown]]
        values += [v for v in facet.values[shown:] if v.selected]
        more = facet.more + max(0, len(facet.values) - len(values))
        facets.append({"name": name, "param": param, "title": title,
                       "values": values, "more": more,
                       "more_url": search_url(replace(params, expand=param)) if more else None})
    return facets


def chips(result: SearchResult, params: SearchParams) -> list[dict]:
    """Active filters, each with the link that drops it, labelled as its facet shows it."""
    labels = {(facet.param, v.value): v.label
              for facet in result.facets.values() for v in facet.values if v.selected}
    out = []
    for param, value in params.active_filters:
        label = month_label(value) if param == "month" else labels.get((param, value), value)
        out.append({"kind": FILTER_TITLES[param], "label": label,
                    "url": search_url(params.without_filter(param, value))})
    if params.date_from or params.date_to:
        span = f"{params.date_from or '…'} – {params.date_to or '…'}"
        out.append({"kind": "التاريخ", "label": span,
                    "url": search_url(params.without_dates())})
    return out


def pagination(result: SearchResult, params: SearchParams) -> list[dict]:
    last = min(result.pages, MAX_PAGE)
    if last <= 1 and params.page == 1:
        return []
    shown = sorted({1, last} | set(range(max(1, params.page - 2), min(last, params.page + 2) + 1)))
    out: list[dict] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            out.append({"gap": True})
        out.append({"number": number, "current": number == params.page,
                    "url": search_url(params.with_(page=number))})
        previous = number
    return out


def sort_links(params: SearchParams) -> list[dict]:
    """Relevance only means something with a query; without one, newest comes first."""
    has_query = bool(params.q.strip())
    current = params.sort if has_query or params.sort != "relevance" else "newest"
    return [{"value": s, "title": SORT_TITLES[s], "current": s == current,
             "url": search_url(params.with_(sort=s))}
            for s in (s.value for s in Sort) if has_query or s != Sort.RELEVANCE]


@bp.get("/")
def search():
    params = parse_search_args(request.args)
    result = run_search(params, facet_limit=EXPANDED_VALUES if params.expand else SIDEBAR_VALUES)
    last = min(result.pages, MAX_PAGE)
    article_query = params.query_string()
    return render_template(
        "search.html",
        params=params,
        result=result,
        facets=sidebar(result, params),
        chips=chips(result, params),
        histogram=histogram(result, params),
        pages=pagination(result, params),
        prev_url=search_url(params.with_(page=min(params.page - 1, last)))
        if params.page > 1 else None,
        next_url=search_url(params.with_(page=params.page + 1)) if params.page < last else None,
        sorts=sort_links(params),
        add_filter=lambda param, value: search_url(params.with_filter(param, value)),
        article_url=lambda doc_id: url_for("pages.article", doc_id=doc_id)
        + (f"?{article_query}" if article_query else ""),
        suggestion_url=query_url(result.suggestion) if result.suggestion else None,
        export_url=url_for("api.export") + "?" + urlencode(
            params.pairs(page=False) + [("format", "csv")]),
        examples=[(e, query_url(e)) for e in EXAMPLES],
        first_shown=(params.page - 1) * params.limit + 1,
        last_shown=(params.page - 1) * params.limit + len(result.hits),
    )


@bp.get("/articles/<path:doc_id>")
def article(doc_id: str):
    params = parse_search_args(request.args)
    view = get_engine().article(doc_id, query=params.q)
    if view is None:
        abort(404)
    query = params.query_string()
    return render_template(
        "article.html",
        article=view,
        params=params,
        paragraphs=paragraphs(view.body_html),
        original_url=safe_url(view.url),
        back_url=url_for("pages.search") + (f"?{query}" if query else ""),
        has_search=not params.is_empty,
        entity_groups=[(kind.param, kind.label, view.entities(kind)) for kind in EntityKind],
        filter_url=lambda param, value: search_url(SearchParams().with_filter(param, value)),
        related_url=lambda doc_id: url_for("pages.article", doc_id=doc_id),
    )


@bp.get("/help")
def help_page():
    return render_template("help.html", q=query_url)
