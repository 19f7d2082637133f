"""Names a person types (``person:بلينكن``, a name word) → the index keys they stand for."""

from __future__ import annotations

from whoosh import query as Q

from archive.kinds import EntityKind

from .generation import Generation
from .models import FacetName


def entity_keys(gen: Generation, kind: EntityKind, name: str) -> list[str]:
    """Canonical keys ``name`` stands for: its own entity, else every name containing it."""
    facet = gen.facets[FacetName(kind.value)]
    key = facet.key(name)
    if not key:
        return []
    if gen.searcher.doc_frequency(kind.value, key) or key in gen.aliases.entries.get(kind, {}):
        return [key]
    padded = f" {key} "
    return sorted({gen.aliases.canonical(kind, k) for k, _ in gen.lexicon(kind)
                   if padded in f" {k} "})


def entity_query(gen: Generation, kind: EntityKind, name: str) -> Q.Query:
    return gen.facets[FacetName(kind.value)].filter(entity_keys(gen, kind, name))


def resolve_names(gen: Generation, q: Q.Query) -> Q.Query:
    """Turn ``person:بلينكن`` terms into the index keys they name, and let a name word
    find the archive's other spellings of it (نتنياهو also finds نتانياهو)."""
    def visit(node):
        if type(node) is Q.Term and (kind := EntityKind.from_alias(node.fieldname)):
            return entity_query(gen, kind, node.text)
        if type(node) is Q.Term and node.fieldname in ("title", "body"):
            variants = gen.aliases.spelling_variants(node.text)
            if variants:
                return Q.Or([node] + [Q.Term(node.fieldname, v, boost=node.boost)
                                      for v in sorted(variants)])
        return node
    return q.accept(visit)
