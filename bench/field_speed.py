"""CPU time of turning articles into postings: our `ArabicText` fields against Whoosh's
`TEXT` with the same analyzers, alternated in one process (medians of 5 runs each).

    python bench/field_speed.py [FILE] [--articles N]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from pathlib import Path

from whoosh.fields import TEXT

from archive.readers import read_sources
from index.schema import build_schema

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEFAULT = SHARED / "data" / "corpus" / "ant-multisource-002.jsonl.gz"
FIELDS = ("title", "body", "body_stem")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    docs = [(a.title, a.body) for a in itertools.islice(
        (x for x in read_sources([args.file]) if hasattr(x, "body")), args.articles)]
    if not docs:
        raise SystemExit(f"no articles read from {args.file}")
    schema = build_schema()
    variants = {"ArabicText": {n: schema[n] for n in FIELDS},
                "TEXT": {n: TEXT(analyzer=schema[n].analyzer, phrase=n != "body_stem")
                         for n in FIELDS}}

    def run(fields: dict) -> float:
        started = time.process_time()
        for title, body in docs:
            for name, value in (("title", title), ("body", body),
                                ("body_stem", f"{title}\n{body}")):
                for _ in fields[name].index(value):
                    pass
        return time.process_time() - started

    times: dict[str, list[float]] = {name: [] for name in variants}
    for fields in variants.values():
        run(fields)  # warm the word caches
    for _ in range(5):
        for name, fields in variants.items():
            times[name].append(run(fields))
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, median in medians.items():
        print(f"{name:>10}: {median * 1000 / len(docs):.2f} ms of CPU an article")
    print(f"ratio {medians['ArabicText'] / medians['TEXT']:.2f} ({len(docs)} articles)")


if __name__ == "__main__":
    main()
