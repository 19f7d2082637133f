"""Snippets and highlighted titles on the original (diacritised) text.

Tokens keep their original offsets, so a mark covers exactly the written word, harakat
and tatweel included. A word is marked when its normalised form was searched for, or
when it shares the light stem of a searched word (ranking matched it through the stem).
"""

from __future__ import annotations

import re
from html import escape

from whoosh.analysis import Filter
from whoosh.highlight import HtmlFormatter, WholeFragmenter, highlight

from archive.arabic import WORD_PATTERN, normalize_aligned, normalize_word

from .analysis import ArabicNormalizeFilter, arabic_tokenizer, rank_stem

_MATCH = "\x00match"


class _MarkMatches(Filter):
    """Rename matching tokens to one marker term, so `highlight` can find them."""

    def __init__(self, exact: frozenset[str], stems: frozenset[str]):
        self.exact, self.stems = exact, stems

    def __call__(self, tokens):
        for token in tokens:
            if token.text in self.exact or rank_stem(token.text) in self.stems:
                token.text = _MATCH
            yield token


class Highlighter:
    """Marks a query's words in titles and bodies, HTML-escaped except for ``<mark>``."""

    def __init__(self, exact: set[str], stems: set[str], maxchars: int = 240):
        self._analyzer = arabic_tokenizer() | ArabicNormalizeFilter() | _MarkMatches(
            frozenset(exact), frozenset(stems))
        self._formatter = HtmlFormatter(tagname="mark", between=" … ")
        self._whole = WholeFragmenter(charlimit=None)
        self.exact, self.stems, self.maxchars = frozenset(exact), frozenset(stems), maxchars
        self.active = bool(exact or stems)
        needles = sorted({w for w in self.exact | self.stems if w}, key=len, reverse=True)
        self._needles = re.compile("|".join(
            "ـ*".join(map(re.escape, needle)) for needle in needles)) if needles else None

    def snippet(self, text: str, fragments: int = 2) -> str:
        """The best fragments of ``text`` with matches marked; its opening when none match.

        Written by hand rather than with ``whoosh.highlight``: Whoosh runs every token of
        the body through its Python filter chain, which was half of a search's time (10
        bodies a page); here the tokens come from one C regex scan and the per-word checks
        are memoised. Fragments follow Whoosh's ContextFragmenter: matches within
        ``maxchars`` of each other share a fragment, ``surround`` characters either side.
        """
        if self.active:
            found = self._find(text)
            if found:
                return _fragments(text, found, self.maxchars, fragments)
        return escape(_opening(text), quote=False)

    def _find(self, text: str) -> list[tuple[int, int]]:
        """Spans of the words that match, in order.

        The folded text keeps every offset (`normalize_aligned`), so one C regex scan for
        the searched words and stems, marks allowed between letters, finds the few
        candidate words; only those are checked word by word.
        """
        needles = self._needles
        aligned = normalize_aligned(text) if needles else None
        if needles is None or aligned is None:
            return [(m.start(), m.end()) for m in WORD_PATTERN.finditer(text)
                    if self._matches(m.group())]
        spans: dict[tuple[int, int], None] = {}
        for hit in needles.finditer(aligned):
            span = _word_at(text, hit.start())
            if span not in spans and self._matches(text[span[0]:span[1]]):
                spans[span] = None
        return sorted(spans)

    def _matches(self, word: str) -> bool:
        norm = normalize_word(word)
        if not norm:
            return False
        if norm in self.exact:
            return True
        # A light stem is part of its word: test that first, stem only the candidates.
        return any(stem in norm for stem in self.stems) and rank_stem(norm) in self.stems

    def whole(self, text: str) -> str:
        """All of ``text`` with matches marked (titles, the article page)."""
        if self.active:
            marked = highlight(text, {_MATCH}, self._analyzer, self._whole,
                               self._formatter, top=1)
            if marked:
                return marked
        return escape(text, quote=False)


_SURROUND = 60
_MARK = '<mark class="match term0">'


def _fragments(text: str, found: list[tuple[int, int]], maxchars: int, top: int) -> str:
    """The ``top`` fragments with most matches (in text order), matches marked."""
    groups: list[list[tuple[int, int]]] = []
    for span in found:
        if groups and span[1] - groups[-1][0][0] <= maxchars - 2 * _SURROUND:
            groups[-1].append(span)
        else:
            groups.append([span])
    best = sorted(sorted(range(len(groups)), key=lambda i: -len(groups[i]))[:top])
    windows: list[tuple[int, int, list[tuple[int, int]]]] = []
    for i in best:
        spans = groups[i]
        start = _word_edge(text, max(0, spans[0][0] - _SURROUND), backwards=True)
        end = _word_edge(text, min(len(text), spans[-1][1] + _SURROUND), backwards=False)
        if windows and start <= windows[-1][1]:  # neighbours that overlap become one
            windows[-1] = (windows[-1][0], end, windows[-1][2] + spans)
        else:
            windows.append((start, end, spans))
    out = []
    for start, end, spans in windows:
        pieces, at = [], start
        for s, e in spans:
            pieces.append(escape(text[at:s], quote=False))
            pieces.append(f"{_MARK}{escape(text[s:e], quote=False)}</mark>")
            at = e
        pieces.append(escape(text[at:end], quote=False))
        out.append("".join(pieces).strip())
    return " … ".join(out)


def _word_at(text: str, at: int) -> tuple[int, int]:
    """The span of the word around offset ``at``."""
    start, end = at, at
    while start > 0 and WORD_PATTERN.match(text, start - 1, start):
        start -= 1
    while end < len(text) and WORD_PATTERN.match(text, end, end + 1):
        end += 1
    return start, end


def _word_edge(text: str, at: int, backwards: bool) -> int:
    """``at`` moved to the nearest space so a fragment never cuts a word."""
    if backwards:
        cut = text.rfind(" ", 0, at + 1)
        return cut + 1 if cut >= 0 else 0
    cut = text.find(" ", at)
    return cut if cut >= 0 else len(text)


def _opening(text: str, maxchars: int = 240) -> str:
    if len(text) <= maxchars:
        return text
    cut = text.rfind(" ", 0, maxchars)
    return text[: cut if cut > 0 else maxchars] + " …"
