"""``archive check``: the index verified against itself and against its sources.

Differences (any of them makes the check fail):

- ``unreadable``: a segment file that is missing or cannot be read through (`check_segments`);
- ``schema``: the index was built by another schema version (the next reindex rebuilds it);
- ``manifest``: ``manifest.json`` absent, unloadable, or not agreeing with the stored
  documents (an id on one side only, or another content hash or origin);
- ``aliases``: ``aliases.json`` absent or unloadable;
- ``entities``: the entities were filled by another extractor than the expected one;
- against sources: ``missing`` (in the sources, not in the index), ``stale`` (indexed with
  another content hash or origin) and ``orphaned`` (indexed, but not in the sources: its
  file is gone, is not among the sources given, or was read whole without it).

Sources are read as reindex reads them (same readers, first of a duplicate id wins), so an
index fresh from ``archive reindex SOURCES`` checks clean against the same SOURCES. Inputs
that reindex skips (unreadable files and lines, duplicate ids) are warnings, not
differences: they cannot be in the index. An indexed article whose file could not be read
whole is not called orphaned either (reindex keeps it; the warning names the file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from whoosh import index as whoosh_index

from archive.models import Article
from archive.readers import Skipped

from .aliases import ALIASES_FILE
from .build import ENRICH_FILE, ReindexReport, SourcePass
from .check_segments import scan
from .manifest import MANIFEST_FILE
from .schema import SCHEMA_VERSION
from .sphinx.state import SCHEMA as SPHINX_SCHEMA
from .sphinx.state import State
from .store import INDEX_NAME, VERSION_FILE, IndexMissing, resolve

Manifest = dict[str, list[str]]  # id → [content hash, origin]


class Kind(StrEnum):
    """What a finding is about."""

    UNREADABLE = "unreadable"
    SCHEMA = "schema"
    MANIFEST = "manifest"
    DUPLICATE = "duplicate"
    ALIASES = "aliases"
    ENTITIES = "entities"
    MISSING = "missing"
    STALE = "stale"
    ORPHANED = "orphaned"
    SKIPPED = "skipped"  # a warning: reindex skips it too
    NO_ENTITIES = "no-entities"  # information: built with --no-entities


class Level(StrEnum):
    DIFFERENCE = "difference"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One difference (or warning, or note): its kind, the id or path, and what differs."""

    kind: Kind
    subject: str
    detail: str
    level: Level = Level.DIFFERENCE

    def __str__(self) -> str:
        return f"{self.kind.value:<11} {self.subject}  {self.detail}"


@dataclass(frozen=True)
class Expected:
    """What the entity data should be: ``version`` names the current extractor (None: not
    checked) and ``none`` marks a build without entities, which is a note rather than a
    difference unless ``version`` is ``none`` itself."""

    version: str | None = None
    none: str = "none"


@dataclass
class CheckReport:
    """Every finding, with what was read to reach them."""

    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def differences(self) -> list[Finding]:
        return [f for f in self.findings if f.level is Level.DIFFERENCE]

    @property
    def clean(self) -> bool:
        return not self.differences

    def add(self, kind: Kind, subject: str, detail: str,
            level: Level = Level.DIFFERENCE) -> None:
        self.findings.append(Finding(kind, subject, detail, level))

    def summary(self) -> str:
        warnings = sum(f.level is Level.WARNING for f in self.findings)
        read = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        verdict = "clean" if self.clean else f"{len(self.differences)} differences"
        return f"{verdict}, {warnings} warnings ({read})"

    def as_dict(self) -> dict:
        return {"clean": self.clean, "differences": len(self.differences),
                "counts": self.counts,
                "findings": [{k: str(v) for k, v in asdict(f).items()} for f in self.findings]}


def check_index(index_dir: Path, sources: Iterable[Article | Skipped] | None = None,
                expected: Expected = Expected()) -> CheckReport:
    """Check the Whoosh index at ``index_dir`` (raises `IndexMissing` when there is none)."""
    directory = resolve(index_dir)
    if not whoosh_index.exists_in(str(directory), indexname=INDEX_NAME):
        raise IndexMissing(f"no index at {index_dir}: run `archive reindex`")
    report = CheckReport()
    version = _read(directory / VERSION_FILE)
    if version != str(SCHEMA_VERSION):
        report.add(Kind.SCHEMA, VERSION_FILE,
                   f"schema version {version or 'absent'}, this version reads {SCHEMA_VERSION}")
    scanned = scan(directory)
    report.counts.update(segments=scanned.segments, documents=len(scanned.documents),
                         terms=scanned.terms, postings=scanned.postings)
    for problem in scanned.problems:
        report.add(Kind.UNREADABLE, problem.file, f"segment {problem.segment}: {problem.error}")
    for doc_id in scanned.duplicates:
        report.add(Kind.DUPLICATE, doc_id, "stored more than once in the index")
    manifest = _manifest(directory, report, scanned.generation)
    if scanned.stored_complete and manifest is not None:
        compare_manifest(manifest, scanned.documents, report)
    _aliases(directory, report)
    check_entities(_read(directory / ENRICH_FILE), expected, report)
    if sources is not None:
        # The stored documents are the truth; when they could not all be read, the
        # manifest stands in for them.
        indexed = scanned.documents if scanned.stored_complete else (manifest or {})
        compare_sources(indexed, sources, report)
    return report


