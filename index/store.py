"""Where the index lives on disk, and opening it for reading."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index

from .schema import SCHEMA_VERSION

INDEX_NAME = "articles"
VERSION_FILE = "SCHEMA_VERSION"


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
