"""Snippets and highlighted titles on the original (diacritised) text.

Tokens keep their original offsets, so a mark covers exactly the written word, harakat
and tatweel included. A word is marked when its normalised form was searched for, or
when it shares the light stem of a searched word (ranking matched it through the stem).
"""

from __future__ import annotations

from html import escape

from whoosh.analysis import Filter
from whoosh.highlight import ContextFragmenter, HtmlFormatter, WholeFragmenter, highlight

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
        self._fragmenter = ContextFragmenter(maxchars=maxchars, surround=60, charlimit=None)
        self._whole = WholeFragmenter(charlimit=None)
        self.active = bool(exact or stems)

    def snippet(self, text: str, fragments: int = 2) -> str:
        """The best fragments of ``text`` with matches marked; its opening when none match."""
        if self.active:
            marked = highlight(text, {_MATCH}, self._analyzer, self._fragmenter,
                               self._formatter, top=fragments)
            if marked:
                return marked
        return escape(_opening(text), quote=False)

    def whole(self, text: str) -> str:
        """All of ``text`` with matches marked (titles, the article page)."""
        if self.active:
            marked = highlight(text, {_MATCH}, self._analyzer, self._whole,
                               self._formatter, top=1)
            if marked:
                return marked
        return escape(text, quote=False)


def _opening(text: str, maxchars: int = 240) -> str:
    if len(text) <= maxchars:
        return text
    cut = text.rfind(" ", 0, maxchars)
    return text[: cut if cut > 0 else maxchars] + " …"
