"""Entity extraction wired into indexing: fills an article's persons, places, organisations."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import archive.entities
from archive.entities import article_entities
from archive.models import Article

NO_ENTITIES = "none"


def enrich_article(article: Article) -> Article:
    """The article with its entities' canonical names filled in (each entity once)."""
    found = article_entities(article.title, article.body)
    return article.model_copy(update={
        "persons": [display for _, display in found.get("person", [])],
        "places": [display for _, display in found.get("place", [])],
        "organizations": [display for _, display in found.get("organization", [])],
    })


@lru_cache(maxsize=1)
def extractor_version() -> str:
    """A fingerprint of the extractor's code and data: a new model means new entities."""
    package = Path(archive.entities.__file__).parent
    files = sorted([*package.glob("*.py"), *(package.parent / "data").glob("*")])
    digest = hashlib.sha1()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
