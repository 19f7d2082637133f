"""The Sphinx engine: the archive spread over ``searchd`` nodes, searched through any one.

A request is parsed and its names resolved exactly as in the Whoosh engine (`index.query`,
`index.resolve`, over the same alias table); the resolved query becomes MATCH() text
(`matching`), the facet filters attribute filters, and one statement batch returns the
page, the total and the facets (``FACET``; a facet with a value chosen is counted by its
own GROUP BY without that filter). Snippets are marked by our own highlighter on the
original text the shards keep.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from whoosh import query as Q

from archive.kinds import EntityKind

from ..aliases import AliasTable
from ..articles import NO_MARKS, highlighter, make_hit, stored_view
from ..build import ReindexReport
from ..engine import NAME_KINDS, EngineConfig, EngineUnavailable
from ..facets import FacetType, facet_types
from ..lock import writing
from ..models import (
    ArticleView,
    FacetName,
    Hit,
    Match,
    NameSuggestion,
    SearchRequest,
    SearchResult,
)
from ..query import parse
from ..resolve import entity_keys, resolve_names
from ..search import sorting, with_fallback
from ..suggest import complete_names
from . import build
from .client import Cluster
from .facets import FacetPlan, facet_statements, read_facets
from .matching import Unmatchable, has_fuzzy, to_match
from .nodes import parse_nodes
from .schema import DISTRIBUTED, LOCAL, STEM_FIELD, doc_number, key_id, ranking, stem_terms
from .state import Saved, State, load_files

_HIT_COLUMNS = ("doc_id, title_text, body_text, date_ts, dated, source_text, url, category, "
                "entities, WEIGHT() AS score")
EXPORT_MAX = 100_000  # an export reads this many hits at most
_PAGE = 1000
_FUZZY_NOTICE = "البحث التقريبي (~) غير متاح في محرك Sphinx؛ بُحث عن الكلمة كما هي " \
                "(word~ is searched as the plain word on the Sphinx engine)"


class _Open:
    """One state generation: its slot, alias table, facets and counts (a `resolve.Lookup`)."""

    def __init__(self, cluster: Cluster, state: State, saved: Saved):
        self.cluster, self.state, self.saved = cluster, state, saved
        self.aliases: AliasTable = saved.aliases
        self.facets: dict[FacetName, FacetType] = facet_types(saved.aliases)
        self.index = f"{DISTRIBUTED}_{state.slot}"
        self._count = lru_cache(maxsize=20_000)(self._count_uncached)
        self._keys: dict[FacetName, dict[int, str]] = {}

    def doc_count(self) -> int:
        return self.state.documents

    def doc_frequency(self, fieldname: str, text: str) -> int:
        if kind := EntityKind.from_alias(fieldname):
            entry = self.aliases.entries.get(kind.value, {}).get(text)
            return int(entry["docs"]) if entry else 0
        return self._count(fieldname, text)

    def _count_uncached(self, fieldname: str, text: str) -> int:
        try:
            match = to_match(Q.Term(fieldname, text))
        except (Unmatchable, ValueError):
            return 0
        return self.cluster.count(self.index, match)

    def key_of(self, name: FacetName, number: int) -> str | None:
        """The canonical entity key a facet id stands for."""
        if name not in self._keys:
            self._keys[name] = {key_id(self.aliases.canonical(name.value, k)):
                                self.aliases.canonical(name.value, k)
                                for k in self.aliases.entries.get(name.value, {})}
        return self._keys[name].get(number)

    def lexicon(self, kind: EntityKind) -> list[tuple[str, int]]:
        return [(key, int(entry["docs"]))
                for key, entry in self.aliases.entries.get(kind.value, {}).items()]


class SphinxEngine:
    """Build and search an archive on the nodes ``config.nodes`` (SphinxQL addresses)."""

    def __init__(self, config: EngineConfig):
        self.state_dir = Path(config.index_dir)
        try:
            nodes = parse_nodes(",".join(config.nodes))
        except ValueError as exc:
            raise EngineUnavailable(str(exc)) from exc
        self.cluster = Cluster(nodes, config.timeout)
        self._lock = threading.Lock()
        self._open: _Open | None = None
        self._stamp: tuple[int, int] | None = None

    # -- state --------------------------------------------------------------------

    def has_index(self) -> bool:
        return State.find(self.state_dir) is not None

    def view(self) -> _Open:
        """The current generation, reloaded when a reindex has published a new one."""
        path = State.path(self.state_dir)
        with self._lock:
            try:
                stat = path.stat()
                stamp = (stat.st_mtime_ns, stat.st_ino)
            except FileNotFoundError:
                stamp = None
            if self._open is None or stamp != self._stamp:
                state = State.load(self.state_dir)
                self._open = _Open(self.cluster, state, load_files(self.state_dir, state))
                self._stamp = stamp
            return self._open

    def reindex(self, items, **options) -> ReindexReport:
        with writing(Path(self.state_dir)):  # one reindex at a time (`index.lock`)
            return build.reindex(self.cluster, self.state_dir, items, **options)

    def warm(self) -> None:
        self.view()

    def close(self) -> None:
        self.cluster.close()

    def aliases(self) -> AliasTable:
        return self.view().aliases

    # -- search -------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        view = self.view()
        result, parsed = with_fallback(request, lambda r, p: self._run(view, r, p))
        if has_fuzzy(parsed.query):
            result.notices.append(_FUZZY_NOTICE)
        result.took_ms = round((time.perf_counter() - started) * 1000, 1)
        return result

    def _run(self, view: _Open, request: SearchRequest, parsed) -> SearchResult:
        text = resolve_names(view, parsed.query)
        try:
            match = to_match(text)
        except Unmatchable:
            plan = FacetPlan.make(view, request, "", parsed)
            return SearchResult(query=request.query, match=request.match, total=0,
                                page=request.page, limit=request.limit, hits=[],
                                facets=read_facets(view, plan, None))
        plan = FacetPlan.make(view, request, match, parsed)
        start = (request.page - 1) * request.limit
        sets = self.cluster.read(plan.statement(_HIT_COLUMNS, _order(request), start,
                                                request.limit)
                                 + "; SHOW META" + facet_statements(plan))
        rows, meta = sets[0], dict(sets[1])
        facets = read_facets(view, plan, sets[2:])
        marks = highlighter(text)
        scored = sorting(request.sort, request.query) is None
        result = SearchResult(
            query=request.query, match=request.match, total=int(meta.get("total_found", 0)),
            page=request.page, limit=request.limit,
            hits=[make_hit(view.aliases, _stored(row), float(row[9]) if scored else None,
                           marks) for row in rows],
            facets=facets)
        if warning := meta.get("warning"):
            missing = self.cluster.missing_shard(warning)
            result.notices.append(f"نتائج ناقصة: {missing or 'a shard'} لم يُجب "
                                  f"(partial results: {missing or 'a shard'} did not answer)")
        return result

    def ranked_ids(self, request: SearchRequest) -> list[str]:
        return [hit.id for hit in self._pages(request, request.limit,
                                              (request.page - 1) * request.limit)]

    def export(self, request: SearchRequest) -> Iterator[Hit]:
        return self._pages(request, EXPORT_MAX, 0, snippets=True)

    def _pages(self, request: SearchRequest, count: int, start: int, snippets: bool = False
               ) -> Iterator[Hit]:
        view = self.view()
        parsed = parse(request.query, request.match)
        text = resolve_names(view, parsed.query)
        try:
            match = to_match(text)
        except Unmatchable:
            return
        plan = FacetPlan.make(view, request, match, parsed)
        marks = highlighter(text) if snippets else NO_MARKS
        scored = sorting(request.sort, request.query) is None
        end = start + count
        while start < end:
            size = min(_PAGE, end - start)
            rows = self.cluster.read(plan.statement(_HIT_COLUMNS, _order(request), start,
                                                    size))[0]
            for row in rows:
                yield make_hit(view.aliases, _stored(row), float(row[9]) if scored else None,
                               marks)
            if len(rows) < size:
                return
            start += size

    # -- articles, names, stats ---------------------------------------------------

    def article(self, doc_id: str, query: str = "", related: int = 5) -> ArticleView | None:
        view = self.view()
        rows = self.cluster.read(f"SELECT {_HIT_COLUMNS} FROM {view.index} WHERE id = %s",
                           (doc_number(doc_id),))[0]
        rows = [row for row in rows if row[0] == doc_id]
        if not rows:
            return None
        stored = _stored(rows[0])
        marks = (highlighter(resolve_names(view, parse(query, Match.ANY).query))
                 if query.strip() else NO_MARKS)
        return stored_view(view.aliases, stored, marks, self._related(view, stored, related))

    def _related(self, view: _Open, stored: dict, top: int) -> list[Hit]:
        """Articles sharing the most of this one's title and leading body stems."""
        stems = list(dict.fromkeys(stem_terms(f"{stored['title']}\n{stored['body'][:600]}")
                                   .split()))[:20]
        if top <= 0 or not stems:
            return []
        rows = self.cluster.read(f"SELECT {_HIT_COLUMNS} FROM {view.index} WHERE MATCH(%s) "
                                 f"AND id != %s LIMIT {top} OPTION {ranking(view.state.avg_words)}",
                           (f'@{STEM_FIELD} "{" ".join(stems)}"/1',
                            doc_number(stored["id"])))[0]
        return [make_hit(view.aliases, _stored(row), float(row[9]), NO_MARKS) for row in rows]

    def entity_keys(self, kind: EntityKind, name: str) -> list[str]:
        return entity_keys(self.view(), kind, name)

    def suggest_names(self, prefix: str, kinds: Sequence[EntityKind] = NAME_KINDS,
                      limit: int = 10) -> list[NameSuggestion]:
        return complete_names(self.view().aliases, prefix, kinds, limit)

    def stats(self) -> dict:
        state = State.load(self.state_dir)
        nodes = []
        for k, node in enumerate(self.cluster.nodes):
            try:
                count = self.cluster.run(k, f"SELECT COUNT(*) FROM {LOCAL}_{state.slot}")[0]
                nodes.append({"address": str(node), "documents": int(count[0][0])})
            except EngineUnavailable as exc:
                nodes.append({"address": str(node), "documents": None, "error": str(exc)})
        return {"engine": "sphinx", "slot": state.slot, "generation": state.generation,
                "documents": sum(n["documents"] or 0 for n in nodes), "nodes": nodes}


def _order(request: SearchRequest) -> str:
    newest = sorting(request.sort, request.query)
    if newest is None:
        return "WEIGHT() DESC, id ASC"
    return f"dated DESC, date_ts {'DESC' if newest else 'ASC'}, id ASC"


def _stored(row: tuple) -> dict:
    """A hit row as the stored fields `make_hit` reads."""
    doc_id, title, body, seconds, dated, source, url, category, entities = row[:9]
    return {"id": doc_id, "title": title, "body": body,
            "date": datetime(1970, 1, 1) + timedelta(seconds=int(seconds)) if dated else None,
            "source": source or None, "url": url or None, "category": category or None,
            "entities": json.loads(entities or "{}")}


