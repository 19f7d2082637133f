"""Phrase matching over numpy arrays, for the vectorised evaluator (`index.vector`).

Whoosh matches a phrase by walking both posting lists document by document in Python
(`SpanNear2`), so a phrase of two common words costs as much as reading them one posting
at a time: most of the slowest searches, and it grows with the archive. Here the
documents holding every word come from the cached posting arrays, and only their
positions are read: block by block, skipping the blocks that hold no such document,
decoded with the field format's own decoder. The order and distance rule is Whoosh's
(`SpanNear2`, ordered, ``mindist=1``): each word follows the previous one by 1 to
``slop`` positions. Scores are Whoosh's too: the sum of the words' term scores.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from pickle import loads

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE

# Positions are keyed as (candidate, position) in one int64: candidate * _STRIDE + position.
_STRIDE = 1 << 32


def phrase_keeps(postings, field: str, words: list[str], docs: np.ndarray, slop: int
                 ) -> np.ndarray:
    """Which of ``docs`` (sorted document numbers holding every word) have the words in
    order, each 1 to ``slop`` positions after the previous one."""
    ends = _keys(postings, field, words[0], docs)
    for word in words[1:]:
        if not len(ends):
            break
        keys = _keys(postings, field, word, docs)
        # The nearest earlier position of the previous word, in the same document
        # (positions stay far below _STRIDE, so a difference ≤ slop never crosses one).
        before = np.searchsorted(ends, keys, side="left") - 1
        ok = before >= 0
        ok[ok] = keys[ok] - ends[before[ok]] <= slop
        ends = keys[ok]
    keep = np.zeros(len(docs), dtype=bool)
    keep[ends // _STRIDE] = True
    return keep


def _keys(postings, field: str, word: str, docs: np.ndarray) -> np.ndarray:
    """Sorted ``candidate * _STRIDE + position`` of every position of ``word`` in ``docs``."""
    fmt = postings.searcher.schema[field].format
    btext = postings.searcher.schema[field].to_bytes(word)
    out: list[np.ndarray] = []
    for leaf, offset in postings.leaves:
        lo, hi = np.searchsorted(docs, [offset, offset + leaf.doc_count_all()])
        if lo == hi or (field, btext) not in leaf:
            continue
        at: list[int] = []
        values: list[bytes] = []
        for found, block in _values(leaf, field, btext, docs[lo:hi] - offset):
            at += (found + lo).tolist()
            values += block
        if values:
            positions, sizes = _positions(fmt, values)
            out.append(positions + np.repeat(np.asarray(at, dtype=np.int64), sizes) * _STRIDE)
    if not out:
        return np.zeros(0, dtype=np.int64)
    keys = np.concatenate(out)
    keys.sort()
    return keys


def _positions(fmt, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Every position in ``values`` (posting values of ``fmt``), posting after posting,
    and how many each posting holds."""
    if type(fmt) is not Positions:
        lists = [fmt.decode_positions(v) for v in values]
        sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        return np.fromiter(chain.from_iterable(lists), dtype=np.int64,
                           count=int(sizes.sum())), sizes
    # `Positions.decode_positions` in bulk: each value is a count, then the pickled list of
    # gaps (its final STOP byte may be cut); gaps are summed per posting with numpy rather
    # than one posting at a time in Python (three quarters of a phrase's time at 1M).
    gaps = [loads(v[_INT_SIZE:] if v.endswith(b".") else v[_INT_SIZE:] + b".") for v in values]
    sizes = np.fromiter(map(len, gaps), dtype=np.int64, count=len(gaps))
    summed = np.cumsum(np.fromiter(chain.from_iterable(gaps), dtype=np.int64,
                                   count=int(sizes.sum())))
    before = np.concatenate(([0], summed))[np.cumsum(sizes) - sizes]  # sums of earlier ones
    return summed - np.repeat(before, sizes), sizes


def _values(leaf, field: str, btext: bytes, local: np.ndarray
            ) -> Iterator[tuple[np.ndarray, list[bytes]]]:
    """(indexes into ``local``, their posting values), a block at a time, for the
    documents of ``local`` (sorted segment document numbers) that the term's postings
    hold; blocks without any are never decoded (Whoosh W3 internals, as `index.vector`
    reads them)."""
    m = leaf._terms.matcher(field, btext, leaf.schema[field].format)
    if not isinstance(m, W3LeafMatcher):  # a rare term, inlined in its term entry
        wanted = {int(d): i for i, d in enumerate(local)}
        found, values = [], []
        while m.is_active():
            if m.id() in wanted:
                found.append(wanted[m.id()])
                values.append(m.value())
            m.next()
        yield np.asarray(found, dtype=np.int64), values
        return
    start = 0
    while m.is_active() and start < len(local):
        stop = int(np.searchsorted(local, m.block_max_id(), side="right"))
        if stop > start:
            m._read_ids()
            m._read_values()
            ids = np.asarray(m._ids, dtype=np.int64)
            want = local[start:stop]
            at = np.minimum(np.searchsorted(ids, want), len(ids) - 1)
            hit = np.flatnonzero(ids[at] == want)
            yield start + hit, [m._values[i] for i in at[hit].tolist()]
            start = stop
        m._next_block()
