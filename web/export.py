"""Every hit of a search as CSV or JSON Lines, streamed (the CLI's --export and /api/export)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from archive.kinds import EntityKind
from index.models import Hit

FIELDS = ["id", "title", "date", "source", "url", "score", *(k.attr for k in EntityKind)]
FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def export_lines(hits: Iterable[Hit], fmt: str) -> Iterator[str]:
    """One header (CSV) then one line per hit; names are joined with "; " in CSV cells."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FIELDS)
        writer.writeheader()
        for hit in hits:
            row = _row(hit)
            for kind in EntityKind:
                row[kind.attr] = "; ".join(row[kind.attr])
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
    else:
        for hit in hits:
            yield json.dumps(_row(hit), ensure_ascii=False) + "\n"


def _row(hit: Hit) -> dict:
    """The exported fields of a hit; entities by their display names."""
    row = hit.model_dump(include=set(FIELDS))
    for kind in EntityKind:
        row[kind.attr] = [e.label for e in hit.entities(kind)]
    return row
