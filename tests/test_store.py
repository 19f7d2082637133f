"""The on-disk encoding `index.store` sets for Whoosh's codec."""

from __future__ import annotations

from index.build import reindex
from index.search import ArchiveSearcher, SearchRequest
from index.store import resolve

from .conftest import sample_articles


def test_term_entries_and_posting_blocks_hold_bytes_as_bytes(tmp_path):
    """Protocol 2 wrapped every posting value in ``_codecs.encode(..., 'latin1')``: about
    a quarter of the index. None of that wrapping is written any more (the term entries are
    uncompressed, so it would show; posting blocks go through the same function)."""
    index_dir = tmp_path / "ix"
    reindex(index_dir, sample_articles())
    files = list(resolve(index_dir).glob("*.trm")) + list(resolve(index_dir).glob("*.pst"))
    assert files
    for path in files:
        data = path.read_bytes()
        assert b"_codecs" not in data and b"latin1" not in data, path.name
    hits = ArchiveSearcher(index_dir).search(SearchRequest(query="التهدئة")).hits
    assert len(hits) == 10
