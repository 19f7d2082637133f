"""The build's own writers write the same index as Whoosh's, spill safely, and fail loudly."""

from __future__ import annotations

import gc
import multiprocessing
import os
import random

import pytest
from whoosh import index as whoosh_index

from archive.entities import entity_key
from archive.models import Article
from index.build import WRITER_OPTIONS
from index.models import BuildLimits
from index.schema import article_to_document, build_schema
from index.writers import _GC_THRESHOLDS, _TermPool, write_articles

WORDS = ("غزة", "بغزة", "والقدس", "لبنان", "بيروت", "الاتفاق", "النووي", "روسيا", "ترامب",
         "الرئيس", "قال", "في", "من", "إلى", "المدينة", "اللاعبين", "مباراة", "الحكومة")


def _articles(n: int, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    return [Article(id=f"a{i}", title=" ".join(rng.choices(WORDS, k=4)),
                    body=" ".join(rng.choices(WORDS, k=rng.randint(5, 120))),
                    persons=["دونالد ترامب"] if i % 3 else [], places=["غزة"])
            for i in range(n)]


def _prepare(article: Article) -> dict:
    return article_to_document(article, entity_key)


def _index(tmp_path, name: str):
    directory = tmp_path / name
    directory.mkdir()
    return whoosh_index.create_in(str(directory), build_schema(), indexname="t")


def _postings(ix) -> dict:
    """Every (field, term) → [(article id, weight, value)], and every field length."""
    out: dict = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids = {n: reader.stored_fields(n)["id"] for n in reader.all_doc_ids()}
        for fieldname, btext in reader.all_terms():
            matcher = reader.postings(fieldname, btext)
            postings = []
            while matcher.is_active():
                postings.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            out[fieldname, btext] = sorted(postings)
            info = reader.term_info(fieldname, btext)  # what scoring and skipping read
            out["info", fieldname, btext] = (info.weight(), info.doc_frequency(),
                                             info.min_length(), info.max_length(),
                                             info.max_weight())
        for fieldname in ("title", "body", "body_stem", "person"):
            out["length", fieldname] = sorted(
                (ids[n], reader.doc_field_length(n, fieldname)) for n in ids)
    return out


def _whoosh_postings(ix, articles) -> dict:
    writer = ix.writer(**WRITER_OPTIONS)
    for article in articles:
        writer.add_document(**_prepare(article))
    writer.commit()
    return _postings(ix)


@pytest.mark.parametrize("procs", [1, 2])
def test_same_postings_as_whoosh_writer_even_when_spilling(tmp_path, procs):
    articles = _articles(400)
    expected = _whoosh_postings(_index(tmp_path, "whoosh"), articles)
    ix = _index(tmp_path, "ours")
    # 1 MB pools spill several sorted runs per worker, which are merged at the end.
    write_articles(ix, articles, _prepare, procs=procs, limits=BuildLimits(pool_mb=1),
                   **WRITER_OPTIONS)
    assert ix.doc_count() == 400
    assert len(ix._segments()) == procs
    got = _postings(ix)
    assert got.keys() == expected.keys()
    assert got == expected


@pytest.mark.parametrize("procs", [1, 2])
def test_segments_hold_at_most_the_limit_and_the_same_postings(tmp_path, procs):
    """A build's memory is bounded by writing a segment every ``segment_articles``."""
    articles = _articles(250)
    expected = _whoosh_postings(_index(tmp_path, "whoosh"), articles)
    ix = _index(tmp_path, "ours")
    write_articles(ix, articles, _prepare, procs=procs,
                   limits=BuildLimits(pool_mb=1, segment_articles=40), **WRITER_OPTIONS)
    sizes = [segment.doc_count_all() for segment in ix._segments()]
    assert sum(sizes) == 250 and max(sizes) <= 40
    assert len(sizes) >= 250 // 40 + 1
    assert _postings(ix) == expected


def test_failing_worker_raises_and_writes_no_toc(tmp_path):
    ix = _index(tmp_path, "ours")

    def explode(article: Article) -> dict:
        if article.id == "a123":
            raise ValueError("bad article a123")
        return _prepare(article)

    with pytest.raises(RuntimeError, match="bad article a123"):
        write_articles(ix, _articles(300), explode, procs=2, limits=BuildLimits(pool_mb=4),
                       **WRITER_OPTIONS)
    assert whoosh_index.open_dir(str(tmp_path / "ours"), indexname="t").doc_count() == 0


def test_dead_worker_is_reported_not_waited_for(tmp_path):
    ix = _index(tmp_path, "ours")

    def die(article: Article) -> dict:
        if article.id == "a60":
            os._exit(9)
        return _prepare(article)

    with pytest.raises(RuntimeError, match="exit code 9"):
        write_articles(ix, _articles(3000), die, procs=2, limits=BuildLimits(pool_mb=4),
                       **WRITER_OPTIONS)


def _spill_name(pool: _TermPool, out) -> None:
    pool.add(("body", b"word", 0, 1.0, b""))
    pool._spill()
    out.put(pool.runs[-1])


def test_forked_workers_never_share_a_run_file(tmp_path):
    """Workers forked from one parent hold their pools at the same address: their run files
    must still differ, or one worker overwrites (and deletes) the other's postings."""
    ix = _index(tmp_path, "ours")
    pool = _TermPool(ix.storage.temp_storage("runs"), limitmb=1)
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    children = [context.Process(target=_spill_name, args=(pool, out)) for _ in range(2)]
    for child in children:
        child.start()
    names = {out.get(timeout=30) for _ in children}
    for child in children:
        child.join()
    assert len(names) == 2


def test_collector_runs_less_while_writing_and_is_restored(tmp_path):
    """Full garbage-collector passes over a build's heap were a tenth of its CPU: segments
    are written with higher thresholds, and the caller's are back afterwards."""
    seen = []

    def prepare(article: Article) -> dict:
        seen.append(gc.get_threshold())
        return _prepare(article)

    before = gc.get_threshold()
    assert before != _GC_THRESHOLDS
    write_articles(_index(tmp_path, "ours"), _articles(20), prepare, procs=1,
                   limits=BuildLimits(), **WRITER_OPTIONS)
    assert set(seen) == {_GC_THRESHOLDS}
    assert gc.get_threshold() == before


def test_pool_lets_go_of_its_postings_once_merging(tmp_path):
    """The final merge owns the in-memory postings: the pool keeps none, so a writer left
    for the collector does not keep a pool's worth of memory alive."""
    ix = _index(tmp_path, "ours")
    pool = _TermPool(ix.storage.temp_storage("runs"), limitmb=1)
    for docnum in range(3):
        pool.add(("body", b"b", docnum, 1.0, b""))
        pool.add(("body", b"a", docnum, 2.0, b"v"))
    merged = pool.sorted_terms()
    first = next(merged)
    assert pool.terms == {} and pool.size == 0
    assert [first, *merged] == [(("body", b"a"), [0, 2.0, b"v", 1, 2.0, b"v", 2, 2.0, b"v"]),
                                (("body", b"b"), [0, 1.0, b"", 1, 1.0, b"", 2, 1.0, b""])]
