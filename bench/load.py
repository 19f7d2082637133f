"""Load test: the search page (hits, facets, snippets) under concurrent readers, bounded in time.

    python bench/load.py --index var/corpus-index --workers 4 --seconds 30 --concurrency 8
    python bench/load.py --index var/sphinx --engine sphinx --nodes var/nodes --workers 4
    python bench/load.py --index /tmp/ix --workers 4 --seconds 60 --warmup 10 \
        --reindex-after 15 --reindex NEW.jsonl.gz

Starts ``archive serve`` (gunicorn, ``--workers``) on a free loopback port, waits until it
answers, then ``--concurrency`` client threads request ``/?q=QUERY`` (the HTML search page
with its facets) for ``--seconds``, cycling through the bench queries from different
offsets. Prints requests, requests/s, p50/p95/p99 (ms), errors (non-200 or failed), and the
server's RSS (all processes, and the largest worker). The clients share the machine with the
server: on 2 cores they take some of its CPU, so requests/s is a floor.

With ``--reindex SOURCE...``, ``archive reindex --full SOURCE... --index INDEX`` starts
``--reindex-after`` seconds into the load; the load then lasts ``--seconds`` and, if the
reindex is still running then, until it has swapped and ``--after-swap`` seconds of load were
measured on the new index (at most ``--max-seconds``, when the reindex is stopped). The figures
are split into before / during / after the swap (`load_phases`), with the reindex's duration
and exit status, and whether the server answers from the new corpus after the swap.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_phases  # noqa: E402 - the folder beside us
from load_phases import Reindex, Sample, status_of, summarise  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss(pid: int) -> tuple[int, int]:
    root = psutil.Process(pid)
    sizes = [p.memory_info().rss for p in [root, *root.children(recursive=True)]]
    return sum(sizes), max(sizes)


def hammer(base: str, queries: list[str], concurrency: int,
           going: Callable[[], bool]) -> list[Sample]:
    """``concurrency`` threads requesting the page while ``going()`` is true."""
    samples: list[Sample] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        n = offset
        while going():
            query = queries[n % len(queries)]
            n += 1
            url = f"{base}/?" + urllib.parse.urlencode({"q": query})
            started = time.perf_counter()
            try:
                status = status_of(url)
            except OSError as exc:
                status, detail = 0, str(exc)
            else:
                detail = f"HTTP {status}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                samples.append((started, elapsed, status, f"{query!r}: {detail}"))

    threads = [threading.Thread(target=client, args=(i * len(queries) // concurrency,))
               for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def run(base: str, queries: list[str], seconds: float, concurrency: int) -> dict:
    """``concurrency`` threads requesting the page until ``seconds`` have passed."""
    started = time.perf_counter()
    deadline = started + seconds
    samples = hammer(base, queries, concurrency, lambda: time.perf_counter() < deadline)
    return summarise(samples, time.perf_counter() - started)


def run_with_reindex(base: str, queries: list[str], args: argparse.Namespace) -> dict:
    """The load of `run`, with a full reindex started inside it (see the module docstring)."""
    archive = str(Path(sys.executable).with_name("archive"))
    probe = load_phases.pick_probe(base, args.reindex)
    total_before = load_phases.total(base, queries[0])
    extra = ["--no-entities"] if args.reindex_no_entities else []
    reindex = Reindex(archive, Path(args.index), args.reindex, args.reindex_after, extra)
    started = time.perf_counter()

    def going() -> bool:
        elapsed = time.perf_counter() - started
        if elapsed >= args.max_seconds:
            return False
        return elapsed < args.seconds or not reindex.done_for(args.after_swap)

    reindex.start()
    try:
        samples = hammer(base, queries, args.concurrency, going)
    finally:
        ended = time.perf_counter()
        reindex.stop()
    return {**summarise(samples, ended - started),
            "phases": load_phases.phases(samples, started, ended, reindex),
            "reindex": reindex.report(started), "probe_id": probe,
            "new_corpus_served": load_phases.probe_after(base, probe),
            "probe_query": queries[0], "probe_total_before": total_before,
            "probe_total_after": load_phases.total(base, queries[0])}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--engine", default="whoosh")
    parser.add_argument("--nodes", default=None)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--queries", type=Path, default=SHARED / "data/bench/queries.txt")
    parser.add_argument("--warmup", type=float, default=0.0,
                        help="seconds of unmeasured load first, so every worker has opened "
                        "the index (the first answer comes from one of them)")
    parser.add_argument("--json", action="store_true")
    during = parser.add_argument_group("load during a full reindex (Whoosh)")
    during.add_argument("--reindex", nargs="+", metavar="SOURCE", default=None,
                        help="run `archive reindex --full SOURCE... --index INDEX` during the "
                        "load")
    during.add_argument("--reindex-after", type=float, default=5.0,
                        help="seconds of load before the reindex starts (default 5)")
    during.add_argument("--reindex-no-entities", action="store_true",
                        help="pass --no-entities to the reindex")
    during.add_argument("--after-swap", type=float, default=10.0,
                        help="seconds of load measured after the swap at least (default 10)")
    during.add_argument("--max-seconds", type=float, default=1800.0,
                        help="stop the load (and the reindex) after this long (default 1800)")
    args = parser.parse_args(argv)
    queries = [q.strip() for q in args.queries.read_text(encoding="utf-8").splitlines()
               if q.strip()]
    port = _free_port()
    archive = str(Path(sys.executable).with_name("archive"))
    cmd = [archive, "serve", "--index", args.index, "--engine", args.engine, "--port",
           str(port), "--workers", str(args.workers),
           *(["--nodes", args.nodes] if args.nodes else [])]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        while True:  # ready: every worker has opened the index when the page answers
            if server.poll() is not None or time.perf_counter() - started > 300:
                sys.exit(f"server did not start: {' '.join(cmd)}")
            try:
                if status_of(f"{base}/?" + urllib.parse.urlencode({"q": queries[0]})) == 200:
                    break
            except OSError:
                time.sleep(0.1)
        ready_s = time.perf_counter() - started
        if args.warmup > 0:
            run(base, queries, args.warmup, args.concurrency)
        if args.reindex:
            figures = run_with_reindex(base, queries, args)
        else:
            figures = run(base, queries, args.seconds, args.concurrency)
        total, largest = _rss(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = {"engine": args.engine, "workers": args.workers, "concurrency": args.concurrency,
              "ready_s": round(ready_s, 1), "warmup_s": args.warmup, **figures,
              "server_rss_mb": round(total / 2**20), "largest_worker_mb": round(largest / 2**20)}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(f"{report['requests']:,} requests in {report['seconds']} s = "
              f"{report['requests_per_s']} req/s ({args.workers} workers, "
              f"{args.concurrency} clients); p50 {report['p50_ms']} · p95 {report['p95_ms']} · "
              f"p99 {report['p99_ms']} ms; errors {report['errors']}; server RSS "
              f"{report['server_rss_mb']} MB (largest worker {report['largest_worker_mb']} MB)")
        if args.reindex:
            load_phases.print_phases(report)
    return report


if __name__ == "__main__":
    main()
