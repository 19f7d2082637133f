"""Post-rules on the CRF's spans: trim and split person spans, complete names over a
dangling particle, one sense per document, curated places, no currency organisations; and
the known persons' surnames that short names resolve to."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from functools import cached_property

from archive.arabic import normalize_phrase, normalize_word
from archive.entities.clitics import Clitics, plain, splits
from archive.entities.config import ExtractorConfig
from archive.entities.features import tokenize
from archive.entities.keys import fold_word
from archive.entities.lexicon import ORG_CUES, PERSON_CUES, Lexicon
from archive.kinds import EntityKind

Span = tuple[int, int, EntityKind]  # (start, end, kind)

PERSON, PLACE, ORGANIZATION = EntityKind.PERSON, EntityKind.PLACE, EntityKind.ORGANIZATION
# A rank's "staff" word (العقيد الركن تركي المالكي) is no more a name than the rank.
_LEADING_NOISE = PERSON_CUES | ORG_CUES | {normalize_word(w) for w in ("الركن", "ركن")}
# A person's name never ends in a kinship particle (علي بن أبي طالب, not علي بن أبي), and
# one that starts with بن/ابن/بنت lacks the given name before it (سهل بن حنيف).
_NAME_LINKS = frozenset(normalize_word(w) for w in "بن ابن بنت أبو أبي أبا آل عبد".split())
_SON_OF = frozenset(normalize_word(w) for w in "بن ابن بنت".split())
# Title words that end a name as its family name (طارق السيد, أحمد الشيخ): kept there.
_FAMILY_TITLES = frozenset(normalize_word(w) for w in ("السيد", "الشيخ", "القاضي"))
_FAMILY = normalize_word("آل")  # آل + any word is a family name, a title word too (آل الشيخ)
_PROPAGATE_PREFIXES = ("", "و", "ب", "ل", "ف", "ك", "وب", "ول", "فب", "فل", "وك")
# A currency word alone is never an organisation, though the model learns ريال from
# ريال مدريد and then tags every Saudi riyal (848 documents of SaudiNewsNet).
_CURRENCIES = frozenset(normalize_word(w) for w in (
    "ريال", "درهم", "دينار", "جنيه", "ليرة", "دولار", "يورو", "روبل", "ين", "يوان"))


class PostRules:
    """The post-rules of one extractor: its lexicon, clitic splits and rule switches."""

    def __init__(self, lexicon: Lexicon, clitics: Clitics | None = None,
                 config: ExtractorConfig | None = None) -> None:
        self.lexicon = lexicon
        self.clitics = clitics or Clitics(lexicon)
        self.config = config or lexicon.config

    def apply(self, text: str, spans: list[Span], matches: list[re.Match[str]],
              norms: list[str], context: Counter[str]) -> list[Span]:
        """All span rules in order; ``norms`` are the tokens' normalised forms."""
        spans = self.refine(text, join_persons(text, spans), context)
        if self.config.complete_particles:
            spans = self.complete_particles(spans, matches, norms)
        spans = self.propagate(text, spans, matches, norms)
        if self.config.curated_places:
            spans = self.add_curated_places(spans, matches, norms)
        return spans

    def refine(self, text: str, spans: list[Span], context: Counter[str]) -> list[Span]:
        """Drop a leading title or organisation word the CRF took into a person span (مكتب
        غالانت → غالانت), or a trailing one without the article (a trailing السيد, الشيخ or
        القاضي is a family name: طارق السيد), and split two names run together when a
        later word is و plus a word, or ب/ل/ف plus a name seen elsewhere in the text
        (غالانت لبلينكن → غالانت | لبلينكن; كولن باول stays whole); a word of ل + the
        article ends the person (عمرو زكي للزمالك → عمرو زكي)."""
        out: list[Span] = []
        for start, end, kind in spans:
            if kind != PERSON or " " not in text[start:end]:
                out.append((start, end, kind))
                continue
            words = [(start + a, start + b, w) for a, b, w in tokenize(text[start:end])]
            while len(words) > 1 and normalize_word(words[0][2]) in _LEADING_NOISE:
                words.pop(0)
            while (len(words) > 1 and normalize_word(words[-1][2]) in _LEADING_NOISE
                   and normalize_word(words[-1][2]) not in _FAMILY_TITLES):
                words.pop()
            piece = [words[0]]
            for word in words[1:]:
                w = plain(word[2])
                if w.startswith("لل"):  # ل + the article: no person's name goes on
                    break               # (الملك عبدالعزيز للعلوم, عمرو زكي للزمالك)
                # و inside a name is almost always "and": split on any evidence; ب/ل/ف
                # only when the rest is a name (لحود, باول, بالله are name words).
                if (w[:1] == "و" and self.clitics.strip(w) != w) or (
                        w[:1] in "وبلف" and self._clitic_name(w, context)):
                    out.append((piece[0][0], piece[-1][1], kind))
                    piece = []
                piece.append(word)
            out.append((piece[0][0], piece[-1][1], kind))
        return out

    def _clitic_name(self, word: str, context: Counter[str]) -> bool:
        """``word`` is ب/ل/ف plus a name: one of the same text or a listed given name."""
        for rest, _ in splits(word):
            norm = normalize_word(rest)
            if norm in context or (len(norm) > 3
                                   and self.lexicon.gazetteer_words.get(norm) == "F"):
                return True
        return False

    def _is_given_name(self, token: str) -> bool:
        """A word before بن must itself look like a given name (زار بن علي is a verb and a
        surname): a listed given name or in محمد's word cluster."""
        norm = normalize_word(token)
        if self.lexicon.gazetteer_words.get(norm) == "F":
            return True
        clusters = self.lexicon.word_clusters
        mine, given = clusters.get(norm), clusters.get("محمد")
        return bool(mine and given and mine[2] == given[2])

    def complete_particles(self, spans: list[Span], matches: list[re.Match[str]],
                           norms: list[str]) -> list[Span]:
        """Extend person spans over a dangling particle's name: forward while the span ends
        in a particle (بن, أبو, آل, عبد …), backward while it starts with بن/ابن/بنت or
        follows one; spans swallowed on the way are dropped."""
        if not any(kind == PERSON for _, _, kind in spans):
            return spans
        starts = [m.start() for m in matches]
        out: list[Span] = []
        changed = False
        for start, end, kind in spans:
            if kind == PERSON:
                lo = bisect_right(starts, start) - 1
                hi = bisect_right(starts, end - 1) - 1
                while (norms[hi] in _NAME_LINKS and hi + 1 < len(matches) and hi - lo < 8
                       and (_is_name_word(matches[hi + 1].group())
                            or (norms[hi] == _FAMILY and matches[hi + 1].group()[:1].isalpha()))):
                    hi += 1
                while lo >= 1 and hi - lo < 8 and _is_name_word(matches[lo - 1].group()) and (
                        (norms[lo] in _SON_OF and self._is_given_name(matches[lo - 1].group()))
                        or norms[lo - 1] in _SON_OF):
                    lo -= 1
                if (matches[lo].start(), matches[hi].end()) != (start, end):
                    start, end, changed = matches[lo].start(), matches[hi].end(), True
            out.append((start, end, kind))
        if not changed:
            return spans
        out.sort()
        merged: list[Span] = []
        for span in out:  # a grown span covers its neighbours: keep the widest
            if merged and span[0] < merged[-1][1]:
                if span[1] > merged[-1][1]:
                    merged[-1] = (merged[-1][0], span[1], PERSON)
                continue
            merged.append(span)
        return merged

    def propagate(self, text: str, spans: list[Span], matches: list[re.Match[str]],
                  norms: list[str]) -> list[Span]:
        """One sense per document: a one-word name the CRF found once (a place, an
        organisation, a person's surname) is tagged wherever else it occurs in the text,
        with or without a clitic (ببلينكن, the title's lone غالانت)."""
        names: dict[str, EntityKind] = {}
        freq = self.lexicon.word_freq
        for start, end, kind in spans:
            words = text[start:end].split()
            last = self.clitics.strip(words[-1]) if len(words) == 1 else words[-1]
            word = normalize_word(plain(last))
            if len(words) > 1 and kind != PERSON:
                continue
            # Short or very common words (رئيس, الله) would spread errors, not names.
            if len(word) >= 4 and freq.get(word, 0) < 20_000 and word not in _LEADING_NOISE:
                names.setdefault(word, kind)
        if not names:
            return spans
        forms = {p + n: kind for n, kind in names.items() for p in _PROPAGATE_PREFIXES}
        added = [(a, b, kind) for a, b, kind, _ in _uncovered_hits(spans, matches, norms, forms)]
        return sorted(spans + added) if added else spans

    @cached_property
    def curated_places(self) -> dict[str, EntityKind]:
        """One-word places of the hand-written list (countries, capitals, news hot spots),
        with each proclitic run, → place."""
        words = [p for p in self.lexicon.phrases("places.txt") if " " not in p]
        return {pre + w: PLACE for w in words for pre in _PROPAGATE_PREFIXES}

    def add_curated_places(self, spans: list[Span], matches: list[re.Match[str]],
                           norms: list[str]) -> list[Span]:
        """A curated place the CRF left untagged is a place, unless it follows a definite
        word it may qualify as an adjective (الحكومة السعودية, الأراضي الفلسطينية)."""
        added = [(a, b, kind) for a, b, kind, i in _uncovered_hits(
            spans, matches, norms, self.curated_places)
            if not (i and norms[i - 1].startswith("ال"))]
        return sorted(spans + added) if added else spans

    @cached_property
    def known_surnames(self) -> dict[str, str]:
        """Folded surname → full name for the known-persons list (unambiguous surnames
        only); folded so a variant spelling (بوتن) finds its person (فلاديمير بوتين)."""
        seen: dict[str, list[str]] = {}
        for line in self.lexicon.lines("persons.txt"):
            words = normalize_phrase(line).split()
            if len(words) > 1 and self.lexicon.gazetteer_words.get(words[-1]) != "F":
                seen.setdefault(fold_word(words[-1]), []).append(plain(line.strip()))
        return {k: v[0] for k, v in seen.items() if len(v) == 1}


