"""Ranking quality on XQuAD-ar: MRR@10 and recall@10 through the project's own search path.

    python bench/relevance.py                            # the project as it is now
    python bench/relevance.py --variant baseline         # plain Whoosh, where we started
    python bench/relevance.py --variant project --variant light10 --distractors 5000
    python bench/relevance.py --variant all --distractors 5000
    python bench/relevance.py --via cli                  # `archive search --batch --json` path
    python bench/relevance.py --list                     # every variant, with what it changes

The 240 XQuAD-ar passages (plus ``--distractors N`` news articles from
``ant-multisource-001.jsonl.gz``) are read with ``archive.readers.read_sources`` and indexed
with ``index.build.reindex`` (no entity extraction) into a temporary directory. Each of the
1,190 questions is searched the way ``archive search --batch FILE --match any --limit 10``
does: ``ArchiveSearcher.search(SearchRequest(q, match="any", limit=10, facet_limit=0,
fallback=False))``, with its did-you-mean and snippets stubbed out (they do not touch the
ranking and cost ~0.3 s a query). ``--via search`` keeps them; ``--via cli`` runs that very
command in-process (slowest: it also counts facets).

A variant other than ``project`` monkeypatches ``index.*`` for the run (stemmer, stopwords,
idf, BM25 B/K1, title, exact and stem weights), so each one is a
candidate code change measured on the real code path. ``baseline`` bypasses the project:
Whoosh's ``StandardAnalyzer`` over title + body and a default ``QueryParser`` with
``OrGroup``. The data lives in ``../shared``; without it the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
XQUAD = SHARED / "retrieval" / "xquad_ar"
DISTRACTORS = SHARED / "corpus" / "ant-multisource-001.jsonl.gz"
K = 10

if str(ROOT) not in sys.path:  # measure this checkout, whatever `pip install -e` points at
    sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------------------- metrics

def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str], k: int = K) -> float:
    """1/rank of the first relevant id within the top ``k``, else 0."""
    wanted = set(relevant)
    for rank, doc_id in enumerate(ranked[:k], 1):
        if doc_id in wanted:
            return 1.0 / rank
    return 0.0


def recall(ranked: Sequence[str], relevant: Iterable[str], k: int = K) -> float:
    """Share of the relevant ids found in the top ``k`` (0 when nothing is relevant)."""
    wanted = set(relevant)
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def score_runs(runs: Iterable[tuple[Sequence[str], Iterable[str]]], k: int = K) -> dict:
    """Mean reciprocal rank and mean recall at ``k`` over ``(ranked, relevant)`` pairs."""
    rr, rc, n = 0.0, 0.0, 0
    for ranked, relevant in runs:
        relevant = list(relevant)
        rr += reciprocal_rank(ranked, relevant, k)
        rc += recall(ranked, relevant, k)
        n += 1
    return {"queries": n, "mrr": rr / n if n else 0.0, "recall": rc / n if n else 0.0}


# --------------------------------------------------------------------------- stemmers

def project_stem(word: str) -> str:
    from index.analysis import rank_stem  # proclitics by corpus evidence, then light10

    return rank_stem(word)


def light10(word: str) -> str:
    from index.analysis import light_stem  # light10 alone (Lucene's ArabicStemmer rules)

    return light_stem(word)


def snowball_stem(word: str) -> str:
    try:
        import snowballstemmer
    except ImportError as exc:  # pragma: no cover - optional
        raise SystemExit("pip install snowballstemmer  (needed by this variant)") from exc
    stem = snowballstemmer.stemmer("arabic").stemWord(word)
    return stem if len(stem) >= 2 else word


_tashaphyne = None


def tashaphyne_stem(word: str) -> str:
    global _tashaphyne
    if _tashaphyne is None:
        try:
            from tashaphyne.stemming import ArabicLightStemmer
        except ImportError as exc:  # pragma: no cover - optional
            raise SystemExit("pip install tashaphyne  (needed by this variant)") from exc
        _tashaphyne = ArabicLightStemmer()
    stem = _tashaphyne.light_stem(word)
    return stem if len(stem) >= 2 else word


def no_stem(word: str) -> str:
    return word


STEMMERS: dict[str, Callable[[str], str]] = {
    "project": project_stem, "light10": light10, "snowball": snowball_stem,
    "tashaphyne": tashaphyne_stem, "none": no_stem,
}


# --------------------------------------------------------------------------- variants

@dataclass(frozen=True)
class Variant:
    """One ranking configuration; ``None`` means "as the project has it now"."""

    name: str
    help: str
    plain_whoosh: bool = False
    stemmer: str | None = None  # key of STEMMERS
    stopwords: bool | None = None
    ranking: dict = field(default_factory=dict)  # changes to `index.ranking.Ranking`

    def searcher_ranking(self):
        from index.ranking import Ranking

        return Ranking(**self.ranking)

    def index_key(self) -> tuple:
        """What changes the built index; variants that share it share one build."""
        return (self.plain_whoosh, self.stemmer, self.stopwords)


def _v(name, help, **kw) -> Variant:
    return Variant(name, help, **kw)


VARIANTS: dict[str, Variant] = {v.name: v for v in [
    _v("baseline", "plain Whoosh: StandardAnalyzer over title+body, QueryParser + OrGroup",
       plain_whoosh=True),
    _v("project", "the project as it is now (index/* untouched)"),
    # stemmers in the ranking field
    _v("light10", "light10 alone (no proclitic step before it)", stemmer="light10"),
    _v("snowball", "snowball's Arabic stemmer", stemmer="snowball"),
    _v("tashaphyne", "Tashaphyne light stemmer", stemmer="tashaphyne"),
    _v("nostem", "no stemming in the ranking field", stemmer="none"),
    # field weights (titles rank through body_stem = title + body, plus the exact title term)
    _v("title0", "title weight 0 (no exact-title term)", ranking={"title": 0.0}),
    _v("title1", "title weight 1.0", ranking={"title": 1.0}),
    _v("exact0", "exact weight 0 (stemmed field only)", ranking={"exact": 0.0}),
    _v("exact1", "exact weight 1.0", ranking={"exact": 1.0}),
    _v("stem2", "stem weight 2.0", ranking={"stem": 2.0}),
    # stopwords, idf, BM25 parameters
    _v("nostop", "no stoplist (index or query)", stopwords=False),
    _v("whoosh-idf", "Whoosh's idf (never below 1) instead of Lucene's",
       ranking={"idf": "whoosh"}),
    _v("k0.9", "BM25 K1 0.9", ranking={"K1": 0.9}),
    _v("b0.5", "BM25 B 0.5", ranking={"B": 0.5}),
]}


# --------------------------------------------------------------------------- data

def load_queries(limit: int | None = None) -> list[dict]:
    with open(XQUAD / "queries.jsonl", encoding="utf-8") as fh:
        queries = [json.loads(line) for line in fh if line.strip()]
    return queries[:limit] if limit else queries


def articles(distractors: int) -> Iterator:
    """The passages, then ``distractors`` news articles, through the project's readers."""
    from archive.readers import read_sources

    items = read_sources([XQUAD / "docs.jsonl"])
    if distractors:
        items = itertools.chain(items, itertools.islice(read_sources([DISTRACTORS]),
                                                        distractors))
    return items


