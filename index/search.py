"""The search entry point that the CLI and the web layer both call.

`ArchiveSearcher` keeps one open `Generation` per process and opens a new one when a
reindex changes the index, leaving the previous one to the searches still using it. A
request becomes Whoosh queries (`_queries`), one page of hits and the facets, each counted
with every filter but its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np
from whoosh import query as Q
from whoosh.index import EmptyIndexError
from whoosh.searching import Searcher

from archive.kinds import EntityKind

from .aliases import ALIASES_FILE
from .articles import NO_MARKS, article_view, highlighter, make_hit
from .generation import Generation
from .matches import Matches, intersect, top
from .models import (
    ArticleView,
    Facet,
    FacetName,
    Hit,
    Match,
    NameSuggestion,
    SearchRequest,
    SearchResult,
    Sort,
)
from .query import ParsedQuery, parse
from .ranking import DEFAULT_RANKING, Ranking
from .resolve import entity_keys, resolve_names
from .store import IndexMissing, open_index, resolve
from .suggest import complete_names, did_you_mean
from .vector import by_date

__all__ = ["ArchiveSearcher", "Hit", "SearchRequest", "SearchResult"]

T = TypeVar("T")
_OPEN_TRIES = 3  # a reindex may remove a build while it is being opened: open the next

FALLBACK_NOTICE = ("لا نتائج تضم كل الكلمات؛ هذه نتائج تضم بعضها "
                    "(no article has all the words; showing articles with some)")


class _Queries(NamedTuple):
    """One request as Whoosh queries: text, text + dates, facet filters, all of them."""

    text: Q.Query
    base: list[Q.Query]
    filters: dict[FacetName, Q.Query]
    full: Q.Query


class ArchiveSearcher:
    """One per process: reuses an open index generation, reopening it when the index changes."""

    def __init__(self, index_dir: Path, ranking: Ranking = DEFAULT_RANKING):
        self.index_dir = Path(index_dir)
        self.ranking = ranking
        self._lock = threading.Lock()
        self._gen, self._seen = self._open()

    def _stamp(self) -> tuple[Path, int | None]:
        """The served build and its alias table's mtime (rewritten after a commit)."""
        target = resolve(self.index_dir)
        try:
            return target, (target / ALIASES_FILE).stat().st_mtime_ns
        except OSError:
            return target, None

    def _open(self) -> tuple[Generation, tuple[Path, int | None]]:
        for attempt in range(_OPEN_TRIES):
            stamp = self._stamp()
            try:
                searcher = open_index(stamp[0]).searcher(weighting=self.ranking.weighting())
                _hold_files(searcher)
                return Generation(searcher, stamp[0], self.ranking), stamp
            except (OSError, EmptyIndexError, IndexMissing):
                if attempt == _OPEN_TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def _changed(self) -> bool:
        if self._stamp() != self._seen:
            return True
        try:
            return not self._gen.searcher.up_to_date()
        except OSError:
            return True  # its directory is gone

    def generation(self) -> Generation:
        """The current generation, a new one after a reindex or a swap to a new build.

        The previous one is not closed (nor `Searcher.refresh`ed, which closes readers): a
        search in another thread may still use it. Its files are all open, so removing
        them does not disturb it; they close when the last search lets it go.
        """
        with self._lock:
            if self._changed():
                self._gen, self._seen = self._open()
            return self._gen

    def _on_current(self, work: Callable[[Generation], T]) -> T:
        """``work`` on the current generation; once more on a newer one when a reindex
        removed a file under it."""
        gen = self.generation()
        try:
            return work(gen)
        except OSError:
            newer = self.generation()
            if newer is gen:
                raise
            return work(newer)

    def warm(self) -> None:
        """Read the facet tables now rather than on the first search (web start-up)."""
        self.generation().warm()

    def close(self) -> None:
        self._gen.searcher.close()

    # -- search -------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        result = self._on_current(lambda gen: self._search(gen, request))
        result.took_ms = round((time.perf_counter() - started) * 1000, 1)
        return result

    def _search(self, gen: Generation, request: SearchRequest) -> SearchResult:
        result, parsed = with_fallback(request, lambda r, p: self._run(gen, r, p),
                                       self.ranking)
        result.suggestion = did_you_mean(gen.searcher, gen.vocabulary, parsed.words,
                                         result.total == 0)
        return result

    def _run(self, gen: Generation, request: SearchRequest, parsed: ParsedQuery
             ) -> SearchResult:
        found = _evaluate(gen, request, parsed)
        start = (request.page - 1) * request.limit
        positions = _ordered(gen, found.full, request, start + request.limit)[start:]
        return SearchResult(query=request.query, match=request.match,
                            total=len(found.full.docs), page=request.page, limit=request.limit,
                            hits=list(_hits(gen, found, positions, request)),
                            facets=_facets(gen, found.matched, request))

    def ranked_ids(self, request: SearchRequest) -> list[str]:
        """Ids of one page in result order: the ranking alone, without snippets, facets or
        suggestions (the relevance benchmark, batch runs)."""
        def ids(gen: Generation) -> list[str]:
            found = _evaluate(gen, request, parse(request.query, request.match, self.ranking))
            start = (request.page - 1) * request.limit
            ordered = _ordered(gen, found.full, request, start + request.limit)[start:]
            return [gen.searcher.stored_fields(int(d))["id"] for d in found.full.docs[ordered]]
        return self._on_current(ids)

    def export(self, request: SearchRequest) -> Iterator[Hit]:
        """Every hit of ``request`` (not just a page), streamed in result order."""
        gen = self.generation()
        found = _evaluate(gen, request, parse(request.query, request.match, self.ranking))
        yield from _hits(gen, found, _ordered(gen, found.full, request, len(found.full.docs)),
                         request)

    # -- articles, names ----------------------------------------------------------

    def article(self, doc_id: str, query: str = "", related: int = 5) -> ArticleView | None:
        """One article in full, the query's matches marked, with related articles."""
        def view(gen: Generation) -> ArticleView | None:
            docnum = gen.searcher.document_number(id=doc_id)
            if docnum is None:
                return None
            marks = (highlighter(resolve_names(gen, parse(query, Match.ANY).query),
                                  gen.searcher.reader())
                     if query.strip() else NO_MARKS)
            return article_view(gen, docnum, marks, related)
        return self._on_current(view)

    def entity_keys(self, kind: EntityKind, name: str) -> list[str]:
        """The facet keys a typed name stands for (as ``person:NAME`` resolves it)."""
        return entity_keys(self.generation(), kind, name)

    def suggest_names(self, prefix: str, kinds=(EntityKind.PERSON, EntityKind.PLACE),
                      limit: int = 10) -> list[NameSuggestion]:
        """Persons and places with a spelling whose word starts with ``prefix``."""
        return complete_names(self.generation().aliases, prefix, kinds, limit)


