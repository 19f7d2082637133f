"""Small builders shared by the index, search and CLI tests."""

from __future__ import annotations

import json
from pathlib import Path

from archive.readers import read_sources
from index.build import reindex

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_04c1b4fd56738f6d.txt"
SHARED = REPO.parent / "shared"


def write_jsonl(path: Path, articles: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in articles) + "\n",
                    encoding="utf-8")
    return path


def build(index_dir: Path, *sources: Path, **kwargs):
    """Index ``sources`` the way the CLI does (readers → reindex)."""
    return reindex(index_dir, read_sources(sources), **kwargs)
