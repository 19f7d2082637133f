"""`archive serve` runs gunicorn with several workers, each ready with the index open."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import psutil


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serve_runs_gunicorn_workers_that_answer(index_dir):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--index", str(index_dir), "--port",
         str(port), "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/api/search?q={quote('غزة')}")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.2)
        assert status == 200 and body["total"] > 0 and body["facets"]["place"]
        assert _get(f"http://127.0.0.1:{port}/api/search?limit=0")[0] == 400
        master = psutil.Process(server.pid)
        workers = master.children()
        assert len(workers) == 2, [p.cmdline() for p in workers]  # Flask's server has none
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
