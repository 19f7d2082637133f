"""Writing a Sphinx archive: rows to the node of each article's shard, then the alias
table from every shard's entities, the facet ids it merges, and a new state generation.

A full rebuild fills the slot not being served and switches to it in `state.publish`; an
incremental run replaces and deletes rows in the served slot.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from functools import cache

from archive.arabic import normalize_word
from archive.entities import entity_key
from archive.kinds import EntityKind
from archive.models import Article
from archive.readers import Skipped

from ..aliases import AliasTable
from ..build import (
    Enrich,
    ReindexReport,
    SourcePass,
    changed_articles,
    gone_articles,
    recording,
)
from ..models import DEFAULT_LIMITS, BuildLimits
from .client import Cluster
from .schema import DISTRIBUTED, LOCAL, SLOTS, article_row, doc_number, ids_attr, key_id, shard_of
from .state import SCHEMA, Saved, State, load_manifest, publish

BATCH = 250  # rows per INSERT statement
_READ = 5000  # rows per read-back page


def reindex(cluster: Cluster, state_dir, items: Iterable[Article | Skipped], *,
            full: bool = False, enrich: Enrich = lambda a: a, enrich_version: str = "",
            procs: int = 1, limits: BuildLimits = DEFAULT_LIMITS,
            on_item: Callable[[], None] = lambda: None) -> ReindexReport:
    """Index ``items`` into the nodes of ``cluster``; incremental unless ``full``, or the
    archive was built on other nodes, by another extractor or schema, or not at all."""
    del limits  # the nodes hold the index; rows are sent in batches
    report = ReindexReport()
    started = time.perf_counter()
    run = SourcePass(report, enrich, on_item)
    nodes = [str(n) for n in cluster.nodes]
    current = State.find(state_dir)
    rebuild = (full or current is None or current.nodes != nodes or current.schema != SCHEMA
               or current.enrich_version != enrich_version)
    if rebuild:
        slot = SLOTS[(SLOTS.index(current.slot) + 1) % len(SLOTS)] if current else SLOTS[0]
        for k in range(len(nodes)):
            cluster.run(k, f"TRUNCATE RTINDEX {LOCAL}_{slot}")
        manifest: dict[str, list[str]] = {}
        _write(cluster, slot, recording(run.articles(items), manifest, report), enrich, procs,
               "INSERT")
    else:
        assert current is not None
        slot = current.slot
        known = load_manifest(state_dir, current)
        manifest = dict(known)
        if not _incremental(cluster, slot, run, items, known, manifest):
            report.seconds = time.perf_counter() - started
            return report
    saved = regenerate(cluster, slot, manifest)
    for k in range(len(nodes)):
        cluster.run(k, "FLUSH ATTRIBUTES")  # the rewritten facet ids to disk, out of the pool
    average = cluster.read(f"SELECT AVG(words) FROM {DISTRIBUTED}_{slot}")[0]
    publish(state_dir, State(slot, nodes, enrich_version=enrich_version,
                             avg_words=float(average[0][0] or 0) if average else 0.0,
                             documents=len(manifest)), saved)
    if rebuild and current is not None and current.slot != slot and current.nodes == nodes:
        # Readers move to the new slot on their next request; the old one's rows go now
        # rather than holding the disk until the next rebuild.
        for k in range(len(nodes)):
            cluster.run(k, f"TRUNCATE RTINDEX {LOCAL}_{current.slot}")
    report.seconds = time.perf_counter() - started
    return report


def _incremental(cluster: Cluster, slot: str, run: SourcePass,
                 items: Iterable[Article | Skipped], known: dict[str, list[str]],
                 manifest: dict[str, list[str]]) -> bool:
    """Replace changed and new articles, delete gone ones; whether anything changed."""
    report = run.report
    _write(cluster, slot, changed_articles(run.articles(items), known, manifest, report),
           run.enrich, 1, "REPLACE")
    for doc_id in gone_articles(known, run):
        cluster.run(shard_of(doc_id, len(cluster.nodes)),
                    f"DELETE FROM {LOCAL}_{slot} WHERE id = %s", (doc_number(doc_id),))
        manifest.pop(doc_id, None)
        report.removed += 1
    return bool(report.added or report.updated or report.removed)


_ENRICH: Enrich | None = None  # the worker processes' enrich (set before they fork)


def _prepare(article: Article) -> tuple[str, dict]:
    assert _ENRICH is not None
    return article.id, article_row(_ENRICH(article), entity_key)


def _prepared(articles: Iterable[Article], enrich: Enrich, procs: int
              ) -> Iterator[tuple[str, dict]]:
    global _ENRICH
    _ENRICH = enrich
    if procs <= 1:
        yield from map(_prepare, articles)
        return
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        yield from pool.imap(_prepare, articles, chunksize=16)


def _write(cluster: Cluster, slot: str, articles: Iterable[Article], enrich: Enrich,
           procs: int, verb: str) -> None:
    """Rows in batches to each article's shard (``verb``: INSERT into an empty slot)."""
    shards = len(cluster.nodes)
    pending: list[list[dict]] = [[] for _ in range(shards)]
    for doc_id, row in _prepared(articles, enrich, procs):
        batch = pending[shard_of(doc_id, shards)]
        batch.append(row)
        if len(batch) >= BATCH:
            _send(cluster, shard_of(doc_id, shards), slot, batch, verb)
            batch.clear()
    for k, batch in enumerate(pending):
        if batch:
            _send(cluster, k, slot, batch, verb)


