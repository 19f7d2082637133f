"""A reindex killed at any moment leaves the old index or the new one, whole, and the next
run completes and removes what the killed one left.

The SIGKILL test kills ``ARCHIVE_KILLS`` runs of the real CLI (default 20; e.g.
``ARCHIVE_KILLS=100`` for a longer run), full and incremental, a few with entities.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from index.manifest import MANIFEST_FILE
from index.models import SearchRequest
from index.search import ArchiveSearcher
from index.store import resolve
from web.enrich import NO_ENTITIES

from .helpers import REPO, build, write_jsonl

KILLS = int(os.environ.get("ARCHIVE_KILLS", "20"))
ARTICLES = 200
WITH_ENTITIES = 5  # every fifth killed run extracts entities


def _corpus(version: int) -> list[dict]:
    """Version 0: articles 0..199. Version 1 drops 0..29, adds 200..229, retitles 100..139."""
    ids = range(ARTICLES) if version == 0 else range(30, ARTICLES + 30)
    return [{"id": f"n{i}",
             "title": f"خبر رقم {i} " + ("الإصدار الثاني" if version and 100 <= i < 140
                                          else "الإصدار الأول"),
             "body": f"التقى وزير الخارجية مسؤولين في غزة والقدس لبحث التهدئة رقم {i}. "
                     "وقال المتحدث إن الاجتماع تناول الوضع الإنساني.",
             "date": f"2020-{1 + i % 12:02d}-{1 + i % 27:02d}", "source": "الجزيرة"}
            for i in ids]


def _contents(articles: list[dict]) -> set[tuple[str, str]]:
    return {(a["id"], a["title"]) for a in articles}


def _held(index_dir: Path) -> set[tuple[str, str]]:
    """What the index holds, read the way the web does; a search must work too."""
    searcher = ArchiveSearcher(index_dir)
    try:
        assert searcher.search(SearchRequest(query="غزة التهدئة")).total > 0
        return {(h.id, h.title) for h in searcher.export(SearchRequest())}
    finally:
        searcher.close()


def _leftovers(index_dir: Path) -> list[str]:
    """Build directories other than the served one, and swap links."""
    builds = index_dir.parent / f".{index_dir.name}.builds"
    served = resolve(index_dir)
    stale = [p.name for p in builds.iterdir() if p.resolve() != served]
    return stale + [p.name for p in index_dir.parent.glob(f".{index_dir.name}.link-*")]


def _reindex_cmd(src: Path, index_dir: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "web.cli", "reindex", str(src), "--index", str(index_dir),
            "--procs", "2", *options]


def _timed_run(cmd: list[str]) -> float:
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def _kill_after(cmd: list[str], delay: float) -> int:
    """Start ``cmd``, SIGKILL it after ``delay`` s (if still running); the number of build
    workers it had, each of which must then exit on its own."""
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
        return 0  # finished first: the new index, whole
    except subprocess.TimeoutExpired:
        pass
    try:
        workers = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        workers = []
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"build workers outlived their killed parent: {alive}"
    return len(workers)


def test_reindex_killed_at_random_moments_leaves_the_old_or_the_new_index(tmp_path):
    rng = random.Random(20261206)
    src = tmp_path / "corpus" / "news.jsonl"
    index_dir = tmp_path / "ix"
    versions = [_corpus(0), _corpus(1)]
    contents = [_contents(v) for v in versions]
    # How long each kind of run takes, measured on normal runs (which build the index).
    write_jsonl(src, versions[0])
    durations = {"entities": _timed_run(_reindex_cmd(src, index_dir))}
    write_jsonl(src, versions[1])
    durations["full"] = _timed_run(_reindex_cmd(src, index_dir, "--no-entities"))
    write_jsonl(src, versions[0])
    durations["incremental"] = _timed_run(_reindex_cmd(src, index_dir, "--no-entities"))
    assert _held(index_dir) == contents[0]
    current, killed_workers, seen = 0, 0, {"old": 0, "new": 0, "left behind": 0}
    for n in range(KILLS):
        target = 1 - current
        write_jsonl(src, versions[target])
        kind = ("entities" if n % WITH_ENTITIES == WITH_ENTITIES - 1
                else "full" if n % 2 else "incremental")
        options = {"entities": [], "full": ["--full", "--no-entities"],
                   "incremental": ["--no-entities"]}[kind]
        # A little past the measured time too: the machine's load varies between runs.
        killed_workers += _kill_after(_reindex_cmd(src, index_dir, *options),
                                      rng.uniform(0, 1.2 * durations[kind]))
        held = _held(index_dir)
        assert held in (contents[current], contents[target]), (
            f"kill {n} ({kind}): {len(held)} articles, neither the old set nor the new")
        seen["old" if held == contents[current] else "new"] += 1
        seen["left behind"] += bool(_leftovers(index_dir))
        report = build(index_dir, src, enrich_version=NO_ENTITIES)  # the next, normal run
        assert not report.skipped
        assert _held(index_dir) == contents[target], f"kill {n} ({kind})"
        assert _leftovers(index_dir) == [], f"kill {n} ({kind})"
        current = target
    print(f"{KILLS} kills: {seen}, {killed_workers} build workers orphaned", durations)
    # Some kills must have caught a full build's workers, or orphans went untested.
    assert KILLS < 10 or killed_workers > 0


def test_a_manifest_older_than_the_commit_is_not_trusted(tmp_path):
    # What a kill between an incremental commit and the manifest's save leaves: the index
    # at the new generation, the manifest (and aliases) of the one before.
    src = write_jsonl(tmp_path / "news.jsonl", _corpus(0))
    index_dir = tmp_path / "ix"
    build(index_dir, src)
    directory = resolve(index_dir)
    saved = {name: (directory / name).read_bytes() for name in (MANIFEST_FILE, "aliases.json")}
    write_jsonl(src, _corpus(1))
    build(index_dir, src)
    for name, data in saved.items():
        (directory / name).write_bytes(data)
    # Back to version 0: articles the old manifest calls unchanged were retitled in the
    # index, and articles it never saw are in it; both must follow the source.
    write_jsonl(src, _corpus(0))
    report = build(index_dir, src)
    assert (report.added, report.updated, report.removed) == (30, 40, 30)
    assert _held(index_dir) == _contents(_corpus(0))
    manifest = json.loads((directory / MANIFEST_FILE).read_text())
    assert sorted(manifest["articles"]) == sorted(a["id"] for a in _corpus(0))
    assert build(index_dir, src).unchanged == ARTICLES  # and trusted again


def test_a_run_removes_only_what_killed_runs_left(tmp_path):
    src = write_jsonl(tmp_path / "news.jsonl", _corpus(0)[:5])
    index_dir = tmp_path / "ix"
    build(index_dir, src)
    builds = tmp_path / ".ix.builds"
    (builds / "build-20260101-000000-killed" / "articles.tmp").mkdir(parents=True)
    (builds / "build-20260101-000000-killed" / "_articles_0.toc").write_bytes(b"x")
    (builds / "notes.txt").write_text("not a build: kept")
    (tmp_path / ".ix.link-4242").symlink_to(builds / "build-20260101-000000-killed")
    served = resolve(index_dir)
    build(index_dir, src)
    assert sorted(p.name for p in builds.iterdir()) == sorted([served.name, "notes.txt"])
    assert not list(tmp_path.glob(".ix.link-*"))
    assert _held(index_dir) == _contents(_corpus(0)[:5])


def test_incremental_runs_keep_merging_segments(tmp_path):
    # A recovery is an incremental run like any other; Whoosh merges small segments on
    # commit, which failed on inlined postings after about ten runs (index/store.py).
    src = tmp_path / "news.jsonl"
    index_dir = tmp_path / "ix"
    write_jsonl(src, _corpus(0))
    build(index_dir, src, procs=2)
    for n in range(12):
        write_jsonl(src, _corpus(1 - n % 2))
        assert build(index_dir, src).updated == 40
    assert _held(index_dir) == _contents(_corpus(0))
