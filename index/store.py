"""Where the index lives on disk, and opening it for reading."""

from __future__ import annotations

import pickle
from pathlib import Path

import whoosh.codec.whoosh3 as _w3
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.index import Index
from whoosh.matching.mcore import ListMatcher

from .schema import SCHEMA_VERSION

INDEX_NAME = "articles"
VERSION_FILE = "SCHEMA_VERSION"


# Terms with fewer postings than this are stored inside their term entry instead of a
# posting block of their own. Most terms of a news archive are that rare; writing a
# pickled, compressed block for each was the largest single cost of a build (with 16:
# 89 → 129 articles/s single-process, index size unchanged; bench in the closing note).
INLINE_POSTINGS = 16
# Postings a block holds (Whoosh's default is 128). Reading a block has fixed costs
# (a seek, a pickled header, a zlib stream, an unpickle), a large share of the vectorised
# search's reading of common words: 1,024 read the top terms in 0.75 of the time (8k
# articles, index 2 % smaller; bench/README.md "Posting blocks").
POSTING_BLOCK = 1024

# whoosh-reloaded 2.7.5 calls `set_inline` where the method is named `set_inlined`, so
# any inline limit above Whoosh's default of 1 fails; the two names are the same method.
if not hasattr(W3TermInfo, "set_inline"):
    W3TermInfo.set_inline = W3TermInfo.set_inlined

# The W3 codec pickles term entries (inlined postings) and posting blocks with protocol 2,
# which has no bytes type: every posting's value and every id/weight array goes through
# ``_codecs.encode`` as latin-1 text (~35 bytes of wrapping each, high bytes doubled).
# Protocol 3 stores bytes as bytes and adds no frame header for these small pickles
# (protocol 4+ does); readers unpickle any protocol, so older indexes still open.
# Measured on 5,000 articles: index 55.4 → 42.2 MB (terms 31.8 → 23.7, postings 14.9 →
# 9.7), build no slower.


def _dumps(obj, _protocol: int = 2) -> bytes:
    return pickle.dumps(obj, 3)


_w3.dumps = _dumps

# ... and an inlined posting list without values (dates, ids, facet keys) then answers ""
# (a str) for each value, where merging segments (an incremental commit) asserts bytes or
# None: after a few incremental runs every reindex failed. None is what W3's own posting
# blocks answer for such postings.
_list_value = ListMatcher.value


def _inlined_value(self):
    value = _list_value(self)
    return None if value == "" else value


ListMatcher.value = _inlined_value


def codec() -> W3Codec:
    """The codec every writer uses (readers take it from each segment)."""
    return W3Codec(blocklimit=POSTING_BLOCK, inlinelimit=INLINE_POSTINGS)


class IndexMissing(Exception):
    """No usable index at the given directory."""


def resolve(index_dir: Path) -> Path:
    """The directory holding the current build (``index_dir`` is usually a symlink)."""
    return Path(index_dir).resolve()


def is_current(index_dir: Path) -> bool:
    """True when an index of this schema version is at ``index_dir``."""
    directory = resolve(index_dir)
    version = directory / VERSION_FILE
    return (
        version.is_file()
        and version.read_text().strip() == str(SCHEMA_VERSION)
        and whoosh_index.exists_in(str(directory), indexname=INDEX_NAME)
    )


def open_index(index_dir: Path) -> Index:
    """Open the index for reading, or raise `IndexMissing` with a helpful message."""
    if not is_current(index_dir):
        raise IndexMissing(
            f"no index at {index_dir} (or one built by another version): run `archive reindex`"
        )
    return whoosh_index.open_dir(str(resolve(index_dir)), indexname=INDEX_NAME)
