"""Small builders shared by the index, search and CLI tests."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.readers import read_sources
from index.build import reindex

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_04c1b4fd56738f6d.txt"
SHARED = REPO.parent / "shared"


def write_jsonl(path: Path, articles: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in articles) + "\n",
                    encoding="utf-8")
    return path


def build(index_dir: Path, *sources: Path, **kwargs):
    """Index ``sources`` the way the CLI does (readers → reindex)."""
    return reindex(index_dir, read_sources(sources), **kwargs)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str, timeout: float = 30) -> tuple[int, dict]:
    """``(status, JSON body)`` of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@contextmanager
def served(app) -> Iterator[str]:
    """``app`` served by werkzeug on 127.0.0.1 and a free port, in a thread; its URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
