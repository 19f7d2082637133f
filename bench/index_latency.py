"""Library and HTTP latency of an index already built, with `scale.py`'s own measures.

    python bench/index_latency.py INDEX_DIR [--queries FILE] [--titles ARTICLES.jsonl.gz]
                                  [--out FILE]

For an archive too large to rebuild for every change (a million articles: about 2 h): the
queries are timed once each after warming on frequent title words of ``--titles`` (the
articles the index holds, or a sample of them), top-10 and full page through the library,
then the full page through `archive serve`. Prints p50/p95/p99 per measure.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import SHARED, library_latency, measure_http, warmup_queries  # noqa: E402
from scale_engines import BenchEngine  # noqa: E402

from archive.arabic import words  # noqa: E402


def title_words(path: Path | None, limit: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    if path is None:
        return counts
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in islice((ln for ln in lines if ln.strip()), limit):
            counts.update(words(json.loads(line).get("title") or ""))
    return counts


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="a Whoosh index folder (`--index` of the CLI)")
    parser.add_argument("--queries", type=Path, default=SHARED / "data/bench/queries.txt")
    parser.add_argument("--titles", type=Path, default=None,
                        help="articles whose frequent title words warm the searcher")
    parser.add_argument("--title-lines", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=None, help="the figures as JSON")
    args = parser.parse_args(argv)
    queries = [q.strip() for q in args.queries.read_text(encoding="utf-8").splitlines()
               if q.strip()]
    warm = warmup_queries(title_words(args.titles, args.title_lines), queries)
    engine = BenchEngine("whoosh", args.index.parent, True, "serve", 2)
    engine.index_dir = args.index
    engine.open()
    try:
        figures = {"library": library_latency(engine, queries, warm)}
    finally:
        engine.close()
    figures["http"] = measure_http(engine, queries, warm, args.index.parent / "latency-serve.log")
    for mode, per_match in figures["library"].items():
        for match, f in per_match.items():
            print(f"library {mode} {match}: {f['p50']} / {f['p95']} / {f['p99']} ms")
    for match, f in figures["http"]["page"].items():
        print(f"HTTP page {match}: {f['p50']} / {f['p95']} / {f['p99']} ms")
    http = figures["http"]
    print(f"ready {http['ready_s']} s, worker {http['worker_rss_mb']} MiB")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
