"""`archive serve` runs gunicorn with several workers, each ready with the index open."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import psutil

from .helpers import free_port, get_json


def test_serve_runs_gunicorn_workers_that_answer(index_dir):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--index", str(index_dir), "--port",
         str(port), "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get_json(f"{base}/api/search?q={quote('غزة')}", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.2)
        assert status == 200 and body["total"] > 0 and body["facets"]["place"]
        assert get_json(f"{base}/api/search?limit=0", timeout=5)[0] == 400
        master = psutil.Process(server.pid)
        workers = master.children()
        assert len(workers) == 2, [p.cmdline() for p in workers]  # Flask's server has none
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