def with_fallback(request: SearchRequest,
                  run: Callable[[SearchRequest, ParsedQuery], SearchResult],
                  ranking: Ranking = DEFAULT_RANKING) -> tuple[SearchResult, ParsedQuery]:
    """``run`` on the parsed request; when every word is required and no article has them
    all, again with any of them, saying so. Both engines search this way."""
    parsed = parse(request.query, request.match, ranking)
    result = run(request, parsed)
    if (result.total == 0 and request.match == Match.ALL and request.fallback
            and len(parsed.words) > 1):
        relaxed = request.model_copy(update={"match": Match.ANY})
        result = run(relaxed, parse(request.query, Match.ANY, ranking))
        result.notices.insert(0, FALLBACK_NOTICE)
    result.notices = parsed.notices + result.notices
    return result, parsed


def _hold_files(searcher: Searcher) -> None:
    """Open every file of the generation now. Whoosh opens stored fields, field lengths
    and columns on first use; a reindex may have removed them by then (an incremental
    commit deletes merged segments, a full one the replaced build), while open files stay
    readable."""
    schema = searcher.schema
    for reader, _ in searcher.reader().leaf_readers():
        if not reader.doc_count_all():
            continue
        reader.stored_fields(0)
        for name, field in schema.items():
            if field.scorable:
                reader.doc_field_length(0, name)
            if reader.has_column(name):
                reader.column_reader(name)


