"""Reindexing beside readers and beside another reindex: searches of a served app keep
succeeding through a full rebuild and see it at once; a second reindex refuses at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from click.testing import CliRunner

from index.lock import EX_TEMPFAIL, lock_path, writing
from index.models import SearchRequest
from index.search import ArchiveSearcher
from index.store import resolve
from web.cli import main
from web.enrich import NO_ENTITIES

from .helpers import REPO, build, free_port, get_json, write_jsonl

NEW_WORD = "بركان"  # only in the articles a reindex adds


def _articles(start: int, stop: int, word: str = "غزة") -> list[dict]:
    return [{"id": f"n{i}", "title": f"خبر رقم {i} عن {word}",
             "body": f"التقى وزير الخارجية مسؤولين في {word} والقدس لبحث التهدئة رقم {i}.",
             "date": f"2021-{1 + i % 12:02d}-{1 + i % 27:02d}", "source": "الجزيرة"}
            for i in range(start, stop)]


def _ids(index_dir: Path) -> set[str]:
    searcher = ArchiveSearcher(index_dir)
    try:
        return {h.id for h in searcher.export(SearchRequest())}
    finally:
        searcher.close()


def _reindex(src: Path, index_dir: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "web.cli", "reindex", str(src), "--index", str(index_dir),
            *options]


def _wait_for_lock(proc: subprocess.Popen, index_dir: Path) -> None:
    """Until ``proc`` holds the index's write lock (its pid in the lock file)."""
    deadline = time.monotonic() + 60
    path = lock_path(index_dir)
    while not (path.is_file() and path.read_text().strip() == str(proc.pid)):
        assert proc.poll() is None, "the first reindex ended before taking the lock"
        assert time.monotonic() < deadline, "the first reindex never took the lock"
        time.sleep(0.05)


