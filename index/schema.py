"""The Whoosh schema and the one function that turns an `Article` into an index document."""

from __future__ import annotations

from whoosh import columns
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, Schema

from archive.arabic import normalize_phrase
from archive.kinds import EntityKind
from archive.models import Article

from .analysis import exact_analyzer, stem_analyzer
from .textfield import ArabicText

# Bumped when the schema or analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 7

# Separator inside a facet column value (never inside a name).
SEP = "\x1f"


def facet_column(kind: str) -> str:
    """The column holding one document's values of a facet, ``SEP``-joined."""
    return f"{kind}_col"


def build_schema() -> Schema:
    """Exact fields for names and phrases, stemmed fields for ranking, facet columns."""
    fields = {
        "id": ID(stored=True, unique=True),
        "title": ArabicText(analyzer=exact_analyzer, stored=True, phrase=True),
        "body": ArabicText(analyzer=exact_analyzer, stored=True, phrase=True),
        "body_stem": ArabicText(analyzer=stem_analyzer, phrase=False),
        "date": _column_only(DATETIME(stored=True, sortable=True)),
        "dated": ID(sortable=True),  # "1"/"0": undated articles sort after dated ones
        "year": ID(),
        "month": ID(),
        "source": ID(stored=True),
        "source_key": ID(),
        "url": STORED(),
        "category": ID(stored=True),
        "origin": ID(stored=True),
        "content_hash": STORED(),
        "entities": STORED(),
        # Facet columns: read per document without unpickling the stored body.
        facet_column("source"): COLUMN(columns.VarBytesColumn()),
        facet_column("month"): COLUMN(columns.VarBytesColumn()),
    }
    for kind in EntityKind:
        # Keys are multi-word names: one term per comma-separated value.
        fields[kind.value] = KEYWORD(commas=True, lowercase=False, scorable=True)
        fields[facet_column(kind.value)] = COLUMN(columns.VarBytesColumn())
    return Schema(**fields)


def _column_only(field):
    """``field`` stored and in a column but not indexed: dates are filtered and sorted on
    the column (`index.vector`), and their eight tiered terms a document made a fifth of a
    segment's terms (94% of them in one document only)."""
    field.indexed = False
    return field


def value_key(value: str) -> str:
    """The key a facet value is filtered and counted on (normalised, spacing folded)."""
    return normalize_phrase(value)


def article_to_document(article: Article, entity_key=value_key) -> dict:
    """One index document for ``article``; ``entity_key`` maps a name to its merge key."""
    doc: dict[str, object] = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        # The ranking field holds the title too: one BM25 field, so a title word counts
        # like an extra body word rather than as a separate, near-saturated, high-idf field.
        "body_stem": f"{article.title}\n{article.body}",
        "origin": article.origin,
        "content_hash": article.content_hash,
        "entities": {kind.value: getattr(article, kind.attr) for kind in EntityKind},
        "dated": "1" if article.date else "0",
    }
    if article.date:
        day = article.date.replace(tzinfo=None)
        doc.update(date=day, year=f"{day:%Y}", month=f"{day:%Y-%m}")
        doc[facet_column("month")] = f"{day:%Y-%m}".encode()
    if article.source:
        doc.update(source=article.source, source_key=value_key(article.source))
        doc[facet_column("source")] = article.source.encode()
    if article.url:
        doc["url"] = article.url
    if article.category:
        doc["category"] = article.category
    for kind in EntityKind:
        names: list[str] = getattr(article, kind.attr)
        keys = list(dict.fromkeys(k for k in map(entity_key, names) if k))
        if keys:
            doc[kind.value] = ",".join(k.replace(",", " ") for k in keys)
            doc[facet_column(kind.value)] = SEP.join(names).encode()
    return doc