def _queries(gen: Generation, request: SearchRequest, parsed: ParsedQuery) -> _Queries:
    text = resolve_names(gen, parsed.query)
    dates = _date_query(request.date_from or parsed.date_from,
                        request.date_to or parsed.date_to)
    base = [text] + ([dates] if dates else [])
    filters = {}
    for name, values in request.filters.items():
        facet = gen.facets[name]
        keys = facet.keys(values)
        if keys:
            filters[name] = facet.filter(keys)
    return _Queries(text, base, filters, _and(base + list(filters.values())))


class _Matched(NamedTuple):
    """The request's text (and dates) and each facet filter, evaluated once."""

    base: Matches
    filters: dict[FacetName, Matches]


class _Found(NamedTuple):
    queries: _Queries
    matched: _Matched
    full: Matches  # every filter applied: the results


def _evaluate(gen: Generation, request: SearchRequest, parsed: ParsedQuery) -> _Found:
    queries = _queries(gen, request, parsed)
    run = gen.evaluator.run
    matched = _Matched(run(_and(queries.base)),
                       {name: run(q) for name, q in queries.filters.items()})
    return _Found(queries, matched, intersect([matched.base, *matched.filters.values()]))


def _hits(gen: Generation, found: _Found, positions: np.ndarray, request: SearchRequest
          ) -> Iterator[Hit]:
    marks = highlighter(found.queries.text, gen.searcher.reader())
    scored = sorting(request.sort, request.query) is None
    for i in positions:
        yield make_hit(gen.aliases, gen.searcher.stored_fields(int(found.full.docs[i])),
                       float(found.full.scores[i]) if scored else None, marks)


def _ordered(gen: Generation, full: Matches, request: SearchRequest, n: int) -> np.ndarray:
    """Positions in ``full`` of the first ``n`` results in the request's order."""
    sort = sorting(request.sort, request.query)
    if sort is None:
        return top(full, n)
    return by_date(full, gen.postings, newest_first=sort)[:n]


def _facets(gen: Generation, matches: _Matched, request: SearchRequest
            ) -> dict[FacetName, Facet]:
    """Document counts per facet value, each honouring every filter but its own."""
    if request.facet_limit == 0:
        return {}
    matched = {}
    out = {}
    for name, facet in gen.facets.items():
        others = tuple(sorted(f for f in matches.filters if f != name))
        if others not in matched:
            matched[others] = intersect([matches.base,
                                         *(matches.filters[f] for f in others)]).docs
        table = gen.table(name)
        selected = {facet.key(v) for v in request.filters.get(name, [])}
        out[name] = facet.result(table, table.count(matched[others]), selected,
                                 request.facet_limit)
    return out


def _and(queries: list[Q.Query]) -> Q.Query:
    if any(q is Q.NullQuery for q in queries):
        return Q.NullQuery
    return queries[0] if len(queries) == 1 else Q.And(queries)


def _date_query(start: datetime | None, end: datetime | None) -> Q.Query | None:
    if not start and not end:
        return None
    return Q.DateRange("date", start, end)


def sorting(sort: Sort, query: str) -> bool | None:
    """None to rank by score, else whether the newest come first (undated always last)."""
    if sort == Sort.NEWEST or (sort == Sort.RELEVANCE and not query.strip()):
        return True
    if sort == Sort.OLDEST:
        return False
    return None
