"""The query language: Whoosh's parser with Arabic-safe plugins, rewritten onto our fields.

Words (all must match by default), ``"exact phrase"``, ``-word``, ``OR`` / ``أو``,
``word*``, ``word~``, ``person:`` ``place:`` ``org:`` ``source:`` ``title:`` and
``date:2018-03..2018-05``. Arabic punctuation (؟ ، ؛ « ») is never an operator.

Hostile queries are bounded (`check_limits`): the number of terms and of ``word*`` /
``word~`` patterns, the letters before a ``*``, a fuzzy word's length and edit distance,
and how many index words one pattern may stand for (`CappedPrefix`, `CappedFuzzy`). A
query past a bound raises `QueryRefused` (a 400 with the reason); a fuzzy distance past
its bound is lowered, with a notice.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from whoosh import query as Q
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    OperatorsPlugin,
    OrGroup,
    PlusMinusPlugin,
    QueryParser,
    WildcardPlugin,
)

from archive.arabic import normalize, words
from archive.kinds import EntityKind

from .analysis import arabic_stopwords, exact_analyzer, rank_stem
from .engine import QueryRefused
from .ranking import DEFAULT_RANKING, Ranking

MAX_QUERY_TERMS = 100  # words (a phrase counts its words) and patterns in one query
MAX_PATTERNS = 10  # word* and word~ in one query
MIN_PREFIX_CHARS = 2  # letters before a *
MAX_FUZZY_CHARS = 40  # the longest word~ (its automaton grows with the word)
MAX_FUZZY_DISTANCE = 2  # word~N: a larger N is lowered to this, with a notice
MAX_EXPANSIONS = 500  # index words one pattern may stand for, in each field

ENTITY_FIELDS = tuple(kind.value for kind in EntityKind)
_FIELD_ALIASES = {
    **{kind.value: list(kind.aliases) for kind in EntityKind},
    "source": ["مصدر"],
    "title": ["عنوان"],
}

# Arabic (and Latin) punctuation that must never act as an operator: ؟ is a wildcard to
# Whoosh by default, and « » are quotes only to readers.
_PUNCTUATION = re.compile(r"[؟?،؛«»“”„‟…!,;.:](?=\s|$)|[؟?،؛«»“”„‟…!]")
_DATE_RANGE = re.compile(r"(?:date|تاريخ):(\d{4}(?:-\d{1,2}){0,2})?\.\.(\d{4}(?:-\d{1,2}){0,2})?")


class _StarWildcard(WildcardPlugin):
    """Only ``*`` is a wildcard; question marks are punctuation in Arabic text."""

    qmarks = ""
    expr = r"(?P<text>[*])"


class _Capped(Q.MultiTerm):
    """A pattern that stands for at most `MAX_EXPANSIONS` index words, else refused."""

    _mark = ""  # how the query language writes the pattern after its text

    def _btexts(self, ixreader):
        found = list(islice(super()._btexts(ixreader), MAX_EXPANSIONS + 1))
        if len(found) > MAX_EXPANSIONS:
            raise QueryRefused(f"{self.text}{self._mark} matches more than {MAX_EXPANSIONS} "
                               f"words in the index: type more of the word")
        return found


class CappedPrefix(_Capped, Q.Prefix):
    """``word*`` (see `_Capped`)."""

    _mark = "*"


class CappedWildcard(_Capped, Q.Wildcard):
    """A pattern with a * inside (see `_Capped`); the analyzer makes ``a*b`` two words,
    so the parser hardly ever yields one."""


class CappedFuzzy(_Capped, Q.FuzzyTerm):
    """``word~`` (see `_Capped`)."""

    _mark = "~"


class ExactTerm(Q.Term):
    """A quoted word: this spelling only (no stemming, no other spellings of a name)."""


class StemTerm(Q.Term):
    """A typed word's ranking stem; ``word`` is the word (see `index.resolve`)."""

    def __init__(self, fieldname: str, text: str, word: str, boost: float = 1.0):
        super().__init__(fieldname, text, boost=boost)
        self.word = word


class _QuotedPhrase(Q.Phrase):
    def normalize(self):
        if len(self.words) == 1:
            return ExactTerm(self.fieldname, self.words[0], boost=self.boost)
        return super().normalize()


@dataclass
class ParsedQuery:
    """A query rewritten onto the index fields, plus what the user should be told."""

    query: Q.Query
    words: list[str] = field(default_factory=list)  # normalised free words, for suggestions
    date_from: datetime | None = None
    date_to: datetime | None = None
    notices: list[str] = field(default_factory=list)
    entity_filters: list[tuple[str, str]] = field(default_factory=list)
    ranking: Ranking = DEFAULT_RANKING


