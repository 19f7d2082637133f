"""The search contract: request and result types, free of Whoosh.

The choices (`Match`, `Sort`) and bounds here are the only ones: the library validates
with them, the CLI builds its options from them, the web parser checks query strings
against them, and the OpenAPI document is generated from these models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from archive.kinds import EntityKind
from archive.settings import Settings

MAX_QUERY_CHARS = 1000
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_PAGE = 1000
MAX_FACET_LIMIT = 500


@dataclass(frozen=True)
class BuildLimits:
    """What one process of a full build may hold: postings before they spill to disk, and
    articles in one segment before it is written and another begun (so a build's memory
    does not grow with the corpus)."""

    pool_mb: int = Settings.model_fields["index_memory_mb"].default
    segment_articles: int = Settings.model_fields["index_segment_articles"].default


DEFAULT_LIMITS = BuildLimits()


class Match(StrEnum):
    """``all``: every word must match; ``any``: more and rarer words rank first."""

    ALL = "all"
    ANY = "any"


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


class FacetName(StrEnum):
    """Every facet; the entity kinds' values are their own names."""

    PERSON = EntityKind.PERSON.value
    PLACE = EntityKind.PLACE.value
    ORGANIZATION = EntityKind.ORGANIZATION.value
    SOURCE = "source"
    YEAR = "year"
    MONTH = "month"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchRequest(_Strict):
    """What to search for; every field has a safe default and a bound.

    ``filters`` maps a facet name to facet values as the results give them
    (`FacetValue.value`): OR within a facet, AND across facets.
    """

    query: str = Field("", max_length=MAX_QUERY_CHARS)
    match: Match = Match.ALL
    filters: dict[FacetName, list[str]] = Field(default_factory=dict)
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: Sort = Sort.RELEVANCE
    page: int = Field(1, ge=1, le=MAX_PAGE)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    facet_limit: int = Field(10, ge=0, le=MAX_FACET_LIMIT)
    fallback: bool = True  # when `all` finds nothing, show `any` results


class FacetValue(_Strict):
    value: str = Field(description="the key filters match on (submit this one)")
    label: str = Field(description="how to show the value")
    count: int = Field(ge=0)
    selected: bool = False


class Facet(_Strict):
    """One facet's shown values; ``param`` is the query-string parameter that toggles them."""

    name: FacetName
    param: str
    values: list[FacetValue]
    more: int = 0  # how many further values were left out


class EntityRef(_Strict):
    """An entity named in an article: its facet key and display name."""

    value: str
    label: str


class Hit(_Strict):
    id: str
    title: str
    title_html: str = Field(description="HTML-escaped title; matches in <mark>")
    score: float | None
    date: str | None = Field(description="ISO 8601 date-time")
    source: str | None
    url: str | None
    snippet: str = Field(description="HTML-escaped excerpt; matches in <mark>")
    persons: list[EntityRef]
    places: list[EntityRef]
    organizations: list[EntityRef]

    def entities(self, kind: EntityKind) -> list[EntityRef]:
        return getattr(self, kind.attr)


class SearchResponse(_Strict):
    """The JSON of ``archive search --json`` and ``/api/search``."""

    query: str
    match: Match
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    limit: int = Field(ge=1)
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = Field(
        description="facet name → values, counts honouring every filter but its own")
    facets_more: dict[str, int]
    suggestion: str | None = Field(description="a 'did you mean' query")
    notices: list[str]
    took_ms: float


class SearchResult(_Strict):
    query: str
    match: Match
    total: int
    page: int
    limit: int
    hits: list[Hit]
    facets: dict[FacetName, Facet]
    suggestion: str | None = None
    notices: list[str] = Field(default_factory=list)
    took_ms: float = 0.0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))

    def as_json(self) -> dict:
        """The documented JSON shape (`SearchResponse`)."""
        return SearchResponse(
            query=self.query, match=self.match, total=self.total, page=self.page,
            limit=self.limit, hits=self.hits,
            facets={str(name): facet.values for name, facet in self.facets.items()},
            facets_more={str(name): facet.more for name, facet in self.facets.items()},
            suggestion=self.suggestion, notices=self.notices, took_ms=self.took_ms,
        ).model_dump(mode="json")


class ArticleView(_Strict):
    id: str
    title: str
    title_html: str
    body_html: str = Field(description="HTML-escaped body, line breaks kept; "
                                       "the query's matches in <mark>")
    date: str | None
    source: str | None
    url: str | None
    category: str | None
    persons: list[EntityRef]
    places: list[EntityRef]
    organizations: list[EntityRef]
    related: list[Hit]

    def entities(self, kind: EntityKind) -> list[EntityRef]:
        return getattr(self, kind.attr)


class NameSuggestion(_Strict):
    kind: EntityKind
    value: str
    label: str
    count: int = Field(ge=0)


class Suggestions(_Strict):
    """The JSON of ``/api/suggest``."""

    prefix: str
    suggestions: list[NameSuggestion]
