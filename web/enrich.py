"""Entity extraction wired into indexing: fills an article's persons, places, organisations."""

from __future__ import annotations

from functools import lru_cache

from archive.entities import article_entities, default_extractor
from archive.kinds import ENTITY_KINDS
from archive.models import Article

NO_ENTITIES = "none"


def enrich_article(article: Article) -> Article:
    """The article with its entities' canonical names filled in (each entity once)."""
    found = article_entities(article.title, article.body)
    return article.model_copy(update={
        kind.attr: [display for _, display in found.get(kind, [])] for kind in ENTITY_KINDS})


@lru_cache(maxsize=1)
def extractor_version() -> str:
    """A fingerprint of the extractor's code and data: a new model means new entities."""
    return default_extractor().fingerprint()
