"""Posting block size: how fast the vectorised search reads common words' postings.

    python bench/posting_blocks.py ../shared/data/corpus/ant-multisource-002.jsonl.gz \
        --articles 8000 --blocks 128,1024

Builds the first N articles (no entities) once per block size into a temporary folder,
then reads the postings of the 300 most frequent terms of body, body_stem and title
through `index.vector.Postings` (cache emptied each round), alternating the indexes for
seven rounds so both see the same load. Prints the median time per size, its ratio to
the first size, and each index's size on disk.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path

from whoosh.codec.whoosh3 import W3Codec

from archive.readers import read_sources
from index.build import WRITER_OPTIONS, reindex
from index.search import ArchiveSearcher
from index.store import INLINE_POSTINGS

FIELDS = ("body", "body_stem", "title")


def build(corpus: Path, articles: int, block: int, folder: Path) -> Path:
    source = folder / "articles.jsonl.gz"
    if not source.exists():
        with gzip.open(corpus, "rt", encoding="utf-8") as lines, \
                gzip.open(source, "wt", encoding="utf-8") as out:
            for i, line in enumerate(lines):
                if i >= articles:
                    break
                out.write(line)
    WRITER_OPTIONS["codec"] = W3Codec(blocklimit=block, inlinelimit=INLINE_POSTINGS)
    index_dir = folder / f"ix{block}"
    reindex(index_dir, read_sources([source]), full=True)
    return index_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--articles", type=int, default=8000)
    parser.add_argument("--blocks", default="128,1024")
    parser.add_argument("--terms", type=int, default=300, help="most frequent, per field")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    blocks = [int(b) for b in args.blocks.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-blocks-") as tmp:
        gens = {b: ArchiveSearcher(build(args.corpus, args.articles, b, Path(tmp))).generation()
                for b in blocks}
        reader = gens[blocks[0]].searcher.reader()
        terms = [(f, t.decode("utf-8")) for f in FIELDS for _, t in sorted(
            ((reader.doc_frequency(f, t), t) for t in reader.lexicon(f)), reverse=True
        )[:args.terms]]
        times: dict[int, list[float]] = {b: [] for b in blocks}
        for _ in range(args.rounds):
            for block, gen in gens.items():
                postings = gen.postings
                postings.forget()
                started = time.perf_counter()
                for field, text in terms:
                    postings.term(field, text)
                times[block].append(time.perf_counter() - started)
        base = statistics.median(times[blocks[0]])
        for block in blocks:
            size = sum(p.stat().st_size for p in gens[block].directory.rglob("*") if p.is_file())
            median = statistics.median(times[block])
            print(f"blocks of {block:5d}: {median * 1000:7.1f} ms "
                  f"(×{median / base:.2f}), index {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
