"""Entity extraction throughput: `article_entities` over the first N corpus articles.

    python bench/ner_speed.py [--n 2000] [--runs 3]

Prints articles/s per run and the median (one core, model already loaded; the first run
also warms the per-word feature caches, as a long indexing run would).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from pathlib import Path

from archive.entities import article_entities, default_extractor

CORPUS = (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "corpus"
          / "ant-multisource-002.jsonl.gz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    with gzip.open(args.corpus, "rt", encoding="utf-8") as fh:
        articles = [json.loads(line) for _, line in zip(range(args.n), fh, strict=False)]
    default_extractor().extract("تحميل")  # load the model outside the timed part
    rates = []
    for run in range(args.runs):
        t0 = time.perf_counter()
        for a in articles:
            article_entities(a.get("title") or "", a.get("body") or "")
        rate = len(articles) / (time.perf_counter() - t0)
        rates.append(rate)
        print(f"run {run + 1}: {rate:,.0f} articles/s")
    print(f"median: {statistics.median(rates):,.0f} articles/s over {len(articles)} articles")


if __name__ == "__main__":
    main()
