"""Facet filters and counts as SphinxQL: every facet honours every filter but its own.

Facets without a chosen value are counted by the ``FACET`` clauses of one unranked SELECT
(Sphinx 2.2 loses an expression ranker's weight in a FACET query, so the ranked page is a
statement of its own); a facet with a value chosen gets its own GROUP BY statement
without that filter. All go in the page's statement batch. Counts come back
as ids or values and are shaped by the same `FacetType.result` as the Whoosh engine's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from pymysql.converters import escape_string

from archive.kinds import EntityKind

from ..facets import FacetTable
from ..models import Facet, FacetName, SearchRequest
from .schema import SOURCE_FIELD, ids_attr, key_id, key_token, ranking, seconds

# Values each facet is counted over (Sphinx's max_matches for grouping). Its grouping keeps
# that many groups and drops the rest as it goes, so a count is exact only where a value
# never fell out: at 60k articles, the top-11 counts of 240 facets (40 bench queries) were
# all exact with 1,000 and all but 1 with 300, against 32 wrong with 100; the cost grows with
# it (6 facets: 100 → 21 ms, 300 → 31 ms, 1,000 → 69 ms). Entities have thousands of values
# (300); sources, years and months few (1,000 costs nothing more there, and a month histogram
# needs every month).
ENTITY_GROUPS, GROUPS = 300, 1000
_ENTITIES = {FacetName(k.value) for k in EntityKind}
_ATTRS = {FacetName.SOURCE: "source_key", FacetName.YEAR: "year", FacetName.MONTH: "month",
          **{FacetName(k.value): ids_attr(k) for k in EntityKind}}


@dataclass
class FacetPlan:
    """One request's MATCH text and conditions, and how each facet is counted."""

    index: str
    match: str
    conditions: list[str]  # dates
    filters: dict[FacetName, str] = field(default_factory=dict)  # SQL condition or @field
    counted: list[FacetName] = field(default_factory=list)
    selected: dict[FacetName, set[str]] = field(default_factory=dict)
    limit: int = 10
    ranking: str = ""

    @classmethod
    def make(cls, view, request: SearchRequest, match: str, parsed) -> FacetPlan:
        conditions = _dates(request.date_from or parsed.date_from,
                            request.date_to or parsed.date_to)
        plan = cls(view.index, match, conditions, limit=request.facet_limit,
                   ranking=ranking(view.state.avg_words))
        for name, values in request.filters.items():
            keys = view.facets[name].keys(values)
            plan.selected[name] = set(keys)
            if keys:
                plan.filters[name] = _filter(name, keys)
        plan.counted = list(view.facets) if request.facet_limit else []
        return plan

    @property
    def inline(self) -> list[FacetName]:
        """The facets counted by ``FACET`` (those without a chosen value)."""
        return [n for n in self.counted if n not in self.filters]

    def where(self, without: FacetName | None = None) -> str:
        words = [self.match] if self.match else []
        conditions = list(self.conditions)
        for name, condition in self.filters.items():
            if name == without:
                continue
            if condition.startswith("@"):
                words.append(f"({condition})")
            else:
                conditions.append(condition)
        if words:
            conditions.insert(0, f"MATCH('{escape_string(' '.join(words))}')")
        return f" WHERE {' AND '.join(conditions)}" if conditions else ""

    def statement(self, columns: str, order: str, start: int, limit: int) -> str:
        # The sorter keeps max_matches rows: the page's end is enough (1,000 cost 16 ms a
        # query at 60k, 10 cost 1.3), and SHOW META's total stays exact.
        return (f"SELECT {columns} FROM {self.index}{self.where()} ORDER BY {order} "
                f"LIMIT {start}, {limit} OPTION max_matches={start + limit}, "
                f"{self.ranking}")


def _groups(name: FacetName) -> int:
    return ENTITY_GROUPS if name in _ENTITIES else GROUPS


