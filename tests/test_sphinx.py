"""The Sphinx engine on real ``searchd`` nodes on loopback: nodes, shards, parity with
Whoosh, incremental and full reindex, and what a reader sees when a node is down.

Skips (with the reason) where Debian's ``searchd`` cannot be had, unless REQUIRE_SPHINX=1.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.models import Article
from index.engine import EngineConfig, EngineName, EngineUnavailable, QueryRefused
from index.engines import open_engine
from index.models import Match, SearchRequest
from index.sphinx import nodes as sphinx_nodes
from index.sphinx.schema import shard_of
from tests.conftest import PERSONS, sample_articles
from web.cli import main

if sphinx_nodes.searchd() is None:
    if os.environ.get("REQUIRE_SPHINX") == "1":
        raise RuntimeError("REQUIRE_SPHINX=1 but searchd is missing (apt-get install sphinxsearch)")
    pytest.skip("searchd not installed (Debian package sphinxsearch)", allow_module_level=True)

QUERIES = ["غزة", "التهدئة والمفاوضات", '"الوضع الإنساني"', "نتنياه*", "person:نتنياهو",
           "غزة -القدس", "غزة OR بيروت", "source:العربية", "date:2019..2020 المحادثات",
           "الاجتماع رقم", "*", "بغزة"]


@pytest.fixture(scope="module")
def cluster_dir(tmp_path_factory):
    """Two nodes for the module, stopped at its end."""
    directory = tmp_path_factory.mktemp("nodes")
    sphinx_nodes.up(directory, 2)
    yield directory
    sphinx_nodes.down(directory)


@pytest.fixture
def own_nodes(tmp_path):
    """Two nodes for one test that writes (an archive owns its nodes: they hold one
    archive's two slots)."""
    directory = tmp_path / "own-nodes"
    sphinx_nodes.up(directory, 2)
    yield directory
    sphinx_nodes.down(directory)


def _config(state: Path, directory: Path, timeout: float = 3.0) -> EngineConfig:
    return EngineConfig(EngineName.SPHINX, state,
                        tuple(str(a) for a in sphinx_nodes.saved_nodes(directory)), timeout)


@pytest.fixture(scope="module")
def sphinx(cluster_dir, tmp_path_factory):
    """The Sphinx engine over `sample_articles` on two nodes."""
    engine = open_engine(_config(tmp_path_factory.mktemp("state"), cluster_dir))
    report = engine.reindex(sample_articles())
    assert report.added == len(sample_articles())
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def whoosh(index_dir):
    engine = open_engine(EngineConfig(EngineName.WHOOSH, index_dir))
    yield engine
    engine.close()


def _every_id(engine, request: SearchRequest) -> set[str]:
    return {hit.id for hit in engine.export(request)}


def _counts(result) -> dict:
    return {name: {v.value: v.count for v in facet.values}
            for name, facet in result.facets.items()}


# -- local nodes --------------------------------------------------------------------------

def test_nodes_up_status_down_through_the_cli(tmp_path):
    runner = CliRunner()
    directory = str(tmp_path / "nodes")
    up = runner.invoke(main, ["nodes", "up", "--count", "2", "--dir", directory])
    assert up.exit_code == 0, up.output
    addresses = json.loads(up.output)["nodes"]
    assert len(addresses) == 2 and all(a.startswith("127.0.0.1:") for a in addresses)
    try:
        status = json.loads(runner.invoke(main, ["nodes", "status", "--dir", directory]).output)
        assert status == {"nodes": [{"address": a, "documents": 0} for a in addresses]}
        down = runner.invoke(main, ["nodes", "down", "--dir", directory, "--only", "1"])
        assert json.loads(down.output) == {"stopped": [1]}
        status = json.loads(runner.invoke(main, ["nodes", "status", "--dir", directory]).output)
        assert [n["documents"] for n in status["nodes"]] == [0, None]
        again = runner.invoke(main, ["nodes", "up", "--count", "2", "--dir", directory])
        assert again.exit_code == 1 and "already running" in again.output
    finally:
        runner.invoke(main, ["nodes", "down", "--dir", directory])
    assert sphinx_nodes.running(Path(directory)) == []


# -- parity with Whoosh -------------------------------------------------------------------

@pytest.mark.parametrize("query", QUERIES)
def test_same_articles_and_facet_counts_as_whoosh(sphinx, whoosh, query):
    for match in (Match.ALL, Match.ANY):
        request = SearchRequest(query=query, match=match, limit=50)
        ours, theirs = sphinx.search(request), whoosh.search(request)
        assert ours.total == theirs.total, (query, match)
        assert _every_id(sphinx, request) == _every_id(whoosh, request), (query, match)
        assert _counts(ours) == _counts(theirs), (query, match)


def test_facet_filters_count_every_facet_but_their_own(sphinx, whoosh):
    request = SearchRequest(query="المحادثات", filters={"person": [PERSONS[0]],
                                                        "year": ["2019", "2020"]})
    ours, theirs = sphinx.search(request), whoosh.search(request)
    assert ours.total == theirs.total > 0
    assert _counts(ours) == _counts(theirs)
    assert len(_counts(ours)["person"]) > 1  # the person facet ignores its own filter
    assert [v.selected for v in ours.facets["person"].values if v.value ==
            whoosh.entity_keys(__import__("archive.kinds").kinds.EntityKind.PERSON,
                               PERSONS[0])[0]] == [True]


def test_hits_carry_marked_snippets_entities_and_dates(sphinx):
    result = sphinx.search(SearchRequest(query="غزة", sort="newest"))
    assert result.hits and all("<mark" in h.snippet or "<mark" in h.title_html
                               for h in result.hits)
    dates = [h.date for h in result.hits]
    assert dates == sorted(dates, reverse=True)
    assert any(p.label for h in result.hits for p in h.persons)


def test_article_by_id_with_related_and_names(sphinx):
    view = sphinx.article("a04", query="غزة")
    assert view is not None and view.id == "a04" and "<mark" in view.body_html
    assert view.related and "a04" not in {h.id for h in view.related}
    assert sphinx.article("no-such-id") is None
    assert [s.label for s in sphinx.suggest_names("نتن")] == ["بنيامين نتنياهو"]


def test_ranking_puts_the_title_match_first(sphinx):
    assert sphinx.ranked_ids(SearchRequest(query="خبر رقم 7", limit=1)) == ["a07"]


def test_a_query_sphinx_cannot_run_is_refused_with_a_message(sphinx, monkeypatch):
    from whoosh import query as Q

    from index.sphinx import engine as sphinx_engine
    from index.sphinx.matching import to_match

    with pytest.raises(QueryRefused, match="only excluded words"):
        to_match(Q.Not(Q.Term("body", "غزه")))
    # What Sphinx itself refuses reaches the caller as QueryRefused too, and the web as 400.
    monkeypatch.setattr(sphinx_engine, "to_match", lambda q: "-غزه")
    with pytest.raises(QueryRefused, match="non-computable"):
        sphinx.search(SearchRequest(query="غزة"))
    from web.app import create_app
    app = create_app({"TESTING": True, "INDEX_DIR": str(sphinx.state_dir), "ENGINE": "sphinx",
                      "SPHINX_NODES": ",".join(map(str, sphinx.cluster.nodes))})
    bad = app.test_client().get("/api/search", query_string={"q": "غزة"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_query"


# -- shards, incremental and full reindex -------------------------------------------------

def test_every_article_lives_on_the_shard_its_id_hashes_to(sphinx):
    stats = sphinx.stats()
    assert stats["documents"] == len(sample_articles())
    per_node = [sum(shard_of(a.id, 2) == k for a in sample_articles()) for k in (0, 1)]
    assert [n["documents"] for n in stats["nodes"]] == per_node
    assert all(per_node)


def test_incremental_replaces_deletes_and_full_rebuild_switches_slots(own_nodes, tmp_path):
    first = sample_articles()[:10]
    engine = open_engine(_config(tmp_path / "state", own_nodes))
    engine.reindex(first)
    reader = open_engine(_config(tmp_path / "state", own_nodes))  # another process's view
    assert reader.search(SearchRequest(query="الزلزال")).total == 0
    changed = first[3].model_copy(update={"body": first[3].body + " وضرب الزلزال المدينة."})
    report = engine.reindex([*first[:3], changed, *first[4:9],
                             Article(id="new-1", title="الزلزال", body="ضرب الزلزال الساحل.")])
    # a09 is left out of a source read whole: it is gone (as in the Whoosh engine)
    assert (report.added, report.updated, report.unchanged, report.removed) == (1, 1, 8, 1)
    assert {h.id for h in reader.export(SearchRequest(query="الزلزال"))} == {"a03", "new-1"}
    assert engine.stats()["documents"] == 10
    assert reader.article("a09") is None
    slot = engine.stats()["slot"]
    rebuilt = engine.reindex(first[:5], full=True)
    assert rebuilt.added == 5
    stats = reader.stats()
    assert stats["slot"] != slot and stats["documents"] == 5
    assert reader.search(SearchRequest(query="الزلزال")).total == 0
    old = [engine.cluster.run(k, f"SELECT COUNT(*) FROM articles_{slot}")[0][0][0] for k in (0, 1)]
    assert old == [0, 0]  # the slot no longer served was emptied
    engine.close()
    reader.close()


def test_a_changed_node_list_rebuilds_in_full(own_nodes, tmp_path):
    state = tmp_path / "state"
    one_node = EngineConfig(EngineName.SPHINX, state,
                            (str(sphinx_nodes.saved_nodes(own_nodes)[0]),))
    open_engine(one_node).reindex(sample_articles()[:4])
    two = open_engine(_config(state, own_nodes))
    report = two.reindex(sample_articles()[:4])
    assert report.added == 4 and report.unchanged == 0  # rebuilt, not re-checked
    assert two.stats()["documents"] == 4


# -- a node down ----------------------------------------------------------------------------

def test_a_node_down_gives_partial_results_then_a_clear_error(tmp_path):
    directory = tmp_path / "nodes"
    sphinx_nodes.up(directory, 2, timeout_ms=1000)
    try:
        engine = open_engine(_config(tmp_path / "state", directory, timeout=2.0))
        engine.reindex(sample_articles())
        everything = engine.search(SearchRequest(query="المحادثات")).total
        sphinx_nodes.down(directory, only=1)
        started = time.monotonic()
        partial = engine.search(SearchRequest(query="المحادثات"))
        assert 0 < partial.total < everything
        assert any("shard 1" in notice for notice in partial.notices)
        sphinx_nodes.down(directory, only=0)
        with pytest.raises(EngineUnavailable, match="no Sphinx node answered"):
            engine.search(SearchRequest(query="المحادثات"))
        assert time.monotonic() - started < 20  # bounded, never a hang

        from web.app import create_app
        app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "state"),
                          "ENGINE": "sphinx", "SPHINX_TIMEOUT": 2.0,
                          "SPHINX_NODES": ",".join(map(str, sphinx_nodes.saved_nodes(directory)))})
        response = app.test_client().get("/api/search?q=غزة")
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "engine_unavailable"
        page = app.test_client().get("/?q=غزة")
        assert page.status_code == 503 and "unreachable" in page.get_data(as_text=True)

        result = CliRunner().invoke(main, ["search", "غزة", "--engine", "sphinx", "--index",
                                           str(tmp_path / "state"), "--nodes", str(directory)])
        assert result.exit_code == 1 and "no Sphinx node answered" in result.output
        assert "Traceback" not in result.output
    finally:
        sphinx_nodes.down(directory)


