"""The search API that the CLI and the web layer both call, with typed requests and results."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field
from whoosh import query as Q
from whoosh.searching import Searcher as WhooshSearcher
from whoosh.sorting import FieldFacet, MultiFacet

from archive.arabic import normalize_phrase
from archive.entities import entity_key

from .aliases import AliasTable
from .analysis import LuceneIdfBM25F, arabic_stopwords
from .columns import column_values
from .highlight import Highlighter
from .query import ENTITY_FIELDS, ParsedQuery, parse
from .schema import facet_column, value_key
from .store import open_index, resolve

FACETS = ("person", "place", "organization", "source", "year", "month")
MAX_QUERY_CHARS = 1000
MAX_LIMIT = 100
MAX_PAGE = 1000


class SearchRequest(BaseModel):
    """What to search for; every field has a safe default and a bound."""

    query: str = Field("", max_length=MAX_QUERY_CHARS)
    match: Literal["all", "any"] = "all"
    filters: dict[str, list[str]] = Field(default_factory=dict)
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: Literal["relevance", "newest", "oldest"] = "relevance"
    page: int = Field(1, ge=1, le=MAX_PAGE)
    limit: int = Field(10, ge=1, le=MAX_LIMIT)
    facet_limit: int = Field(10, ge=0, le=500)
    fallback: bool = True  # when `all` finds nothing, show `any` results


class FacetValue(BaseModel):
    value: str
    label: str
    count: int
    selected: bool = False


class Facet(BaseModel):
    name: str
    values: list[FacetValue]
    more: int = 0  # how many further values were left out


class Hit(BaseModel):
    id: str
    title: str
    title_html: str
    score: float | None
    date: str | None
    source: str | None
    url: str | None
    snippet: str
    persons: list[str]
    places: list[str]
    organizations: list[str]


class SearchResult(BaseModel):
    query: str
    match: str
    total: int
    page: int
    limit: int
    hits: list[Hit]
    facets: dict[str, Facet]
    suggestion: str | None = None
    notices: list[str] = Field(default_factory=list)
    took_ms: float = 0.0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))

    def as_json(self) -> dict:
        """The documented JSON shape (``archive search --json``, ``/api/search``)."""
        data = self.model_dump()
        data["facets"] = {
            name: [{"value": v.value, "label": v.label, "count": v.count,
                    "selected": v.selected} for v in facet.values]
            for name, facet in self.facets.items()
        }
        data["facets_more"] = {name: facet.more for name, facet in self.facets.items()}
        return data


class ArticleView(BaseModel):
    id: str
    title: str
    title_html: str
    body_html: str
    date: str | None
    source: str | None
    url: str | None
    category: str | None
    persons: list[FacetValue]
    places: list[FacetValue]
    organizations: list[FacetValue]
    related: list[Hit]


class NameSuggestion(BaseModel):
    kind: str
    value: str
    label: str
    count: int


class _Queries(NamedTuple):
    """One request as Whoosh queries: text, text + dates, facet filters, all of them."""

    text: Q.Query
    base: list[Q.Query]
    filters: dict[str, list[Q.Query]]
    full: Q.Query


class ArchiveSearcher:
    """One per process: reuses a Whoosh searcher, reopening it when the index changes."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._target: Path | None = None
        self._open()

    def _open(self) -> None:
        self._index = open_index(self.index_dir)
        self._target = resolve(self.index_dir)
        self._searcher: WhooshSearcher = self._index.searcher(weighting=LuceneIdfBM25F())
        self.aliases = AliasTable.load(self._target)
        self._reset_caches()

    def _reset_caches(self) -> None:
        self._lexicons: dict[str, list[tuple[str, int]]] = {}
        self._facet_tables: dict[str, tuple[list[tuple[str, ...]], dict[str, str]]] = {}

    def searcher(self) -> WhooshSearcher:
        """The current searcher, refreshed after a reindex or a swap to a new build."""
        with self._lock:
            if resolve(self.index_dir) != self._target:
                self._searcher.close()
                self._open()
            elif not self._searcher.up_to_date():
                self._searcher = self._searcher.refresh()
                self.aliases = AliasTable.load(self._target)
                self._reset_caches()
            return self._searcher

    def warm(self) -> None:
        """Read the facet tables now rather than on the first search (web start-up)."""
        searcher = self.searcher()
        for name in FACETS:
            self._facet_table(searcher, name)

    def close(self) -> None:
        self._searcher.close()

    # -- search -------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        searcher = self.searcher()
        parsed = parse(request.query, request.match)
        result = self._run(searcher, request, parsed)
        if (result.total == 0 and request.match == "all" and request.fallback
                and len(parsed.words) > 1):
            relaxed = request.model_copy(update={"match": "any"})
            result = self._run(searcher, relaxed, parse(request.query, "any"))
            result.notices.insert(0, "لا نتائج تضم كل الكلمات؛ هذه نتائج تضم بعضها "
                                     "(no article has all the words; showing articles with some)")
        result.notices = parsed.notices + result.notices
        result.suggestion = self._did_you_mean(searcher, parsed.words, result.total == 0)
        result.took_ms = round((time.perf_counter() - started) * 1000, 1)
        return result

    def _queries(self, searcher, request: SearchRequest, parsed: ParsedQuery) -> _Queries:
        text = self._resolve_entities(searcher, parsed.query)
        dates = _date_query(request.date_from or parsed.date_from,
                            request.date_to or parsed.date_to)
        base = [text] + ([dates] if dates else [])
        filters = self._filters(searcher, request)
        return _Queries(text, base, filters, _and(base + [q for qs in filters.values()
                                                           for q in qs]))

    def _run(self, searcher, request: SearchRequest, parsed: ParsedQuery) -> SearchResult:
        queries = self._queries(searcher, request, parsed)
        sortedby, reverse = _sorting(request.sort, request.query)
        page = searcher.search_page(queries.full, request.page, pagelen=request.limit,
                                    sortedby=sortedby, reverse=reverse)
        highlighter = self._highlighter(searcher, queries.text)
        # Whoosh clamps a page past the end to the last page; an empty page is the truth.
        past_end = (request.page - 1) * request.limit >= page.total
        hits = [] if past_end else [self._hit(h, highlighter, scored=sortedby is None)
                                    for h in page]
        facets = self._facets(searcher, queries.base, queries.filters, request)
        return SearchResult(query=request.query, match=request.match, total=page.total,
                            page=request.page, limit=request.limit, hits=hits, facets=facets)

    def export(self, request: SearchRequest) -> Iterator[Hit]:
        """Every hit of ``request`` (not just a page), streamed in result order."""
        searcher = self.searcher()
        queries = self._queries(searcher, request, parse(request.query, request.match))
        sortedby, reverse = _sorting(request.sort, request.query)
        results = searcher.search(queries.full, limit=None, sortedby=sortedby, reverse=reverse)
        highlighter = self._highlighter(searcher, queries.text)
        for hit in results:
            yield self._hit(hit, highlighter, scored=sortedby is None)

    # -- pieces -------------------------------------------------------------------

    def _filters(self, searcher, request: SearchRequest) -> dict[str, list[Q.Query]]:
        """One OR-query per active facet (OR within a facet, AND across facets)."""
        out: dict[str, list[Q.Query]] = {}
        for name, values in request.filters.items():
            values = [v for v in values if v.strip()]
            if name not in FACETS or not values:
                continue
            if name in ENTITY_FIELDS:
                terms = [t for v in values for t in self._entity_terms(searcher, name, v)]
            elif name == "source":
                terms = [Q.Term("source_key", value_key(v)) for v in values]
            else:
                terms = [Q.Term(name, v.strip()) for v in values]
            out[name] = [Q.Or(terms) if terms else Q.NullQuery]
        return out

    def _resolve_entities(self, searcher, q: Q.Query) -> Q.Query:
        """Turn ``person:بلينكن`` terms into the index keys they name, and let a name word
        find the archive's other spellings of it (نتنياهو also finds نتانياهو)."""
        def visit(node):
            if type(node) is Q.Term and node.fieldname in ENTITY_FIELDS:
                terms = self._entity_terms(searcher, node.fieldname, node.text)
                return Q.Or(terms) if terms else Q.NullQuery
            if type(node) is Q.Term and node.fieldname in ("title", "body"):
                variants = self.aliases.spelling_variants(node.text)
                if variants:
                    return Q.Or([node] + [Q.Term(node.fieldname, v, boost=node.boost)
                                          for v in sorted(variants)])
            return node
        return q.accept(visit)

    def _entity_terms(self, searcher, kind: str, value: str) -> list[Q.Term]:
        """Index keys a typed name stands for: its entity, else every name containing it."""
        key = self.aliases.canonical(kind, self._entity_key(kind, value))
        if not key:
            return []
        if searcher.doc_frequency(kind, key) or key in self.aliases.entries.get(kind, {}):
            keys = {key}
        else:
            padded = f" {key} "
            keys = {self.aliases.canonical(kind, k) for k, _ in self._lexicon(searcher, kind)
                    if padded in f" {k} "}
        return [Q.Term(kind, m) for k in sorted(keys) for m in self.aliases.members(kind, k)]

    def _lexicon(self, searcher, kind: str) -> list[tuple[str, int]]:
        if kind not in self._lexicons:
            reader = searcher.reader()
            self._lexicons[kind] = [
                (term.decode("utf-8"), reader.doc_frequency(kind, term))
                for term in reader.lexicon(kind)
            ]
        return self._lexicons[kind]

    def _highlighter(self, searcher, q: Q.Query) -> Highlighter:
        exact, stems = set(), set()
        for fieldname, text in _positive_terms(q, searcher.reader()):
            word = text.decode("utf-8") if isinstance(text, bytes) else text
            if fieldname in ("title", "body"):
                exact.add(word)
            elif fieldname == "body_stem":
                stems.add(word)
        return Highlighter(exact, stems)

    def _hit(self, hit, highlighter: Highlighter, scored: bool = True) -> Hit:
        stored = hit.fields()
        entities = stored.get("entities") or {}
        return Hit(
            id=stored["id"],
            title=stored.get("title", ""),
            title_html=highlighter.whole(stored.get("title", "")),
            score=round(hit.score, 4) if scored and hit.score is not None else None,
            date=_iso(stored.get("date")),
            source=stored.get("source"),
            url=stored.get("url"),
            snippet=highlighter.snippet(stored.get("body", "")),
            persons=self._labels("person", entities.get("person", [])),
            places=self._labels("place", entities.get("place", [])),
            organizations=self._labels("organization", entities.get("organization", [])),
        )

    def _labels(self, kind: str, names: list[str]) -> list[str]:
        return list(dict.fromkeys(self.aliases.display(kind, entity_key(n), n) for n in names))

    # -- facets -------------------------------------------------------------------

    def _facets(self, searcher, base, filters, request: SearchRequest) -> dict[str, Facet]:
        """Document counts per facet value, each honouring every filter but its own."""
        if request.facet_limit == 0:
            return {}
        docsets: dict[tuple[str, ...], list[int]] = {}
        facets = {}
        for name in FACETS:
            others = tuple(sorted(f for f in filters if f != name))
            if others not in docsets:
                q = _and(base + [qq for f in others for qq in filters[f]])
                docsets[others] = list(searcher.docs_for_query(q))
            selected = {self._facet_key(name, v) for v in request.filters.get(name, [])}
            counts, labels = self._count(searcher, name, docsets[others])
            facets[name] = self._facet(name, counts, labels, selected, request.facet_limit)
        return facets

    def _entity_key(self, kind: str, value: str) -> str:
        """A facet value from a link is already a key (folding is not idempotent)."""
        if value in self.aliases.entries.get(kind, {}):
            return value
        return entity_key(value)

    def _facet_key(self, name: str, value: str) -> str:
        if name in ENTITY_FIELDS:
            return self.aliases.canonical(name, self._entity_key(name, value))
        if name == "source":
            return value_key(value)
        return value.strip()

    def _count(self, searcher, name: str, docnums: list[int]):
        """Document counts per value of facet ``name`` over ``docnums``."""
        doc_keys, labels = self._facet_table(searcher, name)
        counts: Counter[str] = Counter()
        for docnum in docnums:
            counts.update(doc_keys[docnum])
        return counts, labels

    def _facet_table(self, searcher, name: str):
        """Per document, its facet keys (read once per index generation from the columns)."""
        if name not in self._facet_tables:
            reader = searcher.reader()
            doc_keys: list[tuple[str, ...]] = [()] * reader.doc_count_all()
            labels: dict[str, str] = {}
            column = facet_column("month" if name == "year" else name)
            for docnum, values in column_values(reader, column):
                if name == "year":
                    values = [v[:4] for v in values]
                keys = {}
                for value in values:
                    key = (self.aliases.canonical(name, entity_key(value))
                           if name in ENTITY_FIELDS else self._facet_key(name, value))
                    keys[key] = None
                    labels.setdefault(key, value)
                doc_keys[docnum] = tuple(keys)
            self._facet_tables[name] = (doc_keys, labels)
        return self._facet_tables[name]

    def _facet(self, name, counts: Counter, labels, selected: set[str], limit: int) -> Facet:
        if name in ("year", "month"):
            ordered = sorted(counts.items(), reverse=True)  # newest first
        else:
            ordered = counts.most_common()
        if name in ("year", "month"):
            limit = len(ordered)  # dates are few and a histogram needs all of them
        shown = ordered[:limit]
        shown_keys = {k for k, _ in shown}
        # A selected value stays visible (and removable) even when its count is small.
        shown += [(k, counts.get(k, 0)) for k in sorted(selected) if k not in shown_keys]
        values = [
            FacetValue(value=key, label=self._facet_label(name, key, labels.get(key)),
                       count=count, selected=key in selected)
            for key, count in shown
        ]
        return Facet(name=name, values=values, more=max(0, len(ordered) - limit))

    def _facet_label(self, name: str, key: str, seen: str | None) -> str:
        fallback = seen or key
        if name in ENTITY_FIELDS:
            return self.aliases.display(name, key, fallback)
        return fallback

    # -- help when results are poor ---------------------------------------------

    def _did_you_mean(self, searcher, words: list[str], found_nothing: bool) -> str | None:
        """The query with misspelt words replaced by frequent near spellings from the index.

        A word is suspect when the index lacks it, or when it is rare and nothing was found;
        a rare word among results is usually a real name, and checking costs a lexicon walk.
        """
        rare = 2 if found_nothing else 1
        suspects = [w for w in dict.fromkeys(words)
                    if len(w) >= 3 and w not in arabic_stopwords()
                    and _frequency(searcher, w) < rare][:3]
        if not suspects:
            return None
        replaced = {}
        for word in suspects:
            own = _frequency(searcher, word)
            candidates = searcher.suggest("body", word, limit=8, maxdist=2, prefix=1)
            best = max(candidates, key=lambda c: _frequency(searcher, c), default=None)
            if best and best != word and _frequency(searcher, best) > max(2, own * 5):
                replaced[word] = best
        if not replaced:
            return None
        return " ".join(replaced.get(w, w) for w in words)

    # -- articles -----------------------------------------------------------------

    def article(self, doc_id: str, query: str = "", related: int = 5) -> ArticleView | None:
        """One article in full, the query's matches marked, with related articles."""
        searcher = self.searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return None
        stored = searcher.stored_fields(docnum)
        parsed = parse(query, "any") if query.strip() else None
        highlighter = (self._highlighter(searcher, self._resolve_entities(searcher, parsed.query))
                       if parsed else Highlighter(set(), set()))
        entities = stored.get("entities") or {}
        return ArticleView(
            id=stored["id"], title=stored.get("title", ""),
            title_html=highlighter.whole(stored.get("title", "")),
            body_html=highlighter.whole(stored.get("body", "")),
            date=_iso(stored.get("date")), source=stored.get("source"), url=stored.get("url"),
            category=stored.get("category"),
            persons=self._entity_values("person", entities),
            places=self._entity_values("place", entities),
            organizations=self._entity_values("organization", entities),
            related=self._related(searcher, docnum, stored, related),
        )

    def _entity_values(self, kind: str, entities: dict) -> list[FacetValue]:
        values = {}
        for name in entities.get(kind, []):
            key = self.aliases.canonical(kind, entity_key(name))
            values.setdefault(key, FacetValue(
                value=key, label=self.aliases.display(kind, key, name), count=1))
        return list(values.values())

    def _related(self, searcher, docnum: int, stored: dict, top: int) -> list[Hit]:
        if top <= 0:
            return []
        text = f"{stored.get('title', '')}\n{stored.get('body', '')}"
        results = searcher.more_like(docnum, "body_stem", text=text, top=top, numterms=20)
        highlighter = Highlighter(set(), set())
        return [self._hit(hit, highlighter) for hit in results]

    # -- completion ---------------------------------------------------------------

    def suggest_names(self, prefix: str, kinds=("person", "place"), limit: int = 10
                      ) -> list[NameSuggestion]:
        """Persons and places with a spelling whose word starts with ``prefix``."""
        needle = " " + normalize_phrase(prefix)
        if not needle.strip():
            return []
        self.searcher()  # refresh the alias table after a reindex
        found = [
            NameSuggestion(kind=kind, value=key, label=self.aliases.display(kind, key, key),
                           count=docs)
            for kind in kinds
            for text, key, docs in self.aliases.completions(kind)
            if needle in text
        ]
        found.sort(key=lambda s: -s.count)
        return found[:limit]


