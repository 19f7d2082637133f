"""The CRF entity extractor: text → mentions with offsets, kinds and canonical names.

Spans: a mention covers whole tokens as written, clitics included (``لبلينكن``), so a
highlight shows what the text says; ``canonical`` drops the clitic and, for persons, is
the fullest form of the name found in the same text (بلينكن → أنتوني بلينكن).
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pycrfsuite

from archive.arabic import normalize_phrase, normalize_word
from archive.entities.clitics import plain, strip_clitics
from archive.entities.features import TOKEN_PATTERN, FeatureSet, tokenize
from archive.entities.keys import entity_key, fold_word
from archive.entities.lexicon import (
    DATA_DIR,
    ORG_CUES,
    PERSON_CUES,
    gazetteer_words,
    mined_names,
    phrases,
    word_clusters,
    word_freq,
)

MODEL_PATH = DATA_DIR / "ner.crfsuite"
KINDS = {"PERS": "person", "LOC": "place", "ORG": "organization"}
Span = tuple[int, int, str]  # (start, end, kind)
_LINE = re.compile(r"[^\n]+")
_SENTENCE_END = frozenset(".!?؟؛")
# Long runs without a full stop are cut: CRF cost is linear anyway, context is local.
_MAX_SEQUENCE = 150
_LEADING_NOISE = PERSON_CUES | ORG_CUES


@dataclass(frozen=True)
class Mention:
    """One entity mention; ``text == source[start:end]``."""

    start: int
    end: int
    text: str
    kind: str
    canonical: str

    @property
    def key(self) -> str:
        return entity_key(self.canonical)


class Extractor:
    """A loaded CRF model. Picklable (the tagger is reopened on demand) and fork-safe
    (a child process reopens the model instead of sharing the parent's handle)."""

    def __init__(self, model_path: str | Path = MODEL_PATH) -> None:
        self.model_path = Path(model_path)
        self._tagger: pycrfsuite.Tagger | None = None
        self._features: FeatureSet | None = None
        self._pid = -1

    def __reduce__(self) -> tuple[type[Extractor], tuple[Path]]:
        return (Extractor, (self.model_path,))

    @property
    def tagger(self) -> pycrfsuite.Tagger:
        if self._tagger is None or self._pid != os.getpid():
            tagger = pycrfsuite.Tagger()
            tagger.open(str(self.model_path))
            known = frozenset(a for a, _ in tagger.info().state_features)
            self._tagger, self._pid = tagger, os.getpid()
            self._features = FeatureSet(known)
        return self._tagger

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, kind)`` of each entity the CRF finds."""
        return self._tag(text)[0]

    def _tag(self, text: str) -> tuple[list[Span], list[re.Match[str]]]:
        # Hot path: offsets are read from the Match objects only at entity boundaries.
        tagger = self.tagger
        features = self._features.sentence  # type: ignore[union-attr]
        out: list[Span] = []
        matches: list[re.Match[str]] = []
        for line in _LINE.finditer(text):
            line_matches = list(TOKEN_PATTERN.finditer(text, line.start(), line.end()))
            toks = [m.group() for m in line_matches]
            offset = len(matches)
            matches.extend(line_matches)
            for lo, hi in _sequences(toks):
                labels = tagger.tag(features(toks[lo:hi]))
                for first, last, label in _decode(labels):
                    out.append((matches[offset + lo + first].start(),
                                matches[offset + lo + last].end(), KINDS[label]))
        return out, matches

    def extract(self, text: str) -> list[Mention]:
        """Mentions in ``text`` in order, with clitic-free, short-form-resolved canonicals."""
        return [m for m in resolve(text, *self._tag(text)) if not _is_currency(m)]


def _sequences(toks: list[str]) -> list[tuple[int, int]]:
    """``(lo, hi)`` slices cutting a line's tokens into sentences at full stops (at least
    four tokens each) and at a length cap."""
    out, lo = [], 0
    for i in [i for i, t in enumerate(toks) if t in _SENTENCE_END]:
        if i + 1 - lo > 3:
            out.extend(_capped(lo, i + 1))
            lo = i + 1
    if lo < len(toks):
        out.extend(_capped(lo, len(toks)))
    return out


def _capped(lo: int, hi: int) -> list[tuple[int, int]]:
    return [(a, min(a + _MAX_SEQUENCE, hi)) for a in range(lo, hi, _MAX_SEQUENCE)]


# A currency word alone is never an organisation, though the model learns ريال from
# ريال مدريد and then tags every Saudi riyal (848 documents of SaudiNewsNet).
_CURRENCIES = frozenset(normalize_word(w) for w in (
    "ريال", "درهم", "دينار", "جنيه", "ليرة", "دولار", "يورو", "روبل", "ين", "يوان"))


def _is_currency(mention: Mention) -> bool:
    return mention.kind == "organization" and normalize_word(mention.canonical) in _CURRENCIES


def _decode(labels: list[str]) -> list[tuple[int, int, str]]:
    """BIO labels → ``(first, last, label)`` runs; an I- after another label opens a run."""
    runs: list[tuple[int, int, str]] = []
    kind, start = "", -1
    for i, tag in enumerate([*labels, "O"]):
        prefix, label = tag[:1], tag[2:]
        if kind and not (prefix == "I" and label == kind):
            if kind in KINDS:
                runs.append((start, i - 1, kind))
            kind = ""
        if prefix in ("B", "I") and not kind:
            kind, start = label, i
    return runs


def _refine(text: str, spans: list[tuple[int, int, str]], context: Counter[str]
            ) -> list[tuple[int, int, str]]:
    """Post-rules on person spans: drop a leading or trailing title or organisation word
    the CRF took in (مكتب غالانت → غالانت), and split two names run together when a later word is a
    clitic plus a name seen elsewhere in the text (غالانت لبلينكن → غالانت | لبلينكن)."""
    out: list[tuple[int, int, str]] = []
    for start, end, kind in spans:
        if kind != "person" or " " not in text[start:end]:
            out.append((start, end, kind))
            continue
        words = [(start + a, start + b, w) for a, b, w in tokenize(text[start:end])]
        while len(words) > 1 and normalize_word(words[0][2]) in _LEADING_NOISE:
            words.pop(0)
        while len(words) > 1 and normalize_word(words[-1][2]) in _LEADING_NOISE:
            words.pop()
        piece = [words[0]]
        for word in words[1:]:
            w = plain(word[2])
            # و inside a name is almost always "and": split on any evidence; ب/ل/ف only
            # on evidence from the same text (لحود is a surname).
            if (w[:1] == "و" and strip_clitics(w) != w) or (
                    w[:1] in "وبلف" and strip_clitics(w, context) != w):
                out.append((piece[0][0], piece[-1][1], kind))
                piece = []
            piece.append(word)
        out.append((piece[0][0], piece[-1][1], kind))
    return out


# A person's name never ends in a kinship particle (علي بن أبي طالب, not علي بن أبي), and
# one that starts with بن/ابن/بنت lacks the given name before it (سهل بن حنيف).
_NAME_LINKS = frozenset(normalize_word(w) for w in "بن ابن بنت أبو أبي أبا آل عبد".split())
_SON_OF = frozenset(normalize_word(w) for w in "بن ابن بنت".split())


def _is_name_word(token: str) -> bool:
    return token[:1].isalpha() and normalize_word(token) not in _LEADING_NOISE


def _is_given_name(token: str) -> bool:
    """A word before بن must itself look like a given name (زار بن علي is a verb and a
    surname): a listed given name, a mined person word, or in محمد's word cluster."""
    norm = normalize_word(token)
    if gazetteer_words().get(norm) == "F" or mined_names().get(norm) == "p":
        return True
    clusters = word_clusters()
    mine, given = clusters.get(norm), clusters.get("محمد")
    return bool(mine and given and mine[2] == given[2])


