"""Grow a larger, realistic corpus from the shared one, for scale runs beyond 60k articles.

    python bench/grow.py --articles 1000000 --out var/corpus-1m.jsonl.gz [--seed 1]

Each new article takes the title, category and first paragraph of a random source article,
then whole paragraphs drawn at random from other articles of the same source until the body is
about as long as the original's (2 to 30 paragraphs), so names stay intact and the length and
source mix follow the corpus. Ids are new (``grow<seed>-0000001``), dates are drawn uniformly
over ``--from-year``..``--to-year``, urls are placeholders. Streams its output: only the source
articles' paragraphs are held in memory. The same seed and corpus give the same file.
Write under var/ (gitignored); never commit generated data.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import io
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
MIN_PARAGRAPHS, MAX_PARAGRAPHS = 2, 30


@dataclass
class Seed:
    """One source article: where its paragraphs sit in its source's pool."""

    title: str
    category: str | None
    first: int  # index of its first paragraph in the pool
    count: int  # how many paragraphs it has
    length: int  # body length in characters


@dataclass
class Source:
    name: str | None
    paragraphs: list[str] = field(default_factory=list)
    seeds: list[Seed] = field(default_factory=list)


def load(files: list[Path]) -> list[Source]:
    """Every article with a title and a body, its paragraphs pooled per source."""
    by_name: dict[str | None, Source] = {}
    for path in files:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                raw = json.loads(line)
                title = (raw.get("title") or "").strip()
                paragraphs = [p.strip() for p in (raw.get("body") or "").split("\n")
                              if p.strip()]
                if not title or not paragraphs:
                    continue
                source = by_name.setdefault(raw.get("source"), Source(raw.get("source")))
                source.seeds.append(Seed(title, raw.get("category"), len(source.paragraphs),
                                         len(paragraphs), sum(map(len, paragraphs))))
                source.paragraphs.extend(paragraphs)
    return [by_name[name] for name in sorted(by_name, key=lambda n: n or "")]


def grow(sources: list[Source], articles: int, seed: int, years: tuple[int, int]):
    """Yield ``articles`` new article dicts, deterministic for ``seed``."""
    rng = random.Random(seed)
    weights = [len(s.seeds) for s in sources]
    start = datetime(years[0], 1, 1)
    span = (datetime(years[1] + 1, 1, 1) - start).total_seconds()
    for n in range(1, articles + 1):
        source = rng.choices(sources, weights)[0]
        base = rng.choice(source.seeds)
        body = [source.paragraphs[base.first]]
        length = len(body[0])
        while len(body) < MAX_PARAGRAPHS and (len(body) < MIN_PARAGRAPHS or length < base.length):
            other = rng.randrange(len(source.paragraphs))
            if base.first <= other < base.first + base.count and len(source.seeds) > 1:
                continue  # from other articles
            body.append(source.paragraphs[other])
            length += len(body[-1])
        doc_id = f"grow{seed}-{n:07d}"
        yield {"id": doc_id, "title": base.title, "body": "\n".join(body),
               "date": (start + timedelta(seconds=int(rng.random() * span))).isoformat(),
               "source": source.name, "url": f"https://grow.invalid/{doc_id}",
               "category": base.category}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="a .jsonl.gz (or .jsonl) file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", default=str(SHARED / "data/corpus/*.jsonl.gz"))
    parser.add_argument("--from-year", type=int, default=2012)
    parser.add_argument("--to-year", type=int, default=2024)
    args = parser.parse_args(argv)
    files = sorted(Path(p) for p in glob.glob(os.path.expanduser(args.corpus)))
    if not files:
        sys.exit(f"no corpus files match {args.corpus} (needs ../shared)")
    started = time.perf_counter()
    sources = load(files)
    if not sources:
        sys.exit("no article with a title and a body in the corpus")
    print(f"grow: {sum(len(s.seeds) for s in sources):,} source articles, "
          f"{sum(len(s.paragraphs) for s in sources):,} paragraphs, {len(sources)} sources "
          f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with _writer(args.out) as out:
        for n, article in enumerate(grow(sources, args.articles, args.seed,
                                         (args.from_year, args.to_year)), 1):
            out.write(json.dumps(article, ensure_ascii=False) + "\n")
            if n % 10_000 == 0 or n == args.articles:
                rate = n / (time.perf_counter() - started)
                print(f"\rgrow: {n:,} / {args.articles:,} articles ({rate:,.0f}/s)",
                      end="", file=sys.stderr, flush=True)
    print(f"\ngrow: wrote {args.out}", file=sys.stderr)


def _writer(path: Path) -> io.TextIOBase:
    """Text output; gzip without a timestamp, so one seed always gives the same bytes."""
    if path.suffix != ".gz":
        return path.open("w", encoding="utf-8")
    return io.TextIOWrapper(gzip.GzipFile(path, "wb", compresslevel=6, mtime=0),
                            encoding="utf-8")


if __name__ == "__main__":
    main()
