"""Scale benchmark: build, re-check, query latency and memory at several corpus sizes, with a
SQLite FTS5 baseline over the same normalised text, in one run.

    python bench/scale.py                               # --sizes 10000,60042, 300 queries
    python bench/scale.py --sizes 1000 --limit-queries 60 --out var/bench-small.json
    python bench/scale.py --engine whoosh --engine sphinx  # both engines, one run

For each size N (the first N articles of the corpus files in name order, written to a
temporary .jsonl.gz outside the timing): ``archive reindex --full`` as a subprocess (wall time,
articles/s, peak RSS of the process tree, index size, peak disk), the same reindex again
(unchanged re-check), then p50/p95/p99 of each query timed once, after warm-up queries made of
frequent title words that are not in the timed list: top-10 and the full page (facets and
snippets) through the library, the page through HTTP, and the FTS5 equivalents. Prints a
Markdown table per size and engine (Sphinx on two local searchd nodes it starts; its index
size is the nodes' data, and the nodes' RSS is reported beside the build's process tree);
the full figures go to ``--out`` as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import gzip
import itertools
import json
import math
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psutil

from archive.arabic import words
from index.engine import EngineName

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_engines import BenchEngine, Fts5Baseline, mb  # noqa: E402 - the folder beside us
from scale_report import header_line, table  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
MATCHES, PCTS = ("all", "any"), ("p50", "p95", "p99")
SAMPLE_S = 0.2
PSS_EVERY = 10  # samples: PSS reads every page table entry (smaps), so every 2 s
REPORT_LINE = re.compile(r"added (\d+), updated (\d+), unchanged (\d+), removed (\d+), "
                         r"skipped (\d+)")
Figures = dict[str, float]


# -- measuring helpers ------------------------------------------------------------------

def percentiles(times_ms: list[float]) -> Figures:
    """Nearest-rank p50 / p95 / p99 (so p50 <= p95 <= p99 always holds)."""
    ordered = sorted(times_ms)
    rank = lambda share: ordered[max(0, math.ceil(share * len(ordered)) - 1)]  # noqa: E731
    return {"p50": round(rank(0.50), 3), "p95": round(rank(0.95), 3),
            "p99": round(rank(0.99), 3), "n": len(ordered)}


def tree_rss(pid: int, largest: bool = False, pss: bool = False) -> int:
    """RSS of a process and all its children, summed (shared pages count once per
    process), or the largest single process's with ``largest`` (a server's worker). With
    ``pss``, proportional set sizes instead: a page shared by n processes counts 1/n in
    each, so the sum is the memory the tree really holds."""
    def rss(proc: psutil.Process) -> int:
        with contextlib.suppress(psutil.Error):
            return proc.memory_full_info().pss if pss else proc.memory_info().rss
        return 0
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        sizes = list(map(rss, [root, *root.children(recursive=True)]))
        return max(sizes) if largest else sum(sizes)
    return 0


def disk_usage(path: Path) -> int:
    """Bytes of the files under ``path`` (files vanishing meanwhile are skipped)."""
    total = 0
    for folder, _, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    peak_pss_mb: float
    peak_disk_mb: float | None
    report: dict[str, int] | None


def run_monitored(cmd: list[str], log: Path, watch: Path | None = None) -> Run:
    """Run ``cmd`` to the end, sampling its tree RSS and ``watch``'s size every 0.2 s.

    TMPDIR points inside ``watch``, so Whoosh's temporary files count as disk use too."""
    env = {**os.environ, **({"TMPDIR": str(watch / "tmp")} if watch is not None else {})}
    if watch is not None:
        (watch / "tmp").mkdir(exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak_rss = peak_pss = peak_disk = 0
        for tick in itertools.count():
            if proc.returncode is not None:
                break
            peak_rss = max(peak_rss, tree_rss(proc.pid))
            if tick % PSS_EVERY == 0:
                peak_pss = max(peak_pss, tree_rss(proc.pid, pss=True))
            if watch is not None:
                peak_disk = max(peak_disk, disk_usage(watch))
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=SAMPLE_S)
        seconds = time.perf_counter() - started
    output = log.read_text(encoding="utf-8", errors="replace")
    found = REPORT_LINE.search(output)
    # 1: some input was skipped, the rest is indexed, and the report line says so (an
    # uncaught exception exits 1 too, without the report)
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not found):
        sys.exit(f"{shlex.join(cmd)} failed ({proc.returncode}):\n{output[-2000:]}")
    keys = ("added", "updated", "unchanged", "removed", "skipped")
    return Run(round(seconds, 2), mb(peak_rss), mb(peak_pss),
               mb(max(peak_disk, disk_usage(watch))) if watch is not None else None,
               dict(zip(keys, map(int, found.groups()), strict=True)) if found else None)


