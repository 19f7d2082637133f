"""What every reader shares: the Skipped record, the unreadable-file error, suffixes, and
article validation with one-line error messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from archive.models import Article

SUPPORTED_SUFFIXES = (".txt", ".json", ".jsonl", ".jsonl.gz", ".html", ".htm")
_LONGEST_FIRST = sorted(SUPPORTED_SUFFIXES, key=len, reverse=True)  # .jsonl.gz before .gz


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
