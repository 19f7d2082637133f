"""One typed step from query-string arguments to a search request (pages and API alike).

Every problem raises `BadParameter` naming the parameter, which the app turns into a 400.
The same object turns back into query strings, so links that add or drop one filter
value, change the sort or the page are built by pure helpers (datasette's idea).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from urllib.parse import urlencode

from index.facets import PARAMS as FILTER_PARAMS
from index.models import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_PAGE,
    MAX_QUERY_CHARS,
    Match,
    SearchRequest,
    Sort,
)

MAX_VALUES = 50  # values per filter parameter
MAX_VALUE_CHARS = 200
SHOWN_CHARS = 40  # of a bad value, in its error message
DEEP_PAGE = (f"results past page {MAX_PAGE} are not served: narrow the search (a filter, "
             "dates) or download every hit from /api/export")
_YEAR = re.compile(r"[0-9]{4}")  # ASCII digits, as in page, limit and dates (\d takes ٢٠٢٠)
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


class BadParameter(ValueError):
    """A query-string argument that cannot be used; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class SearchParams:
    """The validated arguments of a search; `to_request` hands them to the library."""

    q: str = ""
    match: str = "all"
    sort: str = "relevance"
    page: int = 1
    limit: int = DEFAULT_LIMIT
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # URL param → keys
    date_from: date | None = None
    date_to: date | None = None
    expand: str = ""  # a filter parameter whose facet shows all its values, not the top ones

    # -- to the library -----------------------------------------------------------

    def to_request(self, facet_limit: int = 10) -> SearchRequest:
        return SearchRequest(
            query=self.q, match=Match(self.match), sort=Sort(self.sort), page=self.page,
            limit=self.limit,
            filters={FILTER_PARAMS[p]: list(v) for p, v in self.filters.items() if v},
            date_from=datetime.combine(self.date_from, time.min) if self.date_from else None,
            date_to=datetime.combine(self.date_to, time.max) if self.date_to else None,
            facet_limit=facet_limit,
        )

    @property
    def is_empty(self) -> bool:
        """No query, no filter and no date: the landing page."""
        return not (self.q.strip() or self.active_filters or self.date_from or self.date_to)

    @property
    def active_filters(self) -> list[tuple[str, str]]:
        return [(p, v) for p in FILTER_PARAMS for v in self.filters.get(p, ())]

    # -- back to URLs -------------------------------------------------------------

    def pairs(self, *, page: bool = True) -> list[tuple[str, str]]:
        """Query-string pairs in a stable order, defaults left out."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        if self.match != "all":
            out.append(("match", self.match))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        for param, value in self.active_filters:
            out.append((param, value))
        if self.date_from:
            out.append(("from", self.date_from.isoformat()))
        if self.date_to:
            out.append(("to", self.date_to.isoformat()))
        if self.limit != DEFAULT_LIMIT:
            out.append(("limit", str(self.limit)))
        if page and self.page != 1:
            out.append(("page", str(self.page)))
        if self.expand:
            out.append(("expand", self.expand))
        return out

    def query_string(self, **kwargs) -> str:
        return urlencode(self.pairs(**kwargs))

    def with_filter(self, param: str, value: str) -> SearchParams:
        """These params plus one filter value (back on page 1)."""
        values = self.filters.get(param, ())
        if value in values:
            return replace(self, page=1)
        return replace(self, page=1, filters={**self.filters, param: values + (value,)})

    def without_filter(self, param: str, value: str) -> SearchParams:
        values = tuple(v for v in self.filters.get(param, ()) if v != value)
        return replace(self, page=1, filters={**self.filters, param: values})

    def without_dates(self) -> SearchParams:
        return replace(self, page=1, date_from=None, date_to=None)

    def with_(self, **changes) -> SearchParams:
        if "page" not in changes:
            changes["page"] = 1
        return replace(self, **changes)


def _one(args, name: str) -> str:
    values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name)]
    values = [v for v in values if v is not None]
    if len(values) > 1:
        raise BadParameter(name, "given more than once")
    return values[0].strip() if values else ""


def shown(text: str) -> str:
    """A bad value as an error message quotes it: ``repr``, cut to `SHOWN_CHARS`."""
    return repr(text[:SHOWN_CHARS]) + ("…" if len(text) > SHOWN_CHARS else "")


def _int(args, name: str, default: int, low: int, high: int, beyond: str = "") -> int:
    """A whole number from ``low`` to ``high``; ``beyond`` is added when it is too large."""
    text = _one(args, name)
    if not text:
        return default
    if not re.fullmatch(r"[0-9]+", text):
        raise BadParameter(name, f"must be a whole number from {low} to {high}, "
                                 f"got {shown(text)}")
    value = int(text) if len(text) <= 9 else high + 1  # int() refuses 4,300+ digits
    if not low <= value <= high:
        got = text[:SHOWN_CHARS] + ("…" if len(text) > SHOWN_CHARS else "")
        raise BadParameter(name, f"must be from {low} to {high}, got {got}"
                           + (f"; {beyond}" if beyond and value > high else ""))
    return value


def _choice(args, name: str, choices: Iterable[str], default: str) -> str:
    text = _one(args, name) or default
    if text not in choices:
        raise BadParameter(name, f"must be one of {', '.join(choices)}, got {shown(text)}")
    return text


def _date(args, name: str) -> date | None:
    text = _one(args, name)
    if not text:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise BadParameter(name, f"must be a date as YYYY-MM-DD, got {shown(text)}") from None


def _values(args, param: str) -> tuple[str, ...]:
    raw = args.getlist(param) if hasattr(args, "getlist") else [args.get(param)]
    values = tuple(dict.fromkeys(v.strip() for v in raw if v and v.strip()))
    if len(values) > MAX_VALUES:
        raise BadParameter(param, f"at most {MAX_VALUES} values")
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            raise BadParameter(param, f"a value is longer than {MAX_VALUE_CHARS} characters")
        if param == "year" and not _YEAR.fullmatch(value):
            raise BadParameter(param, f"must be a year as YYYY, got {shown(value)}")
        if param == "month" and not _MONTH.fullmatch(value):
            raise BadParameter(param, f"must be a month as YYYY-MM, got {shown(value)}")
    return values


def parse_search_args(args) -> SearchParams:
    """Validate a MultiDict of query-string arguments; raises `BadParameter`."""
    q = _one(args, "q")
    if len(q) > MAX_QUERY_CHARS:
        raise BadParameter("q", f"the query is longer than {MAX_QUERY_CHARS} characters "
                                f"({len(q)})")
    date_from, date_to = _date(args, "from"), _date(args, "to")
    if date_from and date_to and date_from > date_to:
        raise BadParameter("from", "the start date is after the end date")
    return SearchParams(
        q=q,
        match=_choice(args, "match", [m.value for m in Match], Match.ALL.value),
        sort=_choice(args, "sort", [s.value for s in Sort], Sort.RELEVANCE.value),
        page=_int(args, "page", 1, 1, MAX_PAGE, beyond=DEEP_PAGE),
        limit=_int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        filters={p: vs for p in FILTER_PARAMS if (vs := _values(args, p))},
        date_from=date_from,
        date_to=date_to,
        expand=_choice(args, "expand", ("", *FILTER_PARAMS), ""),
    )


def parse_suggest_args(args) -> tuple[str, int]:
    """``prefix`` (up to 100 characters) and ``limit`` (1–50) of /api/suggest."""
    prefix = _one(args, "prefix")
    if len(prefix) > 100:
        raise BadParameter("prefix", "longer than 100 characters")
    return prefix, _int(args, "limit", 10, 1, 50)
