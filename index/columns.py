"""Reading facet columns per segment.

Whoosh's multi-segment column reader fails when a segment lacks the column (no document
in it had a value), so each leaf reader is read on its own.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator

from .schema import SEP


def column_values(reader, column: str, docnums: Iterable[int] | None = None
                  ) -> Iterator[tuple[int, list[str]]]:
    """``(docnum, values)`` for documents with a value in ``column``; all live ones by default."""
    leaves = list(reader.leaf_readers())
    offsets = [offset for _, offset in leaves]
    columns = [leaf.column_reader(column) if leaf.has_column(column) else None
               for leaf, _ in leaves]
    if docnums is None:
        docnums = reader.all_doc_ids()
    for docnum in docnums:
        i = bisect_right(offsets, docnum) - 1
        col = columns[i]
        if col is None:
            continue
        raw = col[docnum - offsets[i]]
        if raw:
            yield docnum, raw.decode("utf-8").split(SEP)
