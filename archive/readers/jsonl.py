"""JSON (one article object or a list) and JSON Lines files, plain or gzipped (streamed)."""

from __future__ import annotations

import codecs
import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from archive.models import Article
from archive.readers.common import Result, Skipped, UnreadableError, explain, file_stem
from archive.readers.decoding import decode_text, read_text

_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", int: "a number",
               float: "a number", bool: "a boolean", type(None): "null"}


def read_json(path: Path) -> Iterator[Result]:
    """One article object, or a list of them; bad items are skipped one by one."""
    try:
        value = json.loads(read_text(path))
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
    """One article per line of a (decoded) JSON Lines file."""
    # split("\n"), not splitlines(): JSON strings may hold a raw U+2028 or U+0085, which
    # splitlines() would treat as line ends and so break valid lines apart.
    yield from _from_json_lines(path, enumerate(read_text(path).split("\n"), 1))


def read_jsonl_gz(path: Path) -> Iterator[Result]:
    """Gzipped JSON Lines, streamed; a corrupt stream keeps the articles read before it."""
    try:
        with gzip.open(path, "rb") as fh:
            if fh.peek(2)[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                # Rare: decode as a whole, since UTF-16 newlines are two bytes.
                text = decode_text(fh.read()).replace("\r\n", "\n")
                yield from _from_json_lines(path, enumerate(text.split("\n"), 1))
            else:
                yield from _from_json_lines(path, _gzip_lines(fh))
    except _CorruptGzipError as exc:
        yield Skipped(str(path), exc.line, f"corrupted gzip: {exc.__cause__}")
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:  # broken before the first line
        yield Skipped(str(path), None, f"corrupted gzip: {exc}")


class _CorruptGzipError(Exception):
    """The gzip stream broke while reading ``line``."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _gzip_lines(fh: gzip.GzipFile) -> Iterator[tuple[int, bytes]]:
    """Numbered lines of an open gzip file; a broken stream raises _CorruptGzipError."""
    n = 0
    try:
        for n, raw in enumerate(fh, 1):
            yield n, raw
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise _CorruptGzipError(n + 1) from exc


def _from_json_lines(path: Path, lines: Iterable[tuple[int, str | bytes]]) -> Iterator[Result]:
    """Articles from numbered JSON lines; blank lines are ignored, bad ones skipped."""
    origin, stem = str(path), file_stem(path)
    seen_any = False
    for n, raw in lines:
        if not raw or raw.isspace():
            continue
        seen_any = True
        result = _from_json_line(raw, n, stem, origin)
        yield result if isinstance(result, Article) else Skipped(origin, n, result)
    if not seen_any:  # a gzip of nothing; plain files were caught by decode_text
        raise UnreadableError("empty file")


def _from_json_line(raw: str | bytes, n: int, stem: str, origin: str) -> Article | str:
    """One JSON line as an Article, or the reason it is not one."""
    if isinstance(raw, bytes):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                line = decode_text(raw)
            except UnreadableError as exc:
                return str(exc)
        if n == 1:
            line = line.removeprefix("\ufeff")
    else:
        line = raw
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    return _from_json_value(value, f"{stem}-{n}", origin)


def _from_json_value(value: Any, default_id: str, origin: str) -> Article | str:
    """A decoded JSON value as an Article, or the reason it is not one."""
    if not isinstance(value, dict):
        return f"expected a JSON object, got {_JSON_TYPES.get(type(value), 'unknown')}"
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
