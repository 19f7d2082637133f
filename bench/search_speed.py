"""Search latency on a built index: top-10 with facets and snippets, per query mode.

    python bench/search_speed.py --index var/corpus-index [--queries FILE] [--repeat R]
    python bench/search_speed.py --index var/corpus-index --cold --repeat 1 --slowest 8

Queries default to ../shared/data/bench/queries.txt. Prints p50 / p95 / p99 in
milliseconds. ``--cold`` empties the posting cache before each query, so each one pays for
reading its words (as the first query of a word does on a server); ``--slowest N`` lists the
N slowest queries of each mode with their totals.
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
    parser.add_argument("--cold", action="store_true", help="empty the posting cache each query")
    parser.add_argument("--slowest", type=int, default=0, help="list the N slowest queries")
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
        times, seen = [], []
        for _ in range(args.repeat):
            for query in queries:
                if args.cold:
                    searcher.generation().postings.forget()
                started = time.perf_counter()
                result = searcher.search(SearchRequest(query=query, **options))
                times.append((time.perf_counter() - started) * 1000)
                seen.append((times[-1], result.total, query))
        print(f"{name:<26} p50 {statistics.median(times):7.1f} ms   "
              f"p95 {percentile(times, 0.95):7.1f} ms   p99 {percentile(times, 0.99):7.1f} ms   "
              f"({len(queries)} queries × {args.repeat}{', cold' if args.cold else ''})")
        for took, total, query in sorted(seen, reverse=True)[:args.slowest]:
            print(f"    {took:7.1f} ms  {total:7d} hits  {query}")


if __name__ == "__main__":
    main()
