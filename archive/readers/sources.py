"""Walking files and folders and dispatching each file to the reader of its format."""

from __future__ import annotations

import errno
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
        if Path(given).is_dir():
            for item in _walk(Path(given).resolve()):
                if isinstance(item, Skipped):
                    yield item
                else:
                    yield from read_file(item)
        else:
            yield from read_file(given)


def read_file(path: str | Path) -> Iterator[Result]:
    """Yield the articles of one file; any failure becomes a Skipped, never an exception."""
    try:
        path = _real_path(Path(path))
    except UnreadableError as exc:
        yield Skipped(_shown_path(Path(path)), None, str(exc))
        return
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


def _real_path(path: Path) -> Path:
    """``path`` with every symlink resolved; UnreadableError if it is missing or a link loops."""
    try:
        return path.resolve(strict=True)
    except FileNotFoundError:
        if path.is_symlink():
            raise UnreadableError(f"broken symlink (to {os.readlink(path)})") from None
        raise UnreadableError("no such file or directory") from None
    except RuntimeError:  # how Python before 3.13 reports a symlink loop
        raise UnreadableError("symlink loop") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableError("symlink loop") from None
        raise UnreadableError(f"cannot read file: {exc.strerror or exc}") from None


def _shown_path(path: Path) -> str:
    """Where an unresolvable ``path`` is: its folder resolved, its own name kept."""
    try:
        return str(path.absolute().parent.resolve() / path.name)
    except (OSError, RuntimeError):
        return str(path.absolute())


def _walk(root: Path) -> list[Path | Skipped]:
    """Supported files under ``root``, sorted by path, and a Skipped for each folder not read.

    Hidden files and folders are left out. Symlinked folders are followed after all real
    ones, so each real folder is read once, under its own path, and loops are cut. Iterative:
    os.walk recurses before Python 3.12 and so hits the recursion limit 1000 folders deep.
    """
    found: list[tuple[tuple[str, ...], Path | Skipped]] = []

    def skip(path: Path, reason: str) -> None:
        found.append((path.relative_to(root).parts, Skipped(str(path), None, reason)))

    seen: dict[tuple[int, int], Path] = {}
    folders: list[Path] = [root]
    links: list[Path] = []
    while folders or links:
        folder = folders.pop() if folders else links.pop(0)
        try:
            first = seen.setdefault(_inode(folder), folder)
        except OSError:  # gone since it was listed
            continue
        if first is not folder or _links_up(folder, root):
            loop = first is folder or first in folder.parents
            skip(folder, f"symlink loop (to {os.path.realpath(folder)})" if loop
                 else f"folder already read as {first}")
            continue
        try:
            with os.scandir(folder) as scan:
                entries = sorted((Path(e.path), _is_dir(e)) for e in scan
                                 if not e.name.startswith("."))
        except OSError as exc:
            skip(folder, f"cannot read folder: {exc.strerror}")
            continue
        for path, is_dir in entries:
            if is_dir:
                (links if path.is_symlink() else folders).append(path)
            elif supported_suffix(path) is not None:
                found.append((path.relative_to(root).parts, path))
    # Sort on path components, not strings, so a folder's files stay together
    # ("a/z.txt" before "a-b.txt", as in a file tree).
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # follows symlinks
    except OSError:  # a symlink loop: read_file reports it
        return False


def _inode(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def _links_up(path: Path, root: Path) -> bool:
    """True if ``path`` is a symlink to ``root``, its own folder, or a folder holding either."""
    if not path.is_symlink():
        return False
    target = Path(os.path.realpath(path))
    return (root.is_relative_to(target)
            or Path(os.path.realpath(path.parent)).is_relative_to(target))