def test_a_second_reindex_refuses_at_once_and_changes_nothing(tmp_path):
    src = write_jsonl(tmp_path / "news.jsonl", _articles(0, 50))
    index_dir = tmp_path / "ix"
    build(index_dir, src, enrich_version=NO_ENTITIES)
    served, before = resolve(index_dir), _ids(index_dir)
    write_jsonl(src, _articles(20, 80))
    first = subprocess.Popen(_reindex(src, index_dir, "--full", "--no-entities"), cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_lock(first, index_dir)
        first.send_signal(signal.SIGSTOP)  # holds the lock for as long as the test needs
        second = subprocess.run(_reindex(src, index_dir), cwd=REPO, capture_output=True,
                                text=True, timeout=120)
        assert second.returncode == EX_TEMPFAIL, second.stderr
        assert (f"another reindex (pid {first.pid}) is writing {index_dir}; "
                "nothing was changed") in " ".join(second.stderr.split())
        assert resolve(index_dir) == served and _ids(index_dir) == before
    finally:
        first.send_signal(signal.SIGCONT)
    _, errors = first.communicate(timeout=120)
    assert first.returncode == 0, errors
    assert _ids(index_dir) == {f"n{i}" for i in range(20, 80)}  # the first one's work


def test_a_reindex_never_waits_for_a_lock_held_by_another_process(tmp_path):
    src = write_jsonl(tmp_path / "news.jsonl", _articles(0, 5))
    index_dir = tmp_path / "ix"
    build(index_dir, src, enrich_version=NO_ENTITIES)
    write_jsonl(src, _articles(0, 10))
    with writing(index_dir):  # this test process is "the other reindex"
        done = subprocess.run(_reindex(src, index_dir, "--no-entities"), cwd=REPO,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == EX_TEMPFAIL and f"(pid {os.getpid()})" in done.stderr
    assert _ids(index_dir) == {f"n{i}" for i in range(5)}
    assert subprocess.run(_reindex(src, index_dir, "--no-entities"), cwd=REPO,
                          capture_output=True, timeout=120).returncode == 0  # free again
    assert len(_ids(index_dir)) == 10


def test_the_sphinx_engine_takes_the_same_lock_before_calling_any_node(tmp_path):
    state_dir = tmp_path / "sphinx"
    src = write_jsonl(tmp_path / "news.jsonl", _articles(0, 5))
    with writing(state_dir):
        done = subprocess.run(
            [*_reindex(src, state_dir, "--no-entities"), "--engine", "sphinx",
             "--nodes", "127.0.0.1:9"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == EX_TEMPFAIL, done.stderr
    assert f"another reindex (pid {os.getpid()}) is writing" in done.stderr


def test_reindex_help_documents_its_exit_statuses():
    result = CliRunner().invoke(main, ["reindex", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "0 done" in text and "1 done, but some input was skipped" in text
    assert "75 another reindex is writing this index: nothing was changed" in text


def test_a_search_begun_before_a_swap_reads_on_after_the_old_build_is_removed(tmp_path):
    src = write_jsonl(tmp_path / "news.jsonl", _articles(0, 30))
    index_dir = tmp_path / "ix"
    build(index_dir, src)
    searcher = ArchiveSearcher(index_dir)
    old = searcher.generation()  # what a search running across the swap holds
    write_jsonl(src, _articles(0, 30) + _articles(30, 40, NEW_WORD))
    build(index_dir, src, full=True)
    assert not old.directory.exists()  # the replaced build is gone from disk
    assert searcher.search(SearchRequest(query=NEW_WORD)).total == 10  # no reopening by hand
    # Neither closed under it nor missing its files (Whoosh reads stored fields lazily).
    assert {old.searcher.stored_fields(d)["id"] for d in range(old.doc_count())} == {
        f"n{i}" for i in range(30)}
    searcher.close()


# -- a served app through a full rebuild ----------------------------------------------------

class _Readers:
    """Threads searching the served app in a loop, recording every failure."""

    def __init__(self, base: str, threads: int = 2):
        self.base, self.done, self.failures = base, 0, []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(k,), daemon=True)
                         for k in range(threads)]

    def _loop(self, k: int) -> None:
        paths = [f"/api/search?q={quote('غزة التهدئة')}", f"/api/search?q={quote(NEW_WORD)}",
                 f"/api/search?q={quote('القدس')}&sort=newest", "/api/articles/n3",
                 f"/?q={quote('غزة')}"]
        n = k
        while not self._stop.is_set():
            path = paths[n % len(paths)]
            n += 1
            try:
                with urllib.request.urlopen(self.base + path, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except (urllib.error.URLError, OSError) as exc:
                ok, why = False, repr(exc)
            else:
                why = f"status {response.status}"
            if ok:
                self.done += 1
            else:
                self.failures.append(f"{path}: {why}")

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def _new_articles_found(base: str) -> set[int]:
    """Totals for the new word over several requests (so from every worker)."""
    return {get_json(f"{base}/api/search?q={quote(NEW_WORD)}")[1]["total"] for _ in range(6)}


def test_searches_succeed_through_a_full_rebuild_and_see_it_without_a_restart(tmp_path):
    src = write_jsonl(tmp_path / "news.jsonl", _articles(0, 200))
    index_dir = tmp_path / "ix"
    build(index_dir, src, enrich_version=NO_ENTITIES)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--index", str(index_dir), "--port",
         str(port), "--workers", "2"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert get_json(f"{base}/api/search?q={quote('غزة')}")[1]["total"] == 200
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert _new_articles_found(base) == {0}
        with _Readers(base) as readers:
            write_jsonl(src, _articles(0, 200) + _articles(200, 260, NEW_WORD))
            before = readers.done
            rebuild = subprocess.run(_reindex(src, index_dir, "--full", "--no-entities"),
                                     cwd=REPO, capture_output=True, text=True, timeout=300)
            assert rebuild.returncode == 0, rebuild.stderr
            during = readers.done - before
            assert _new_articles_found(base) == {60}  # swapped in: no restart
            write_jsonl(src, _articles(0, 200) + _articles(200, 280, NEW_WORD))
            incremental = subprocess.run(_reindex(src, index_dir, "--no-entities"),
                                         cwd=REPO, capture_output=True, text=True, timeout=300)
            assert incremental.returncode == 0, incremental.stderr
            assert _new_articles_found(base) == {80}
        assert readers.failures == []
        assert during > 0, "no search answered during the rebuild"
        print(f"{readers.done} searches, {during} during the full rebuild, 0 failures")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
