"""Entity extraction wired into indexing: fills an article's persons, places, organisations."""

from __future__ import annotations

from archive.entities import article_entities
from archive.models import Article


def enrich_article(article: Article) -> Article:
    """The article with its entities' canonical names filled in (each entity once)."""
    found = article_entities(article.title, article.body)
    return article.model_copy(update={
        "persons": [display for _, display in found.get("person", [])],
        "places": [display for _, display in found.get("place", [])],
        "organizations": [display for _, display in found.get("organization", [])],
    })