def _complete_particles(spans: list[Span], matches: list[re.Match[str]],
                        norms: list[str]) -> list[Span]:
    """Extend person spans over a dangling particle's name: forward while the span ends
    in a particle (بن, أبو, آل, عبد …), backward while it starts with بن/ابن/بنت or
    follows one; spans swallowed on the way are dropped."""
    if not any(kind == "person" for _, _, kind in spans):
        return spans
    starts = [m.start() for m in matches]
    out: list[Span] = []
    changed = False
    for start, end, kind in spans:
        if kind == "person":
            lo = bisect_right(starts, start) - 1
            hi = bisect_right(starts, end - 1) - 1
            while (norms[hi] in _NAME_LINKS and hi + 1 < len(matches) and hi - lo < 8
                   and _is_name_word(matches[hi + 1].group())):
                hi += 1
            while lo >= 1 and hi - lo < 8 and _is_name_word(matches[lo - 1].group()) and (
                    (norms[lo] in _SON_OF and _is_given_name(matches[lo - 1].group()))
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
                merged[-1] = (merged[-1][0], span[1], "person")
            continue
        merged.append(span)
    return merged


_PROPAGATE_PREFIXES = ("", "و", "ب", "ل", "ف", "ك", "وب", "ول", "فب", "فل", "وك")


def _uncovered_hits(spans: list[Span], matches: list[re.Match[str]], norms: list[str],
                    forms: dict[str, str]) -> list[tuple[int, int, str, int]]:
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


def _propagate(text: str, spans: list[Span], matches: list[re.Match[str]],
               norms: list[str]) -> list[Span]:
    """One sense per document: a one-word name the CRF found once (a place, an
    organisation, a person's surname) is tagged wherever else it occurs in the text, with
    or without a clitic (ببلينكن, the title's lone غالانت)."""
    names: dict[str, str] = {}
    for start, end, kind in spans:
        words = text[start:end].split()
        word = normalize_word(plain(strip_clitics(words[-1]) if len(words) == 1 else words[-1]))
        if len(words) > 1 and kind != "person":
            continue
        # Short or very common words (رئيس, الله) would spread errors, not names.
        if len(word) >= 4 and word_freq().get(word, 0) < 20_000 and word not in _LEADING_NOISE:
            names.setdefault(word, kind)
    if not names:
        return spans
    forms = {p + n: kind for n, kind in names.items() for p in _PROPAGATE_PREFIXES}
    added = [(a, b, kind) for a, b, kind, _ in _uncovered_hits(spans, matches, norms, forms)]
    return sorted(spans + added) if added else spans


def _curated_places() -> dict[str, str]:
    """One-word places of the hand-written list (countries, capitals, news hot spots), with
    each proclitic run, → "place"."""
    global _CURATED
    if _CURATED is None:
        words = [p for p in phrases("places.txt") if " " not in p]
        _CURATED = {pre + w: "place" for w in words for pre in _PROPAGATE_PREFIXES}
    return _CURATED


_CURATED: dict[str, str] | None = None
USE_CURATED_PLACES = True
COMPLETE_PARTICLES = os.environ.get("ARCHIVE_NER_PARTICLES", "1") == "1"


def _add_curated_places(spans: list[Span], matches: list[re.Match[str]],
                        norms: list[str]) -> list[Span]:
    """A curated place the CRF left untagged is a place, unless it follows a definite
    word it may qualify as an adjective (الحكومة السعودية, الأراضي الفلسطينية)."""
    added = [(a, b, kind) for a, b, kind, i in _uncovered_hits(
        spans, matches, norms, _curated_places()) if not (i and norms[i - 1].startswith("ال"))]
    return sorted(spans + added) if added else spans


def resolve(text: str, spans: list[Span],
            matches: list[re.Match[str]] | None = None) -> list[Mention]:
    """Build mentions: strip clitics (with the text's other names as evidence) and resolve
    short person names to the fullest form in the same text or the known-persons list."""
    context = Counter(normalize_word(plain(w)) for a, b, _ in spans for w in text[a:b].split())
    if matches is None:
        matches = list(TOKEN_PATTERN.finditer(text))
    norms = [normalize_word(m.group()) for m in matches]
    spans = _refine(text, spans, context)
    if COMPLETE_PARTICLES:
        spans = _complete_particles(spans, matches, norms)
    spans = _propagate(text, spans, matches, norms)
    if USE_CURATED_PLACES:
        spans = _add_curated_places(spans, matches, norms)
    surfaces = [text[a:b] for a, b, _ in spans]
    names = []
    for surface in surfaces:
        words = plain(surface).split()
        if not words:
            names.append("")
            continue
        words[0] = strip_clitics(words[0], context)
        names.append(" ".join(words))
    full = _full_names([n for n, (_, _, k) in zip(names, spans, strict=True) if k == "person"])
    mentions = []
    for (start, end, kind), surface, name in zip(spans, surfaces, names, strict=True):
        canonical = full.get(name, name) if kind == "person" else name
        mentions.append(Mention(start, end, surface, kind, canonical or surface))
    return mentions


def _full_names(persons: list[str]) -> dict[str, str]:
    """Short person name → fullest name in the same text (first or last words match),
    else a known person whose surname it is."""
    counts = Counter(persons)
    normalised = {p: normalize_phrase(p).split() for p in counts}
    out: dict[str, str] = {}
    for short, words in normalised.items():
        best, best_rank = None, (0, 0)
        for long, long_words in normalised.items():
            n = len(words)
            if len(long_words) <= n or not n:
                continue
            if long_words[-n:] == words or long_words[:n] == words:
                rank = (counts[long], len(long_words))
                if rank > best_rank:
                    best, best_rank = long, rank
        if best is None and len(words) == 1:
            best = _known_surnames().get(fold_word(words[0]))
        if best is not None:
            out[short] = best
    return out


_SURNAMES: dict[str, str] | None = None


def _known_surnames() -> dict[str, str]:
    """Folded surname → full name for the known-persons list (unambiguous surnames only);
    folded so a variant spelling (بوتن) finds its person (فلاديمير بوتين)."""
    global _SURNAMES
    if _SURNAMES is None:
        from archive.entities.lexicon import _read_lines

        seen: dict[str, list[str]] = {}
        for line in _read_lines("persons.txt"):
            words = normalize_phrase(line).split()
            if len(words) > 1 and gazetteer_words().get(words[-1]) != "F":
                seen.setdefault(fold_word(words[-1]), []).append(plain(line.strip()))
        _SURNAMES = {k: v[0] for k, v in seen.items() if len(v) == 1}
    return _SURNAMES


_DEFAULT: Extractor | None = None


def default_extractor() -> Extractor:
    """The shipped model, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Extractor()
    return _DEFAULT


def extract(text: str) -> list[Mention]:
    """Entity mentions in ``text`` with the shipped model (see `Extractor.extract`)."""
    return default_extractor().extract(text)


def article_entities(title: str, body: str) -> dict[str, list[tuple[str, str]]]:
    """For one article: kind → de-duplicated ``(key, display)`` list, first mention first.

    Title and body are read as one text so a surname in the title resolves to the full
    name given in the body."""
    out: dict[str, dict[str, str]] = {kind: {} for kind in KINDS.values()}
    for m in extract(f"{title}\n\n{body}"):
        bucket = out[m.kind]
        key = m.key
        if key and (key not in bucket or len(m.canonical) > len(bucket[key])):
            bucket[key] = m.canonical
    return {kind: list(bucket.items()) for kind, bucket in out.items()}


__all__ = ["Extractor", "Mention", "article_entities", "extract"]