def join_persons(text: str, spans: list[Span]) -> list[Span]:
    """Person spans with only a space between are one name the tagger broke (كوفي | أنان):
    joined here, and split again by `PostRules.refine` where the second starts with و or
    a clitic name (بوش وبلير). ANERcorp train has 22 such pairs that are two persons."""
    out: list[Span] = []
    for span in spans:
        if (out and span[2] == PERSON and out[-1][2] == PERSON
                and not text[out[-1][1]:span[0]].strip()):
            out[-1] = (out[-1][0], span[1], PERSON)
        else:
            out.append(span)
    return out


def is_currency(kind: str, canonical: str) -> bool:
    """An organisation that is only a currency word (ريال) is none."""
    return kind == ORGANIZATION and normalize_word(canonical) in _CURRENCIES


def _is_name_word(token: str) -> bool:
    return token[:1].isalpha() and normalize_word(token) not in _LEADING_NOISE


def _uncovered_hits(spans: list[Span], matches: list[re.Match[str]], norms: list[str],
                    forms: dict[str, EntityKind]) -> list[tuple[int, int, EntityKind, int]]:
    """``(start, end, kind, index)`` of tokens whose normalised form is in ``forms`` and
    that no span covers."""
    hits = forms.keys() & set(norms)
    if not hits:
        return []
    starts = [s[0] for s in spans]
    out = []
    for i in [i for i, w in enumerate(norms) if w in hits]:
        a, b = matches[i].span()
        k = bisect_right(starts, a) - 1
        if k < 0 or spans[k][1] <= a:
            out.append((a, b, forms[norms[i]], i))
    return out
