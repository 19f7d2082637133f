"""What is never a person or an organisation: religious formulae, common words, titles and
professions, demonyms and currencies (``not_names.txt``, the cue words of `lexicon`), and
lone given names, which stay out of the person facet unless the article names the person
in full.

Demonyms are derived, not listed: from every one-word place name of ``places.txt`` and
the canonical tables, X → Xي / Xية / Xيون / Xيين, with and without ال (سوريا → السوري،
السورية; السعودية → السعودي). A derived form that is itself a place name (السعودية) is
not a demonym.
"""

from __future__ import annotations

import re
from functools import cached_property

from archive.arabic import normalize_phrase, normalize_word
from archive.entities.canonical import table_rows
from archive.entities.lexicon import PERSON_CUES, Lexicon
from archive.kinds import EntityKind

NOT_NAMES = "not_names.txt"
_CURRENCIES = frozenset(normalize_word(w) for w in (
    "ريال", "درهم", "دينار", "جنيه", "ليرة", "دولار", "يورو", "روبل", "ين", "يوان"))
_DATE_GOES_ON = re.compile(r"\s*[(/\d\u0660-\u0669]")
_NAME_PARTS = frozenset(normalize_word(w) for w in "بن ابن بنت أبو أبي أبا آل عبد".split())


def demonym_forms(place: str) -> set[str]:
    """Normalised demonym and adjective forms of a one-word place name.

    >>> sorted(demonym_forms("سوريا"))
    ['السوري', 'السوريه', 'السوريون', 'السوريين']
    """
    base = normalize_word(place)
    base = base[2:] if base.startswith("ال") and len(base) > 4 else base
    if base.endswith("يه"):
        stem = base[:-1]
    elif base.endswith(("ا", "ه")):
        stem = base[:-1] if base[-2:-1] == "ي" else base[:-1] + "ي"
    else:
        stem = base if base.endswith("ي") else base + "ي"
    # Only with ال: bare forms are names too often (كيني, كينيون).
    return {"ال" + stem + end for end in ("", "ه", "ون", "ين")}


class NotNames:
    """The stop lists of one lexicon, built on first use."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    @cached_property
    def _entries(self) -> dict[str, frozenset[str]]:
        table: dict[str, set[str]] = {}
        for line in self.lexicon.lines(NOT_NAMES):
            category, _, phrase = line.partition("\t")
            if phrase.strip():
                table.setdefault(category.strip(), set()).add(normalize_phrase(phrase))
        return {k: frozenset(v) for k, v in table.items()}

    @cached_property
    def phrases(self) -> frozenset[str]:
        """Whole phrases that are never a person or organisation (months: see `rejects`)."""
        return frozenset(p for k, v in self._entries.items()
                         if k not in ("profession", "month") for p in v)

    @cached_property
    def titles(self) -> frozenset[str]:
        """Titles and professions: a person's name never starts with one."""
        return self._entries.get("profession", frozenset()) | PERSON_CUES

    @cached_property
    def demonyms(self) -> frozenset[str]:
        places = set(self.lexicon.phrases("places.txt"))
        for _, variant, canonical in table_rows(self.lexicon):
            places.update((normalize_phrase(variant), normalize_phrase(canonical)))
        one_word = {p for p in places if " " not in p}
        known = places | self.lexicon.phrases("places_auto.txt")
        return frozenset(f for p in one_word for f in demonym_forms(p) if f not in known)

    def rejects(self, kind: EntityKind, canonical: str, after: str = "") -> bool:
        """True when a ``kind`` mention named ``canonical`` is no person or organisation;
        ``after`` is the text that follows it: a month name is one only when a date goes
        on (نيسان (أبريل) 2010), not in شركة نيسان."""
        if kind not in (EntityKind.PERSON, EntityKind.ORGANIZATION):
            return False
        norm = normalize_phrase(canonical)
        words = norm.split()
        if not words or norm in self.phrases:
            return True
        if norm in self._entries.get("month", ()) and _DATE_GOES_ON.match(after):
            return True
        if all(w in self.demonyms for w in words):
            return True
        if kind == EntityKind.PERSON:
            first = words[0]  # و/ف glued to a title is "and" (وعازف): no name starts so
            return (first in self.titles or (first[:1] in "وف" and first[1:] in self.titles)
                    or all(w in _NAME_PARTS for w in words))
        # A currency alone or with its country's adjective (ريال سعودي، دينار كويتي); not
        # الريال, which is Real Madrid in sports news.
        if words[0] in _CURRENCIES and all(
                w in self.demonyms or "ال" + w in self.demonyms for w in words[1:]):
            return True
        return len(words) == 1 and words[0] in self.titles

    @cached_property
    def _known_places(self) -> dict[str, str]:
        """Listed place names, by their spelling with spaces removed (بيونغ يانغ is
        بيونغيانغ), and the curated table's places."""
        places = self.lexicon.phrases("places.txt") | self.lexicon.phrases("places_auto.txt")
        places |= {normalize_phrase(v) for k, v, _ in table_rows(self.lexicon) if k == "place"}
        return {p.replace(" ", ""): p for p in places}

    def known_kind(self, kind: EntityKind, canonical: str) -> tuple[EntityKind, str]:
        """A person named exactly as a listed organisation, or a listed place of several
        words (بي بي سي, بيونغ يانغ), is that organisation or place, a one-letter
        proclitic aside (لبي بي سي); anything else is returned as it is. Given names are
        left alone (بشار and فلاديمير are towns too)."""
        if kind != EntityKind.PERSON:
            return kind, canonical
        norm = normalize_phrase(canonical)
        orgs = self.lexicon.phrases("orgs.txt")
        for form in (norm, norm[1:] if norm[:1] in "لبوفك" else ""):
            if not form or (" " not in form and form in self.lexicon.given_names):
                continue
            if form in orgs:
                return EntityKind.ORGANIZATION, form
            place = self._known_places.get(form.replace(" ", ""))
            if place and " " in form:
                return EntityKind.PLACE, form
        return kind, canonical

    def given_name_only(self, canonical: str) -> bool:
        """A person named by a lone given name (سلمان، عبد العزيز) or a name particle."""
        words = normalize_phrase(canonical).split()
        if len(words) == 2 and words[0] == "عبد":
            words = ["عبد" + words[1]]
        return len(words) == 1 and (words[0] in self.lexicon.given_names
                                    or self.lexicon.gazetteer_words.get(words[0]) == "F"
                                    or words[0] in _NAME_PARTS)
