"""Vectorised query evaluation: Whoosh's scores, computed with numpy over posting arrays.

Whoosh walks posting lists one document at a time in Python; for the common words of
news (a word in half the archive, in three fields, with its spelling variants) that is
most of a search's time. Here each term's postings are read block by block into numpy
arrays (cached per index generation), and a query tree is evaluated as whole arrays:
`And` intersects, `Or` unites and sums, scores are BM25F exactly as Whoosh computes them
(same idf, quantised field lengths, boosts, and `CoordMatcher`'s coordination bonus for
``match=any``). The result is every matching document with its score: the exact total,
the top hits and the facet counts all come from it. A node this module does not know
(phrases, wildcards, fuzzy terms …) is run by Whoosh's own matcher and joins as arrays.

Reading posting blocks uses Whoosh's W3 codec internals (``_read_data``, ``_next_block``);
whoosh-reloaded is pinned, and ``tests/test_vector.py`` checks totals, order and scores
against Whoosh's own search.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import NumericColumn
from whoosh.util.numeric import byte_to_length

from .matches import Matches, intersect, unite
from .phrases import phrase_keeps
from .query import ExactTerm
from .ranking import Ranking

_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float64)
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_CACHE_BYTES = 64 * 2**20  # posting arrays kept per generation


def numeric_column(column, count: int) -> np.ndarray:
    """The ``count`` values of a Whoosh numeric column as one array. Whoosh reads them one
    call, seek and unpack per document (1 s of a web worker's start at 60k); its file
    holds them as one big-endian fixed-width run, which numpy reads at once."""
    if not isinstance(column, NumericColumn.Reader):
        return np.array([column[i] for i in range(count)])
    stored = min(column._count, count)
    dtype = np.dtype(">" + column._typecode)
    out = np.full(count, column._default, dtype=dtype.newbyteorder("="))
    out[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored * dtype.itemsize),
                                 dtype=dtype)
    return out

class Postings:
    """Posting arrays, field lengths and dates of one index generation."""

    def __init__(self, searcher, ranking: Ranking):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.ranking = ranking
        self.weighting = searcher.weighting
        self.count = self.reader.doc_count_all()
        self.leaves = list(self.reader.leaf_readers())
        self.live = np.zeros(self.count, dtype=bool)
        self.live[np.fromiter(self.reader.all_doc_ids(), dtype=np.int64)] = True
        self._cache: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = (
            OrderedDict())
        self._cached = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._dates: tuple[np.ndarray, np.ndarray] | None = None

    def term(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Live documents and weights of a term, or None when the index lacks it."""
        key = (field, text)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        if key not in self.reader:
            return None
        btext = self.searcher.schema[field].to_bytes(text)
        docs, weights = [], []
        for leaf, offset in self.leaves:
            if (field, btext) in leaf:
                d, w = _leaf_postings(leaf, field, btext)
                docs.append(d + offset)
                weights.append(w)
        d = np.concatenate(docs) if docs else _EMPTY_I
        w = np.concatenate(weights) if weights else _EMPTY_F
        keep = self.live[d]
        if not keep.all():
            d, w = d[keep], w[keep]
        found = (d.astype(np.int32), _compact(w))
        self._remember(key, found)
        return found

    def forget(self) -> None:
        """Empty the posting cache (benchmarks: what a query costs with nothing read)."""
        self._cache.clear()
        self._cached = 0

    def _remember(self, key, value) -> None:
        self._cache[key] = value
        self._cached += value[0].nbytes + value[1].nbytes
        while self._cached > _CACHE_BYTES and len(self._cache) > 1:
            _, (d, w) = self._cache.popitem(last=False)
            self._cached -= d.nbytes + w.nbytes

    def lengths(self, field: str) -> np.ndarray:
        """Each document's (quantised) length in ``field``, 1 where it has none."""
        if field not in self._lengths:
            out = np.ones(self.count, dtype=np.float64)
            for leaf, offset in self.leaves:
                column = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                if column is None:
                    continue
                raw = numeric_column(column, leaf.doc_count_all())
                values = _BYTE_TO_LENGTH[raw]
                values[raw == 0] = 1.0
                out[offset:offset + len(raw)] = values
            self._lengths[field] = out
        return self._lengths[field]

    def dates(self) -> tuple[np.ndarray, np.ndarray]:
        """``(dated, date)`` per document: a flag and the date as Whoosh's long."""
        if self._dates is None:
            dated = np.zeros(self.count, dtype=bool)
            when = np.zeros(self.count, dtype=np.int64)
            for leaf, offset in self.leaves:
                if not leaf.has_column("date"):
                    continue
                column = leaf.column_reader("date", translate=False)
                raw = numeric_column(column, leaf.doc_count_all())
                has = raw < np.uint64(2**63)  # an undated document holds the type's maximum
                end = offset + len(raw)
                dated[offset:end] = has
                when[offset:end] = np.where(has, raw, 0).astype(np.int64)
            self._dates = (dated, when)
        return self._dates


def _compact(weights: np.ndarray) -> np.ndarray:
    """A term's weights as stored in the cache: one byte each when they are whole numbers
    below 256 (term counts, the usual case: 5 bytes a posting with its int32 document
    rather than 8, so the same memory holds 60% more postings), else float32 (Whoosh
    stores weights as float32, so nothing is lost)."""
    if np.all((weights >= 0) & (weights < 256) & (weights == np.floor(weights))):
        return weights.astype(np.uint8)
    return weights.astype(np.float32)


def _leaf_postings(leaf, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """All postings of a term in one segment, block by block (Whoosh W3 internals)."""
    m = leaf._terms.matcher(field, btext, leaf.schema[field].format)
    if not isinstance(m, W3LeafMatcher):  # a rare term, inlined in its term entry
        few_ids, few_weights = [], []
        while m.is_active():
            few_ids.append(m.id())
            few_weights.append(m.weight())
            m.next()
        return np.array(few_ids, dtype=np.int64), np.array(few_weights, dtype=np.float64)
    ids, weights = [], []
    while m.is_active():
        if m._data is None:
            m._read_data()
        raw_ids = np.asarray(m._data[0], dtype=np.int64)
        ids.append(raw_ids if m._byteids else np.cumsum(raw_ids))
        w = m._data[1]
        if w is None:
            weights.append(np.ones(len(raw_ids)))
        elif isinstance(w, float):
            weights.append(np.full(len(raw_ids), w))
        else:
            weights.append(np.asarray(w, dtype=np.float64))
        m._next_block()
    if not ids:
        return _EMPTY_I, _EMPTY_F
    return np.concatenate(ids), np.concatenate(weights)


class Evaluator:
    """Evaluates a Whoosh query tree into `Matches` over one generation's postings."""

    def __init__(self, postings: Postings):
        self.p = postings

    def run(self, q: Q.Query) -> Matches:
        if type(q) in (Q.Term, ExactTerm):
            return self._term(q)
        if type(q) is Q.And:
            return self._and(q)
        if type(q) is Q.Or:
            return self._or(q)
        if type(q) is Q.AndNot:
            return self._and_not(q)
        if isinstance(q, Q.qcore._NullQuery):
            return Matches.empty()
        if type(q) is Q.Every:
            docs = np.flatnonzero(self.p.live)
            return Matches(docs, np.full(len(docs), q.boost), np.zeros(len(docs), np.int64))
        if type(q) is Q.DateRange:
            return self._dates(q)
        if type(q) is Q.Phrase and self._positional(q):
            return self._phrase(q)
        return self._whoosh(q)

    def _term(self, q: Q.Term) -> Matches:
        found = self.p.term(q.fieldname, q.text)
        if found is None:
            return Matches.empty()
        docs, weights = found[0].astype(np.int64), found[1].astype(np.float64)
        field = self.p.searcher.schema[q.fieldname]
        if field.scorable:
            scores = self._bm25(q.fieldname, q.text, docs, weights)
        else:
            scores = weights
        if q.boost != 1.0:
            scores = scores * q.boost
        return Matches(docs, scores, np.ones(len(docs), np.int64), terms=1)

    def _bm25(self, field: str, text: str, docs: np.ndarray, weights: np.ndarray
              ) -> np.ndarray:
        ranking, reader = self.p.ranking, self.p.searcher
        if ranking.idf == "lucene":
            n = reader.doc_frequency(field, text)
            idf = math.log(1 + (self.p.count - n + 0.5) / (n + 0.5))
        else:
            idf = reader.idf(field, text)
        avgfl = reader.avg_field_length(field) or 1
        B = self.p.weighting._field_B.get(field, ranking.B)
        K1 = ranking.K1
        fl = self.p.lengths(field)[docs]
        return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))

    def _children(self, q) -> list[Matches]:
        return [self.run(child) for child in q.subqueries]

    def _and(self, q: Q.And) -> Matches:
        if not q.subqueries:
            return Matches.empty()
        if len(q.subqueries) == 1:
            return self.run(q.subqueries[0])  # Whoosh ignores a lone child's boost too
        both = intersect(self._children(q))
        if q.boost != 1.0:
            return Matches(both.docs, both.scores * q.boost, both.hits, both.terms)
        return both

    def _or(self, q: Q.Or) -> Matches:
        if not q.subqueries:
            return Matches.empty()
        if len(q.subqueries) == 1:
            return self.run(q.subqueries[0])
        parts = [p for p in self._children(q) if len(p.docs) or p.terms]
        terms = sum(p.terms for p in parts)
        parts = [p for p in parts if len(p.docs)]
        if not parts:
            return Matches(_EMPTY_I, _EMPTY_F, _EMPTY_I, terms)
        docs, scores, hits = unite(parts)
        if q.boost != 1.0:
            scores *= q.boost
        if q.scale and terms:
            # CoordMatcher's "SQR" bonus (Whoosh matching/wrappers.py)
            if terms == q.scale:
                scores = np.zeros(len(docs))
            else:
                scores = (scores + (hits - 1) / (terms - q.scale) ** 2) * ((terms - 1) / terms)
        return Matches(docs, scores, hits, terms)

    def _and_not(self, q: Q.AndNot) -> Matches:
        a, b = self.run(q.a), self.run(q.b)
        keep = ~np.isin(a.docs, b.docs, assume_unique=True)
        return Matches(a.docs[keep], a.scores[keep], a.hits[keep], a.terms)

    def _positional(self, q: Q.Phrase) -> bool:
        """A phrase of several words on a field with positions (else Whoosh's matcher)."""
        schema = self.p.searcher.schema
        if len(q.words) < 2 or q.fieldname not in schema:
            return False
        fmt = schema[q.fieldname].format
        return fmt is not None and fmt.supports("positions")

    def _phrase(self, q: Q.Phrase) -> Matches:
        """Documents holding every word (posting arrays), kept where the words stand in
        order (`index.phrases`); scored as Whoosh's phrase: the sum of the term scores."""
        parts = [self._term(Q.Term(q.fieldname, word)) for word in q.words]
        if not all(part.terms for part in parts):
            return Matches.empty()  # Whoosh: a missing word matches nothing
        every = intersect(parts)
        keep = phrase_keeps(self.p, q.fieldname, q.words, every.docs, q.slop)
        return Matches(every.docs[keep], every.scores[keep] * q.boost, every.hits[keep],
                       every.terms)

    def _dates(self, q: Q.DateRange) -> Matches:
        dated, when = self.p.dates()
        mask = dated & self.p.live
        if q.start is not None:  # DateRange holds its bounds as Whoosh longs
            mask &= (when > q.start) if q.startexcl else (when >= q.start)
        if q.end is not None:
            mask &= (when < q.end) if q.endexcl else (when <= q.end)
        docs = np.flatnonzero(mask)
        return Matches(docs, np.full(len(docs), q.boost), np.zeros(len(docs), np.int64))

    def _whoosh(self, q: Q.Query) -> Matches:
        """A node this module does not vectorise: Whoosh's matcher, read into arrays."""
        m = q.matcher(self.p.searcher)
        terms = _count(m.term_matchers)
        docs, scores, hits = [], [], []
        while m.is_active():
            docs.append(m.id())
            scores.append(m.score())
            hits.append(_count(m.matching_terms))
            m.next()
        order = np.argsort(np.asarray(docs, dtype=np.int64), kind="stable")
        d = np.asarray(docs, dtype=np.int64)[order]
        return Matches(d, np.asarray(scores, dtype=np.float64)[order],
                       np.asarray(hits, dtype=np.int64)[order], terms)


def _count(terms) -> int:
    """How many term matchers ``terms()`` yields; Whoosh's multi-segment wrappers raise
    ``IndexError`` past their last segment, where there are none to count."""
    try:
        return sum(1 for _ in terms())
    except IndexError:
        return 0


def by_date(matches: Matches, postings: Postings, newest_first: bool) -> np.ndarray:
    """Positions ordered by date (undated last), then document number."""
    dated, when = postings.dates()
    d = matches.docs
    key = -when[d] if newest_first else when[d]
    return np.lexsort((d, key, ~dated[d]))