def test_a_node_that_hangs_is_timed_out_not_waited_for(tmp_path):
    import signal

    directory = tmp_path / "nodes"
    sphinx_nodes.up(directory, 2, timeout_ms=1000)
    pids = [int((directory / f"node{k}" / "searchd.pid").read_text()) for k in (0, 1)]
    try:
        engine = open_engine(_config(tmp_path / "state", directory, timeout=2.0))
        engine.reindex(sample_articles())
        everything = engine.search(SearchRequest(query="المحادثات")).total
        os.kill(pids[1], signal.SIGSTOP)  # up, but never answers
        started = time.monotonic()
        partial = engine.search(SearchRequest(query="المحادثات"))
        assert time.monotonic() - started < 6
        assert 0 < partial.total < everything
        assert any("shard 1" in notice for notice in partial.notices)
        os.kill(pids[1], signal.SIGCONT)
        os.kill(pids[0], signal.SIGSTOP)  # the first node hangs: the next one answers
        started = time.monotonic()
        other = engine.search(SearchRequest(query="المحادثات"))
        assert time.monotonic() - started < 10
        assert 0 < other.total < everything and any("shard 0" in n for n in other.notices)
    finally:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGCONT)
        sphinx_nodes.down(directory)


# -- the web app and the CLI over Sphinx -----------------------------------------------------

