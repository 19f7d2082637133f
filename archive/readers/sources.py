"""Walking files and folders and dispatching each file to the reader of its format."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from archive.readers.common import (
    SUPPORTED_SUFFIXES,
    Result,
    Skipped,
    UnreadableError,
    supported_suffix,
)
from archive.readers.html import read_html
from archive.readers.jsonl import read_json, read_jsonl, read_jsonl_gz
from archive.readers.txt import read_txt

_READERS: dict[str, Callable[[Path], Iterator[Result]]] = {
    ".txt": read_txt,
    ".json": read_json,
    ".jsonl": read_jsonl,
    ".jsonl.gz": read_jsonl_gz,
    ".html": read_html,
    ".htm": read_html,
}


def read_sources(paths: Iterable[str | Path]) -> Iterator[Result]:
    """Yield every article from files/directories (recursive, sorted order), and a Skipped for
    each bad input. Unknown suffixes inside a directory are ignored; given explicitly, skipped."""
    for given in paths:
        path = Path(given).resolve()
        if path.is_dir():
            for file in _walk(path):
                yield from read_file(file)
        elif not path.exists():
            yield Skipped(str(path), None, "no such file or directory")
        else:
            yield from read_file(path)


def read_file(path: str | Path) -> Iterator[Result]:
    """Yield the articles of one file; any failure becomes a Skipped, never an exception."""
    path = Path(path).resolve()
    reader = _READERS.get(supported_suffix(path) or "")
    if reader is None:
        yield Skipped(str(path), None, "unsupported file type (expected one of "
                                      + ", ".join(SUPPORTED_SUFFIXES) + ")")
        return
    try:
        yield from reader(path)
    except UnreadableError as exc:
        yield Skipped(str(path), None, str(exc))
    except OSError as exc:
        yield Skipped(str(path), None, f"cannot read file: {exc.strerror or exc}")
    except Exception as exc:
        # Third-party parsers (trafilatura, lxml) can fail in ways we cannot enumerate; one such
        # file must not stop the rest of the run.
        yield Skipped(str(path), None, f"cannot read file: {type(exc).__name__}: {exc}")


def _walk(root: Path) -> list[Path]:
    """Supported files under ``root``, sorted by path; hidden files and folders are left out."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # prune: never descended into
        found += [Path(folder, name) for name in files
                  if not name.startswith(".") and supported_suffix(Path(name)) is not None]
    # Sort on path components, not strings, so a folder's files stay together
    # ("a/z.txt" before "a-b.txt", as in a file tree).
    return sorted(found, key=lambda file: file.relative_to(root).parts)
