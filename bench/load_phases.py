"""Load during a full reindex, for ``bench/load.py --reindex``: the reindex subprocess, the
swap it makes, and the load figures split into phases (before / during / after the swap).

A request belongs to the phase in which it was sent. The swap is seen by polling where the
served index path points (`index.store.resolve`, every 50 ms), so "during" ends at most
50 ms after the atomic rename; the reindex process exits a moment later.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

from archive.readers import Skipped, read_sources
from index.store import resolve

# started (perf_counter s), elapsed ms, HTTP status (0: the request failed), detail
Sample = tuple[float, float, int, str]


def status_of(url: str, timeout: float = 60) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def summarise(samples: list[Sample], seconds: float) -> dict:
    """Requests, requests/s, p50/p95/p99 of the 200s, errors (anything but a 200: failed
    connections, 5xx, and any other status), and every status by code."""
    times = sorted(ms for _, ms, status, _ in samples if status == 200)
    errors = [detail for _, _, status, detail in samples if status != 200]

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(p * len(times)))], 1) if times else 0.0

    statuses = Counter("failed" if s == 0 else str(s) for _, _, s, _ in samples)
    return {"seconds": round(seconds, 1), "requests": len(samples),
            "requests_per_s": round(len(samples) / seconds, 1) if seconds > 0 else 0.0,
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "errors": len(errors), "statuses": dict(sorted(statuses.items())),
            "first_errors": errors[:3]}


class Reindex:
    """``archive reindex --full SOURCES --index INDEX`` started ``after`` seconds from
    `start`, in a thread; records when it started, when the served path changed (the swap)
    and when it exited, with its exit status and the last lines it wrote."""

    def __init__(self, archive: str, index: Path, sources: list[str], after: float,
                 extra: list[str]) -> None:
        self.cmd = [archive, "reindex", "--full", *sources, "--index", str(index), *extra]
        self.index, self.after = Path(index), after
        self.started: float | None = None
        self.swapped: float | None = None
        self.finished: float | None = None
        self.returncode: int | None = None
        self.output = ""
        self._proc: subprocess.Popen | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._stop = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        if self._stop.wait(self.after):
            return
        served = resolve(self.index)
        self.started = time.perf_counter()
        self._proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)
        reader = threading.Thread(target=self._read, daemon=True)
        reader.start()
        while self._proc.poll() is None:
            if self.swapped is None and resolve(self.index) != served:
                self.swapped = time.perf_counter()
            time.sleep(0.05)
        self.finished = time.perf_counter()
        if self.swapped is None and resolve(self.index) != served:
            self.swapped = self.finished  # swapped within the last poll interval
        reader.join(timeout=10)
        self.returncode = self._proc.returncode

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        self.output = self._proc.stderr.read()

    def done_for(self, seconds: float) -> bool:
        """True once the reindex has exited and ``seconds`` have passed since the swap (or
        since it exited without one)."""
        if self.finished is None:
            return False
        return time.perf_counter() - (self.swapped or self.finished) >= seconds

    def stop(self) -> None:
        """End the reindex if it still runs (the load hit its time cap)."""
        self._stop.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
        self._thread.join(timeout=60)

    def report(self, load_started: float) -> dict:
        def rel(t: float | None) -> float | None:
            return None if t is None else round(t - load_started, 1)

        took = None if self.started is None or self.finished is None else \
            round(self.finished - self.started, 1)
        return {"command": " ".join(self.cmd), "started_s": rel(self.started),
                "swapped_s": rel(self.swapped), "finished_s": rel(self.finished),
                "seconds": took, "exit": self.returncode,
                "last_line": (self.output.strip().splitlines() or [""])[-1]}


def phases(samples: list[Sample], load_started: float, load_ended: float,
           reindex: Reindex) -> dict[str, dict]:
    """The figures before the reindex started, while it ran (until the swap, or its exit
    when it made none) and after the swap."""
    start = reindex.started or load_ended
    swap = reindex.swapped or reindex.finished or load_ended
    bounds = {"before": (load_started, start), "during": (start, swap),
              "after": (swap, load_ended)}
    return {name: summarise([s for s in samples if lo <= s[0] < hi], hi - lo)
            for name, (lo, hi) in bounds.items()}


def _article_url(base: str, doc_id: str) -> str:
    return f"{base}/api/articles/{urllib.parse.quote(doc_id, safe='')}"


def pick_probe(base: str, sources: list[str], tries: int = 50) -> str | None:
    """The id of an article of the new corpus that the served index does not have, or None
    (the first ``tries`` articles are all served already)."""
    for n, item in enumerate(read_sources(sources)):
        if n >= tries:
            break
        if not isinstance(item, Skipped) and status_of(_article_url(base, item.id)) == 404:
            return item.id
    return None


def total(base: str, query: str) -> int | None:
    import json

    url = f"{base}/api/search?" + urllib.parse.urlencode({"q": query, "limit": 1})
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return int(json.load(response)["total"])
    except (OSError, ValueError, KeyError):
        return None


def probe_after(base: str, probe: str | None) -> bool | None:
    """True when the served index now has the probe article (None: no probe was found)."""
    return None if probe is None else status_of(_article_url(base, probe)) == 200


def print_phases(report: dict) -> None:
    reindex = report["reindex"]
    print(f"reindex: started at {reindex['started_s']} s, swapped at {reindex['swapped_s']} s, "
          f"exit {reindex['exit']} after {reindex['seconds']} s ({reindex['last_line']})")
    print("| phase | seconds | requests | requests/s | p50 ms | p95 ms | p99 ms | errors "
          "| statuses |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, f in report["phases"].items():
        codes = ", ".join(f"{k}: {v:,}" for k, v in f["statuses"].items())
        print(f"| {name} | {f['seconds']} | {f['requests']:,} | {f['requests_per_s']} | "
              f"{f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | {f['errors']} | {codes} |")
    print(f"new corpus served after the swap: {report['new_corpus_served']} (probe article "
          f"{report['probe_id']!r}; total for {report['probe_query']!r}: "
          f"{report['probe_total_before']} → {report['probe_total_after']})", file=sys.stdout)
