"""Entity extraction throughput: `article_entities` over the first N corpus articles, for
each entity setting (fast: the CRF; accurate: the neural tagger), on P processes.

    python bench/ner_speed.py [--n 2000] [--runs 3] [--procs 2] [--entities fast accurate]

Each process takes an equal share of the articles with its model already loaded and its
per-word caches warmed on other articles (the next ``--warm`` of the corpus), as in a long
indexing run; a run's rate is N over the slowest process's time. Settings alternate run
by run, so a change in the machine's speed hits both alike. Prints articles/s per run and
the median per setting.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import statistics
import time
from pathlib import Path
from typing import get_args

from archive.entities import article_entities, extractor_for
from archive.settings import EntitySetting

CORPUS = (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "corpus"
          / "ant-multisource-002.jsonl.gz")


Pair = tuple[str, str]


def _work(args: tuple[str, list[Pair], list[Pair]]) -> float:
    """Seconds over one share of the articles, after a warm-up on others."""
    setting, warm, articles = args
    extractor = extractor_for(setting)
    for title, body in warm:
        article_entities(title, body, extractor)
    t0 = time.perf_counter()
    for title, body in articles:
        article_entities(title, body, extractor)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--warm", type=int, default=500)
    settings = list(get_args(EntitySetting))
    parser.add_argument("--entities", nargs="+", default=settings, choices=settings)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    with gzip.open(args.corpus, "rt", encoding="utf-8") as fh:
        articles = [(a.get("title") or "", a.get("body") or "")
                    for a in map(json.loads, (line for _, line in
                                              zip(range(args.n + args.warm), fh, strict=False)))]
    articles, warm = articles[:args.n], articles[args.n:]
    shares = [(warm[i::args.procs], articles[i::args.procs]) for i in range(args.procs)]
    rates: dict[str, list[float]] = {s: [] for s in args.entities}
    context = multiprocessing.get_context("spawn")  # a fresh model per process, as a worker
    for run in range(args.runs):
        for setting in args.entities:
            with context.Pool(args.procs) as pool:
                times = pool.map(_work, [(setting, w, a) for w, a in shares])
            rate = len(articles) / max(times)
            rates[setting].append(rate)
            print(f"run {run + 1} {setting}: {rate:,.0f} articles/s", flush=True)
    for setting, values in rates.items():
        print(f"median {setting}: {statistics.median(values):,.0f} articles/s over "
              f"{len(articles)} articles on {args.procs} process(es)")


if __name__ == "__main__":
    main()