def _parse_schema() -> Schema:
    return Schema(
        text=TEXT(analyzer=exact_analyzer),
        title=TEXT(analyzer=exact_analyzer),
        source=ID(),
        **{kind: KEYWORD(commas=True, lowercase=False) for kind in ENTITY_FIELDS},
    )


def _parser(match: str) -> QueryParser:
    group = OrGroup.factory(0.9) if match == "any" else None
    parser = QueryParser("text", _parse_schema(), **({"group": group} if group else {}))
    parser.phraseclass = _QuotedPhrase
    parser.remove_plugin_class(WildcardPlugin)
    parser.remove_plugin_class(OperatorsPlugin)
    parser.add_plugin(_StarWildcard())
    parser.add_plugin(OperatorsPlugin(Or=r"(?<=\s)(?:OR|أو)(?=\s)", Not=r"(?!)"))
    parser.add_plugin(PlusMinusPlugin())
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin(_FIELD_ALIASES))
    return parser


def _month_bounds(text: str | None, end: bool) -> datetime | None:
    if not text:
        return None
    parts = [int(p) for p in text.split("-")]
    year, month, day = (parts + [0, 0])[:3]
    if end:
        month = month or 12
        day = day or calendar.monthrange(year, month)[1]
        return datetime(year, month, day, 23, 59, 59)
    return datetime(year, month or 1, day or 1)


def parse(text: str, match: str = "all", ranking: Ranking = DEFAULT_RANKING) -> ParsedQuery:
    """Parse ``text``; a syntax error falls back to plain words and says so."""
    parsed = ParsedQuery(Q.NullQuery, ranking=ranking)
    text = _DATE_RANGE.sub(lambda m: _take_dates(m, parsed), text)
    text = _PUNCTUATION.sub(" ", text).strip()
    if not text:
        parsed.query = Q.Every()
        return parsed
    try:
        tree = _parser(match).parse(text)
        if _has_error(tree):
            raise ValueError("syntax")
        check_limits(tree)
        rewritten = _rewrite(tree, parsed, match)
        if rewritten is Q.NullQuery and parsed.words:
            # Only stopwords: search them as they are rather than find nothing.
            rewritten = _combine([word_fields(w, ranking) for w in parsed.words], match)
        elif rewritten is Q.NullQuery:
            raise ValueError("empty")
    except QueryRefused:
        raise
    except (ValueError, TypeError, AttributeError):
        rewritten = _plain_words(text, parsed, match)
        parsed.notices.append(
            "تعذّر فهم صيغة الاستعلام، فبُحث عن كلماته فقط (query syntax not understood: "
            "searched for its plain words)")
    parsed.query = rewritten
    return parsed


def _take_dates(match: re.Match, parsed: ParsedQuery) -> str:
    try:
        parsed.date_from = _month_bounds(match.group(1), end=False)
        parsed.date_to = _month_bounds(match.group(2), end=True)
    except ValueError:
        parsed.notices.append(f"تاريخ غير صالح: {match.group(0)} (invalid date, ignored)")
    return " "


def check_limits(tree: Q.Query) -> None:
    """Refuse a parsed query past the bounds above (`QueryRefused` says which)."""
    terms = patterns = 0
    for node in _walk(tree):
        if not node.is_leaf():
            continue
        terms += len(node.words) if isinstance(node, Q.Phrase) else 1
        if not isinstance(node, Q.Prefix | Q.Wildcard | Q.FuzzyTerm) or node.fieldname not in (
                "text", "title"):
            continue
        patterns += 1
        if isinstance(node, Q.FuzzyTerm) and len(node.text) > MAX_FUZZY_CHARS:
            raise QueryRefused(f"a word~ may have at most {MAX_FUZZY_CHARS} letters "
                               f"({len(node.text)} given)")
        if not isinstance(node, Q.FuzzyTerm) and len(_literal(node.text)) < MIN_PREFIX_CHARS:
            raise QueryRefused(f"type at least {MIN_PREFIX_CHARS} letters before * "
                               f"({node.text}{'*' if isinstance(node, Q.Prefix) else ''})")
    _check_terms(terms)
    if patterns > MAX_PATTERNS:
        raise QueryRefused(f"at most {MAX_PATTERNS} word* or word~ in one query "
                           f"({patterns} given)")


def _check_terms(count: int) -> None:
    if count > MAX_QUERY_TERMS:
        raise QueryRefused(f"at most {MAX_QUERY_TERMS} words in one query ({count} given)")


def _literal(pattern: str) -> str:
    """The letters of a pattern before its first wildcard character."""
    return re.split(r"[*?\[]", pattern, maxsplit=1)[0]


def _has_error(q: Q.Query) -> bool:
    return isinstance(q, Q.qcore._NullQuery) or any(
        type(node).__name__ == "ErrorQuery" for node in _walk(q))


def _walk(q: Q.Query) -> Iterator[Q.Query]:
    yield q
    for child in q.children():
        yield from _walk(child)