def time_queries(run: Callable[[str, str], int], queries: list[str], match: str) -> dict:
    """Each query once; adds the mean hit count and the five slowest queries. A query that
    raises is left out of the times and counted (with the first error), so one bug does
    not end a long run."""
    times, totals, errors, slowest = [], [], [], []
    for query in queries:
        started = time.perf_counter()
        try:
            totals.append(run(query, match))
        except Exception as exc:  # noqa: BLE001 - reported in the figures
            errors.append(f"{query!r}: {type(exc).__name__}: {exc}"[:300])
            continue
        times.append((time.perf_counter() - started) * 1000)
        slowest = sorted([*slowest, (round(times[-1], 1), query)], reverse=True)[:5]
    return {**percentiles(times or [0.0]), "n": len(times),
            "mean_hits": round(sum(totals) / max(1, len(totals)), 1),
            "errors": len(errors), "first_error": errors[0] if errors else None,
            "slowest": slowest}


# -- corpus -----------------------------------------------------------------------------

def write_subset(files: list[Path], size: int, out: Path) -> tuple[int, Counter[str]]:
    """The first ``size`` lines of ``files`` (in order) to ``out``; also counts title words."""
    written, title_words = 0, Counter[str]()
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=6) as sink:
        for path in files:
            with gzip.open(path, "rt", encoding="utf-8") as lines:
                for line in lines:
                    if written >= size:
                        return written, title_words
                    if line.strip():
                        sink.write(line if line.endswith("\n") else line + "\n")
                        title_words.update(words(json.loads(line).get("title") or ""))
                        written += 1
    return written, title_words


def warmup_queries(title_words: Counter[str], timed: list[str], n: int = 50) -> list[str]:
    """Frequent title words (4+ letters) that no timed query contains."""
    excluded = {w for query in timed for w in words(query)}
    return [w for w, _ in title_words.most_common()
            if len(w) >= 4 and w not in excluded][:n]


# -- HTTP ---------------------------------------------------------------------------------

def http_get(port: int, query: str, match: str) -> int:
    url = (f"http://127.0.0.1:{port}/api/search?"
           + urllib.parse.urlencode({"q": query, "match": match}))
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        return response.status


def measure_http(engine: BenchEngine, queries: list[str], warm: list[str], log: Path) -> dict:
    with socket.socket() as sock:  # a free loopback port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd, env = engine.serve_cmd(port)
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **env}, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        while True:  # ready = the first search answered (the index is opened lazily)
            if proc.poll() is not None or time.perf_counter() - started > 300:
                sys.exit(f"server did not start:\n{log.read_text(errors='replace')[-2000:]}")
            try:
                if http_get(port, warm[0] if warm else queries[0], "all") == 200:
                    break
            except OSError:
                time.sleep(0.05)
        ready_s = time.perf_counter() - started
        for i, query in enumerate(warm):
            http_get(port, query, MATCHES[i % 2])
        page = {m: time_queries(lambda q, m: http_get(port, q, m), queries, m) for m in MATCHES}
        rss, worker_rss = tree_rss(proc.pid), tree_rss(proc.pid, largest=True)
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
        if proc.poll() is None:
            proc.kill()
    for figures in page.values():
        figures.pop("mean_hits")  # the status code, not a hit count
    return {"server": engine.server, "ready_s": round(ready_s, 2), "server_rss_mb": mb(rss),
            "worker_rss_mb": mb(worker_rss), "page": page}


