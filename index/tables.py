"""Facet tables computed once per index generation, at build time, and memory-mapped by readers.

Counting a facet needs, for every document, the ids of its values (`FacetTable`). Making
them reads every document's facet columns and keys every value through the alias table:
about 95% of a web worker's start-up at 60k articles, paid again by every worker. A reindex
writes them beside the index instead; a reader whose generation matches maps the arrays
(shared by every worker through the page cache) and reads the keys, and otherwise makes
its own (an index built by an older version, or a reindex killed before it wrote them).

Layout in the build directory: ``facet-tables/tables.json`` (the generation, and per facet
its keys and labels), and ``facet-tables/<generation>-<facet>-{docs,ids}.npy``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .facets import FacetTable, FacetType
from .models import FacetName

TABLES_DIR = "facet-tables"
_META = "tables.json"


def save_tables(reader, facets: dict[FacetName, FacetType], directory: Path) -> None:
    """Make every facet's table for ``reader``'s generation and write it under
    ``directory``; the previous generation's files are removed once the new ones are in."""
    folder = Path(directory) / TABLES_DIR
    folder.mkdir(exist_ok=True)
    generation = reader.generation()
    meta: dict = {"generation": generation, "facets": {}}
    for name, facet in facets.items():
        table = facet.table(reader)
        for part in ("docs", "ids"):
            np.save(folder / _array_name(generation, name, part), getattr(table, part))
        meta["facets"][name.value] = {"keys": table.keys, "labels": table.labels}
    tmp = folder / f"{_META}.tmp"
    tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / _META)  # the tables of this generation are complete now
    prefix = f"{generation}-"
    for path in folder.glob("*.npy"):
        if not path.name.startswith(prefix):
            path.unlink(missing_ok=True)  # a reader that mapped it keeps its pages


def load_tables(directory: Path, generation: int) -> dict[FacetName, FacetTable]:
    """The saved tables of ``generation`` (arrays memory-mapped), or {} if there are none."""
    folder = Path(directory) / TABLES_DIR
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        if meta.get("generation") != generation:
            return {}
        tables = {}
        for value, entry in meta["facets"].items():
            name = FacetName(value)
            docs, ids = (np.load(folder / _array_name(generation, name, part), mmap_mode="r")
                         for part in ("docs", "ids"))
            keys = entry["keys"]
            tables[name] = FacetTable(docs, ids, keys, entry["labels"],
                                      {key: i for i, key in enumerate(keys)})
        return tables
    except (OSError, ValueError, KeyError):
        return {}  # absent, half-replaced or from another version: made on demand instead


def _array_name(generation: int, name: FacetName, part: str) -> str:
    return f"{generation}-{name.value}-{part}.npy"
