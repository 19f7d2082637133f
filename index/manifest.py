"""The manifest beside a Whoosh index: id → [content hash, origin] of every article.

An unchanged corpus is re-checked against it without unpickling every stored body. It names
the Whoosh generation it describes: a run killed between its commit and this file leaves one
that the next run does not trust. A full build streams it to disk article by article
(`ManifestWriter`), so the build holds no per-article map however large the corpus.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MANIFEST_FILE = "manifest.json"


def save_manifest(manifest: dict[str, list[str]], directory: Path, generation: int) -> None:
    writer = ManifestWriter(directory)
    for doc_id, entry in manifest.items():
        writer[doc_id] = entry
    writer.close(generation)


def load_manifest(directory: Path, generation: int) -> dict[str, list[str]] | None:
    """The manifest of Whoosh generation ``generation``, or None: absent, unreadable, of an
    older format, or left by a run killed after its commit (the stored fields then)."""
    path = directory / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generation") != generation:
        return None
    articles = data.get("articles")
    return articles if isinstance(articles, dict) else None


class ManifestWriter:
    """Writes a manifest entry by entry into a temporary file; `close` names its generation
    and moves it into place in one rename. Ids are unique (the reader drops repeats)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / MANIFEST_FILE
        self.tmp = self.path.with_suffix(".tmp")
        self.file = self.tmp.open("w", encoding="utf-8")
        self.file.write('{"articles": {')
        self.separator = ""

    def __setitem__(self, doc_id: str, entry: list[str]) -> None:
        # One JSON object written in pieces: json.dump of the whole map would hold it all.
        self.file.write(f"{self.separator}{json.dumps(doc_id, ensure_ascii=False)}: "
                        f"{json.dumps(entry, ensure_ascii=False)}")
        self.separator = ", "

    def close(self, generation: int) -> None:
        self.file.write(f'}}, "generation": {int(generation)}}}')
        self.file.close()
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        self.file.close()
        self.tmp.unlink(missing_ok=True)
