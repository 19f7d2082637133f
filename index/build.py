"""Building the index: incremental updates, and full rebuilds swapped in atomically.

One reindex at a time writes an index (`index.lock`); web workers only read. A run killed
at any moment leaves the old index or the new one, whole: a full build becomes visible in
one rename, an incremental one in Whoosh's commit (one rename of its table of contents).
What a killed run leaves behind is removed by the next one.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from archive.entities import entity_key
from archive.kinds import EntityKind
from archive.models import Article
from archive.readers import Skipped

from .aliases import ALIASES_FILE, AliasTable
from .facets import facet_types
from .lock import writing
from .manifest import ManifestWriter, load_manifest, save_manifest
from .models import DEFAULT_LIMITS, BuildLimits
from .schema import SCHEMA_VERSION, article_to_document, build_schema
from .seen import SeenIds
from .store import INDEX_NAME, VERSION_FILE, codec, is_current, resolve
from .tables import save_tables
from .writers import Prepare, write_articles

_MANIFEST = ("id", "content_hash", "origin")
ENRICH_FILE = "ENRICH_VERSION"  # which extractor filled the entities of this build
# Segments stay separate files: reading a sub-file of a compound segment copies it whole
# into memory (whoosh/filedb/compound.py), which made every reader hold the index's terms
# and postings privately (1.3 GB per web worker at 60k); assembling it also doubled the
# disk a build needed.
WRITER_OPTIONS = {"codec": codec(), "compound": False}

_BUILD_PREFIX = "build-"
_RMTREE_TRIES = 20  # × 0.25 s: a killed build's workers may still be finishing a batch


@dataclass
class ReindexReport:
    """What one reindex run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def articles(self) -> int:
        return self.added + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "removed": self.removed, "skipped": [str(s) for s in self.skipped],
            "seconds": round(self.seconds, 2),
        }


Enrich = Callable[[Article], Article]


def _identity(article: Article) -> Article:
    return article


@dataclass
class SourcePass:
    """State of one pass over the sources."""

    report: ReindexReport
    enrich: Enrich
    on_item: Callable[[], None]
    seen: SeenIds = field(default_factory=SeenIds)  # id → the file it was first read from
    files_with_problems: set[str] = field(default_factory=set)

    def articles(self, items: Iterable[Article | Skipped]):
        """Articles to index; records problems and duplicate ids on the way."""
        for item in items:
            self.on_item()
            if isinstance(item, Skipped):
                self.report.skipped.append(item)
                self.files_with_problems.add(item.path)
                continue
            first = self.seen.add(item.id, item.origin)
            if first is not None:
                self.report.skipped.append(Skipped(
                    item.origin, None, f"duplicate id {item.id!r} (first in {first})"))
                continue
            yield item


def reindex(
    index_dir: Path,
    items: Iterable[Article | Skipped],
    *,
    full: bool = False,
    enrich: Enrich = _identity,
    enrich_version: str = "",
    procs: int = 1,
    limits: BuildLimits = DEFAULT_LIMITS,
    on_item: Callable[[], None] = lambda: None,
) -> ReindexReport:
    """Index ``items`` into ``index_dir``; incremental unless ``full`` or no index is there.

    ``enrich`` fills an article's entities; ``enrich_version`` names its output. An index
    enriched by another version is rebuilt in full, so facets never go stale; a full
    rebuild reuses the stored entities of every unchanged article of the same version.
    Raises `index.lock.IndexBusy`, changing nothing, while another reindex writes it.
    """
    index_dir = Path(index_dir)
    with writing(index_dir):
        _remove_leftovers(index_dir)
        report = ReindexReport()
        started = time.perf_counter()
        run = SourcePass(report, enrich, on_item)
        same_entities = _enrich_version(index_dir) == enrich_version
        if full or not is_current(index_dir) or not same_entities:
            current = same_entities and is_current(index_dir)
            known = _known_entities(index_dir) if current else {}
            _full_build(index_dir, run.articles(items), _reusing(enrich, known),
                        enrich_version, procs, limits, report)
        else:
            _incremental(index_dir, items, run)
        report.seconds = time.perf_counter() - started
        return report