# -- one size -------------------------------------------------------------------------------

def library_latency(searcher: BenchEngine | Fts5Baseline, queries: list[str],
                    warm: list[str]) -> dict:
    for i, query in enumerate(warm):
        searcher.page(query, MATCHES[i % 2])
    return {mode: {m: time_queries(getattr(searcher, mode), queries, m) for m in MATCHES}
            for mode in ("top10", "page")}


def measure_size(args: argparse.Namespace, files: list[Path], size: int, queries: list[str],
                 root: Path) -> dict:
    """Every engine of ``args.engine`` at one size; the first one's figures at the top,
    the others' under ``engines``, each with ratios to the same FTS5 run."""
    work = root / f"size-{size}"
    (work / "data").mkdir(parents=True)
    subset = work / "data" / f"first-{size}.jsonl.gz"
    articles, title_words = write_subset(files, size, subset)
    warm = warmup_queries(title_words, queries)
    base = {"articles": articles, "requested": size, "queries": len(queries),
            "warmup_queries": len(warm)}
    per_engine = {name: {**base, "engine": name,
                         **measure_engine(args, name, subset, work, articles, queries, warm)}
                  for name in args.engine}
    if not args.skip_fts5:
        print(f"[{articles:,} articles] FTS5 …", file=sys.stderr)
        fts = Fts5Baseline(work / "fts5.sqlite")
        try:
            fts_figures = {"build": fts.build(subset), **library_latency(fts, queries, warm)}
        finally:
            fts.close()
        for figures in per_engine.values():
            figures["fts5"] = fts_figures
            figures["ratios"] = ratios(figures)
    first, *others = args.engine
    return {**per_engine[first], **({"engines": {n: per_engine[n] for n in others}}
                                    if others else {})}


def measure_engine(args: argparse.Namespace, name: str, subset: Path, work: Path,
                   articles: int, queries: list[str], warm: list[str]) -> dict:
    """Build from scratch, re-check, then library and HTTP latency of one engine."""
    engine = BenchEngine(name, work / name, not args.no_entities, args.http_server,
                         args.http_workers)
    engine.start()
    try:
        print(f"[{articles:,} articles, {name}] building …", file=sys.stderr)
        build = run_monitored(engine.build_cmd(subset, full=True), work / f"{name}-build.log",
                              watch=engine.work)
        index_mb = mb(sum(disk_usage(d) for d in engine.data_dirs()))
        nodes_rss = mb(sum(tree_rss(pid) for pid in engine.node_pids()))
        recheck = run_monitored(engine.build_cmd(subset, full=False),
                                work / f"{name}-recheck.log", watch=engine.work)
        figures: dict = {
            "build": {"seconds": build.seconds,
                      "articles_per_s": round(articles / build.seconds, 1),
                      "peak_rss_mb": build.peak_rss_mb,
                      "peak_pss_mb": build.peak_pss_mb, "index_mb": index_mb,
                      "peak_disk_mb": build.peak_disk_mb, "report": build.report,
                      **({"nodes_rss_mb": nodes_rss} if engine.node_pids() else {})},
            "recheck": {"seconds": recheck.seconds, "peak_rss_mb": recheck.peak_rss_mb,
                        "peak_disk_mb": recheck.peak_disk_mb,
                        "report": recheck.report},
        }
        print(f"[{articles:,} articles, {name}] library queries …", file=sys.stderr)
        engine.open()
        try:
            figures["library"] = library_latency(engine, queries, warm)
        finally:
            engine.close()
        if not args.skip_http:
            print(f"[{articles:,} articles, {name}] HTTP queries …", file=sys.stderr)
            figures["http"] = measure_http(engine, queries, warm, work / f"{name}-serve.log")
        return figures
    finally:
        engine.stop()


