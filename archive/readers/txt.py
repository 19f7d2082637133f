"""Plain-text articles (crawler files: title line, then body) and comment-form footers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from archive.arabic import words
from archive.readers.common import MAX_ARTICLE_BYTES, Result, file_stem, to_article
from archive.readers.decoding import read_text

_FOOTER_MARKERS = frozenset(" ".join(words(m)) for m in (
    "التعليقات", "تعليقات", "اترك تعليقاً", "اترك تعليقا", "اترك تعليق", "اترك رداً",
    "اترك ردا", "اترك رد", "أضف تعليق", "أضف تعليقاً", "أضف تعليقك", "اكتب تعليقاً",
))
_FOOTER_PREFIXES = tuple(" ".join(words(m)) for m in (
    "لن يتم نشر عنوان بريدك الإلكتروني",
))
# A footer starts this close to the end or it is article text (a subheading «التعليقات»
# followed by paragraphs is not a footer). The seed's whole footer is about 90 characters.
FOOTER_MAX_CHARS = 500
_MANY_BLANKS = re.compile(r"\n{3,}")


def _is_footer_marker(line: str) -> bool:
    """True for a line such as «التعليقات (3)» or «اترك تعليقاً», in any hamza/haraka spelling."""
    if len(line) > 120:  # markers are short; skip normalising long paragraphs
        return False
    key = " ".join(w for w in words(line) if not w.isdigit())
    return key in _FOOTER_MARKERS or (bool(key) and key.startswith(_FOOTER_PREFIXES))


def strip_footer(text: str) -> str:
    """Cut a trailing comment-form footer: from its first marker line in the last
    ``FOOTER_MAX_CHARS`` characters to the end. Text before that is never touched."""
    lines = text.split("\n")
    cut, tail = None, 0
    for i in range(len(lines) - 1, -1, -1):
        tail += len(lines[i]) + 1
        if tail > FOOTER_MAX_CHARS + 1:
            break
        if _is_footer_marker(lines[i]):
            cut = i  # keep going: the earliest marker in the tail starts the footer
    return text if cut is None else "\n".join(lines[:cut]).rstrip()


def read_txt(path: Path) -> Iterator[Result]:
    """A crawler text file: first non-empty line is the title, the rest the body."""
    text = read_text(path, MAX_ARTICLE_BYTES).strip()
    title, _, body = text.partition("\n")
    body = "\n".join(line.rstrip() for line in body.strip().split("\n"))
    body = _MANY_BLANKS.sub("\n\n", strip_footer(body))
    yield to_article(path, {"id": file_stem(path), "title": title, "body": body})
