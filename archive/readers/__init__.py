"""Read articles from files and folders: plain text, JSON, JSON Lines (optionally gzipped), HTML.

``read_sources`` never raises for bad input: each file, line or item that cannot be read becomes
a ``Skipped`` with a short reason, and every good article in the same run still comes through.

Modules: `sources` (walking folders, one reader per suffix), `decoding` (bytes → text),
`txt`, `jsonl` (JSON and JSON Lines), `html` (one per format), `common` (Skipped,
suffixes, validation).
"""

from archive.readers.common import (
    SUPPORTED_SUFFIXES,
    Result,
    Skipped,
    UnreadableError,
    explain,
)
from archive.readers.decoding import decode_text
from archive.readers.sources import read_file, read_sources
from archive.readers.txt import FOOTER_MAX_CHARS, strip_footer

__all__ = ["FOOTER_MAX_CHARS", "SUPPORTED_SUFFIXES", "Result", "Skipped", "UnreadableError",
           "decode_text", "explain", "read_file", "read_sources", "strip_footer"]
