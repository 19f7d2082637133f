"""Web pages: main text, title and date via trafilatura (boilerplate left out)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from archive.arabic import normalize
from archive.readers.common import (
    MAX_HTML_BYTES,
    Result,
    UnreadableError,
    file_stem,
    to_article,
)
from archive.readers.decoding import read_text
from archive.readers.txt import strip_footer

if TYPE_CHECKING:
    from trafilatura.settings import Document


def read_html(path: Path) -> Iterator[Result]:
    """Main text, title and date of a web page, via trafilatura (boilerplate left out)."""
    # Imported here: trafilatura takes a while to import and only HTML input needs it.
    import trafilatura

    html = read_text(path, MAX_HTML_BYTES)
    # Typed as Document | dict | None: a dict only with the deprecated as_dict=True.
    doc = cast("Document | None", trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True,
        date_extraction_params={"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True},
    ))
    fields: dict[str, Any]
    if doc is None:  # no main text found: keep the page title if there is one
        meta = trafilatura.extract_metadata(html)
        if meta is None or not meta.title:
            raise UnreadableError("no article text found in HTML")
        fields = {"title": meta.title, "url": meta.url, "source": meta.sitename}
    else:
        fields = {"title": doc.title or "", "body": _html_body(doc.title, doc.text or ""),
                  "date": _parse_date(doc.date), "url": doc.url, "source": doc.sitename}
    yield to_article(path, {"id": file_stem(path), **fields})


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
