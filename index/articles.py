"""Stored documents → result types: hits with snippets, the article view, related articles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from whoosh import query as Q

from archive.entities import entity_key
from archive.kinds import EntityKind

from .generation import Generation
from .highlight import Highlighter
from .models import ArticleView, EntityRef, Hit

NO_MARKS = Highlighter(set(), set())


def highlighter(gen: Generation, q: Q.Query) -> Highlighter:
    """Marks for the words ``q`` looks for (excluded ``-words`` are not marked)."""
    exact, stems = set(), set()
    for fieldname, text in _positive_terms(q, gen.searcher.reader()):
        word = text.decode("utf-8") if isinstance(text, bytes) else text
        if fieldname in ("title", "body"):
            exact.add(word)
        elif fieldname == "body_stem":
            stems.add(word)
    return Highlighter(exact, stems)


def entity_refs(gen: Generation, kind: EntityKind, names: list[str]) -> list[EntityRef]:
    """An article's names of ``kind`` as facet keys with display names, once each."""
    refs: dict[str, EntityRef] = {}
    for name in names:
        key = gen.aliases.canonical(kind, entity_key(name))
        refs.setdefault(key, EntityRef(value=key, label=gen.aliases.display(kind, key, name)))
    return list(refs.values())


def _entities(gen: Generation, stored: dict) -> dict[str, list[EntityRef]]:
    entities = stored.get("entities") or {}
    return {kind.attr: entity_refs(gen, kind, entities.get(kind.value, []))
            for kind in EntityKind}


def make_hit(gen: Generation, stored: dict, score: float | None,
             marks: Highlighter) -> Hit:
    return Hit(
        id=stored["id"],
        title=stored.get("title", ""),
        title_html=marks.whole(stored.get("title", "")),
        score=round(score, 4) if score is not None else None,
        date=_iso(stored.get("date")),
        source=stored.get("source"),
        url=stored.get("url"),
        snippet=marks.snippet(stored.get("body", "")),
        **_entities(gen, stored),
    )


def article_view(gen: Generation, docnum: int, marks: Highlighter, related: int
                 ) -> ArticleView:
    stored = gen.searcher.stored_fields(docnum)
    return ArticleView(
        id=stored["id"], title=stored.get("title", ""),
        title_html=marks.whole(stored.get("title", "")),
        body_html=marks.whole(stored.get("body", "")),
        date=_iso(stored.get("date")), source=stored.get("source"), url=stored.get("url"),
        category=stored.get("category"),
        related=_related(gen, docnum, stored, related),
        **_entities(gen, stored),
    )


def _related(gen: Generation, docnum: int, stored: dict, top: int) -> list[Hit]:
    if top <= 0:
        return []
    text = f"{stored.get('title', '')}\n{stored.get('body', '')}"
    results = gen.searcher.more_like(docnum, "body_stem", text=text, top=top, numterms=20)
    return [make_hit(gen, hit.fields(), hit.score, NO_MARKS) for hit in results]


def _positive_terms(q: Q.Query, reader) -> Iterator[tuple[str, str | bytes]]:
    if isinstance(q, Q.Not):
        return
    if isinstance(q, Q.AndNot):
        yield from _positive_terms(q.a, reader)
        return
    if q.is_leaf():
        yield from q.expanded_terms(reader, phrases=True)
        return
    for child in q.children():
        yield from _positive_terms(child, reader)


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None
