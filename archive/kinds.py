"""The one vocabulary of entity kinds: every layer loops over `EntityKind`.

    >>> EntityKind.PERSON.attr, EntityKind.PERSON.tag, EntityKind.PERSON.param
    ('persons', 'PERS', 'person')
    >>> EntityKind.from_tag("ORG"), EntityKind.ORGANIZATION.param
    (<EntityKind.ORGANIZATION: 'organization'>, 'org')
    >>> EntityKind.from_alias("شخص")
    <EntityKind.PERSON: 'person'>
"""

from __future__ import annotations

from enum import StrEnum


class EntityKind(StrEnum):
    """A kind of named entity; its value is the index field and facet name."""

    PERSON = "person"
    PLACE = "place"
    ORGANIZATION = "organization"

    @property
    def attr(self) -> str:
        """The `Article` (and result) attribute holding names of this kind."""
        return _ATTRS[self]

    @property
    def tag(self) -> str:
        """The CoNLL/BIO tag of this kind (ANERcorp, AQMAR)."""
        return _TAGS[self]

    @property
    def param(self) -> str:
        """The URL parameter and CLI option that filter on this kind."""
        return _PARAMS[self]

    @property
    def aliases(self) -> tuple[str, ...]:
        """Other field names the query language accepts (``org:``, ``شخص:``)."""
        return _ALIASES[self]

    @property
    def label(self) -> str:
        """Arabic plural heading (facets, article page)."""
        return _LABELS[self]

    @property
    def label_one(self) -> str:
        """Arabic singular (filter chips)."""
        return _LABELS_ONE[self]

    @classmethod
    def from_tag(cls, tag: str) -> EntityKind:
        """The kind of a CoNLL tag (``PERS``, ``PER``, ``LOC``, ``ORG``)."""
        return _BY_TAG[tag]

    @classmethod
    def from_alias(cls, name: str) -> EntityKind | None:
        """The kind a field name or alias stands for, or None."""
        return _BY_ALIAS.get(name)


_ATTRS = {EntityKind.PERSON: "persons", EntityKind.PLACE: "places",
          EntityKind.ORGANIZATION: "organizations"}
_TAGS = {EntityKind.PERSON: "PERS", EntityKind.PLACE: "LOC", EntityKind.ORGANIZATION: "ORG"}
_PARAMS = {EntityKind.PERSON: "person", EntityKind.PLACE: "place",
           EntityKind.ORGANIZATION: "org"}
_ALIASES = {EntityKind.PERSON: ("شخص",), EntityKind.PLACE: ("مكان",),
            EntityKind.ORGANIZATION: ("org", "منظمة", "مؤسسة")}
_LABELS = {EntityKind.PERSON: "الأشخاص", EntityKind.PLACE: "الأماكن",
           EntityKind.ORGANIZATION: "المنظمات"}
_LABELS_ONE = {EntityKind.PERSON: "شخص", EntityKind.PLACE: "مكان",
               EntityKind.ORGANIZATION: "منظمة"}
_BY_TAG = {**{k.tag: k for k in EntityKind}, "PER": EntityKind.PERSON}
_BY_ALIAS = {name: k for k in EntityKind for name in (k.value, *k.aliases)}

ENTITY_KINDS: tuple[EntityKind, ...] = tuple(EntityKind)
