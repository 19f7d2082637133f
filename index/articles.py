"""Stored documents → result types: hits with snippets, the article view, related articles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from whoosh import query as Q

from archive.entities import entity_key
from archive.kinds import EntityKind

from .aliases import AliasTable
from .generation import Generation
from .highlight import Highlighter
from .models import ArticleView, EntityRef, Hit

NO_MARKS = Highlighter(set(), set())


def highlighter(q: Q.Query, reader=None) -> Highlighter:
    """Marks for the words ``q`` looks for (excluded ``-words`` are not marked); prefixes
    and wildcards are expanded through a Whoosh ``reader``, and left unmarked without."""
    exact, stems = set(), set()
    for fieldname, text in _positive_terms(q, reader):
        word = text.decode("utf-8") if isinstance(text, bytes) else text
        if fieldname in ("title", "body"):
            exact.add(word)
        elif fieldname == "body_stem":
            stems.add(word)
    return Highlighter(exact, stems)


def entity_refs(aliases: AliasTable, kind: EntityKind, names: list[str]) -> list[EntityRef]:
    """An article's names of ``kind`` as facet keys with display names, once each."""
    refs: dict[str, EntityRef] = {}
    for name in names:
        key = aliases.canonical(kind, entity_key(name))
        refs.setdefault(key, EntityRef(value=key, label=aliases.display(kind, key, name)))
    return list(refs.values())


def _entities(aliases: AliasTable, stored: dict) -> dict[str, list[EntityRef]]:
    entities = stored.get("entities") or {}
    return {kind.attr: entity_refs(aliases, kind, entities.get(kind.value, []))
            for kind in EntityKind}


def make_hit(aliases: AliasTable, stored: dict, score: float | None,
             marks: Highlighter) -> Hit:
    """A hit from an article's stored fields (``id``, ``title``, ``body``, ``date``,
    ``source``, ``url``, ``entities``), whichever engine stored them."""
    return Hit(
        id=stored["id"],
        title=stored.get("title", ""),
        title_html=marks.whole(stored.get("title", "")),
        score=round(score, 4) if score is not None else None,
        date=_iso(stored.get("date")),
        source=stored.get("source"),
        url=stored.get("url"),
        snippet=marks.snippet(stored.get("body", "")),
        **_entities(aliases, stored),
    )


def article_view(gen: Generation, docnum: int, marks: Highlighter, related: int
                 ) -> ArticleView:
    stored = gen.searcher.stored_fields(docnum)
    return stored_view(gen.aliases, stored, marks, _related(gen, docnum, stored, related))


def stored_view(aliases: AliasTable, stored: dict, marks: Highlighter, related: list[Hit]
                ) -> ArticleView:
    """The article page's model from an article's stored fields (as `make_hit`)."""
    return ArticleView(
        id=stored["id"], title=stored.get("title", ""),
        title_html=marks.whole(stored.get("title", "")),
        body_html=marks.whole(stored.get("body", "")),
        date=_iso(stored.get("date")), source=stored.get("source"), url=stored.get("url"),
        category=stored.get("category"),
        related=related,
        **_entities(aliases, stored),
    )


def _related(gen: Generation, docnum: int, stored: dict, top: int) -> list[Hit]:
    if top <= 0:
        return []
    text = f"{stored.get('title', '')}\n{stored.get('body', '')}"
    results = gen.searcher.more_like(docnum, "body_stem", text=text, top=top, numterms=20)
    return [make_hit(gen.aliases, hit.fields(), hit.score, NO_MARKS) for hit in results]


def _positive_terms(q: Q.Query, reader) -> Iterator[tuple[str, str | bytes]]:
    if isinstance(q, Q.Not):
        return
    if isinstance(q, Q.AndNot):
        yield from _positive_terms(q.a, reader)
        return
    if q.is_leaf():
        if reader is None and isinstance(q, Q.MultiTerm):
            return  # a prefix or wildcard: its words are the engine's to find
        yield from q.expanded_terms(reader, phrases=True)
        return
    for child in q.children():
        yield from _positive_terms(child, reader)


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None