def test_the_web_app_serves_search_and_articles_from_sphinx(sphinx, whoosh):
    from web.app import create_app
    app = create_app({"TESTING": True, "INDEX_DIR": str(sphinx.state_dir), "ENGINE": "sphinx",
                      "SPHINX_NODES": ",".join(map(str, sphinx.cluster.nodes))})
    client = app.test_client()
    data = client.get("/api/search", query_string={"q": "غزة", "person": PERSONS[0]}).get_json()
    assert data["total"] == whoosh.search(SearchRequest(
        query="غزة", filters={"person": [PERSONS[0]]})).total
    assert client.get("/?q=غزة").status_code == 200
    assert client.get("/articles/a01").status_code == 200
    assert client.get("/articles/nope").status_code == 404


def test_sphinx_without_nodes_is_a_clear_cli_error(tmp_path, monkeypatch):
    monkeypatch.delenv("ARCHIVE_SPHINX_NODES", raising=False)
    result = CliRunner().invoke(main, ["search", "غزة", "--engine", "sphinx",
                                       "--index", str(tmp_path)])
    assert result.exit_code == 1 and "no Sphinx nodes given" in result.output
    assert "Traceback" not in result.output


def test_cli_reindex_search_and_check_with_engine_sphinx(own_nodes, tmp_path):
    runner = CliRunner()
    source = tmp_path / "a.jsonl"
    source.write_text("\n".join(json.dumps(a.model_dump(mode="json", include={
        "id", "title", "body", "date", "source"}), ensure_ascii=False)
        for a in sample_articles()[:6]), encoding="utf-8")
    common = ["--engine", "sphinx", "--nodes", str(own_nodes), "--index", str(tmp_path / "s")]
    built = runner.invoke(main, ["reindex", str(source), "--no-entities", *common])
    assert built.exit_code == 0, built.output
    found = runner.invoke(main, ["search", "المحادثات", "--json", *common])
    assert json.loads(found.output)["total"] == 6
    check = runner.invoke(main, ["check", "--json", *common])
    assert check.exit_code == 0 and json.loads(check.output)["documents"] == 6


def test_the_app_factory_reads_the_sphinx_settings_from_the_environment(sphinx, cluster_dir,
                                                                          monkeypatch):
    """What ``gunicorn 'web.app:create_app()'`` does in production."""
    from web.app import create_app
    monkeypatch.setenv("ARCHIVE_ENGINE", "sphinx")
    monkeypatch.setenv("ARCHIVE_SPHINX_NODES", str(cluster_dir))
    monkeypatch.setenv("ARCHIVE_SPHINX_STATE_DIR", str(sphinx.state_dir))
    data = create_app({"TESTING": True}).test_client().get(
        "/api/search", query_string={"q": "المحادثات"}).get_json()
    assert data["total"] == len(sample_articles()) - 1  # all but the XSS probe
