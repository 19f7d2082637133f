"""Writers for a full build: worker processes that extract, analyse and write segments of
at most `BuildLimits.segment_articles` articles each, so their memory does not grow with
the corpus.

Two costs of Whoosh's own writers are replaced here (measured in the closing note of the
performance issue, ``bench/scale.py``):

- ``whoosh.multiproc.MpWriter`` pickles finished documents to its workers, so everything
  before ``add_document`` (entity extraction, a third of the work) ran in the parent, which
  then paced the build. Here the parent only reads articles; each worker makes documents.
- ``whoosh.writing.PostingPool`` keeps one tuple per posting, sorts them all, and pickles
  them one at a time to its run files; `_TermPool` groups postings by term as they come (a
  document's postings arrive in document order, so only the terms need sorting) and spills
  whole terms. Field lengths for BM25 are read once per document, not once per posting.
"""

from __future__ import annotations

import gc
import heapq
import multiprocessing
import os
import pickle
import queue
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from operator import itemgetter

from whoosh.writing import SegmentWriter

from archive.models import Article

from .models import BuildLimits

Prepare = Callable[[Article], dict]
Key = tuple[str, bytes]  # (field name, term bytes)

_BATCH = 50  # articles per job sent to a worker
# Terms per pickled record of a run file. The final merge holds one record of every run at
# once: 2,000 made a worker peak at 369 MiB on the 60k build, 500 at 325 MiB (tree 825 → 735).
_RUN_CHUNK = 500
_POSTING_BYTES = 110  # a posting's share of memory: 3 list slots, an int, a float, a bytes
_TERM_BYTES = 250  # a new term's: its key tuple and bytes, dict entry, list
_WAIT_S = 1.0  # how often the parent checks its workers are alive, and they their parent
# Garbage-collector thresholds while segments are written. A build allocates millions of
# containers that never form cycles (postings, tokens, feature tuples); with Python's
# defaults (700, 10, 10) the collector ran 21 full passes over the whole heap per 4,000
# articles, 4.1 of 41 s of CPU; with these, 0.7 s and no full pass. A finished segment's
# writer is collected at once (its cycles would otherwise keep its last pool alive: the
# 60k build's tree peaked at 759-766 MiB rather than 741; 716-728 with the defaults).
_GC_THRESHOLDS = (10_000, 50, 50)


class _TermPool:
    """Postings grouped by term, spilled to sorted run files past ``limitmb``.

    The interface `SegmentWriter` uses: ``add``, ``fieldnames``, ``cleanup``.
    """

    def __init__(self, tempstore, limitmb: int):
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        self.terms: dict[Key, list] = {}  # key → [docnum, weight, value, docnum, …]
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()

    def add(self, item: tuple) -> None:
        fieldname, btext, docnum, weight, value = item
        key = (fieldname, btext)
        postings = self.terms.get(key)
        if postings is None:
            postings = self.terms[key] = []
            self.fieldnames.add(fieldname)
            self.size += _TERM_BYTES + len(btext)
        postings += (docnum, weight, value or b"")
        self.size += _POSTING_BYTES + (len(value) if value else 0)
        if self.size > self.limit:
            self._spill()

    def _spill(self) -> None:
        # Unique across the worker processes sharing the temp store: forked from one parent,
        # they can hold their pools at the same address, so id() alone collides.
        name = f"{len(self.runs)}-{uuid.uuid4().hex}.terms"
        with self.tempstore.create_file(name).raw_file() as f:
            terms = sorted(self.terms.items(), key=itemgetter(0))
            for start in range(0, len(terms), _RUN_CHUNK):
                pickle.dump(terms[start:start + _RUN_CHUNK], f, pickle.HIGHEST_PROTOCOL)
        self.runs.append(name)
        self.terms, self.size = {}, 0

    def _read_run(self, name: str) -> Iterator[tuple[Key, list]]:
        with self.tempstore.open_file(name).raw_file() as f:
            while True:
                try:
                    yield from pickle.load(f)
                except EOFError:
                    return

    def sorted_terms(self) -> Iterator[tuple[Key, list]]:
        """``(key, postings)`` in key order; a term's postings in document order."""
        current = sorted(self.terms.items(), key=itemgetter(0))
        self.terms, self.size = {}, 0  # held by ``current`` alone: freed as the merge ends
        if not self.runs:
            yield from current
            return
        # Runs hold successive documents and heapq.merge is stable, so concatenating a
        # key's postings in merge order keeps them in document order.
        merged = heapq.merge(*map(self._read_run, self.runs), current, key=itemgetter(0))
        last, postings = None, []
        for key, more in merged:
            if key != last:
                if last is not None:
                    yield last, postings
                last, postings = key, list(more)
            else:
                postings += more
        if last is not None:
            yield last, postings

    def cleanup(self) -> None:
        for name in self.runs:
            self.tempstore.delete_file(name)
        self.runs = []


