"""Every hit of a search as CSV or JSON Lines, streamed (the CLI's --export and /api/export)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from index.search import Hit

FIELDS = ["id", "title", "date", "source", "url", "score", "persons", "places",
          "organizations"]
FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def export_lines(hits: Iterable[Hit], fmt: str) -> Iterator[str]:
    """One header (CSV) then one line per hit; names are joined with "; " in CSV cells."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FIELDS)
        writer.writeheader()
        for hit in hits:
            row = hit.model_dump(include=set(FIELDS))
            for name in ("persons", "places", "organizations"):
                row[name] = "; ".join(row[name])
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
    else:
        for hit in hits:
            yield json.dumps(hit.model_dump(include=set(FIELDS)), ensure_ascii=False) + "\n"
