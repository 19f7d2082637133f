"""Load test: the search page (hits, facets, snippets) under concurrent readers, bounded in time.

    python bench/load.py --index var/corpus-index --workers 4 --seconds 30 --concurrency 8
    python bench/load.py --index var/sphinx --engine sphinx --nodes var/nodes --workers 4

Starts ``archive serve`` (gunicorn, ``--workers``) on a free loopback port, waits until it
answers, then ``--concurrency`` client threads request ``/?q=QUERY`` (the HTML search page
with its facets) for ``--seconds``, cycling through the bench queries from different
offsets. Prints requests, requests/s, p50/p95/p99 (ms), errors (non-200 or failed), and the
server's RSS (all processes, and the largest worker). The clients share the machine with the
server: on 2 cores they take some of its CPU, so requests/s is a floor.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

SHARED = Path(__file__).resolve().parents[2] / "shared"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _rss(pid: int) -> tuple[int, int]:
    root = psutil.Process(pid)
    sizes = [p.memory_info().rss for p in [root, *root.children(recursive=True)]]
    return sum(sizes), max(sizes)


def run(base: str, queries: list[str], seconds: float, concurrency: int) -> dict:
    """``concurrency`` threads requesting the page until ``seconds`` have passed."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: int) -> None:
        n = offset
        while time.perf_counter() < deadline:
            query = queries[n % len(queries)]
            n += 1
            url = f"{base}/?" + urllib.parse.urlencode({"q": query})
            started = time.perf_counter()
            try:
                status = _get(url)
            except OSError as exc:
                status, detail = 0, str(exc)
            else:
                detail = f"HTTP {status}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status == 200:
                    times.append(elapsed)
                else:
                    errors.append(f"{query!r}: {detail}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i * len(queries) // concurrency,))
               for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    times.sort()
    pct = lambda p: round(times[min(len(times) - 1, int(p * len(times)))], 1) if times else 0.0  # noqa: E731
    return {"seconds": round(wall, 1), "requests": len(times) + len(errors),
            "requests_per_s": round((len(times) + len(errors)) / wall, 1),
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "errors": len(errors), "first_errors": errors[:3]}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--engine", default="whoosh")
    parser.add_argument("--nodes", default=None)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--queries", type=Path, default=SHARED / "data/bench/queries.txt")
    parser.add_argument("--json", action="store_true")
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
                if _get(f"{base}/?" + urllib.parse.urlencode({"q": queries[0]})) == 200:
                    break
            except OSError:
                time.sleep(0.1)
        ready_s = time.perf_counter() - started
        figures = run(base, queries, args.seconds, args.concurrency)
        total, largest = _rss(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = {"engine": args.engine, "workers": args.workers, "concurrency": args.concurrency,
              "ready_s": round(ready_s, 1), **figures,
              "server_rss_mb": round(total / 2**20), "largest_worker_mb": round(largest / 2**20)}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(f"{report['requests']:,} requests in {report['seconds']} s = "
              f"{report['requests_per_s']} req/s ({args.workers} workers, "
              f"{args.concurrency} clients); p50 {report['p50_ms']} · p95 {report['p95_ms']} · "
              f"p99 {report['p99_ms']} ms; errors {report['errors']}; server RSS "
              f"{report['server_rss_mb']} MB (largest worker {report['largest_worker_mb']} MB)")
    return report


if __name__ == "__main__":
    main()
