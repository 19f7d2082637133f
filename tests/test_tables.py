"""Facet tables made at build time (`index.tables`): a reader of the same generation uses
them, and they count exactly what a reader that makes its own tables counts."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from archive.models import Article
from index.build import reindex
from index.facets import FacetTable
from index.schema import article_to_document
from index.search import ArchiveSearcher, SearchRequest
from index.store import INDEX_NAME, resolve
from index.tables import TABLES_DIR

from .conftest import sample_articles


def _facets(index_dir: Path, **request) -> dict:
    result = ArchiveSearcher(index_dir).search(SearchRequest(facet_limit=100, **request))
    return {name: [(v.value, v.label, v.count) for v in facet.values]
            for name, facet in result.facets.items()}


def _saved_generation(index_dir: Path) -> set[str]:
    """The generations the saved arrays belong to (their file names' prefix)."""
    return {p.name.split("-")[0] for p in (resolve(index_dir) / TABLES_DIR).glob("*.npy")}


def test_a_build_saves_tables_that_a_reader_maps(tmp_path):
    index_dir = tmp_path / "ix"
    reindex(index_dir, sample_articles())
    gen = ArchiveSearcher(index_dir).generation()
    # Loaded at open, before any search: nothing was counted from the columns.
    assert set(gen._tables) == set(gen.facets)
    assert all(hasattr(table.ids, "filename") for table in gen._tables.values())  # mapped
    with_tables = _facets(index_dir)
    with_query = _facets(index_dir, query="التهدئة", filters={"year": ["2019"]})

    shutil.rmtree(resolve(index_dir) / TABLES_DIR)
    assert ArchiveSearcher(index_dir).generation()._tables == {}
    assert _facets(index_dir) == with_tables
    assert _facets(index_dir, query="التهدئة", filters={"year": ["2019"]}) == with_query
    assert with_tables["person"] and with_tables["place"] and with_tables["month"]


def test_an_incremental_reindex_saves_the_new_generation(tmp_path):
    index_dir = tmp_path / "ix"
    articles = sample_articles()
    reindex(index_dir, articles)
    before = _saved_generation(index_dir)
    newcomer = Article(id="new1", title="زيارة", body="وصل أنطونيو غوتيريش إلى نيروبي.",
                       persons=["أنطونيو غوتيريش"], places=["نيروبي"])
    reindex(index_dir, [*articles, newcomer])
    after = _saved_generation(index_dir)
    assert len(after) == 1 and after != before  # the old generation's arrays are gone
    gen = ArchiveSearcher(index_dir).generation()
    assert set(gen._tables) == set(gen.facets)
    persons = {label: count for _, label, count in _facets(index_dir)["person"]}
    assert persons["أنطونيو غوتيريش"] == 1


def test_tables_of_another_generation_are_not_used(tmp_path):
    """A commit that did not save tables (a reindex killed after its commit, an older
    version): readers make their own, and count the new documents."""
    index_dir = tmp_path / "ix"
    reindex(index_dir, sample_articles())
    ix = whoosh_index.open_dir(str(resolve(index_dir)), indexname=INDEX_NAME)
    writer = ix.writer()
    writer.add_document(**article_to_document(Article(
        id="late", title="خبر", body="نص عن كوالالمبور.", places=["كوالالمبور"])))
    writer.commit()
    gen = ArchiveSearcher(index_dir).generation()
    assert gen._tables == {}
    places = {label: count for _, label, count in _facets(index_dir)["place"]}
    assert places["كوالالمبور"] == 1


def test_counting_few_or_many_documents_gives_the_same_exact_counts():
    """A small match is counted from its own documents' pairs, a large one over a mask of
    every pair: both give what counting by hand gives, documents without values included."""
    rng = np.random.default_rng(7)
    per_doc = rng.integers(0, 4, size=2_000)  # 0 to 3 values a document
    per_doc[-50:] = 0  # the last documents have none (past the table's last document)
    docs = np.repeat(np.arange(2_000, dtype=np.int32), per_doc)
    ids = rng.integers(0, 30, size=len(docs)).astype(np.int32)
    table = FacetTable(docs, ids, [f"k{i}" for i in range(30)], [""] * 30, {})
    pairs = {}
    for d, i in zip(docs.tolist(), ids.tolist(), strict=True):
        pairs.setdefault(d, []).append(i)
    for size in (0, 1, 7, 100, 1_000, 2_000):
        matched = np.sort(rng.choice(2_000, size=size, replace=False))
        expected = Counter(i for d in matched.tolist() for i in pairs.get(d, []))
        assert table.count(matched).tolist() == [expected[i] for i in range(30)]