def ratios(fig: dict) -> Figures:
    """ours / FTS5 for every comparable figure, 3 significant digits (for articles/s, above 1
    means ours is faster; for seconds, sizes and latencies, below 1 does)."""
    fts, build = fig["fts5"], fig["build"]
    out = {"build.seconds": build["seconds"] / max(fts["build"]["seconds"], 0.01),
           "build.articles_per_s": build["articles_per_s"] / fts["build"]["articles_per_s"],
           "size_mb": build["index_mb"] / max(fts["build"]["db_mb"], 0.1)}
    paths = [("library", "top10"), ("library", "page")] + [("http", "page")] * ("http" in fig)
    for path, mode in paths:
        for m, p in itertools.product(MATCHES, PCTS):
            out[f"{path}.{mode}.{m}.{p}"] = fig[path][mode][m][p] / max(fts[mode][m][p], 0.001)
    return {key: float(f"{value:.3g}") for key, value in out.items()}


# -- report ---------------------------------------------------------------------------------

def header(args: argparse.Namespace) -> dict:
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO,
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        commit = ""
    return {"date": datetime.now().isoformat(timespec="seconds"),
            "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "commit": commit, "engine": ",".join(args.engine), "entities": not args.no_entities,
            "command": shlex.join(["python", "bench/scale.py", *sys.argv[1:]])}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,60042",
                        help="comma-separated article counts (first N of the corpus)")
    parser.add_argument("--corpus", default=str(SHARED / "data/corpus/*.jsonl.gz"))
    parser.add_argument("--queries", type=Path, default=SHARED / "data/bench/queries.txt")
    parser.add_argument("--limit-queries", type=int, default=None,
                        help="N queries spread evenly over the file (it runs short to long)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the run's scratch folder goes (default: the system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--engine", action="append", choices=[e.value for e in EngineName],
                        help="engine to measure (repeat to compare several in one run; "
                             "sphinx starts two local searchd nodes); default: whoosh")
    parser.add_argument("--http-server", choices=("serve", "gunicorn"), default="serve",
                        help="`archive serve` (Flask dev server) or gunicorn")
    parser.add_argument("--http-workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-fts5", action="store_true")
    parser.add_argument("--no-entities", action="store_true")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench-scale.json")
    args = parser.parse_args(argv)
    args.engine = list(dict.fromkeys(args.engine or ["whoosh"]))
    files = sorted(Path(p) for p in glob.glob(os.path.expanduser(args.corpus)))
    if not files or not args.queries.exists():
        sys.exit(f"corpus {args.corpus} or queries {args.queries} not found (needs ../shared)")
    queries = [q.strip() for q in args.queries.read_text(encoding="utf-8").splitlines()
               if q.strip()]
    if args.limit_queries and args.limit_queries < len(queries):  # spread over the file
        queries = [queries[i * len(queries) // args.limit_queries]
                   for i in range(args.limit_queries)]
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=args.workdir))
    head = header(args)
    report: dict = {"header": head, "corpus": [str(f) for f in files],
                    "queries": str(args.queries), "sizes": []}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    print(header_line(head))
    try:
        for size in sizes:  # the report is rewritten after each size: a crash keeps the rest
            report["sizes"].append(measure_size(args, files, size, queries, root))
            args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
            measured = report["sizes"][-1]
            for figures in [measured, *measured.get("engines", {}).values()]:
                print("\n".join(table(head, figures)), flush=True)
            if not args.keep:
                shutil.rmtree(root / f"size-{size}", ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"\nfull figures: {args.out}" + (f"; scratch kept in {root}" if args.keep else ""))
    return report

if __name__ == "__main__":
    main()