# --------------------------------------------------------------------------- patching

@contextlib.contextmanager
def patched(variant: Variant):
    """Apply an analysis ``variant`` (stemmer, stoplist) to ``index.*`` for the block.

    Ranking weights and BM25 settings need no patching: they are a `Ranking` object that
    the searcher takes (`Variant.searcher_ranking`). Analysers are pickled into the index,
    so a stemmer variant changes the build as well as the query side.
    """
    import index.analysis as A
    import index.query as Qm
    import index.schema as S

    saved: list[tuple[object, str, object]] = []

    def put(module, name, value):
        saved.append((module, name, getattr(module, name)))
        setattr(module, name, value)

    try:
        stem = STEMMERS[variant.stemmer] if variant.stemmer else A.rank_stem
        stop = variant.stopwords is not False
        if variant.stemmer or variant.stopwords is not None:
            from whoosh.analysis import StemFilter, StopFilter

            chain = A.arabic_tokenizer() | A.ArabicNormalizeFilter()
            if stop:
                chain = chain | StopFilter(stoplist=A.arabic_stopwords(), minsize=1)
            put(S, "stem_analyzer", chain | StemFilter(stemfn=stem, cachesize=200_000))
            put(Qm, "rank_stem", stem)
            if not stop:
                put(Qm, "arabic_stopwords", frozenset)
        yield
    finally:
        for module, name, value in reversed(saved):
            setattr(module, name, value)


# --------------------------------------------------------------------------- runs