def facet_statements(plan: FacetPlan) -> str:
    """``; ``-prefixed statements counting every facet of ``plan``: one unranked SELECT
    with the ``FACET`` clauses of each group size, then a GROUP BY per chosen facet."""
    sql = ""
    for size in (ENTITY_GROUPS, GROUPS):
        facets = [n for n in plan.inline if _groups(n) == size]
        if facets:
            sql += (f"; SELECT id FROM {plan.index}{plan.where()} LIMIT 1 "
                    f"OPTION ranker=none, max_matches={size}"
                    + "".join(f" FACET {_ATTRS[n]} ORDER BY COUNT(*) DESC LIMIT {size}"
                              for n in facets))
    sql += "".join(
        f"; SELECT GROUPBY() AS value, COUNT(*) AS n FROM {plan.index}{plan.where(name)} "
        f"GROUP BY {_ATTRS[name]} ORDER BY n DESC LIMIT {GROUPS} "
        f"OPTION ranker=none, max_matches={GROUPS}"
        for name in plan.counted if name in plan.filters)
    return sql


def read_facets(view, plan: FacetPlan, sets: list[list[tuple]] | None
                ) -> dict[FacetName, Facet]:
    """The result sets of `facet_statements` as facets (``None``: nothing matched)."""
    if sets is None:
        return {name: _facet(view, name, [], plan) for name in plan.counted}
    found: dict[FacetName, list[tuple]] = {}
    rest = iter(sets)
    for size in (ENTITY_GROUPS, GROUPS):
        facets = [n for n in plan.inline if _groups(n) == size]
        if facets:
            next(rest)  # the SELECT's own row
            found.update((name, next(rest)) for name in facets)
    found.update((name, next(rest)) for name in plan.counted if name in plan.filters)
    return {name: _facet(view, name, found[name], plan) for name in plan.counted}


def _facet(view, name: FacetName, groups: list[tuple], plan: FacetPlan) -> Facet:
    facet = view.facets[name]
    keys, labels, counts = [], [], []
    for value, count in groups:
        key_label = _key(view, name, value)
        if key_label:
            keys.append(key_label[0])
            labels.append(key_label[1])
            counts.append(int(count))
    table = FacetTable(np.zeros(0, np.int32), np.zeros(0, np.int32), keys, labels,
                       {k: i for i, k in enumerate(keys)})
    return facet.result(table, np.array(counts, dtype=np.int64), plan.selected.get(name, set()),
                        plan.limit)


def _key(view, name: FacetName, value) -> tuple[str, str] | None:
    """A counted value as (key, label), or None for "no value" (undated, no source)."""
    if name == FacetName.SOURCE:
        return (value, view.saved.labels.get(value, value)) if value else None
    if name == FacetName.YEAR:
        return (str(value), str(value)) if int(value) else None
    if name == FacetName.MONTH:
        month = int(value)
        text = f"{month // 100:04d}-{month % 100:02d}"
        return (text, text) if month else None
    key = view.key_of(name, int(value))
    return (key, key) if key else None


def _filter(name: FacetName, keys: list[str]) -> str:
    if name == FacetName.SOURCE:
        return f"@{SOURCE_FIELD} ({' | '.join(key_token(k) for k in keys)})"
    if name == FacetName.YEAR:
        return f"year IN ({', '.join(str(int(k)) for k in keys if k.isdigit()) or '0'})"
    if name == FacetName.MONTH:
        months = [int(k.replace("-", "")) for k in keys if k.replace("-", "").isdigit()]
        return f"month IN ({', '.join(map(str, months)) or '0'})"
    return f"{_ATTRS[name]} IN ({', '.join(str(key_id(k)) for k in keys)})"


def _dates(start: datetime | None, end: datetime | None) -> list[str]:
    conditions = []
    if start:
        conditions.append(f"date_ts >= {seconds(start.replace(tzinfo=None))}")
    if end:
        conditions.append(f"date_ts <= {seconds(end.replace(tzinfo=None))}")
    return ["dated = 1", *conditions] if conditions else []
