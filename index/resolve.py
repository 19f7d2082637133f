"""Names a person types (``person:بلينكن``, a name word) → the index keys they stand for."""

from __future__ import annotations

import math
from typing import Protocol

from whoosh import query as Q

from archive.kinds import EntityKind

from .aliases import AliasTable
from .facets import FacetType
from .models import FacetName
from .query import StemTerm


class Lookup(Protocol):
    """What resolving names needs from an open index, whichever engine holds it."""

    aliases: AliasTable
    facets: dict[FacetName, FacetType]

    def doc_frequency(self, fieldname: str, text: str) -> int: ...

    def doc_count(self) -> int: ...

    def lexicon(self, kind: EntityKind) -> list[tuple[str, int]]: ...


def entity_keys(gen: Lookup, kind: EntityKind, name: str) -> list[str]:
    """Canonical keys ``name`` stands for: its own entity, else every name containing it."""
    facet = gen.facets[FacetName(kind.value)]
    key = facet.key(name)
    if not key:
        return []
    if gen.doc_frequency(kind.value, key) or key in gen.aliases.entries.get(kind, {}):
        return [key]
    padded = f" {key} "
    return sorted({gen.aliases.canonical(kind, k) for k, _ in gen.lexicon(kind)
                   if padded in f" {k} "})


def entity_query(gen: Lookup, kind: EntityKind, name: str) -> Q.Query:
    return gen.facets[FacetName(kind.value)].filter(entity_keys(gen, kind, name))


# An article with only another spelling of a name ranks below one with the typed spelling.
VARIANT_WEIGHT = 0.8


def resolve_names(gen: Lookup, q: Q.Query) -> Q.Query:
    """Turn ``person:بلينكن`` terms into the index keys they name, and let a name word
    find the archive's other spellings of it (نتنياهو also finds نتانياهو) but not the
    names that only share its stem (بوتين: not بوتان)."""
    def visit(node):
        if type(node) is Q.Term and (kind := EntityKind.from_alias(node.fieldname)):
            return entity_query(gen, kind, node.text)
        if type(node) is Q.Term and node.fieldname in ("title", "body"):
            return _spellings(gen, node.fieldname, node.text, node.boost)
        if type(node) is StemTerm:
            if gen.aliases.plain_only(node.word):
                return _spellings(gen, "body", node.word, node.boost)
            return Q.Term(node.fieldname, node.text, boost=node.boost)
        return node
    return q.accept(visit)


def _spellings(gen: Lookup, fieldname: str, word: str, boost: float) -> Q.Query:
    term = Q.Term(fieldname, word, boost=boost)
    variants = gen.aliases.spelling_variants(word)
    if not variants:
        return term
    # A rarer spelling has a higher idf: scaled down to the typed word's, so that the
    # variant alone never outscores the typed spelling in an otherwise equal article.
    typed = _idf(gen, fieldname, word)
    return Q.Or([term] + [
        Q.Term(fieldname, v,
               boost=boost * VARIANT_WEIGHT * min(1.0, typed / _idf(gen, fieldname, v)))
        for v in sorted(variants)])


def _idf(gen: Lookup, fieldname: str, text: str) -> float:
    """Lucene's idf, as `index.analysis.LuceneIdfBM25F` scores."""
    total, n = gen.doc_count(), gen.doc_frequency(fieldname, text)
    return math.log(1 + (total - n + 0.5) / (n + 0.5))
