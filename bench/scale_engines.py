"""What bench/scale.py builds and queries: our engines (Whoosh, Sphinx on local nodes) and
the SQLite FTS5 baseline, each with the same ``top10`` / ``page`` calls."""

from __future__ import annotations

import shutil
import sqlite3
import sys
import time
from pathlib import Path

from archive.arabic import normalize
from archive.models import Article
from archive.readers import read_sources
from index.engine import Engine, EngineConfig, EngineName
from index.engines import open_engine
from index.models import SearchRequest

NODES = 2  # Sphinx nodes a benchmark starts on loopback


def mb(n_bytes: float) -> float:
    return round(n_bytes / 2**20, 1)


def tool(name: str) -> str:
    """A console script of this interpreter's environment (else from PATH)."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else (shutil.which(name) or name)


class BenchEngine:
    """Build with ``archive reindex``, search through the engine, serve over HTTP.

    For Sphinx, `start` brings up `NODES` local searchd nodes under the work folder (the
    index lives in them) and `stop` takes them down.
    """

    def __init__(self, name: str, work: Path, entities: bool, server: str, workers: int):
        self.name, self.work = EngineName(name), work
        self.entities, self.server, self.workers = entities, server, workers
        self.index_dir = work / "index"
        self.nodes_dir = work / "nodes"
        self.engine: Engine | None = None

    def start(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        if self.name == EngineName.SPHINX:
            from index.sphinx.nodes import up
            up(self.nodes_dir, NODES)

    def stop(self) -> None:
        if self.name == EngineName.SPHINX:
            from index.sphinx.nodes import down
            down(self.nodes_dir)

    def data_dirs(self) -> list[Path]:
        """Where the index lives on disk (the nodes' data for Sphinx, and its state)."""
        return [self.work]

    def node_pids(self) -> list[int]:
        """The searchd processes holding the index (none for Whoosh)."""
        pids = []
        for pid_file in self.nodes_dir.glob("node*/searchd.pid"):
            try:
                pids.append(int(pid_file.read_text().strip()))
            except (OSError, ValueError):
                continue
        return pids

    def options(self) -> list[str]:
        extra = ["--engine", "sphinx", "--nodes", str(self.nodes_dir)] \
            if self.name == EngineName.SPHINX else []
        return ["--index", str(self.index_dir), *extra]

    def env(self) -> dict[str, str]:
        """The same choice as ``ARCHIVE_*`` settings (for gunicorn's app factory)."""
        key = "ARCHIVE_SPHINX_STATE_DIR" if self.name == EngineName.SPHINX else "ARCHIVE_INDEX_DIR"
        env = {key: str(self.index_dir), "ARCHIVE_ENGINE": self.name.value}
        if self.name == EngineName.SPHINX:
            env["ARCHIVE_SPHINX_NODES"] = str(self.nodes_dir)
        return env

    def build_cmd(self, source: Path, full: bool) -> list[str]:
        return [tool("archive"), "reindex", str(source), *self.options(),
                *(["--full"] if full else []), *([] if self.entities else ["--no-entities"])]

    def open(self) -> None:
        from archive.settings import get_settings
        from index.engines import engine_config
        nodes = str(self.nodes_dir) if self.name == EngineName.SPHINX else ""
        config: EngineConfig = engine_config(get_settings(), self.name.value, self.index_dir,
                                             nodes)
        self.engine = open_engine(config)
        self.engine.warm()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()

    def top10(self, query: str, match: str) -> int:
        assert self.engine is not None
        request = SearchRequest(query=query, match=match, limit=10, facet_limit=0)
        return len(self.engine.search(request).hits)

    def page(self, query: str, match: str) -> int:
        """The page the web shows: hits, facets, snippets, as the API's JSON."""
        assert self.engine is not None
        result = self.engine.search(SearchRequest(query=query, match=match, limit=10))
        return int(result.as_json()["total"])

    def serve_cmd(self, port: int) -> tuple[list[str], dict[str, str]]:
        if self.server == "gunicorn":
            return ([tool("gunicorn"), "-w", str(self.workers), "-b", f"127.0.0.1:{port}",
                     "web.app:create_app()"], self.env())
        return [tool("archive"), "serve", *self.options(), "--port", str(port),
                "--workers", str(self.workers)], {}


class Fts5Baseline:
    """SQLite FTS5 over ``normalize(title)`` and ``normalize(body)``: bm25, no stemming."""

    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite3.connect(path)

    def build(self, source: Path) -> dict:
        started = time.perf_counter()
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5("
                        "id UNINDEXED, source UNINDEXED, title, body)")
        rows = ((a.id, a.source or "", normalize(a.title), normalize(a.body))
                for a in read_sources([source]) if isinstance(a, Article))
        with self.db:
            self.db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", rows)
            self.db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        seconds = time.perf_counter() - started
        articles = self.db.execute("SELECT count(*) FROM docs").fetchone()[0]
        return {"seconds": round(seconds, 2), "articles": articles,
                "articles_per_s": round(articles / seconds, 1),
                "db_mb": mb(self.path.stat().st_size)}

    @staticmethod
    def expression(query: str, match: str) -> str:
        """Each normalised term quoted; implicit AND for ``all``, OR for ``any``."""
        terms = [t for t in normalize(query).split() if any(ch.isalnum() for ch in t)]
        quoted = ['"' + t.replace('"', '""') + '"' for t in terms]
        return (" " if match == "all" else " OR ").join(quoted) or '""'

    def top10(self, query: str, match: str) -> int:
        return len(self.db.execute(
            "SELECT id, title, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10",
            (self.expression(query, match),)).fetchall())

    def page(self, query: str, match: str) -> int:
        expr = (self.expression(query, match),)
        self.db.execute("SELECT id, title, bm25(docs), snippet(docs, 3, '<mark>', '</mark>', "
                        "'…', 24) FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10",
                        expr).fetchall()
        total = self.db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", expr).fetchone()
        self.db.execute("SELECT source, count(*) AS n FROM docs WHERE docs MATCH ? "
                        "GROUP BY source ORDER BY n DESC LIMIT 10", expr).fetchall()
        return int(total[0])

    def close(self) -> None:
        self.db.close()


