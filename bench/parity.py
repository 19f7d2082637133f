"""Engine parity: the same slice and queries through Whoosh and Sphinx, compared.

    python bench/parity.py                          # 3,000 articles, the 300 bench queries
    python bench/parity.py --articles 1000 --queries 100 --json

Builds both engines (entities on, as `archive reindex` does) over the first ``--articles``
articles of ``ant-multisource-001`` (Sphinx on two local searchd nodes it starts), runs
each query with ``match=all`` and ``match=any`` through both, and reports: how often the
totals are equal, how often every facet's counts are equal (values and counts of the top
10 of each facet; and the same but for which values tied at the cut-off are shown), the
mean overlap of the two top-10s, and XQuAD MRR@10 through each
engine (bench/relevance.py). Needs ../shared; without it, says so and exits 0.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import itertools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from archive.models import Article
from index.engine import EngineConfig, EngineName
from index.engines import open_engine
from index.models import SearchRequest
from index.sphinx import nodes

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "data/corpus/ant-multisource-001.jsonl.gz"
QUERIES = SHARED / "data/bench/queries.txt"


def _articles(count: int) -> list[Article]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        return [Article.model_validate(json.loads(line))
                for line in itertools.islice(lines, count)]


def _facets(result) -> dict:
    return {name: sorted((v.value, v.count) for v in facet.values)
            for name, facet in result.facets.items()}


def _same_but_ties(a, b) -> bool:
    """Equal facets, except which of the values tied at a facet's cut-off count are shown
    (Whoosh breaks ties by first-seen document, Sphinx by its group order): the same
    number shown, every value both show with one count, and every value only one shows at
    that facet's lowest shown count. (``more`` is compared on its own: Sphinx counts an
    entity facet over 300 values at most.)"""
    for name, fa in a.facets.items():
        fb = b.facets[name]
        if len(fa.values) != len(fb.values):
            return False
        ca, cb = {v.value: v.count for v in fa.values}, {v.value: v.count for v in fb.values}
        if any(cb[k] != n for k, n in ca.items() if k in cb):
            return False
        cut = min(ca.values(), default=0)
        if any(ca.get(k, cb.get(k)) != cut for k in set(ca) ^ set(cb)):
            return False
    return True


def compare(whoosh, sphinx, queries: list[str]) -> dict:
    """Totals, facet counts and top-10 overlap of each query in both match modes."""
    same_total = same_facets = tie_facets = same_more = runs = 0
    overlap = 0.0
    differing: list[dict] = []
    for query, match in itertools.product(queries, ("all", "any")):
        request = SearchRequest(query=query, match=match, limit=10, fallback=False)
        ours, theirs = whoosh.search(request), sphinx.search(request)
        runs += 1
        same_total += ours.total == theirs.total
        same_facets += _facets(ours) == _facets(theirs)
        tie_facets += _same_but_ties(ours, theirs)
        same_more += all(f.more == theirs.facets[n].more for n, f in ours.facets.items())
        a, b = [h.id for h in ours.hits], [h.id for h in theirs.hits]
        overlap += len(set(a) & set(b)) / max(1, len(a), len(b)) if a or b else 1.0
        if ours.total != theirs.total and len(differing) < 10:
            differing.append({"query": query, "match": match, "whoosh": ours.total,
                              "sphinx": theirs.total})
    return {"runs": runs, "same_total": round(same_total / runs, 4),
            "same_facets": round(same_facets / runs, 4),
            "same_facets_but_ties": round(tie_facets / runs, 4),
            "same_more": round(same_more / runs, 4),
            "top10_overlap": round(overlap / runs, 4), "total_differs": differing}


def _relevance(queries: int) -> dict:
    spec = importlib.util.spec_from_file_location(
        "bench_relevance", Path(__file__).with_name("relevance.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_relevance"] = module
    spec.loader.exec_module(module)
    qs = module.load_queries(queries)
    with module.Bench(0) as bench:
        whoosh = bench.run(module.VARIANTS["project"], qs)
        sphinx = bench.run(module.VARIANTS["project"], qs, via="sphinx")
    return {"queries": len(qs), "whoosh_mrr": round(whoosh["mrr"], 4),
            "sphinx_mrr": round(sphinx["mrr"], 4),
            "difference": round(sphinx["mrr"] - whoosh["mrr"], 4)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--xquad-queries", type=int, default=None,
                        help="XQuAD questions for MRR (default: all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not CORPUS.exists() or not QUERIES.exists():
        print(f"skipped: {CORPUS} or {QUERIES} not found (the ../shared data is absent)")
        return {}
    from web.enrich import enricher

    articles = _articles(args.articles)
    queries = [q.strip() for q in QUERIES.read_text(encoding="utf-8").splitlines()
               if q.strip()][:args.queries]
    work = Path(tempfile.mkdtemp(prefix="parity-"))
    addresses = nodes.up(work / "nodes", 2)
    try:
        whoosh = open_engine(EngineConfig(EngineName.WHOOSH, work / "whoosh"))
        sphinx = open_engine(EngineConfig(EngineName.SPHINX, work / "sphinx",
                                          tuple(map(str, addresses))))
        builds = {}
        for name, engine in (("whoosh", whoosh), ("sphinx", sphinx)):
            started = time.perf_counter()
            engine.reindex(articles, enrich=enricher(), enrich_version=enricher().version)
            builds[name] = round(time.perf_counter() - started, 1)
        report = {"articles": len(articles), "queries": len(queries), "build_s": builds,
                  **compare(whoosh, sphinx, queries)}
        whoosh.close()
        sphinx.close()
    finally:
        nodes.down(work / "nodes")
        shutil.rmtree(work, ignore_errors=True)
    report["xquad"] = _relevance(args.xquad_queries)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(f"{report['articles']:,} articles, {report['queries']} queries × (all, any) = "
              f"{report['runs']} runs")
        print(f"same total {report['same_total']:.1%} · same facet values and counts "
              f"{report['same_facets']:.1%} (the same but for ties at the cut-off "
              f"{report['same_facets_but_ties']:.1%}; the same 'more' counts "
              f"{report['same_more']:.1%}) · top-10 overlap {report['top10_overlap']:.1%}")
        x = report["xquad"]
        print(f"XQuAD MRR@10 ({x['queries']} questions): whoosh {x['whoosh_mrr']:.4f} · "
              f"sphinx {x['sphinx_mrr']:.4f} · difference {x['difference']:+.4f}")
        for row in report["total_differs"]:
            print(f"  totals differ: {row}")
    return report


if __name__ == "__main__":
    main()
