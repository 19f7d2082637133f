"""Indexing throughput, with and without entity extraction, on a shared corpus file.

    python bench/index_speed.py [FILE] [--articles N] [--repeat R] [--procs P]

Runs the CLI's own path (readers → entities → index), alternating the two variants so both
see the same machine load, and prints medians and their ratio.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from archive.readers import read_sources
from index.build import reindex
from web.enrich import enricher

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEFAULT = SHARED / "data" / "corpus" / "ant-multisource-002.jsonl.gz"


def run(articles: list, enrich, procs: int) -> float:
    target = Path(tempfile.mkdtemp(prefix="bench-ix-"))
    try:
        started = time.perf_counter()
        report = reindex(target / "ix", iter(articles), enrich=enrich, procs=procs)
        elapsed = time.perf_counter() - started
        assert report.added == len(articles)
        return len(articles) / elapsed
    finally:
        shutil.rmtree(target, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args()
    if not args.file.exists():
        sys.exit(f"{args.file} not found (needs ../shared)")
    articles = list(itertools.islice(read_sources([args.file]), args.articles))
    print(f"{len(articles)} articles from {args.file.name}, procs={args.procs}")
    variants = {"without entities": lambda a: a, "with entities": enricher()}
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeat):
        for name, enrich in variants.items():
            rates[name].append(run(articles, enrich, args.procs))
    medians = {name: statistics.median(r) for name, r in rates.items()}
    for name, r in rates.items():
        print(f"{name:>18}: median {medians[name]:,.0f} articles/s  "
              f"(runs: {', '.join(f'{x:,.0f}' for x in r)})")
    ratio = medians["with entities"] / medians["without entities"]
    print(f"with/without: {ratio:.2f} (extraction costs {1 - ratio:.0%} of throughput)")


if __name__ == "__main__":
    main()
