"""Run a command and report the memory and CPU of its whole process tree.

    python bench/build_memory.py archive reindex --index /tmp/ix --full ../shared/data/corpus/

Samples every 2 s the RSS of the command and each of its children (the build's workers)
and the tree's PSS (shared pages split between the processes that map them), then prints
the peaks, the largest parent and worker RSS, the wall time and the children's CPU time.
Used to compare builds in docs/scaling.md; run one at a time on an otherwise idle machine.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import psutil

MB = 2**20


def main(cmd: list[str]) -> None:
    started = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    rss_peak = pss_peak = parent_peak = worker_peak = 0.0
    while proc.poll() is None:
        try:
            children = root.children(recursive=True)
            parent = root.memory_info().rss / MB
            workers = [c.memory_info().rss / MB for c in children]
            pss = sum(p.memory_full_info().pss for p in [root, *children]) / MB
        except psutil.Error:
            continue  # a process ended between the listing and the reading
        rss_peak = max(rss_peak, parent + sum(workers))
        pss_peak, parent_peak = max(pss_peak, pss), max(parent_peak, parent)
        worker_peak = max([worker_peak, *workers])
        time.sleep(2)
    out, err = proc.communicate()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"wall {time.time() - started:.0f} s, CPU user {cpu.ru_utime:.0f} s sys "
          f"{cpu.ru_stime:.0f} s; peak RSS of the tree {rss_peak:.0f} MB, PSS {pss_peak:.0f} "
          f"MB; parent {parent_peak:.0f} MB, largest worker {worker_peak:.0f} MB")
    sys.stdout.write(out.decode()[-400:] + err.decode()[-400:])


if __name__ == "__main__":
    main(sys.argv[1:])
