"""The vectorised evaluator gives Whoosh's own answers: the same documents, the same
scores, the same order, on a real index with several segments and a deleted document."""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.formats import Characters, Positions

from archive.models import Article
from index import matches
from index.build import WRITER_OPTIONS
from index.matches import Matches, intersect, top, unite
from index.phrases import _positions
from index.query import parse
from index.ranking import Ranking
from index.resolve import resolve_names
from index.schema import article_to_document
from index.search import ArchiveSearcher
from index.store import INDEX_NAME, resolve
from index.vector import _compact

from .helpers import SEED, build, write_jsonl
from .test_search import ARTICLES

QUERIES = [
    "نتنياهو", "غزة", "بلينكن القدس", "رئيس الوزراء", "غزة OR روسيا", "نتنياهو -ترامب",
    '"وزير الخارجية"', '"رئيس الوزراء" غزة', "مفاوض*", "نتنياهو~", "person:نتنياهو",
    "title:نتنياهو",
    "date:2018-04..2018-05", "نتنياهو date:2018-06..", "حماس غزة", "*", "",
    "متى التقى نتنياهو بلينكن في القدس", "source:\"BBC Arabic\"", "لا", "كلمةغيرموجودة",
    # Phrases: several words, slop, a repeated word, a word the index lacks, with others.
    '"زار نتنياهو غزة"', '"نتنياهو غزة"~3', '"غزة غزة"', '"نتنياهو كلمةغيرموجودة"',
    '"وزير الخارجية" OR "رئيس الوزراء" بلينكن', 'title:"نتنياهو في غزة"',
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    root = tmp_path_factory.mktemp("vector")
    src = write_jsonl(root / "articles.jsonl", ARTICLES)
    build(root / "ix", src, SEED)
    # A second segment and a deletion, so offsets and live documents are exercised.
    ix = whoosh_index.open_dir(str(resolve(root / "ix")), indexname=INDEX_NAME)
    with ix.writer() as writer:
        writer.delete_by_term("id", "n3")
        writer.add_document(**article_to_document(Article(
            id="late", title="نتنياهو في غزة", body="زار نتنياهو غزة والقدس مع بلينكن.",
            persons=["بنيامين نتنياهو"])))
    assert len(ix.reader().leaf_readers()) == 2
    s = ArchiveSearcher(root / "ix")
    yield s
    s.close()


def _both(searcher, text: str, match: str, ranking=None):
    gen = searcher.generation()
    q = resolve_names(gen, parse(text, match).query)
    expected = gen.searcher.search(q, limit=None)
    got = gen.evaluator.run(q)
    return expected, got


@pytest.mark.parametrize("match", ["all", "any"])
@pytest.mark.parametrize("text", QUERIES)
def test_same_documents_scores_and_order_as_whoosh(searcher, text, match):
    expected, got = _both(searcher, text, match)
    want = [(hit.docnum, hit.score) for hit in expected]
    assert len(got.docs) == len(want)
    order = top(got, len(got.docs))
    have = [(int(got.docs[i]), float(got.scores[i])) for i in order]
    if text.strip() and text != "*" and not text.startswith("date:"):
        # Scored queries: Whoosh's order (score, then document number) and its scores.
        assert [d for d, _ in have] == [d for d, _ in want]
        assert [s for _, s in have] == pytest.approx([s for _, s in want], rel=1e-6)
    else:
        assert sorted(d for d, _ in have) == sorted(d for d, _ in want)


def test_a_deleted_document_is_never_matched(searcher):
    gen = searcher.generation()
    deleted = set(range(gen.searcher.doc_count_all())) - set(gen.searcher.reader().all_doc_ids())
    assert deleted
    for text in ("ترامب", "*", "الولايات"):
        got = gen.evaluator.run(resolve_names(gen, parse(text).query))
        assert not deleted & set(got.docs.tolist())


def test_intersect_sums_scores_like_whoosh_and(searcher):
    gen = searcher.generation()
    a = gen.evaluator.run(parse("نتنياهو").query)
    b = gen.evaluator.run(parse("القدس").query)
    both = gen.evaluator.run(parse("نتنياهو القدس").query)
    combined = intersect([a, b])
    assert combined.docs.tolist() == both.docs.tolist()
    assert combined.scores.tolist() == pytest.approx(both.scores.tolist())


def test_other_ranking_settings_are_honoured(tmp_path):
    src = write_jsonl(tmp_path / "articles.jsonl", ARTICLES)
    build(tmp_path / "ix", src, SEED)
    ranking = Ranking(title=1.0, B=0.5, K1=0.9, idf="whoosh")
    searcher = ArchiveSearcher(tmp_path / "ix", ranking=ranking)
    gen = searcher.generation()
    for text in ("نتنياهو", "غزة القدس", "رئيس الوزراء"):
        q = resolve_names(gen, parse(text, "any", ranking).query)
        want = [(h.docnum, h.score) for h in gen.searcher.search(q, limit=None)]
        got = gen.evaluator.run(q)
        have = [(int(got.docs[i]), float(got.scores[i])) for i in top(got, len(got.docs))]
        assert [d for d, _ in have] == [d for d, _ in want]
        assert [s for _, s in have] == pytest.approx([s for _, s in want], rel=1e-6)
    searcher.close()


_ORDERS = [  # body of article i: pattern i % 4
    "قرر البنك المركزي رفع الفائدة",
    "قرر المركزي البنك رفع الفائدة",  # the words reversed
    "قرر البنك الوطني المركزي رفع الفائدة",  # one word between them
    "قرر البنك رفع الفائدة",  # the second word missing
]


@pytest.fixture(scope="module")
def orders(tmp_path_factory):
    """300 articles in two segments, blocks of 32 postings: several blocks a word."""
    root = tmp_path_factory.mktemp("phrases")
    articles = [{"id": f"p{i}", "title": f"خبر {i}", "body": _ORDERS[i % 4]} for i in range(300)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(WRITER_OPTIONS, "codec", W3Codec(blocklimit=32, inlinelimit=4))
        build(root / "ix", write_jsonl(root / "a.jsonl", articles[:250]))
    ix = whoosh_index.open_dir(str(resolve(root / "ix")), indexname=INDEX_NAME)
    with ix.writer() as writer:
        for article in articles[250:]:
            writer.add_document(**article_to_document(Article(**article)))
    s = ArchiveSearcher(root / "ix")
    first = s.generation().searcher.reader().leaf_readers()[0][0]
    word = first._terms.matcher("body", "قرر".encode(), first.schema["body"].format)
    assert word.block_max_id() < 249  # the word's first block ends before its last document
    yield s
    s.close()


@pytest.mark.parametrize(("text", "patterns"), [
    ('"البنك المركزي"', {0}),
    ('"البنك المركزي"~2', {0, 2}),
    ('"المركزي البنك"', {1}),
    ('"البنك المركزي رفع"', {0}),
    ('"البنك المركزي رفع"~2', {0, 2}),
    ('"البنك رفع"', {1, 3}),
    ('"البنك رفع"~2', {0, 1, 3}),
    ('"البنك رفع"~3', {0, 1, 2, 3}),
])
def test_phrases_keep_order_and_distance_as_whoosh_does(orders, text, patterns):
    expected, got = _both(orders, text, "all")
    gen = orders.generation()
    ids = {gen.searcher.stored_fields(int(d))["id"] for d in got.docs}
    assert ids == {f"p{i}" for i in range(300) if i % 4 in patterns}
    want = sorted((hit.docnum, hit.score) for hit in expected)
    assert got.docs.tolist() == [d for d, _ in want]
    assert got.scores.tolist() == pytest.approx([s for _, s in want], rel=1e-6)


def _random_parts(rng: random.Random, n: int) -> list[Matches]:
    parts = []
    for _ in range(n):
        docs = np.array(sorted(rng.sample(range(400), rng.randint(1, 120))), dtype=np.int64)
        parts.append(Matches(docs, np.array([rng.random() for _ in docs]),
                             np.array([rng.randint(1, 3) for _ in docs], dtype=np.int64), 1))
    return parts


@pytest.mark.parametrize("dense", [0, 10**9])  # sorted union, and counted per document
def test_unions_and_intersections_equal_a_count_by_hand(monkeypatch, dense):
    monkeypatch.setattr(matches, "_DENSE_UNION", dense)
    rng = random.Random(dense)
    for _ in range(30):
        parts = _random_parts(rng, rng.randint(2, 4))
        scores: dict[int, float] = {}
        hits: dict[int, int] = {}
        for part in parts:  # in part order, as Whoosh's Or adds them
            for d, s, h in zip(part.docs.tolist(), part.scores.tolist(), part.hits.tolist(),
                               strict=True):
                scores[d] = scores.get(d, 0.0) + s
                hits[d] = hits.get(d, 0) + h
        docs, united, counts = unite(parts)
        assert docs.tolist() == sorted(scores)
        assert united.tolist() == [scores[d] for d in sorted(scores)]
        assert counts.tolist() == [hits[d] for d in sorted(scores)]

        common = sorted(set.intersection(*(set(p.docs.tolist()) for p in parts)))
        both = intersect(parts)
        assert both.docs.tolist() == common
        assert np.allclose(both.scores, [sum(p.scores[np.searchsorted(p.docs, d)]
                                             for p in parts) for d in common])


@pytest.mark.parametrize("fmt", [Positions(), Characters()])
def test_positions_decoded_in_bulk_equal_whoosh_decoding_each(fmt):
    rng = random.Random(3)
    lists = [sorted(rng.sample(range(5000), rng.randint(1, 40))) for _ in range(200)]
    if isinstance(fmt, Characters):
        values = [fmt.encode([(p, p * 5, p * 5 + 4) for p in ps]) for ps in lists]
    else:
        values = [fmt.encode(ps) for ps in lists]
    # Whoosh's writer may cut a value's final pickle STOP byte; the decoder restores it.
    values = [v[:-1] if i % 2 and v.endswith(b".") else v for i, v in enumerate(values)]
    positions, sizes = _positions(fmt, values)
    assert sizes.tolist() == [len(ps) for ps in lists]
    assert positions.tolist() == [p for ps in lists for p in ps]


@pytest.mark.parametrize(("weights", "dtype"), [
    ([1.0, 2.0, 255.0], np.uint8),  # term counts: one byte each
    ([1.0, 256.0], np.float32), ([0.5, 1.0], np.float32), ([-1.0, 2.0], np.float32),
])
def test_cached_weights_are_kept_exactly_in_the_smallest_type(weights, dtype):
    stored = _compact(np.array(weights))
    assert stored.dtype == dtype
    assert stored.astype(np.float64).tolist() == weights
