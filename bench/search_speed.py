"""Search latency on a built index: top-10 with facets and snippets, per query mode.

    python bench/search_speed.py --index var/corpus-index [--queries FILE] [--repeat R]

Queries default to ../shared/data/bench/queries.txt. Prints p50 / p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from index.search import ArchiveSearcher, SearchRequest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("var/index"))
    parser.add_argument("--queries", type=Path, default=SHARED / "data/bench/queries.txt")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.queries.exists():
        sys.exit(f"{args.queries} not found (needs ../shared)")
    queries = [q.strip() for q in args.queries.read_text(encoding="utf-8").splitlines()
               if q.strip()]
    searcher = ArchiveSearcher(args.index)
    searcher.warm()
    modes = {
        "all, top-10 only": dict(match="all", facet_limit=0),
        "all + facets + snippets": dict(match="all"),
        "any + facets + snippets": dict(match="any"),
    }
    for name, options in modes.items():
        times = []
        for _ in range(args.repeat):
            for query in queries:
                started = time.perf_counter()
                searcher.search(SearchRequest(query=query, **options))
                times.append((time.perf_counter() - started) * 1000)
        print(f"{name:<26} p50 {statistics.median(times):7.1f} ms   "
              f"p95 {percentile(times, 0.95):7.1f} ms   ({len(queries)} queries × {args.repeat})")


if __name__ == "__main__":
    main()