class FastSegmentWriter(SegmentWriter):
    """A Whoosh `SegmentWriter` over `_TermPool`."""

    def __init__(self, ix, limitmb: int = 64, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _TermPool(self._tempstorage, limitmb)

    def _flush_segment(self):
        # `FieldWriter.add_postings`, one term at a time rather than one posting at a time.
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        fw, schema = self.fieldwriter, self.schema
        field = None
        for (fieldname, btext), postings in self.pool.sorted_terms():
            if fieldname != field:
                if field is not None:
                    fw.finish_field()
                fw.start_field(fieldname, schema[fieldname])
                field = fieldname
                column = _lengths(lengths, fieldname, self.docnum)
            fw.start_term(btext)
            for i in range(0, len(postings), 3):
                docnum = postings[i]
                fw.add(docnum, postings[i + 1], postings[i + 2], column[docnum])
            fw.finish_term()
        if field is not None:
            fw.finish_field()
        fw.close()
        if lengths is not None:
            lengths.close()


def _lengths(reader, fieldname: str, doc_count: int) -> list[int]:
    """Each document's length in ``fieldname`` (0 where the field keeps none)."""
    if reader is None:
        return [0] * doc_count
    return [reader.doc_field_length(d, fieldname) for d in range(doc_count)]


def write_articles(ix, articles: Iterable[Article], prepare: Prepare, *, procs: int,
                   limits: BuildLimits, **options) -> None:
    """Index ``articles`` into the empty index ``ix`` with ``procs`` processes, each writing
    a segment every ``limits.segment_articles`` articles."""
    parent = SegmentWriter(ix, **options)  # holds the lock, writes the table of contents
    try:
        if procs <= 1:
            segments = list(_segments(ix, iter(articles), prepare, limits, options))
        else:
            segments = _in_workers(ix, articles, prepare, procs, limits, options)
    except BaseException:
        parent.cancel()
        raise
    parent._close_segment()
    parent._commit_toc([s for s in segments if s.doc_count_all()])
    parent._finish()


def _segments(ix, articles: Iterator[Article], prepare: Prepare, limits: BuildLimits,
              options: dict) -> Iterator:
    """Finished segments of ``articles``, ``limits.segment_articles`` at most each.

    A writer that fails is left as it is: cancelling it would remove the temporary storage
    every writer of the build shares, and the caller removes the whole build."""
    writer = None
    with _collect_less():
        for article in articles:
            if writer is None:
                writer = FastSegmentWriter(ix, _lk=False, limitmb=limits.pool_mb, **options)
            writer.add_document(**prepare(article))
            if writer.docnum >= limits.segment_articles:
                segment, writer = writer._finalize_segment(), None
                gc.collect()  # the finished writer's cycles, which the thresholds leave
                yield segment
        if writer is not None:
            yield writer._finalize_segment()


@contextmanager
def _collect_less() -> Iterator[None]:
    """`_GC_THRESHOLDS` for the duration, then the previous ones."""
    before = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _in_workers(ix, articles: Iterable[Article], prepare: Prepare, procs: int,
                limits: BuildLimits, options: dict) -> list:
    context = multiprocessing.get_context("fork")  # workers inherit ``prepare`` unpickled
    jobs = context.Queue(procs * 4)
    results = context.Queue()
    workers = [context.Process(target=_work, daemon=True,
                               args=(ix, prepare, jobs, results, limits, options, os.getpid()))
               for _ in range(procs)]
    # Objects made before the fork (the extractor's word lists and model) are shared with
    # the workers until written; a full garbage collection in a worker would write to every
    # one of them (and copy its page), so the collector leaves them alone.
    try:
        gc.freeze()
        try:
            for worker in workers:
                worker.start()
        finally:
            gc.unfreeze()
        it = iter(articles)
        sent: list = []  # finished segments, and None from each worker that is done
        while batch := list(islice(it, _BATCH)):
            _put(jobs, batch, workers)
            sent += _received(results, workers, wait=False)  # a worker's error stops us now
        for _ in workers:
            _put(jobs, None, workers)
        while sent.count(None) < procs:
            sent += _received(results, workers, wait=True)
        for worker in workers:
            worker.join()
    except BaseException:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        jobs.cancel_join_thread()  # its unread jobs must not keep this process from exiting
        raise
    return [segment for segment in sent if segment is not None]


def _work(ix, prepare: Prepare, jobs, results, limits: BuildLimits, options: dict,
          parent: int) -> None:
    try:
        for segment in _segments(ix, _jobs(jobs, parent), prepare, limits, options):
            results.put(("segment", segment))
        results.put(("done", None))
    except _Orphaned:
        os._exit(1)  # nobody will read the segment; the next reindex removes the build
    except BaseException:
        results.put(("error", traceback.format_exc()))


def _jobs(jobs, parent: int) -> Iterator[Article]:
    while (batch := _next_job(jobs, parent)) is not None:
        yield from batch


class _Orphaned(Exception):
    """The build's parent process is gone (killed): its workers stop."""


def _next_job(jobs, parent: int):
    """The next batch, or None at the end; raises `_Orphaned` once the parent is gone,
    which a worker blocked on the queue would otherwise never notice."""
    while True:
        if os.getppid() != parent:
            raise _Orphaned
        try:
            return jobs.get(timeout=_WAIT_S)
        except queue.Empty:
            continue


def _put(jobs, item, workers) -> None:
    while True:
        try:
            jobs.put(item, timeout=_WAIT_S)
            return
        except queue.Full:
            _check(workers)


def _received(results, workers, *, wait: bool) -> list:
    """What the workers have sent so far (a segment, or None from a worker that is done);
    with ``wait``, at least one item. Raises a worker's error."""
    items: list = []
    while True:
        try:
            kind, value = (results.get(timeout=_WAIT_S) if wait and not items
                           else results.get_nowait())
        except queue.Empty:
            _check(workers)
            if items or not wait:
                return items
            continue
        if kind == "error":
            raise RuntimeError(f"an indexing worker failed:\n{value}")
        items.append(value)


def _check(workers) -> None:
    dead = [w for w in workers if not w.is_alive() and w.exitcode]
    if dead:
        raise RuntimeError(f"an indexing worker died (exit code {dead[0].exitcode})")