def check_sphinx_state(state_dir: Path, sources: Iterable[Article | Skipped] | None = None,
                       expected: Expected = Expected()) -> CheckReport:
    """Check what a Sphinx archive keeps beside its nodes (schema, manifest, aliases,
    extractor) and its manifest against the sources; the nodes' health is `stats`."""
    state = State.load(state_dir)  # raises IndexMissing when there is none
    report = CheckReport(counts={"documents": state.documents})
    if state.schema != SPHINX_SCHEMA:
        report.add(Kind.SCHEMA, str(State.path(state_dir)),
                   f"schema {state.schema}, this version reads {SPHINX_SCHEMA}")
    folder = state.files(state_dir)
    manifest = _manifest(folder, report)
    if manifest is not None and len(manifest) != state.documents:
        report.add(Kind.MANIFEST, MANIFEST_FILE, f"{len(manifest)} articles, the state says "
                                                 f"{state.documents} were indexed")
    _aliases(folder, report)
    check_entities(state.enrich_version, expected, report)
    if sources is not None:
        compare_sources(manifest or {}, sources, report)
    return report


def compare_manifest(manifest: Manifest, stored: Manifest, report: CheckReport) -> None:
    """The manifest against the stored documents."""
    for doc_id in sorted(manifest.keys() - stored.keys()):
        report.add(Kind.MANIFEST, doc_id, "in manifest.json, not in the index")
    for doc_id in sorted(stored.keys() - manifest.keys()):
        report.add(Kind.MANIFEST, doc_id, "in the index, not in manifest.json")
    for doc_id in sorted(stored.keys() & manifest.keys()):
        if list(manifest[doc_id]) != list(stored[doc_id]):
            report.add(Kind.MANIFEST, doc_id, f"manifest.json says {manifest[doc_id]}, "
                                              f"the index holds {stored[doc_id]}")


def compare_sources(indexed: Manifest, items: Iterable[Article | Skipped],
                    report: CheckReport) -> None:
    """Missing, stale and orphaned articles of ``indexed`` against the sources."""
    run = SourcePass(ReindexReport(), lambda article: article, lambda: None)
    read = 0
    for article in run.articles(items):
        read += 1
        known = indexed.get(article.id)
        if known is None:
            report.add(Kind.MISSING, article.id, f"in {article.origin}, not in the index")
        elif known[0] != article.content_hash:
            report.add(Kind.STALE, article.id, f"changed in {article.origin} since indexed")
        elif known[1] != article.origin:
            report.add(Kind.STALE, article.id, f"indexed from {known[1]}, now in {article.origin}")
    report.counts["source articles"] = read
    for skipped in run.report.skipped:
        report.add(Kind.SKIPPED, skipped.path if skipped.line is None
                   else f"{skipped.path}:{skipped.line}", skipped.reason, Level.WARNING)
    files = run.seen.files()
    ordered = sorted(indexed.items())
    for (doc_id, (_, origin)), read in zip(ordered, run.seen.contains(d for d, _ in ordered),
                                           strict=True):
        if read or origin in run.files_with_problems:
            continue
        if not origin or not os.path.exists(origin):
            why = f"its file {origin or '(none)'} is gone"
        elif origin in files:
            why = f"no longer in {origin}"
        else:
            why = f"its file {origin} is not among the sources"
        report.add(Kind.ORPHANED, doc_id, why)


def check_entities(found: str | None, expected: Expected, report: CheckReport) -> None:
    """The extractor that filled the index's entities against the expected one."""
    if expected.version is None:
        return
    if found == expected.none and expected.version != expected.none:
        report.add(Kind.NO_ENTITIES, ENRICH_FILE, "built without entities (--no-entities)",
                   Level.INFO)
    elif found != expected.version:
        report.add(Kind.ENTITIES, ENRICH_FILE,
                   f"entities of extractor {found or '(unknown)'}, the current one is "
                   f"{expected.version}: `archive reindex` rebuilds them")


def _manifest(directory: Path, report: CheckReport, generation: int | None = None
              ) -> Manifest | None:
    """The manifest's articles, in either layout: ``{"generation", "articles"}`` (whose
    generation must be the index's) or the older bare map."""
    path = directory / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        report.add(Kind.MANIFEST, MANIFEST_FILE, "absent")
        return None
    except (OSError, ValueError) as exc:
        report.add(Kind.MANIFEST, MANIFEST_FILE, f"unreadable: {exc}")
        return None
    if isinstance(data, dict) and isinstance(data.get("articles"), dict):
        if generation is not None and data.get("generation") != generation:
            report.add(Kind.MANIFEST, MANIFEST_FILE,
                       f"describes generation {data.get('generation')}, the index is at "
                       f"generation {generation} (a reindex killed before it finished?)")
        data = data["articles"]
    if not isinstance(data, dict) or not all(
            isinstance(v, list) and len(v) == 2 for v in data.values()):
        report.add(Kind.MANIFEST, MANIFEST_FILE, "not a map of id → [content hash, origin]")
        return None
    return data


def _aliases(directory: Path, report: CheckReport) -> None:
    path = directory / ALIASES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        report.add(Kind.ALIASES, ALIASES_FILE, "absent")
        return
    except (OSError, ValueError) as exc:
        report.add(Kind.ALIASES, ALIASES_FILE, f"unreadable: {exc}")
        return
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        report.add(Kind.ALIASES, ALIASES_FILE, "not a map of kind → entities")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
