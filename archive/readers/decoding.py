"""Bytes to text: byte order marks, strict UTF-8, then a windows-1256-first legacy guess;
empty, binary and damaged UTF-8 input is refused."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes

from archive.readers.common import UnreadableError, read_bytes

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
BOMS = (
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

# Three well-formed multi-byte UTF-8 characters in a row: never seen in legacy Arabic or
# Latin text, always in UTF-8 Arabic. Beside an invalid byte it means damaged or mixed
# encodings, which a legacy guess would turn into mojibake for the whole file.
_UTF8_RUN = re.compile(rb"(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                       rb"|[\xf0-\xf4][\x80-\xbf]{3}){3}")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")


def decode_text(data: bytes) -> str:
    """Decode file bytes to text: BOM, then strict UTF-8, then a legacy (windows-1256) guess.

    Raises UnreadableError for empty, binary or undecodable input.
    """
    if not data.strip():
        raise UnreadableError("empty file")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = _decode_strict(data[len(bom):], encoding)
            break
    else:
        reject_binary(data)
        try:
            text = data.decode("utf-8")  # fast path; also avoids misguesses on short texts
        except UnicodeDecodeError as exc:
            if _UTF8_RUN.search(data):
                raise UnreadableError(f"undecodable: invalid UTF-8 at byte {exc.start} of UTF-8 "
                                      "text (damaged, or mixed encodings)") from None
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


def reject_binary(data: bytes, *, nul: bool = True) -> None:
    """UnreadableError if ``data`` starts like a known binary format (or holds a NUL byte)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise UnreadableError(f"binary file ({kind})")
    if nul and b"\x00" in data:
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


def read_text(path: Path, limit: int) -> str:
    """The decoded text of a file of at most ``limit`` bytes, line endings folded to ``\\n``."""
    text = decode_text(read_bytes(path, limit))
    return text.replace("\r\n", "\n").replace("\r", "\n")
