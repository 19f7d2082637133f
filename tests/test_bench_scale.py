"""Smoke tests for bench/scale.py and bench/grow.py on corpora made here (no ../shared)."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path

from archive.readers import read_sources
from index.build import reindex

_BENCH = Path(__file__).resolve().parents[1] / "bench"

SOURCES = ("الجزيرة", "العربية", "بي بي سي عربي")
PERSONS = ("بنيامين نتنياهو", "أنتوني بلينكن", "يوآف غالانت", "محمد بن سلمان")
PLACES = ("غزة", "القدس", "بيروت", "طهران", "الرياض")
TOPICS = ("المفاوضات", "التهدئة", "الانتخابات", "الاقتصاد", "كرة القدم")
QUERIES = ["غزة", "المفاوضات", "نتنياهو بيروت", "الاقتصاد الرياض", "كلمةغيرموجودة"]


def _load(name: str):
    module_name = f"bench_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, _BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def _articles(count: int) -> list[dict]:
    out = []
    for n in range(count):
        person, place = PERSONS[n % len(PERSONS)], PLACES[n % len(PLACES)]
        topic = TOPICS[n % len(TOPICS)]
        out.append({
            "id": f"t{n:03d}", "title": f"{person} يبحث {topic} في {place} (خبر {n})",
            "body": "\n".join([
                f"التقى {person} مسؤولين في {place} لبحث {topic} يوم {n}.",
                f"وقال المتحدث إن الاجتماع رقم {n} تناول الوضع الإنساني و{topic}.",
                f"وأضاف أن المحادثات في {PLACES[(n + 1) % len(PLACES)]} ستستمر الأسبوع المقبل.",
            ]),
            "date": f"20{18 + n % 5}-0{1 + n % 9}-1{n % 10}T09:30:00",
            "source": SOURCES[n % len(SOURCES)], "url": f"https://example.org/news/{n}",
            "category": None})
    return out


def _write_gz(path: Path, articles: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)
    return path


def _ordered(figures: dict) -> bool:
    return 0 <= figures["p50"] <= figures["p95"] <= figures["p99"]


def test_scale_reports_every_figure(tmp_path, capsys):
    scale = _load("scale")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    articles = _articles(60)
    _write_gz(corpus / "a.jsonl.gz", articles[:30])
    _write_gz(corpus / "b.jsonl.gz", articles[30:])
    queries = tmp_path / "queries.txt"
    queries.write_text("\n".join(QUERIES) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    scale.main(["--sizes", "40", "--corpus", str(corpus / "*.jsonl.gz"), "--queries",
                str(queries), "--workdir", str(tmp_path / "work"), "--out", str(out)])

    report = json.loads(out.read_text(encoding="utf-8"))
    assert {"date", "nproc", "memory_gb", "python", "command"} <= report["header"].keys()
    (size,) = report["sizes"]
    assert size["articles"] == 40  # 30 from a.jsonl.gz, then 10 from b.jsonl.gz
    build = size["build"]
    assert build["seconds"] > 0 and build["articles_per_s"] > 0 and build["peak_rss_mb"] > 0
    assert 0 < build["index_mb"] <= build["peak_disk_mb"]
    assert build["report"]["added"] == 40
    assert size["recheck"]["seconds"] > 0 and size["recheck"]["report"]["unchanged"] == 40
    for mode in ("top10", "page"):
        for match in ("all", "any"):
            for figures in (size["library"][mode][match], size["fts5"][mode][match]):
                assert _ordered(figures) and figures["n"] == len(QUERIES)
    assert size["library"]["page"]["any"]["mean_hits"] > 0
    assert size["fts5"]["page"]["any"]["mean_hits"] > 0
    slowest = size["library"]["page"]["all"]["slowest"]  # the queries behind the tail
    assert len(slowest) == min(5, len(QUERIES)) and {q for _, q in slowest} <= set(QUERIES)
    assert [ms for ms, _ in slowest] == sorted((ms for ms, _ in slowest), reverse=True)
    http = size["http"]
    assert http["ready_s"] > 0 and http["server_rss_mb"] > 0
    assert all(_ordered(http["page"][m]) for m in ("all", "any"))
    fts = size["fts5"]["build"]
    assert fts["articles"] == 40 and fts["articles_per_s"] > 0 and fts["db_mb"] > 0
    ratios = size["ratios"]
    assert {"build.articles_per_s", "size_mb", "library.top10.all.p50",
            "library.page.any.p99", "http.page.all.p95"} <= ratios.keys()
    assert all(value > 0 for value in ratios.values())
    assert not list((tmp_path / "work").iterdir())  # scratch removed without --keep
    table = capsys.readouterr().out
    assert "### 40 articles" in table and "| build articles/s |" in table


def test_fts5_expression_quotes_terms():
    scale = _load("scale")
    from archive.arabic import normalize

    fts, gaza = scale.Fts5Baseline, normalize("غزة")  # normalised like the text
    assert fts.expression('غزّة "القدس"', "all") == f'"{gaza}" """القدس"""'
    assert fts.expression("غزة القدس", "any") == f'"{gaza}" OR "القدس"'
    assert fts.expression(" - ", "all") == '""'


def test_grow_recombines_whole_paragraphs(tmp_path):
    grow = _load("grow")
    source = _articles(20)
    corpus = _write_gz(tmp_path / "seed.jsonl.gz", source)
    out = tmp_path / "grown.jsonl.gz"
    args = ["--articles", "100", "--out", str(out), "--corpus", str(corpus), "--seed", "3"]
    grow.main(args)

    with gzip.open(out, "rt", encoding="utf-8") as lines:
        grown = [json.loads(line) for line in lines]
    assert len(grown) == 100 and len({a["id"] for a in grown}) == 100
    paragraphs: dict[str, set[str]] = {}
    for article in source:
        for paragraph in article["body"].split("\n"):
            paragraphs.setdefault(paragraph, set()).add(article["source"])
    titles = {a["title"] for a in source}
    for article in grown:
        assert article["title"] in titles
        body = article["body"].split("\n")
        assert len(body) >= 2
        assert all(article["source"] in paragraphs[p] for p in body)  # same source
    assert len({a["date"][:4] for a in grown}) > 3  # spread over years
    again = tmp_path / "again.jsonl.gz"
    grow.main([*args[:3], str(again), *args[4:]])
    assert gzip.decompress(again.read_bytes()) == gzip.decompress(out.read_bytes())


def test_scale_measures_both_engines_in_one_run(tmp_path):
    import os

    from index.sphinx.nodes import searchd

    if searchd() is None:
        if os.environ.get("REQUIRE_SPHINX") == "1":
            raise AssertionError("REQUIRE_SPHINX=1 but searchd is missing")
        import pytest
        pytest.skip("searchd not installed (Debian package sphinxsearch)")
    scale = _load("scale")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write_gz(corpus / "a.jsonl.gz", _articles(30))
    queries = tmp_path / "queries.txt"
    queries.write_text("\n".join(QUERIES) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    scale.main(["--sizes", "30", "--corpus", str(corpus / "*.jsonl.gz"), "--queries",
                str(queries), "--workdir", str(tmp_path / "work"), "--out", str(out),
                "--engine", "whoosh", "--engine", "sphinx", "--skip-fts5"])
    (size,) = json.loads(out.read_text(encoding="utf-8"))["sizes"]
    sphinx = size["engines"]["sphinx"]
    assert size["engine"] == "whoosh" and sphinx["engine"] == "sphinx"
    assert sphinx["build"]["report"]["added"] == 30 and sphinx["build"]["nodes_rss_mb"] > 0
    assert sphinx["recheck"]["report"]["unchanged"] == 30
    for match in ("all", "any"):  # the same articles found through either engine
        assert (sphinx["library"]["page"][match]["mean_hits"]
                == size["library"]["page"][match]["mean_hits"] > 0)
        assert _ordered(sphinx["http"]["page"][match])


def test_load_holds_the_page_for_a_bounded_time(index_dir, tmp_path):
    load = _load("load")
    queries = tmp_path / "queries.txt"
    queries.write_text("\n".join(QUERIES) + "\n", encoding="utf-8")
    report = load.main(["--index", str(index_dir), "--workers", "2", "--seconds", "2",
                        "--concurrency", "2", "--queries", str(queries)])
    assert report["requests"] > 0 and report["errors"] == 0, report
    assert 1.5 < report["seconds"] < 60
    assert 0 < report["p50_ms"] <= report["p95_ms"] <= report["p99_ms"]
    assert report["server_rss_mb"] >= report["largest_worker_mb"] > 0


def test_load_holds_the_page_through_a_full_reindex(tmp_path):
    """A --full reindex of a larger corpus swapped in under load: no errors in any phase, and
    the server answers from the new corpus after the swap."""
    import subprocess

    load = _load("load")
    old = _write_gz(tmp_path / "old.jsonl.gz", _articles(30))
    new = _write_gz(tmp_path / "new.jsonl.gz",
                    [{**a, "id": f"new-{a['id']}"} for a in _articles(120)])
    index = tmp_path / "ix"
    archive = str(Path(sys.executable).with_name("archive"))
    subprocess.run([archive, "reindex", "--full", str(old), "--index", str(index),
                    "--no-entities"], check=True, capture_output=True, timeout=300)
    queries = tmp_path / "queries.txt"
    queries.write_text("\n".join(QUERIES) + "\n", encoding="utf-8")
    report = load.main(["--index", str(index), "--workers", "2", "--seconds", "3",
                        "--concurrency", "2", "--queries", str(queries), "--reindex", str(new),
                        "--reindex-after", "1", "--after-swap", "1.5", "--max-seconds", "300",
                        "--warmup", "0.5"])
    reindex = report["reindex"]
    assert reindex["exit"] == 0, reindex
    assert 0 < reindex["started_s"] <= reindex["swapped_s"] <= reindex["finished_s"]
    for name, phase in report["phases"].items():
        assert phase["requests"] > 0 and phase["errors"] == 0, (name, phase)
        assert phase["statuses"] == {"200": phase["requests"]}
        assert 0 < phase["p50_ms"] <= phase["p95_ms"] <= phase["p99_ms"]
    assert report["phases"]["after"]["seconds"] >= 1.5
    assert report["requests"] == sum(p["requests"] for p in report["phases"].values())
    assert report["probe_id"] == "new-t000" and report["new_corpus_served"] is True
    assert report["probe_total_after"] == 4 * report["probe_total_before"] > 0  # 120 vs 30


def test_index_latency_times_an_index_already_built(tmp_path, capsys):
    latency = _load("index_latency")
    articles = _write_gz(tmp_path / "a.jsonl.gz", _articles(30))
    index = tmp_path / "index"
    reindex(index, read_sources([articles]))
    queries = tmp_path / "queries.txt"
    queries.write_text("\n".join(QUERIES) + "\n", encoding="utf-8")
    figures = latency.main([str(index), "--queries", str(queries), "--titles", str(articles)])
    for mode in ("top10", "page"):
        for match in ("all", "any"):
            assert _ordered(figures["library"][mode][match])
            assert figures["library"][mode][match]["n"] == len(QUERIES)
    assert figures["library"]["page"]["all"]["mean_hits"] > 0  # the queries found articles
    assert all(_ordered(figures["http"]["page"][m]) for m in ("all", "any"))
    assert figures["http"]["ready_s"] > 0
    assert "HTTP page any:" in capsys.readouterr().out
