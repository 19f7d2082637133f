"""The CRF entity extractor: text → mentions with offsets, kinds and canonical names.

Spans: a mention covers whole tokens as written, clitics included (``لبلينكن``), so a
highlight shows what the text says; ``canonical`` drops the clitic and, for persons, is
the fullest form of the name found in the same text (بلينكن → أنتوني بلينكن).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

from archive.arabic import normalize_phrase, normalize_word
from archive.entities.clitics import Clitics, default_clitics, plain
from archive.entities.config import ENTITY_SETTINGS, ExtractorConfig
from archive.entities.crf import Tagger
from archive.entities.features import TOKEN_PATTERN, FeatureSet
from archive.entities.keys import canonical_name, entity_key, fold_word, variant_key
from archive.entities.lexicon import Lexicon, default_lexicon, lexicon_for
from archive.entities.network import EnsembleTagger, NetworkFiles, NetworkTagger
from archive.entities.rules import PostRules, Span, is_currency
from archive.entities.stoplist import NotNames
from archive.kinds import ENTITY_KINDS, EntityKind

MODEL_PATH = ExtractorConfig().model_path
# CRF labels (B-PERS, I-LOC …) carry the kinds' CoNLL tags; MISC is not extracted.
_KIND_OF_LABEL = {kind.tag: kind for kind in ENTITY_KINDS}
_LINE = re.compile(r"[^\n]+")
_SENTENCE_END = frozenset(".!?؟؛")
# Long runs without a full stop are cut: CRF cost is linear anyway, context is local.
_MAX_SEQUENCE = 150


@dataclass(frozen=True)
class Mention:
    """One entity mention; ``text == source[start:end]``."""

    start: int
    end: int
    text: str
    kind: EntityKind
    canonical: str
    #: False for a person named only by a lone given name the text never gives in full
    #: (سلمان, فهد): searchable as text, but no value of the person facet.
    facet: bool = True

    @property
    def key(self) -> str:
        return entity_key(self.canonical)


class Extractor:
    """A CRF model with its `ExtractorConfig` and `Lexicon` (default: the shipped ones).

    Picklable (the tagger is reopened on demand) and fork-safe (a child process reopens
    the model instead of sharing the parent's handle)."""

    def __init__(self, model_path: str | Path | None = None,
                 config: ExtractorConfig | None = None, lexicon: Lexicon | None = None) -> None:
        self.config = config or ExtractorConfig()
        self.model_path = Path(model_path) if model_path is not None else self.config.model_path
        self.lexicon = lexicon if lexicon is not None else lexicon_for(self.config)
        shipped = self.lexicon is default_lexicon()
        self.clitics = default_clitics() if shipped else Clitics(self.lexicon)
        self.rules = PostRules(self.lexicon, self.clitics, self.config)
        self.not_names = NotNames(self.lexicon)
        self._tagger: Tagger | NetworkTagger | EnsembleTagger | None = None
        self._pid = -1

    def __reduce__(self) -> tuple[type[Extractor], tuple[object, ...]]:
        lexicon = None if self.lexicon is default_lexicon() else self.lexicon
        return (Extractor, (self.model_path, self.config, lexicon))

    @property
    def tagger(self) -> Tagger | NetworkTagger | EnsembleTagger:
        if self._tagger is None or self._pid != os.getpid():
            features = FeatureSet(self.lexicon, self.clitics)
            if self.config.tagger == "crf":
                self._tagger = Tagger(self.model_path, features)
            else:
                network = NetworkTagger(NetworkFiles(self.config.network_path), features)
                self._tagger = network if self.config.tagger == "network" else EnsembleTagger(
                    Tagger(self.model_path, features), network, self.config.ensemble_weight)
            self._pid = os.getpid()
        return self._tagger

    def fingerprint(self) -> str:
        """A digest of the extractor's code, data files, model and config: entities stored
        under another fingerprint are stale."""
        package = Path(__file__).parent
        network = NetworkFiles(self.config.network_path)
        # The network's files count only for a tagger that runs it: a retrained network
        # leaves the CRF's entities current.
        own = {network.graph, network.decoding}
        uses = own if self.config.tagger != "crf" else set()
        files = [*package.glob("*.py"), package.parent / "kinds.py",
                 *(p for p in Path(self.config.data_dir).glob("*")
                   if p.is_file() and (p not in own or p in uses))]
        files += [p for p in (self.model_path, self.config.clusters_path, *uses)
                  if p is not None and p not in files and p.exists()]
        digest = hashlib.sha1()
        for path in sorted(files):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        settings = [(f.name, getattr(self.config, f.name)) for f in fields(self.config)
                    if f.name != "data_dir"]
        digest.update(repr(settings).encode())
        return digest.hexdigest()[:16]

    def spans(self, text: str) -> list[Span]:
        """``(start, end, kind)`` of each entity the CRF finds."""
        return self._tag(text)[0]

    def _tag(self, text: str) -> tuple[list[Span], list[re.Match[str]]]:
        # Hot path: offsets are read from the Match objects only at entity boundaries.
        matches, words, slices = _tokens(text)
        out: list[Span] = []
        for (lo, _), labels in zip(slices, self.tagger.tag([words[a:b] for a, b in slices]),
                                   strict=True):
            for first, last, kind in _decode(labels):
                out.append((matches[lo + first].start(), matches[lo + last].end(), kind))
        return out, matches

    def extract(self, text: str) -> list[Mention]:
        """Mentions in ``text`` in order, with clitic-free, short-form-resolved canonicals;
        no religious formula, title, demonym or currency is a person or organisation."""
        return [m for m in self.resolve(text, *self._tag(text))
                if not is_currency(m.kind, m.canonical)
                and not self.not_names.rejects(m.kind, m.canonical, text[m.end:m.end + 8])]

    def resolve(self, text: str, spans: list[Span],
                matches: list[re.Match[str]] | None = None) -> list[Mention]:
        """Build mentions: run the post-rules, strip clitics (with the text's other names as
        evidence) and resolve short person names to the fullest form in the same text or
        the known-persons list; canonical names come from the curated table
        (`archive.entities.canonical`), and a lone given name is kept out of the facet."""
        context = Counter(normalize_word(plain(w))
                          for a, b, _ in spans for w in text[a:b].split())
        if matches is None:
            matches = list(TOKEN_PATTERN.finditer(text))
        norms = [normalize_word(m.group()) for m in matches]
        spans = self.rules.apply(text, spans, matches, norms, context)
        surfaces = [text[a:b] for a, b, _ in spans]
        names = []
        for surface in surfaces:
            words = plain(surface).split()
            if not words:
                names.append("")
                continue
            words[0] = self.clitics.strip(words[0], context)
            names.append(" ".join(words))
        full = self._full_names([n for n, (_, _, k) in zip(names, spans, strict=True)
                                 if k == EntityKind.PERSON])
        mentions = []
        for (start, end, kind), surface, name in zip(spans, surfaces, names, strict=True):
            canonical = full.get(name, name) if kind == EntityKind.PERSON else name
            kind, canonical = self.not_names.known_kind(kind, canonical or surface)
            canonical = canonical_name(kind.value, canonical)
            facet = kind != EntityKind.PERSON or not self.not_names.given_name_only(canonical)
            mentions.append(Mention(start, end, surface, kind, canonical, facet))
        return mentions

    def _full_names(self, persons: list[str]) -> dict[str, str]:
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
                best = self.rules.known_surnames.get(fold_word(words[0]))
            if best is not None:
                out[short] = best
        return out


def sentences(text: str) -> list[list[str]]:
    """The token sequences the tagger labels in ``text``: per line, cut at full stops."""
    _, words, slices = _tokens(text)
    return [words[a:b] for a, b in slices]


def _tokens(text: str) -> tuple[list[re.Match[str]], list[str], list[tuple[int, int]]]:
    """The token matches of ``text``, their words, and its sentences as ``(lo, hi)``
    slices of both."""
    matches: list[re.Match[str]] = []
    slices: list[tuple[int, int]] = []
    words: list[str] = []
    for line in _LINE.finditer(text):
        offset = len(matches)
        matches.extend(TOKEN_PATTERN.finditer(text, line.start(), line.end()))
        words.extend(m.group() for m in matches[offset:])
        slices.extend((offset + lo, offset + hi) for lo, hi in _sequences(words[offset:]))
    return matches, words, slices


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


def _decode(labels: list[str]) -> list[tuple[int, int, EntityKind]]:
    """BIO labels → ``(first, last, kind)`` runs; an I- after another label opens a run."""
    runs: list[tuple[int, int, EntityKind]] = []
    label_kind, start = "", -1
    for i, tag in enumerate([*labels, "O"]):
        prefix, label = tag[:1], tag[2:]
        if label_kind and not (prefix == "I" and label == label_kind):
            kind = _KIND_OF_LABEL.get(label_kind)
            if kind is not None:
                runs.append((start, i - 1, kind))
            label_kind = ""
        if prefix in ("B", "I") and not label_kind:
            label_kind, start = label, i
    return runs


@cache
def extractor_for(setting: str) -> Extractor:
    """The shipped extractor of an entity setting (``fast``, ``accurate``), once per process."""
    return Extractor(config=ENTITY_SETTINGS[setting])


def default_extractor() -> Extractor:
    """The shipped fast extractor (the CRF), loaded once per process."""
    return extractor_for("fast")


def extract(text: str) -> list[Mention]:
    """Entity mentions in ``text`` with the shipped model (see `Extractor.extract`)."""
    return default_extractor().extract(text)


def article_entities(title: str, body: str, extractor: Extractor | None = None
                     ) -> dict[EntityKind, list[tuple[str, str]]]:
    """For one article: kind → de-duplicated ``(key, display)`` list, first mention first.

    Title and body are read as one text so a surname in the title resolves to the full
    name given in the body. Within one article, names of one kind with one spelling
    skeleton (بوتين، بوتن) are one entity, named by its longest spelling. A lone given
    name the article never gives in full is left out (`Mention.facet`)."""
    out: dict[EntityKind, dict[str, str]] = {kind: {} for kind in ENTITY_KINDS}
    for m in (extractor or default_extractor()).extract(f"{title}\n\n{body}"):
        if not m.facet:
            continue
        bucket = out[m.kind]
        skeleton = variant_key(m.canonical)
        if skeleton and (skeleton not in bucket or len(m.canonical) > len(bucket[skeleton])):
            bucket[skeleton] = m.canonical
    return {kind: [(entity_key(name), name) for name in bucket.values()]
            for kind, bucket in out.items()}


__all__ = ["Extractor", "ExtractorConfig", "Mention", "article_entities", "default_extractor",
           "extract", "extractor_for"]