class Bench:
    """Builds each distinct index once (per ``Variant.index_key``) and runs the queries."""

    def __init__(self, distractors: int = 0, workdir: Path | None = None):
        self.distractors = distractors
        self._own = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="relevance-"))
        self._built: dict[tuple, tuple[Path, float]] = {}

    def close(self) -> None:
        if self._own:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def index(self, variant: Variant) -> tuple[Path, float]:
        key = variant.index_key()
        if key not in self._built:
            path = self.workdir / f"ix{len(self._built)}"
            started = time.perf_counter()
            if variant.plain_whoosh:
                _build_plain(path, articles(self.distractors))
            else:
                from index.build import reindex

                report = reindex(path, articles(self.distractors), full=True, procs=1)
                if report.skipped:
                    print(f"note: {len(report.skipped)} articles skipped", file=sys.stderr)
            self._built[key] = (path, time.perf_counter() - started)
        return self._built[key]

    def run(self, variant: Variant, queries: list[dict], via: str = "library") -> dict:
        if via == "sphinx":
            return self._run_sphinx(variant, queries)
        with patched(variant):
            path, build_s = self.index(variant)
            started = time.perf_counter()
            if variant.plain_whoosh:
                ranked = _search_plain(path, queries)
            elif via == "cli":
                ranked = _search_cli(path, queries)
            else:
                ranked = _search_library(path, queries, full=via == "search",
                                         ranking=variant.searcher_ranking())
            search_s = time.perf_counter() - started
        return self._scored(variant, queries, ranked, build_s, search_s)

    def _run_sphinx(self, variant: Variant, queries: list[dict]) -> dict:
        """The project's analysis and ranking through the Sphinx engine on two local nodes."""
        from index.engine import EngineConfig, EngineName
        from index.engines import open_engine
        from index.models import SearchRequest
        from index.sphinx import nodes

        if variant.name != "project":
            raise SystemExit("--via sphinx scores the project variant only")
        folder = self.workdir / f"sphinx{len(self._built)}"
        addresses = nodes.up(folder / "nodes", 2)
        try:
            engine = open_engine(EngineConfig(EngineName.SPHINX, folder / "state",
                                              tuple(map(str, addresses))))
            started = time.perf_counter()
            engine.reindex(articles(self.distractors), full=True)
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            ranked = {q["id"]: engine.ranked_ids(SearchRequest(
                query=q["query"], match="any", limit=K, facet_limit=0, fallback=False))
                for q in queries}
            search_s = time.perf_counter() - started
            engine.close()
        finally:
            nodes.down(folder / "nodes")
        return self._scored(variant, queries, ranked, build_s, search_s, engine="sphinx")

    def _scored(self, variant: Variant, queries: list[dict], ranked: dict[str, list[str]],
                build_s: float, search_s: float, engine: str = "whoosh") -> dict:
        result = score_runs((ranked[q["id"]], q["relevant"]) for q in queries)
        return {"variant": variant.name, "engine": engine,
                "distractors": self.distractors, **result,
                "build_s": round(build_s, 1), "search_s": round(search_s, 1),
                "ms_per_query": round(1000 * search_s / max(1, len(queries)), 1),
                "rr": [reciprocal_rank(ranked[q["id"]], q["relevant"]) for q in queries]}


def _search_library(path: Path, queries: list[dict], full: bool = False,
                    ranking=None) -> dict[str, list[str]]:
    """Top ``K`` ids per question through `ArchiveSearcher`.

    Unless ``full``, through `ranked_ids`: the same ranking without did-you-mean and
    snippets (``tests/test_relevance.py`` checks the hits are the same), which would
    otherwise dominate the run (``searcher.suggest`` costs ~0.3 s per rare word).
    """
    from index.ranking import DEFAULT_RANKING
    from index.search import ArchiveSearcher, SearchRequest

    searcher = ArchiveSearcher(path, ranking=ranking or DEFAULT_RANKING)
    try:
        out = {}
        for q in queries:
            request = SearchRequest(query=q["query"], match="any", limit=K, facet_limit=0,
                                    fallback=False)
            out[q["id"]] = ([h.id for h in searcher.search(request).hits] if full
                            else searcher.ranked_ids(request))
        return out
    finally:
        searcher.close()


def _search_cli(path: Path, queries: list[dict]) -> dict[str, list[str]]:
    """``archive search --batch FILE --match any --limit 10`` in-process (patches apply)."""
    from click.testing import CliRunner

    from web.cli import main

    batch = path.parent / "queries.jsonl"
    batch.write_text("".join(json.dumps({"id": q["id"], "query": q["query"]},
                                        ensure_ascii=False) + "\n" for q in queries),
                     encoding="utf-8")
    res = CliRunner().invoke(main, ["search", "--batch", str(batch), "--match", "any",
                                    "--limit", str(K), "--index", str(path)])
    if res.exit_code != 0:
        raise RuntimeError(f"archive search failed: {res.output}") from res.exception
    out = {}
    for line in res.stdout.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            out[item["id"]] = [hit["id"] for hit in item["hits"]]
    return out


