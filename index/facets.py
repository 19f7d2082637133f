"""Facets, one class per facet type (datasette's ``facets.py`` idea).

Each type knows its URL parameter, how a submitted value becomes its key (`key`, the
same function that keys the documents, and idempotent, so a key or a typed label both
work), the filter query for chosen keys, and how its values are ordered and labelled.
Every facet returns one shape, `models.Facet`, which carries what a page needs to draw a
toggle: the parameter, each value's key, label, count and whether it is selected.

Counting is numpy over per-generation tables: for each document the ids of its values
(`FacetTable`), counted with ``np.bincount`` over the matched document numbers.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from whoosh import query as Q

from archive.entities import entity_key
from archive.kinds import EntityKind

from .aliases import AliasTable
from .arrays import ranges
from .columns import column_values
from .models import Facet, FacetName, FacetValue
from .schema import facet_column, value_key

_FEW = 4  # a match under a quarter of the pairs is counted document by document


@dataclass(frozen=True)
class FacetTable:
    """For every document of one index generation, the ids of its facet values."""

    docs: np.ndarray  # document number of each (document, value) pair, ascending
    ids: np.ndarray  # value id of each pair
    keys: list[str]  # value id → key
    labels: list[str]  # value id → the first spelling seen
    index: dict[str, int]  # key → value id

    @cached_property
    def starts(self) -> np.ndarray:
        """Where each document's pairs start, up to the last document with a value (CSR)."""
        last = int(self.docs[-1]) if len(self.docs) else -1
        return np.searchsorted(self.docs, np.arange(last + 2)).astype(np.int32)

    def count(self, matched: np.ndarray) -> np.ndarray:
        """Documents per value id among ``matched`` (sorted document numbers).

        A small match reads only its own documents' pairs (cost grows with the match);
        a large one masks every pair (cost grows with the archive): the cheaper of the two.
        """
        if not len(self.ids):
            return np.zeros(len(self.keys), dtype=np.int64)
        if len(matched) * _FEW < len(self.ids):
            starts = self.starts
            matched = matched[matched < len(starts) - 1]
            first = starts[matched]
            sizes = starts[matched + 1] - first
            values = self.ids[ranges(first, sizes)]  # every matched document's pairs
        else:
            mask = np.zeros(int(self.docs[-1]) + 1, dtype=bool)
            mask[matched[matched < len(mask)]] = True
            values = self.ids[mask[self.docs]]
        return np.bincount(values, minlength=len(self.keys))


class FacetType:
    """One facet: its name, parameter, keys, filter, order and labels."""

    name: FacetName
    param: str
    column: str
    show_all = False  # dates: every value (a histogram needs them all)

    def key(self, value: str) -> str:
        return value.strip()

    def keys(self, values: Iterable[str]) -> list[str]:
        """The distinct non-empty keys of submitted values, in order."""
        return [k for k in dict.fromkeys(self.key(v) for v in values) if k]

    def field(self) -> str:
        """The index field that filters on this facet's keys."""
        return self.name.value

    def terms(self, keys: Iterable[str]) -> list[str]:
        """The index terms that stand for ``keys``."""
        return list(keys)

    def filter(self, keys: Iterable[str]) -> Q.Query:
        terms = [Q.Term(self.field(), t) for t in self.terms(keys)]
        return Q.Or(terms) if terms else Q.NullQuery

    def raw_value(self, value: str) -> str:
        """A stored column value as this facet counts it."""
        return value

    def label(self, key: str, seen: str) -> str:
        return seen or key

    def table(self, reader) -> FacetTable:
        ids: dict[str, int] = {}
        keys: list[str] = []
        labels: list[str] = []
        docs = array("i")  # 4 bytes a (document, value) pair, not a list's 8 and more
        values = array("i")
        known: dict[str, int] = {}  # stored value → id: each value's key is made once
        for docnum, raw_values in column_values(reader, self.column):
            own: dict[int, None] = {}
            for stored in raw_values:
                i = known.get(stored)
                if i is None:
                    raw = self.raw_value(stored)
                    key = self.key(raw)
                    if key not in ids:
                        ids[key] = len(keys)
                        keys.append(key)
                        labels.append(raw)
                    i = known[stored] = ids[key]
                own[i] = None
            docs.extend([docnum] * len(own))
            values.extend(own)
        return FacetTable(np.frombuffer(docs, dtype=np.int32),
                          np.frombuffer(values, dtype=np.int32), keys, labels, ids)

    def order(self, table: FacetTable, counts: np.ndarray) -> np.ndarray:
        """Ids of the counted values, most documents first (ties: first seen first)."""
        counted = np.flatnonzero(counts)
        return counted[np.lexsort((counted, -counts[counted]))]

    def result(self, table: FacetTable, counts: np.ndarray, selected: set[str],
               limit: int) -> Facet:
        ordered = self.order(table, counts)
        if self.show_all:
            limit = len(ordered)
        shown = [(table.keys[i], int(counts[i]), table.labels[i]) for i in ordered[:limit]]
        shown_keys = {key for key, _, _ in shown}
        # A selected value stays visible (and removable) even when its count is small.
        for key in sorted(selected - shown_keys):
            i = table.index.get(key)
            shown.append((key, 0 if i is None else int(counts[i]),
                          "" if i is None else table.labels[i]))
        values = [FacetValue(value=key, label=self.label(key, seen), count=count,
                             selected=key in selected)
                  for key, count, seen in shown]
        return Facet(name=self.name, param=self.param, values=values,
                     more=max(0, len(ordered) - limit))


class EntityFacet(FacetType):
    """Persons, places, organisations: keyed by canonical entity key, shown by display name."""

    def __init__(self, kind: EntityKind, aliases: AliasTable):
        self.kind, self.aliases = kind, aliases
        self.name = FacetName(kind.value)
        self.param = kind.param
        self.column = facet_column(kind.value)

    def key(self, value: str) -> str:
        return self.aliases.canonical(self.kind, entity_key(value))

    def terms(self, keys: Iterable[str]) -> list[str]:
        """Every indexed key merged into each canonical key."""
        return [m for k in keys for m in self.aliases.members(self.kind, k)]

    def label(self, key: str, seen: str) -> str:
        return self.aliases.display(self.kind, key, seen or key)


class SourceFacet(FacetType):
    name = FacetName.SOURCE
    param = "source"
    column = facet_column("source")

    def key(self, value: str) -> str:
        return value_key(value)

    def field(self) -> str:
        return "source_key"


class MonthFacet(FacetType):
    name = FacetName.MONTH
    param = "month"
    column = facet_column("month")
    show_all = True

    def order(self, table: FacetTable, counts: np.ndarray) -> np.ndarray:
        counted = np.flatnonzero(counts)
        return np.array(sorted(counted, key=lambda i: table.keys[i], reverse=True),
                        dtype=np.int64)  # newest first


class YearFacet(MonthFacet):
    name = FacetName.YEAR
    param = "year"

    def raw_value(self, value: str) -> str:
        return value[:4]


def facet_types(aliases: AliasTable) -> dict[FacetName, FacetType]:
    """Every facet of the archive, in the order results list them."""
    types: list[FacetType] = [EntityFacet(kind, aliases) for kind in EntityKind]
    types += [SourceFacet(), YearFacet(), MonthFacet()]
    return {t.name: t for t in types}


PARAMS: dict[str, FacetName] = {
    **{kind.param: FacetName(kind.value) for kind in EntityKind},
    "source": FacetName.SOURCE, "year": FacetName.YEAR, "month": FacetName.MONTH,
}
"""URL parameter → facet name (the facet types' ``param``, available without an index)."""
