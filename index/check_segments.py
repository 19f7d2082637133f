"""Reading every segment of a Whoosh index end to end, for `index.check`.

Each segment is opened on its own and read part by part (term index, postings, stored
fields, columns), so a damaged file is named with its segment and the other segments are
still read. Whoosh reports a damaged file in many ways (OSError, EOFError, struct.error,
zlib.error, pickle errors, IndexError, ValueError ...), and none of them is a Whoosh
"corrupt index" error, so each part catches ``Exception`` and reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from .schema import facet_column
from .store import INDEX_NAME

STORED = "_stored"  # Whoosh's column of pickled stored fields


def length_column(fieldname: str) -> str:
    """Whoosh's column of per-document field lengths (whoosh3 ``_lenfield``)."""
    return f"_{fieldname}_len"


@dataclass
class SegmentProblem:
    """One part of one segment that could not be read."""

    segment: str
    file: str
    error: str


@dataclass
class SegmentScan:
    """What reading every segment found: the stored (id → [hash, origin]) of every live
    document, counts, and the parts that could not be read."""

    documents: dict[str, list[str]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    generation: int | None = None  # of the table of contents read
    segments: int = 0
    terms: int = 0
    postings: int = 0
    problems: list[SegmentProblem] = field(default_factory=list)

    @property
    def stored_complete(self) -> bool:
        """True when the stored fields of every segment were read."""
        return not any(p.file.endswith(f".{STORED}.col") or p.file.endswith(".toc")
                       or p.file.endswith(".*") for p in self.problems)


def scan(directory: Path) -> SegmentScan:
    """Open the index in ``directory`` and read all of each segment."""
    out = SegmentScan()
    storage = FileStorage(str(directory))
    try:
        toc = TOC.read(storage, INDEX_NAME)
    except Exception as exc:
        out.problems.append(SegmentProblem("(index)", f"_{INDEX_NAME}_*.toc", _say(exc)))
        return out
    out.generation = toc.generation
    for segment in toc.segments:
        out.segments += 1
        _scan_segment(storage, toc.schema, segment, out)
    return out


def _scan_segment(storage, schema, segment, out: SegmentScan) -> None:
    name = segment.segment_id()
    try:
        reader = SegmentReader(storage, schema, segment)
    except Exception as exc:
        out.problems.append(SegmentProblem(name, f"{name}.*", _say(exc)))
        return
    try:
        for file, part in _parts(reader, storage, segment, out):
            try:
                part()
            except Exception as exc:
                out.problems.append(SegmentProblem(name, file, _say(exc)))
    finally:
        reader.close()


def _parts(reader: SegmentReader, storage, segment, out: SegmentScan
           ) -> Iterator[tuple[str, Callable[[], None]]]:
    """(file, reading step) for each part of the segment."""
    filename = segment.make_filename
    with_postings: dict[str, set[int]] = {}  # field → documents with a posting in it

    def column_file(column: str) -> str:
        return filename(f".{column}{W3Codec.COLUMN_EXT}")

    def present(column: str) -> None:
        if not storage.file_exists(column_file(column)):
            raise FileNotFoundError("file is missing")

    def terms_and_postings() -> None:
        for fieldname, text in reader.all_terms():
            docs = with_postings.setdefault(fieldname, set())
            postings = list(reader.postings(fieldname, text).all_ids())
            docs.update(postings)
            out.terms += 1
            out.postings += len(postings)

    def stored() -> None:
        if reader.doc_count_all():
            present(STORED)
        live = list(reader.all_doc_ids())
        unnamed = sum(not _record(reader.stored_fields(docnum), out) for docnum in live)
        if unnamed:  # every article has an id: a cut column can read as empty fields
            raise EOFError(f"{unnamed} of {len(live)} documents read without an id "
                           "(file damaged?)")

    yield f"{filename(W3Codec.TERMS_EXT)} + {filename(W3Codec.POSTS_EXT)}", terms_and_postings
    yield column_file(STORED), stored
    for column, read in _columns(reader, with_postings):
        yield column_file(column), _checked(present, column, read)


def _columns(reader: SegmentReader, with_postings: dict[str, set[int]]
             ) -> Iterator[tuple[str, Callable[[], None]]]:
    """Every column the segment must hold: field lengths of each scored field with terms,
    sort columns, and the facet column of each field with terms (a missing column file
    reads as empty values in Whoosh, so its absence is checked here)."""
    schema = reader.schema
    for fieldname in sorted(with_postings):
        spec = schema[fieldname]
        if spec.scorable:
            yield length_column(fieldname), _reading_lengths(reader, fieldname,
                                                             with_postings[fieldname])
        names = [fieldname] if spec.column_type else []
        if facet_column(fieldname) in schema:
            names.append(facet_column(fieldname))
        for column in names:
            yield column, _reading_column(reader, column)


def _checked(present: Callable[[str], None], column: str, read: Callable[[], None]
             ) -> Callable[[], None]:
    def run() -> None:
        present(column)
        read()
    return run


def _reading_lengths(reader: SegmentReader, fieldname: str, docnums: set[int]
                     ) -> Callable[[], None]:
    """Every document with a posting in the field has a length: a length column reads
    past its end as zeros (Whoosh's fixed-width columns), so a truncated one shows here."""
    def read() -> None:
        without = sum(1 for docnum in docnums if not reader.doc_field_length(docnum, fieldname))
        if without:
            raise EOFError(f"no length for {without} of {len(docnums)} documents with terms "
                           f"in {fieldname!r} (file truncated?)")
    return read


def _reading_column(reader: SegmentReader, column: str) -> Callable[[], None]:
    def read() -> None:
        for _ in reader.column_reader(column, translate=False):
            pass
    return read


def _record(fields: dict, out: SegmentScan) -> bool:
    """Record one document's stored fields; False when they hold no id."""
    doc_id = fields.get("id")
    if not doc_id:
        return False
    if doc_id in out.documents:
        out.duplicates.append(doc_id)
    out.documents[doc_id] = [fields.get("content_hash") or "", fields.get("origin") or ""]
    return True


def _say(exc: BaseException) -> str:
    kind = type(exc)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    return f"{name}: {exc}" if str(exc) else name