def _build_plain(path: Path, items) -> None:
    from whoosh import index as whoosh_index
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    path.mkdir(parents=True)
    schema = Schema(id=ID(stored=True, unique=True), content=TEXT(analyzer=StandardAnalyzer()))
    ix = whoosh_index.create_in(str(path), schema)
    with ix.writer(limitmb=256) as writer:
        for article in items:
            if hasattr(article, "id"):
                writer.add_document(id=article.id, content=f"{article.title}\n{article.body}")


def _search_plain(path: Path, queries: list[dict]) -> dict[str, list[str]]:
    from whoosh import index as whoosh_index
    from whoosh.qparser import OrGroup, QueryParser

    ix = whoosh_index.open_dir(str(path))
    parser = QueryParser("content", ix.schema, group=OrGroup)
    with ix.searcher() as searcher:  # default weighting: BM25F, Whoosh idf
        return {q["id"]: [hit["id"] for hit in searcher.search(parser.parse(q["query"]),
                                                               limit=K)]
                for q in queries}


# --------------------------------------------------------------------------- CLI

def evaluate(names: Sequence[str] = ("project",), *, distractors: int = 0,
             queries: int | None = None, via: str = "library") -> list[dict]:
    """Score each named variant; the library entry point the tests use."""
    qs = load_queries(queries)
    with Bench(distractors) as bench:
        return [bench.run(VARIANTS[name], qs, via=via) for name in names]


def wins_losses(rr: Sequence[float], reference: Sequence[float]) -> tuple[int, int]:
    """Queries whose reciprocal rank went up, and down, against ``reference``."""
    return (sum(a > b for a, b in zip(rr, reference, strict=True)),
            sum(a < b for a, b in zip(rr, reference, strict=True)))


def _row(r: dict, reference: dict | None) -> str:
    row = (f"{r['variant']:<22} {r['distractors']:>6} {r['mrr']:>7.4f} {r['recall']:>7.4f}"
           f" {r['build_s']:>8.1f} {r['ms_per_query']:>6.1f}")
    if reference is not None and reference is not r:
        up, down = wins_losses(r["rr"], reference["rr"])
        row += f"  +{up}/-{down} vs {reference['variant']}"
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", action="append", metavar="NAME",
                        help="variant to score (repeatable; 'all' = every one); "
                             "default: project")
    parser.add_argument("--distractors", type=int, default=0, metavar="N",
                        help="add the first N news articles of ant-multisource-001 to the index")
    parser.add_argument("--queries", type=int, default=None, metavar="N",
                        help="only the first N queries")
    parser.add_argument("--via", choices=["library", "search", "cli", "sphinx"],
                        default="library",
                        help="library: ArchiveSearcher.search minus did-you-mean and "
                             "snippets (same ranking, ~30x faster); search: all of it; "
                             "cli: `archive search --batch` in-process; sphinx: the Sphinx "
                             "engine on two local searchd nodes (project variant only)")
    parser.add_argument("--json", action="store_true", help="one JSON object per variant")
    parser.add_argument("--list", action="store_true", help="list the variants and exit")
    args = parser.parse_args(argv)
    if args.list:
        for v in VARIANTS.values():
            print(f"{v.name:<20} {v.help}")
        return 0
    if not (XQUAD / "queries.jsonl").exists():
        print(f"skipped: {XQUAD} not found (the ../shared data is absent)")
        return 0
    names = args.variant or ["project"]
    if "all" in names:
        names = list(VARIANTS)
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; see --list")
    if args.distractors and not DISTRACTORS.exists():
        parser.error(f"{DISTRACTORS} not found")
    qs = load_queries(args.queries)
    if not args.json:
        print(f"{len(qs)} queries, {args.distractors} distractors, via {args.via}")
        print(f"{'variant':<22} {'distr':>6} {'MRR@10':>7} {'R@10':>7} {'build s':>8}"
              f" {'ms/q':>6}  queries better/worse (reciprocal rank)")
    reference = None  # the first variant other than baseline: list "project" first
    with Bench(args.distractors) as bench:
        for name in names:
            r = bench.run(VARIANTS[name], qs, via=args.via)
            if reference is None and name != "baseline":
                reference = r
            if args.json:
                print(json.dumps({k: v for k, v in r.items() if k != "rr"}), flush=True)
            else:
                print(_row(r, reference), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