def _plain_words(text: str, parsed: ParsedQuery, match: str) -> Q.Query:
    found = words(text)
    _check_terms(len(found))
    terms = [t for t in (_word_query(w, parsed) for w in found) if t is not Q.NullQuery]
    return _combine(terms or [word_fields(w, parsed.ranking) for w in found], match)


def _combine(terms: list[Q.Query], match: str) -> Q.Query:
    if not terms:
        return Q.NullQuery
    return Q.Or(terms, scale=0.9) if match == "any" else Q.And(terms)


def word_fields(word: str, ranking: Ranking = DEFAULT_RANKING) -> Q.Query:
    """One normalised word: exact in title and body, its stem in title + body."""
    terms: list[Q.Query] = [Q.Term(name, word, boost=weight) for name, weight in (
        ("title", ranking.title), ("body", ranking.exact)) if weight]
    if ranking.stem:
        terms.append(StemTerm("body_stem", rank_stem(word), word, boost=ranking.stem))
    return Q.Or(terms) if len(terms) > 1 else terms[0]


def _word_query(word: str, parsed: ParsedQuery) -> Q.Query:
    parsed.words.append(word)
    if word in arabic_stopwords():
        return Q.NullQuery
    return word_fields(word, parsed.ranking)


def _rewrite(q: Q.Query, parsed: ParsedQuery, match: str) -> Q.Query:
    """Map the parser's virtual fields onto the index's fields."""
    if isinstance(q, Q.FuzzyTerm) and q.fieldname in ("text", "title"):
        fields = ("title", "body") if q.fieldname == "text" else ("title",)
        maxdist = min(q.maxdist, MAX_FUZZY_DISTANCE)
        if maxdist < q.maxdist:
            parsed.notices.append(
                f"بُحث عن {q.text}~{maxdist} بدل ~{q.maxdist} (at most {MAX_FUZZY_DISTANCE} "
                f"edits in a word~)")
        return Q.Or([CappedFuzzy(f, normalize(q.text), maxdist=maxdist,
                                 prefixlength=max(1, q.prefixlength)) for f in fields])
    if isinstance(q, ExactTerm) and q.fieldname in ("text", "title"):
        parsed.words.append(normalize(q.text))
        fields = ("title", "body") if q.fieldname == "text" else ("title",)
        return Q.Or([ExactTerm(f, normalize(q.text)) for f in fields])
    if isinstance(q, Q.Term) and q.fieldname == "text":
        return _word_query(normalize(q.text), parsed)
    if isinstance(q, Q.Prefix | Q.Wildcard) and q.fieldname in ("text", "title"):
        cls = CappedPrefix if isinstance(q, Q.Prefix) else CappedWildcard
        fields = ("title", "body") if q.fieldname == "text" else ("title",)
        return Q.Or([cls(f, normalize(q.text)) for f in fields])
    if isinstance(q, Q.Phrase) and q.fieldname in ("text", "title"):
        norm = [normalize(w) for w in q.words]
        fields = ("title", "body") if q.fieldname == "text" else ("title",)
        return Q.Or([Q.Phrase(f, norm, slop=q.slop) for f in fields])
    if isinstance(q, Q.Term) and q.fieldname == "title":
        return Q.Term("title", normalize(q.text), boost=q.boost)
    if isinstance(q, Q.Term) and q.fieldname in ENTITY_FIELDS:
        parsed.entity_filters.append((q.fieldname, q.text))
        return Q.Term(q.fieldname, q.text)  # resolved to index keys by the searcher
    if isinstance(q, Q.Term) and q.fieldname == "source":
        return Q.Term("source_key", " ".join(words(q.text)))
    if isinstance(q, Q.Phrase) and q.fieldname in ENTITY_FIELDS + ("source",):
        return _rewrite(Q.Term(q.fieldname, " ".join(q.words)), parsed, match)
    if isinstance(q, Q.AndNot | Q.AndMaybe | Q.Require):
        a, b = _rewrite(q.a, parsed, match), _rewrite(q.b, parsed, match)
        if a is Q.NullQuery:
            return Q.NullQuery
        return a if b is Q.NullQuery else type(q)(a, b)
    if isinstance(q, Q.compound.CompoundQuery):
        children = [_rewrite(c, parsed, match) for c in q.subqueries]
        children = [c for c in children if c is not Q.NullQuery]
        if not children:
            return Q.NullQuery
        return type(q)(children, boost=q.boost) if len(children) > 1 else children[0]
    if isinstance(q, Q.Not):
        inner = _rewrite(q.query, parsed, match)
        return Q.NullQuery if inner is Q.NullQuery else Q.Not(inner)
    if isinstance(q, Q.Every):
        return Q.Every()  # a lone `*`: everything
    raise ValueError(f"unsupported query node {type(q).__name__}")
