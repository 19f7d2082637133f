"""What a Sphinx archive keeps beside the nodes: which slot is served, and that
generation's alias table, manifest and source labels.

Each generation's files live in their own folder; ``sphinx.json`` names the current one
and is replaced in one rename, so readers switch to a rebuilt archive atomically.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..aliases import AliasTable
from ..store import IndexMissing

STATE_FILE = "sphinx.json"
MANIFEST_FILE = "manifest.json"
LABELS_FILE = "labels.json"
SCHEMA = 1  # bumped when the shard schema or its analysis changes: a full rebuild follows


@dataclass
class State:
    """The served slot, the nodes it was built on, and the generation folder's name."""

    slot: str
    nodes: list[str]
    generation: int = 0
    enrich_version: str = ""
    avg_words: float = 100.0  # mean ranking terms an article (BM25's length norm)
    documents: int = 0
    schema: int = SCHEMA
    folder: str = field(default="")

    @staticmethod
    def path(state_dir: Path) -> Path:
        return Path(state_dir) / STATE_FILE

    @classmethod
    def load(cls, state_dir: Path) -> State:
        path = cls.path(state_dir)
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise IndexMissing(f"no Sphinx archive has been built in {state_dir} "
                               f"(archive reindex --engine sphinx)") from None

    @classmethod
    def find(cls, state_dir: Path) -> State | None:
        try:
            return cls.load(state_dir)
        except (IndexMissing, ValueError, TypeError):
            return None

    def files(self, state_dir: Path) -> Path:
        return Path(state_dir) / self.folder


@dataclass
class Saved:
    """One generation's files."""

    aliases: AliasTable
    manifest: dict[str, list[str]]  # id → [content hash, origin]; only reindex reads it
    labels: dict[str, str]  # source key → the first spelling seen


def load_files(state_dir: Path, state: State) -> Saved:
    """What a reader needs: the alias table and source labels (not the manifest)."""
    folder = state.files(state_dir)
    return Saved(AliasTable.load(folder), {}, _json(folder / LABELS_FILE))


def load_manifest(state_dir: Path, state: State) -> dict[str, list[str]]:
    return _json(state.files(state_dir) / MANIFEST_FILE)


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def publish(state_dir: Path, state: State, saved: Saved) -> State:
    """Write ``saved`` as the next generation and make ``state`` (with it) the current one."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    previous = State.find(state_dir)
    state.generation = (previous.generation + 1) if previous else 1
    state.folder = f"gen-{state.generation:06d}"
    folder = state_dir / state.folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    saved.aliases.save(folder)
    for name, data in ((MANIFEST_FILE, saved.manifest), (LABELS_FILE, saved.labels)):
        (folder / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp = state_dir / f".{STATE_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(asdict(state)), encoding="utf-8")
    os.replace(tmp, State.path(state_dir))
    for old in state_dir.glob("gen-*"):
        # The one before stays for readers still on it; older ones go.
        if old.name not in (state.folder, previous.folder if previous else ""):
            shutil.rmtree(old, ignore_errors=True)
    return state