def _positive_terms(q: Q.Query, reader) -> Iterator[tuple[str, str | bytes]]:
    """Terms a match may contain: excluded (``-word``) parts are not marked."""
    if isinstance(q, Q.Not):
        return
    if isinstance(q, Q.AndNot):
        yield from _positive_terms(q.a, reader)
        return
    if q.is_leaf():
        yield from q.expanded_terms(reader, phrases=True)
        return
    for child in q.children():
        yield from _positive_terms(child, reader)


def _frequency(searcher, word: str) -> int:
    return searcher.doc_frequency("body", word) + searcher.doc_frequency("title", word)


def _and(queries: list[Q.Query]) -> Q.Query:
    queries = [q for q in queries if q is not None]
    if any(q is Q.NullQuery for q in queries):
        return Q.NullQuery
    return queries[0] if len(queries) == 1 else Q.And(queries)


def _date_query(start: datetime | None, end: datetime | None) -> Q.Query | None:
    if not start and not end:
        return None
    return Q.DateRange("date", start, end)


def _sorting(sort: str, query: str):
    """Whoosh ``sortedby`` and ``reverse``; undated articles come last either way."""
    if sort == "newest" or (sort == "relevance" and not query.strip()):
        newest_first = True
    elif sort == "oldest":
        newest_first = False
    else:
        return None, False
    return MultiFacet([FieldFacet("dated", reverse=True),
                       FieldFacet("date", reverse=newest_first)]), False


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None
