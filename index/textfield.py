"""A TEXT field that turns a document's text into postings in one pass.

Whoosh's `TEXT.index` runs four generators per token (the field, the format's
``word_values``, ``unstopped``, the analyzer) and fills a Token object for each; for our
one-pass analyzers (`index.analysis._OnePass`) this field asks the analyzer for the
grouped terms directly and encodes them as Whoosh's `Positions` and `Frequency` formats do,
byte for byte (tests compare it with `TEXT`). Anything else goes the usual way. Pickled
into the index's schema, so it must stay at this import path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from whoosh.fields import TEXT
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from .analysis import _OnePass

Posting = tuple[bytes, int, float, bytes]  # term, frequency, weight, encoded value


class ArabicText(TEXT):
    """`TEXT` whose ``index`` takes the one-pass route for our analyzers."""

    def index(self, value: object, **kwargs: object) -> Iterator[Posting]:
        analyzer, fmt = self.analyzer, self.format
        if (isinstance(analyzer, _OnePass) and isinstance(value, str)
                and kwargs.get("mode", "index") == "index"):
            boost = fmt.field_boost
            if type(fmt) is Positions and not analyzer.stems:
                for word, poslist in analyzer.positions(value).items():
                    n = len(poslist)
                    yield word.encode("utf-8"), n, n * boost, fmt.encode(poslist)
                return
            if type(fmt) is Frequency:
                for word, n in Counter(analyzer.terms(value)).items():
                    yield word.encode("utf-8"), n, n * boost, pack_uint(n)
                return
        yield from super().index(value, **kwargs)
