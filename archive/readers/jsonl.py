"""JSON (one article object or a list) and JSON Lines files, plain or gzipped (streamed)."""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from archive.models import Article
from archive.readers.common import (
    MAX_ARTICLE_BYTES,
    MAX_JSON_BYTES,
    MB,
    Result,
    Skipped,
    UnreadableError,
    explain,
    file_stem,
    open_regular,
)
from archive.readers.decoding import BOMS, decode_text, read_text, reject_binary

_Lines = Iterator[tuple[int, Any]]  # (1-based number, str or bytes line, None if too long)
_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", int: "a number",
               float: "a number", bool: "a boolean", type(None): "null"}


def read_json(path: Path) -> Iterator[Result]:
    """One article object, or a list of them; bad items are skipped one by one."""
    try:
        value = json.loads(read_text(path, MAX_JSON_BYTES))
    except json.JSONDecodeError as exc:
        raise UnreadableError(f"invalid JSON: {exc.msg} at line {exc.lineno} column "
                              f"{exc.colno}") from None
    if isinstance(value, dict):
        items = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise UnreadableError(f"JSON value is {_JSON_TYPES.get(type(value), 'unknown')}, "
                              "expected an object or a list of objects")
    if not items:
        raise UnreadableError("empty JSON list")
    origin, stem = str(path), file_stem(path)
    for n, item in enumerate(items, 1):
        result = _from_json_value(item, f"{stem}-{n}", origin)
        if isinstance(result, str):
            prefix = f"item {n}: " if isinstance(value, list) else ""
            yield Skipped(origin, None, prefix + result)
        else:
            yield result


def read_jsonl(path: Path) -> Iterator[Result]:
    """One article per line of a JSON Lines file, streamed and decoded line by line."""
    with open_regular(path) as fh:
        yield from _from_json_lines(path, _numbered_lines(fh))


def read_jsonl_gz(path: Path) -> Iterator[Result]:
    """Gzipped JSON Lines, streamed; a corrupt stream keeps the articles read before it."""
    try:
        with open_regular(path) as raw, gzip.GzipFile(fileobj=raw, mode="rb") as fh:
            yield from _from_json_lines(path, _numbered_lines(fh))
    except _CorruptGzipError as exc:
        yield Skipped(str(path), exc.line, f"corrupted gzip: {exc.__cause__}")
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:  # broken before the first line
        yield Skipped(str(path), None, f"corrupted gzip: {exc}")


class _CorruptGzipError(Exception):
    """The gzip stream broke while reading ``line``."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _numbered_lines(fh: io.BufferedReader | gzip.GzipFile) -> _Lines:
    """The lines of a binary stream, as bytes; as text when a UTF-16/32 byte order mark says
    so (their newlines are several bytes). Reads the stream's head now, not lazily."""
    head = fh.peek(4)[:4]
    reject_binary(head, nul=False)
    for bom, encoding in BOMS:
        if head.startswith(bom) and encoding != "utf-8":
            return _bounded_lines(io.TextIOWrapper(fh, encoding=encoding, newline="\n"), "\n")
    return _bounded_lines(fh, b"\n")


def _bounded_lines(fh: io.BufferedIOBase | io.TextIOBase, newline: Any) -> _Lines:
    """Numbered lines, each None if longer than MAX_ARTICLE_BYTES: it is read past, never held
    (a 50 MB single line must not be). A broken gzip stream raises _CorruptGzipError."""
    n = 0
    try:
        while line := fh.readline(MAX_ARTICLE_BYTES + 1):
            n += 1
            if len(line) <= MAX_ARTICLE_BYTES or line.endswith(newline):
                yield n, line
                continue
            while line and not line.endswith(newline):
                line = fh.readline(MB)
            yield n, None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise _CorruptGzipError(n + 1) from exc
    except UnicodeDecodeError as exc:
        raise UnreadableError(f"undecodable: not valid {exc.encoding} "
                              f"despite its byte order mark (line {n + 1})") from None


def _from_json_lines(path: Path, lines: _Lines) -> Iterator[Result]:
    """Articles from numbered JSON lines; blank lines are ignored, bad ones skipped."""
    origin, stem = str(path), file_stem(path)
    seen_any = False
    for n, raw in lines:
        if raw is not None and (not raw or raw.isspace()):
            continue
        seen_any = True
        result = (f"line longer than {MAX_ARTICLE_BYTES // MB} MB" if raw is None
                  else _from_json_line(raw, n, stem, origin))
        yield result if isinstance(result, Article) else Skipped(origin, n, result)
    if not seen_any:
        raise UnreadableError("empty file")


def _from_json_line(raw: str | bytes, n: int, stem: str, origin: str) -> Article | str:
    """One JSON line as an Article, or the reason it is not one."""
    try:
        line = raw if isinstance(raw, str) else _decode_line(raw)
    except UnreadableError as exc:
        return str(exc)
    if n == 1:
        line = line.removeprefix("\ufeff")
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    return _from_json_value(value, f"{stem}-{n}", origin)


def _decode_line(raw: bytes) -> str:
    """One line's text: UTF-8, else its own guessed encoding (files do mix them)."""
    if b"\x00" not in raw:  # a NUL is binary, which decode_text reports
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return decode_text(raw)


def _from_json_value(value: Any, default_id: str, origin: str) -> Article | str:
    """A decoded JSON value as an Article, or the reason it is not one."""
    if not isinstance(value, dict):
        return f"expected a JSON object, got {_JSON_TYPES.get(type(value), 'unknown')}"
    if sum(len(v) for v in value.values() if isinstance(v, str)) > MAX_ARTICLE_BYTES:
        return f"article longer than {MAX_ARTICLE_BYTES // MB} MB"
    if value.get("id") in (None, ""):
        value["id"] = default_id
    # Real feeds write a missing title or body as null (8 saudinewsnet titles); the model
    # wants text there, and null means "none", so let the model's "" default apply.
    for key in ("title", "body"):
        if key in value and value[key] is None:
            del value[key]
    value["origin"] = origin
    try:
        return Article.model_validate(value)
    except ValidationError as exc:
        return explain(exc)
