"""Incremental and full reindexing on real Whoosh indexes."""

import json
import os

from index.build import reindex
from index.search import ArchiveSearcher, SearchRequest
from index.store import is_current, resolve

from .helpers import SEED, build, write_jsonl


def _articles(n: int, prefix: str = "a", body: str = "نص عن غزة") -> list[dict]:
    return [{"id": f"{prefix}{i}", "title": f"خبر {i}", "body": f"{body} رقم {i}"}
            for i in range(n)]


def _ids(index_dir) -> set[str]:
    searcher = ArchiveSearcher(index_dir)
    try:
        return {h.id for h in searcher.export(SearchRequest())}
    finally:
        searcher.close()


def test_first_run_adds_and_second_run_reports_unchanged(tmp_path):
    src = write_jsonl(tmp_path / "src" / "a.jsonl", _articles(5))
    first = build(tmp_path / "ix", src)
    assert (first.added, first.unchanged, first.skipped) == (5, 0, [])
    second = build(tmp_path / "ix", src)
    assert (second.added, second.updated, second.unchanged, second.removed) == (0, 0, 5, 0)


def test_changed_article_is_replaced_not_duplicated(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", _articles(3))
    build(tmp_path / "ix", src)
    changed = _articles(3)
    changed[1]["body"] = "نص جديد عن بيروت"
    write_jsonl(src, changed)
    report = build(tmp_path / "ix", src)
    assert (report.updated, report.unchanged, report.added) == (1, 2, 0)
    searcher = ArchiveSearcher(tmp_path / "ix")
    assert [h.id for h in searcher.search(SearchRequest(query="بيروت")).hits] == ["a1"]
    assert searcher.search(SearchRequest(query="خبر")).total == 3


def test_articles_of_a_deleted_file_are_removed(tmp_path):
    keep = write_jsonl(tmp_path / "src" / "keep.jsonl", _articles(2, "k"))
    gone = write_jsonl(tmp_path / "src" / "gone.jsonl", _articles(2, "g"))
    build(tmp_path / "ix", tmp_path / "src")
    os.remove(gone)
    report = build(tmp_path / "ix", tmp_path / "src")
    assert report.removed == 2 and report.unchanged == 2
    assert _ids(tmp_path / "ix") == {"k0", "k1"}
    assert keep.exists()


def test_article_dropped_from_a_file_is_removed(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", _articles(3))
    build(tmp_path / "ix", src)
    write_jsonl(src, _articles(2))
    report = build(tmp_path / "ix", src)
    assert report.removed == 1
    assert _ids(tmp_path / "ix") == {"a0", "a1"}


def test_broken_file_keeps_its_indexed_articles_and_is_reported(tmp_path):
    src = write_jsonl(tmp_path / "src" / "a.jsonl", _articles(2))
    build(tmp_path / "ix", tmp_path / "src")
    src.write_text("{not json\n", encoding="utf-8")
    other = write_jsonl(tmp_path / "src" / "b.jsonl", _articles(1, "b"))
    report = build(tmp_path / "ix", tmp_path / "src")
    assert [(s.path, s.line) for s in report.skipped] == [(str(src.resolve()), 1)]
    assert report.added == 1 and report.removed == 0
    assert _ids(tmp_path / "ix") == {"a0", "a1", "b0"}
    assert other.exists()


def test_duplicate_ids_are_reported_and_the_first_kept(tmp_path):
    one = write_jsonl(tmp_path / "src" / "1.jsonl", [{"id": "x", "title": "الأول", "body": "أ"}])
    write_jsonl(tmp_path / "src" / "2.jsonl", [{"id": "x", "title": "الثاني", "body": "ب"}])
    report = build(tmp_path / "ix", tmp_path / "src")
    assert report.added == 1
    assert len(report.skipped) == 1 and "duplicate id 'x'" in report.skipped[0].reason
    hits = ArchiveSearcher(tmp_path / "ix").search(SearchRequest(query="الأول")).hits
    assert [h.id for h in hits] == ["x"] and str(one.resolve()) in report.skipped[0].reason


def test_full_rebuild_swaps_in_a_fresh_directory(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", _articles(3))
    index_dir = tmp_path / "ix"
    build(index_dir, src)
    old_build = resolve(index_dir)
    searcher = ArchiveSearcher(index_dir)  # a reader open during the rebuild
    write_jsonl(src, _articles(2, "n"))
    report = build(index_dir, src, full=True)
    assert report.added == 2
    assert index_dir.is_symlink() and resolve(index_dir) != old_build
    assert not old_build.exists()
    assert is_current(index_dir)
    # The open searcher notices the swap and reads the new build.
    assert {h.id for h in searcher.export(SearchRequest())} == {"n0", "n1"}


def test_failed_full_rebuild_leaves_the_old_index_intact(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", _articles(3))
    index_dir = tmp_path / "ix"
    build(index_dir, src)

    def explode(article):
        raise RuntimeError("extractor crashed")

    try:
        build(index_dir, src, full=True, enrich=explode)
    except RuntimeError:
        pass
    assert _ids(index_dir) == {"a0", "a1", "a2"}
    builds = list((tmp_path / ".ix.builds").iterdir())
    assert builds == [resolve(index_dir)]


def test_parallel_full_build_indexes_everything(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", _articles(250))
    report = build(tmp_path / "ix", src, procs=2)
    assert report.added == 250
    assert len(_ids(tmp_path / "ix")) == 250


def test_seed_article_is_indexed_without_its_comment_footer(tmp_path):
    report = reindex(tmp_path / "ix", __import__("archive.readers").readers.read_sources([SEED]))
    assert report.added == 1
    searcher = ArchiveSearcher(tmp_path / "ix")
    assert searcher.search(SearchRequest(query="غالانت")).total == 1
    assert searcher.search(SearchRequest(query="بريدك الإلكتروني")).total == 0


class CountingEnricher:
    """Tags every article with one place and counts the articles it had to look at."""

    def __init__(self, place: str):
        self.place, self.seen = place, []

    def __call__(self, article):
        self.seen.append(article.id)
        return article.model_copy(update={"places": [self.place]})


def _places(index_dir) -> set[str]:
    facet = ArchiveSearcher(index_dir).search(SearchRequest()).facets["place"]
    return {v.label for v in facet.values}


def test_full_rebuild_reuses_entities_of_unchanged_articles(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", _articles(4))
    first = CountingEnricher("غزة")
    build(tmp_path / "ix", src, enrich=first, enrich_version="v1")
    assert sorted(first.seen) == ["a0", "a1", "a2", "a3"]
    changed = _articles(4)
    changed[2]["body"] = "نص آخر"
    write_jsonl(src, changed)
    second = CountingEnricher("غزة")
    build(tmp_path / "ix", src, full=True, enrich=second, enrich_version="v1")
    assert second.seen == ["a2"]  # only the changed article is extracted again
    assert _places(tmp_path / "ix") == {"غزة"}
    assert ArchiveSearcher(tmp_path / "ix").search(
        SearchRequest(filters={"place": ["غزة"]})).total == 4


def test_a_new_extractor_version_rebuilds_every_article_s_entities(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", _articles(3))
    build(tmp_path / "ix", src, enrich=CountingEnricher("غزة"), enrich_version="v1")
    newer = CountingEnricher("بيروت")
    report = build(tmp_path / "ix", src, enrich=newer, enrich_version="v2")  # incremental call
    assert sorted(newer.seen) == ["a0", "a1", "a2"] and report.added == 3
    assert _places(tmp_path / "ix") == {"بيروت"}  # no stale facet values
    again = CountingEnricher("بيروت")
    assert build(tmp_path / "ix", src, enrich=again, enrich_version="v2").unchanged == 3
    assert again.seen == []


def test_the_manifest_follows_every_change_and_its_loss_costs_nothing(tmp_path):
    from index.manifest import MANIFEST_FILE

    src = write_jsonl(tmp_path / "a.jsonl", _articles(4))
    build(tmp_path / "ix", src)
    manifest = resolve(tmp_path / "ix") / MANIFEST_FILE
    assert sorted(json.loads(manifest.read_text())["articles"]) == ["a0", "a1", "a2", "a3"]
    changed = _articles(4)[:3]
    changed[1]["body"] = "نص آخر"
    write_jsonl(src, changed)  # a1 changed, a3 dropped from the file
    report = build(tmp_path / "ix", src)
    assert (report.updated, report.removed) == (1, 1)
    assert sorted(json.loads(manifest.read_text())["articles"]) == ["a0", "a1", "a2"]
    manifest.unlink()  # an index without one (older, or a lost file): stored fields instead
    report = build(tmp_path / "ix", src)
    assert (report.unchanged, report.updated, report.added, report.removed) == (3, 0, 0, 0)
    assert manifest.is_file()


def test_a_streamed_manifest_reads_back_as_the_map_written(tmp_path):
    from index.manifest import ManifestWriter, load_manifest

    entries = {'a"1': ["h1", "/x/أ b.json"], "\\u0041\n": ["h2", ""], "غزة": ["h3", "/y"]}
    writer = ManifestWriter(tmp_path)
    for doc_id, entry in entries.items():
        writer[doc_id] = entry
    assert load_manifest(tmp_path, 7) is None  # not in place before it is closed
    writer.close(7)
    assert load_manifest(tmp_path, 7) == entries
    assert load_manifest(tmp_path, 8) is None  # another generation's
    assert not list(tmp_path.glob("*.tmp"))