def _enrich_version(index_dir: Path) -> str | None:
    path = resolve(index_dir) / ENRICH_FILE
    return path.read_text().strip() if path.is_file() else None


def _known_entities(index_dir: Path) -> dict[str, tuple[str, dict]]:
    """``id → (content hash, entities)`` of the current build, to skip re-extracting them."""
    ix = whoosh_index.open_dir(str(resolve(index_dir)), indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        return {doc["id"]: (doc["content_hash"], doc.get("entities") or {})
                for doc in searcher.all_stored_fields()}


def _reusing(enrich: Enrich, known: dict[str, tuple[str, dict]]) -> Enrich:
    """``enrich``, except for articles whose entities the previous build already holds."""
    def enrich_or_reuse(article: Article) -> Article:
        content_hash, entities = known.get(article.id, (None, {}))
        if content_hash != article.content_hash:
            return enrich(article)
        return article.model_copy(update={EntityKind(kind).attr: names
                                          for kind, names in entities.items()})
    return enrich_or_reuse if known else enrich


def recording(articles: Iterable[Article], manifest: ManifestWriter | dict[str, list[str]],
              report: ReindexReport) -> Iterator[Article]:
    """``articles``, each recorded in ``manifest`` and counted as added (a fresh build)."""
    for article in articles:
        manifest[article.id] = [article.content_hash, article.origin]
        report.added += 1
        yield article


def _preparing(enrich: Enrich) -> Prepare:
    def prepare(article: Article) -> dict:
        return article_to_document(enrich(article), entity_key)
    return prepare


def _full_build(index_dir, articles, enrich, enrich_version, procs, limits, report) -> None:
    """Build into a fresh directory, then swap it in: readers never see half an index."""
    build_dir = _new_build_dir(index_dir)
    ix = whoosh_index.create_in(str(build_dir), build_schema(), indexname=INDEX_NAME)
    manifest = ManifestWriter(build_dir)
    try:
        write_articles(ix, recording(articles, manifest, report), _preparing(enrich),
                       procs=procs, limits=limits, **WRITER_OPTIONS)
        _save_aliases(ix, build_dir)
        manifest.close(ix.latest_generation())
    except BaseException:
        manifest.discard()
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    (build_dir / ENRICH_FILE).write_text(enrich_version)
    (build_dir / VERSION_FILE).write_text(str(SCHEMA_VERSION))
    _swap_in(index_dir, build_dir)


def _incremental(index_dir: Path, items, run: SourcePass) -> None:
    directory = resolve(index_dir)
    ix = whoosh_index.open_dir(str(directory), indexname=INDEX_NAME)
    known = load_manifest(directory, ix.latest_generation())
    trusted = known is not None
    if known is None:
        with ix.searcher() as searcher:
            known = {doc["id"]: [doc["content_hash"], doc["origin"]]
                     for doc in _manifest(searcher)}
    writer = ix.writer(**WRITER_OPTIONS)
    report = run.report
    manifest = dict(known)
    try:
        for article in changed_articles(run.articles(items), known, manifest, report):
            writer.update_document(**article_to_document(run.enrich(article), entity_key))
        for doc_id in gone_articles(known, run):
            writer.delete_by_term("id", doc_id)
            manifest.pop(doc_id, None)
            report.removed += 1
    except BaseException:
        writer.cancel()
        raise
    changed = bool(report.added or report.updated or report.removed)
    if changed:
        writer.commit()
    else:
        writer.cancel()  # nothing changed: keep the current generation as it is
    # Aliases first, the manifest last: a manifest naming the committed generation says
    # that this run finished.
    if changed or not trusted or not (directory / ALIASES_FILE).is_file():
        _save_aliases(ix, directory)
    if changed or not trusted:
        save_manifest(manifest, directory, ix.latest_generation())


def changed_articles(articles: Iterable[Article], known: dict[str, list[str]],
                     manifest: dict[str, list[str]], report: ReindexReport
                     ) -> Iterator[Article]:
    """The new and changed articles among ``articles`` against the ``known`` manifest, each
    recorded in ``manifest``; unchanged ones are only counted."""
    for article in articles:
        old = known.get(article.id)
        if old and tuple(old) == (article.content_hash, article.origin):
            report.unchanged += 1
            continue
        manifest[article.id] = [article.content_hash, article.origin]
        if old:
            report.updated += 1
        else:
            report.added += 1
        yield article


def _save_aliases(ix, directory: Path) -> None:
    """The alias table of the committed generation, then its facet tables (`index.tables`):
    always together, since the tables key every value through the aliases."""
    with ix.searcher() as searcher:
        aliases = AliasTable.from_searcher(searcher)
        aliases.save(directory)
        save_tables(searcher.reader(), facet_types(aliases), directory)


def _manifest(searcher) -> Iterable[dict]:
    # Stored fields of a few small values; the body is pickled with them, but this
    # runs once per reindex, not per query.
    for fields in searcher.all_stored_fields():
        yield {key: fields.get(key) for key in _MANIFEST}


def gone_articles(known: dict[str, list[str]], run: SourcePass) -> list[str]:
    """Indexed articles whose file is gone, or whose file was read whole without them."""
    read_cleanly = run.seen.files() - run.files_with_problems
    gone = []
    for (doc_id, doc), read in zip(known.items(), run.seen.contains(known), strict=True):
        if read:
            continue
        origin = doc[1] or ""
        if (origin and not os.path.exists(origin)) or origin in read_cleanly:
            gone.append(doc_id)
    return gone


def _builds_dir(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.builds"


def _link_pattern(index_dir: Path) -> str:
    return str(index_dir.parent / f".{glob.escape(index_dir.name)}.link-*")


def _new_build_dir(index_dir: Path) -> Path:
    builds = _builds_dir(index_dir)
    builds.mkdir(parents=True, exist_ok=True)
    prefix = f"{_BUILD_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=builds))


def _remove_leftovers(index_dir: Path) -> None:
    """Remove what killed runs left: every build directory but the one served, and
    half-made swap links. Only with the write lock held: then no other run owns them."""
    served = resolve(index_dir) if index_dir.is_symlink() else None
    builds = _builds_dir(index_dir)
    stale = sorted(p for p in builds.glob(f"{_BUILD_PREFIX}*")
                   if p.is_dir() and not p.is_symlink() and p.resolve() != served)
    links = [Path(p) for p in glob.glob(_link_pattern(index_dir)) if os.path.islink(p)]
    for link in links:
        link.unlink(missing_ok=True)
    for path in stale:
        _rmtree(path)


def _rmtree(path: Path) -> None:
    # A killed full build's workers stop within about a second (`index.writers`); files
    # they create meanwhile would make one rmtree fail, so it is tried again.
    for _ in range(_RMTREE_TRIES):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.25)


def _swap_in(index_dir: Path, build_dir: Path) -> None:
    """Point ``index_dir`` (a symlink) at ``build_dir`` in one atomic rename."""
    previous = resolve(index_dir) if index_dir.is_symlink() else None
    link = index_dir.parent / f".{index_dir.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(build_dir, index_dir.parent))
    if index_dir.exists() and not index_dir.is_symlink():
        # A plain directory (made by hand or an older version) cannot be swapped
        # atomically with a symlink: move it aside first (the next run removes it).
        os.rename(index_dir, Path(tempfile.mkdtemp(prefix=_BUILD_PREFIX,
                                                   dir=_builds_dir(index_dir))) / "old")
    os.replace(link, index_dir)
    if previous and previous != build_dir.resolve():
        shutil.rmtree(previous, ignore_errors=True)
