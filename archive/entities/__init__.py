"""Arabic named-entity extraction: persons, places, organisations.

    >>> from archive.entities import extract, entity_key
    >>> [(m.kind, m.canonical) for m in extract("قال غالانت لبلينكن في تل أبيب")]  # doctest: +SKIP

Public API: `extract`, `Mention`, `Extractor`, `article_entities`, `entity_key`,
`AliasTable`. Model and word lists live in ``archive/data/``; retrain with
``python -m archive.ner_train train`` (see `archive.ner_train`).
"""

from archive.entities.aliases import AliasTable
from archive.entities.extractor import Extractor, Mention, article_entities, extract
from archive.entities.keys import entity_key

__all__ = ["AliasTable", "Extractor", "Mention", "article_entities", "entity_key", "extract"]
