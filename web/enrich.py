"""Entity extraction wired into indexing: fills an article's persons, places, organisations."""

from __future__ import annotations

from functools import cache, cached_property

from archive.entities import Extractor, article_entities, extractor_for
from archive.kinds import ENTITY_KINDS
from archive.models import Article
from archive.settings import EntitySetting, get_settings

NO_ENTITIES = "none"


class Enricher:
    """Fills articles' entities with one extractor (picklable: build workers get a copy)."""

    def __init__(self, extractor: Extractor) -> None:
        self.extractor = extractor

    def __call__(self, article: Article) -> Article:
        """The article with its entities' canonical names filled in (each entity once)."""
        found = article_entities(article.title, article.body, self.extractor)
        return article.model_copy(update={
            kind.attr: [display for _, display in found.get(kind, [])]
            for kind in ENTITY_KINDS})

    @cached_property
    def version(self) -> str:
        """A fingerprint of the extractor's code, data and setting: a new model means new
        entities."""
        return self.extractor.fingerprint()


@cache
def enricher(setting: EntitySetting | None = None) -> Enricher:
    """The enricher of an entity setting (default: ``ARCHIVE_ENTITIES``, else fast)."""
    return Enricher(extractor_for(setting or get_settings().entities))
