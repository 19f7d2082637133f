"""Read articles from files and folders: plain text, JSON, JSON Lines (optionally gzipped), HTML.

``read_sources`` never raises for bad input: each file, line or item that cannot be read becomes
a ``Skipped`` with a short reason, and every good article in the same run still comes through.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes
from pydantic import ValidationError

from archive.arabic import normalize, words
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


# --------------------------------------------------------------------------- entry point


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
    reader = _READERS.get(_suffix(path) or "")
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
                  if not name.startswith(".") and _suffix(Path(name)) is not None]
    # Sort on path components, not strings, so a folder's files stay together
    # ("a/z.txt" before "a-b.txt", as in a file tree).
    return sorted(found, key=lambda file: file.relative_to(root).parts)


def _suffix(path: Path) -> str | None:
    """The supported suffix of ``path`` (``.jsonl.gz`` is one suffix), or None."""
    name = path.name.lower()
    return next((s for s in _LONGEST_FIRST if name.endswith(s)), None)


def _stem(path: Path) -> str:
    """File name without its supported suffix: ``a.jsonl.gz`` → ``a``."""
    suffix = _suffix(path)
    return path.name[: -len(suffix)] if suffix else path.stem


# --------------------------------------------------------------------------- decoding

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC = (
    (b"\x89PNG", "PNG image"), (b"GIF8", "GIF image"), (b"\xff\xd8\xff", "JPEG image"),
    (b"%PDF-", "PDF document"), (b"PK\x03\x04", "ZIP archive"), (b"\x1f\x8b", "gzip data"),
    (b"\x7fELF", "executable"),
)

_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")


def decode_text(data: bytes) -> str:
    """Decode file bytes to text: BOM, then strict UTF-8, then a legacy (windows-1256) guess.

    Raises UnreadableError for empty, binary or undecodable input.
    """
    if not data.strip():
        raise UnreadableError("empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decode_strict(data[len(bom):], encoding)
            break
    else:
        _reject_binary(data)
        try:
            text = data.decode("utf-8")  # fast path; also avoids misguesses on short texts
        except UnicodeDecodeError:
            text = _decode_legacy(data)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise UnreadableError("empty file")
    if len(_CONTROL.findall(text[:4096])) * 100 > min(len(text), 4096):
        raise UnreadableError("binary file (control characters)")
    return text


def _decode_strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableError(f"undecodable: not valid {encoding} despite its byte order mark "
                              f"(byte {exc.start})") from None


def _reject_binary(data: bytes) -> None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise UnreadableError(f"binary file ({kind})")
    if b"\x00" in data:
        raise UnreadableError("binary file (contains NUL bytes)")


def _decode_legacy(data: bytes) -> str:
    """Non-UTF-8 bytes: charset-normalizer's guess, but windows-1256 when that reads as Arabic.

    Arabic archives are overwhelmingly windows-1256, and charset-normalizer misreads short
    Arabic texts (``مرحبا`` in cp1256 comes back as cp932). So cp1256 wins whenever it yields
    mostly Arabic letters and the detector's guess is not more Arabic (e.g. real ISO-8859-6).
    """
    cp1256 = data.decode("cp1256")  # every byte is defined: never fails
    cp1256_share = _arabic_share(cp1256)
    best = from_bytes(data).best()
    guess = str(best) if best is not None else None
    if cp1256_share >= 0.5 and (guess is None or _arabic_share(guess) <= cp1256_share):
        return cp1256
    if guess is None:
        raise UnreadableError("undecodable: neither UTF-8 nor a recognisable legacy encoding")
    return guess


def _arabic_share(text: str) -> float:
    """Share of Arabic letters among all letters of ``text`` (0.0 when it has none)."""
    letters = sum(ch.isalpha() for ch in text)
    return len(_ARABIC_LETTER.findall(text)) / letters if letters else 0.0


def _read_text(path: Path) -> str:
    """The decoded text of a file, line endings folded to ``\\n``."""
    text = decode_text(path.read_bytes())
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- plain text

_FOOTER_MARKERS = frozenset(" ".join(words(m)) for m in (
    "التعليقات", "تعليقات", "اترك تعليقاً", "اترك تعليقا", "اترك تعليق", "اترك رداً",
    "اترك ردا", "اترك رد", "أضف تعليق", "أضف تعليقاً", "أضف تعليقك", "اكتب تعليقاً",
))
_FOOTER_PREFIXES = tuple(" ".join(words(m)) for m in (
    "لن يتم نشر عنوان بريدك الإلكتروني",
))
# A footer starts this close to the end or it is article text (a subheading «التعليقات»
# followed by paragraphs is not a footer). The seed's whole footer is about 90 characters.
FOOTER_MAX_CHARS = 500
_MANY_BLANKS = re.compile(r"\n{3,}")


def _is_footer_marker(line: str) -> bool:
    """True for a line such as «التعليقات (3)» or «اترك تعليقاً», in any hamza/haraka spelling."""
    if len(line) > 120:  # markers are short; skip normalising long paragraphs
        return False
    key = " ".join(w for w in words(line) if not w.isdigit())
    return key in _FOOTER_MARKERS or (bool(key) and key.startswith(_FOOTER_PREFIXES))


def strip_footer(text: str) -> str:
    """Cut a trailing comment-form footer: from its first marker line in the last
    ``FOOTER_MAX_CHARS`` characters to the end. Text before that is never touched."""
    lines = text.split("\n")
    cut, tail = None, 0
    for i in range(len(lines) - 1, -1, -1):
        tail += len(lines[i]) + 1
        if tail > FOOTER_MAX_CHARS + 1:
            break
        if _is_footer_marker(lines[i]):
            cut = i  # keep going: the earliest marker in the tail starts the footer
    return text if cut is None else "\n".join(lines[:cut]).rstrip()


def _read_txt(path: Path) -> Iterator[Result]:
    """A crawler text file: first non-empty line is the title, the rest the body."""
    text = _read_text(path).strip()
    title, _, body = text.partition("\n")
    body = "\n".join(line.rstrip() for line in body.strip().split("\n"))
    body = _MANY_BLANKS.sub("\n\n", strip_footer(body))
    yield _article(path, {"id": _stem(path), "title": title, "body": body})


# --------------------------------------------------------------------------- JSON, JSON Lines

_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", int: "a number",
               float: "a number", bool: "a boolean", type(None): "null"}


def _read_json(path: Path) -> Iterator[Result]:
    """One article object, or a list of them; bad items are skipped one by one."""
    try:
        value = json.loads(_read_text(path))
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
    origin, stem = str(path), _stem(path)
    for n, item in enumerate(items, 1):
        result = _from_json_value(item, f"{stem}-{n}", origin)
        if isinstance(result, str):
            prefix = f"item {n}: " if isinstance(value, list) else ""
            yield Skipped(origin, None, prefix + result)
        else:
            yield result


def _read_jsonl(path: Path) -> Iterator[Result]:
    """One article per line of a (decoded) JSON Lines file."""
    # split("\n"), not splitlines(): JSON strings may hold a raw U+2028 or U+0085, which
    # splitlines() would treat as line ends and so break valid lines apart.
    yield from _from_json_lines(path, enumerate(_read_text(path).split("\n"), 1))


def _read_jsonl_gz(path: Path) -> Iterator[Result]:
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
    origin, stem = str(path), _stem(path)
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
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                raw = decode_text(raw)
            except UnreadableError as exc:
                return str(exc)
        if n == 1:
            raw = raw.removeprefix("\ufeff")
    try:
        value = json.loads(raw)
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


# --------------------------------------------------------------------------- HTML


def _read_html(path: Path) -> Iterator[Result]:
    """Main text, title and date of a web page, via trafilatura (boilerplate left out)."""
    # Imported here: trafilatura takes a while to import and only HTML input needs it.
    import trafilatura

    html = _read_text(path)
    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True,
        date_extraction_params={"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True},
    )
    if doc is None:  # no main text found: keep the page title if there is one
        meta = trafilatura.extract_metadata(html)
        if meta is None or not meta.title:
            raise UnreadableError("no article text found in HTML")
        fields = {"title": meta.title, "url": meta.url, "source": meta.sitename}
    else:
        fields = {"title": doc.title or "", "body": _html_body(doc.title, doc.text or ""),
                  "date": _parse_date(doc.date), "url": doc.url, "source": doc.sitename}
    yield _article(path, {"id": _stem(path), **fields})


def _html_body(title: str | None, text: str) -> str:
    """The extracted text without a repeated headline and without a comment-form footer."""
    first, _, rest = text.partition("\n")
    if title and normalize(first.strip()) == normalize(title.strip()):
        text = rest
    return strip_footer(text.strip())


def _parse_date(value: str | None) -> datetime | None:
    """A date found by trafilatura; an unparseable one is dropped rather than the article."""
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- shared helpers


def _article(path: Path, fields: dict[str, Any]) -> Result:
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


_READERS: dict[str, Callable[[Path], Iterator[Result]]] = {
    ".txt": _read_txt,
    ".json": _read_json,
    ".jsonl": _read_jsonl,
    ".jsonl.gz": _read_jsonl_gz,
    ".html": _read_html,
    ".htm": _read_html,
}
