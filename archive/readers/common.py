"""What every reader shares: the Skipped record, the unreadable-file error, suffixes, size
limits, opening only regular files, and article validation with one-line error messages."""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from archive.models import Article

SUPPORTED_SUFFIXES = (".txt", ".json", ".jsonl", ".jsonl.gz", ".html", ".htm")
_LONGEST_FIRST = sorted(SUPPORTED_SUFFIXES, key=len, reverse=True)  # .jsonl.gz before .gz

MB = 1024 * 1024
# Bounds on what is held in memory at once. Real articles stay under 50 KB (the longest
# corpus body is 21k characters), so a bigger one is a broken export, not news.
MAX_ARTICLE_BYTES = 4 * MB  # a .txt file, a JSON Lines line, a JSON item's text
MAX_HTML_BYTES = 16 * MB  # a page: markup, scripts and styles around the text
MAX_JSON_BYTES = 64 * MB  # a .json file is parsed whole; bigger feeds belong in JSON Lines


@dataclass(frozen=True)
class Skipped:
    """One input (file, JSON Lines line or JSON item) that could not be read."""

    path: str
    line: int | None  # 1-based line for JSON Lines, else None
    reason: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


class UnreadableError(ValueError):
    """A whole file cannot be read; the message is the reason shown to the user."""


Result = Article | Skipped

_NOT_REGULAR = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def open_regular(path: Path, limit: int | None = None) -> io.BufferedReader:
    """Open ``path`` for binary reading; UnreadableError unless it is a regular file of at
    most ``limit`` bytes."""
    _check_regular(os.stat(path), limit)  # a socket cannot even be opened
    # O_NONBLOCK: opening a FIFO would wait for a writer, forever. Checked again on the open
    # descriptor, so a file swapped since the stat cannot slip past.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        _check_regular(os.fstat(fd), limit)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_regular(info: os.stat_result, limit: int | None) -> None:
    kind = next((name for test, name in _NOT_REGULAR if test(info.st_mode)), None)
    if kind is not None:
        raise UnreadableError(f"not a regular file ({kind})")
    if limit is not None and info.st_size > limit:
        raise UnreadableError(f"file larger than {limit // MB} MB")


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, else UnreadableError."""
    with open_regular(path, limit) as fh:
        data = fh.read(limit + 1)  # it may have grown since fstat
    if len(data) > limit:
        raise UnreadableError(f"file larger than {limit // MB} MB")
    return data


def supported_suffix(path: Path) -> str | None:
    """The supported suffix of ``path`` (``.jsonl.gz`` is one suffix), or None."""
    name = path.name.lower()
    return next((s for s in _LONGEST_FIRST if name.endswith(s)), None)


def file_stem(path: Path) -> str:
    """File name without its supported suffix: ``a.jsonl.gz`` → ``a``."""
    suffix = supported_suffix(path)
    return path.name[: -len(suffix)] if suffix else path.stem


def to_article(path: Path, fields: dict[str, Any]) -> Result:
    """Validate one article read from ``path``; a validation error becomes a Skipped."""
    try:
        return Article.model_validate({**fields, "origin": str(path)})
    except ValidationError as exc:
        return Skipped(str(path), None, explain(exc))


_SHORT_MESSAGES = {
    "datetime_parsing": "invalid datetime",
    "datetime_from_date_parsing": "invalid datetime",
    "datetime_type": "invalid datetime",
    "string_type": "expected text",
    "string_too_short": "must not be empty",
    "missing": "missing",
}


def explain(error: ValidationError) -> str:
    """A pydantic error as one short line: ``"date: invalid datetime '2018-13-45'"``."""
    parts = []
    for item in error.errors(include_url=False):
        message = _SHORT_MESSAGES.get(item["type"])
        if message is None:
            message = item["msg"].removeprefix("Value error, ")
        elif item["type"].startswith("datetime"):
            message += f" {str(item['input'])[:40]!r}"
        loc = ".".join(str(part) for part in item["loc"])
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)