def _send(cluster: Cluster, k: int, slot: str, rows: list[dict], verb: str) -> None:
    columns = list(rows[0])
    sql = (f"{verb} INTO {LOCAL}_{slot} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    cluster.many(k, sql, [tuple(_value(row[c]) for c in columns) for row in rows])


def _value(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value  # an MVA: (1, 2, 3)


def stored_documents(cluster: Cluster, slot: str) -> Iterator[tuple[int, int, tuple]]:
    """``(shard, Sphinx id, row)`` of every article in ``slot``, shard by shard, by id."""
    columns = ["id", "entities", "source_key", "source_text",
               *(ids_attr(kind) for kind in EntityKind)]
    for k in range(len(cluster.nodes)):
        last = 0
        while True:
            rows = cluster.run(k, f"SELECT {', '.join(columns)} FROM {LOCAL}_{slot} "
                                  f"WHERE id > %s ORDER BY id ASC LIMIT {_READ} "
                                  f"OPTION max_matches={_READ}", (last,))[0]
            for row in rows:
                yield k, row[0], row
            if len(rows) < _READ:
                break
            last = rows[-1][0]


def regenerate(cluster: Cluster, slot: str, manifest: dict[str, list[str]]) -> Saved:
    """The alias table from every shard's names; then each article's facet ids set to the
    canonical keys it counts under (only where a merge changes them)."""
    kept: list[tuple[int, int, dict, dict[str, set[int]]]] = []
    labels: dict[str, str] = {}
    for k, number, row in stored_documents(cluster, slot):
        names = json.loads(row[1] or "{}")
        ids = {kind.value: {int(v) for v in str(row[4 + i] or "").split(",") if v}
               for i, kind in enumerate(EntityKind)}
        kept.append((k, number, names, ids))
        if row[2] and row[2] not in labels:
            labels[row[2]] = row[3]
    aliases = AliasTable.from_documents((names for _, _, names, _ in kept),
                                        _body_docs(cluster, slot))
    for k, number, names, ids in kept:
        updates = []
        for kind in EntityKind:
            keys = {entity_key(n) for n in names.get(kind.value, [])} - {""}
            want = {key_id(aliases.canonical(kind.value, key)) for key in keys}
            if want != ids[kind.value]:
                updates.append((ids_attr(kind), tuple(sorted(want))))
        if updates:
            assignments = ", ".join(f"{attr} = %s" for attr, _ in updates)
            cluster.run(k, f"UPDATE {LOCAL}_{slot} SET {assignments} WHERE id = %s",
                        (*(v for _, v in updates), number))
    return Saved(aliases, manifest, labels)


def _body_docs(cluster: Cluster, slot: str) -> Callable[[str], int]:
    """Articles whose body has a word, as the Whoosh engine counts its ``body`` field."""
    @cache
    def count(word: str) -> int:
        norm = normalize_word(word)
        return cluster.count(f"{DISTRIBUTED}_{slot}", f"@(body,body_bare) {norm}") if norm else 0
    return count
