"""A resolved query (Whoosh's query tree, as `index.query` and `index.resolve` make it) as
Sphinx's extended query syntax, over the fields `index.sphinx.schema` fills.

Boosts are dropped (Sphinx 2.2 has no per-term weights) and ``word~`` is searched as the
word; everything else keeps its meaning. `EVERYTHING` (no MATCH clause) is a full scan.
"""

from __future__ import annotations

from whoosh import query as Q

from archive.kinds import EntityKind

from ..engine import QueryRefused
from .schema import EXACT_FIELDS, SOURCE_FIELD, STEM_FIELD, key_token

EVERYTHING = ""


class Unmatchable(Exception):
    """The query can match nothing (Whoosh's NullQuery)."""


def to_match(q: Q.Query) -> str:
    """The MATCH() text of ``q``; `EVERYTHING` for a query without words."""
    if q is Q.NullQuery:
        raise Unmatchable
    if isinstance(q, Q.Every):
        return EVERYTHING
    if _only_excluded(q):
        raise QueryRefused("a query of only excluded words (-word) needs a word to search "
                           "for on the Sphinx engine")
    try:
        return _node(q)
    except ValueError as exc:
        raise QueryRefused(str(exc)) from exc


def _only_excluded(q: Q.Query) -> bool:
    if isinstance(q, Q.Not):
        return True
    if isinstance(q, Q.And | Q.Or):
        return all(_only_excluded(c) for c in q.subqueries)
    return False


def _fields(fieldname: str) -> str:
    if fieldname in EXACT_FIELDS:
        return "@(" + ",".join(EXACT_FIELDS[fieldname]) + ")"
    if fieldname == "body_stem":
        return f"@{STEM_FIELD}"
    if fieldname == "source_key":
        return f"@{SOURCE_FIELD}"
    if EntityKind.from_alias(fieldname):
        return f"@{EntityKind.from_alias(fieldname).value}"  # type: ignore[union-attr]
    raise ValueError(f"no Sphinx field for {fieldname!r}")


def _word(fieldname: str, text: str) -> str:
    if fieldname == "source_key" or EntityKind.from_alias(fieldname):
        return key_token(text)
    return text


def _node(q: Q.Query) -> str:
    if q is Q.NullQuery:
        raise Unmatchable
    if isinstance(q, Q.Prefix):
        return f"({_fields(q.fieldname)} {q.text}*)"
    if isinstance(q, Q.Wildcard):
        return f"({_fields(q.fieldname)} {q.text.replace('?', '*')})"
    if isinstance(q, Q.Term):  # Term, ExactTerm, StemTerm, FuzzyTerm (as the plain word)
        return f"({_fields(q.fieldname)} {_word(q.fieldname, q.text)})"
    if isinstance(q, Q.Phrase):
        phrase = '"' + " ".join(q.words) + '"' + (f"~{q.slop + len(q.words) - 1}"
                                                   if q.slop > 1 else "")
        # Each twin field alone: Sphinx matches a phrase inside one field.
        fields = EXACT_FIELDS.get(q.fieldname, (q.fieldname,))
        return "(" + " | ".join(f"@{f} {phrase}" for f in fields) + ")"
    if isinstance(q, Q.AndNot):
        return f"({_node(q.a)} -{_node(q.b)})"
    if isinstance(q, Q.AndMaybe):
        return f"({_node(q.a)} MAYBE {_node(q.b)})"
    if isinstance(q, Q.Require):
        return f"({_node(q.a)} {_node(q.b)})"
    if isinstance(q, Q.Not):
        return f"-{_node(q.query)}"
    if isinstance(q, Q.And):
        return "(" + " ".join(_node(c) for c in q.subqueries) + ")"
    if isinstance(q, Q.Or):
        parts = [p for p in (_optional(c) for c in q.subqueries) if p]
        if not parts:
            raise Unmatchable
        return "(" + " | ".join(parts) + ")"
    if isinstance(q, Q.Every):
        raise ValueError("a lone * inside a query")
    raise ValueError(f"unsupported query node {type(q).__name__}")


def _optional(q: Q.Query) -> str | None:
    try:
        return _node(q)
    except Unmatchable:
        return None


def has_fuzzy(q: Q.Query) -> bool:
    """Whether ``q`` asks for ``word~`` (searched as the plain word here)."""
    return isinstance(q, Q.FuzzyTerm) or any(has_fuzzy(c) for c in q.children())
