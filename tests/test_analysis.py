"""The one-pass analysers give exactly the tokens of the filter chains they replace."""

from __future__ import annotations

import pytest

from index.analysis import _exact, _stemmed, exact_analyzer, stem_analyzer

from .helpers import SEED

TEXTS = [
    SEED.read_text(encoding="utf-8"),
    "وقال إنّ «المفاوضات» في غزة والقاهرة، وبلبنان — 2018 وﻻ ١٢٣ Reuters",
    "من في على إلى عن التي الذي وهو ثم",  # stopwords only
    "نَتَنْيَـاهُو\u200cوبلينكن بإسرائيل ل ب و",
    "",
]


@pytest.mark.parametrize("mode", ["index", "query"])
@pytest.mark.parametrize("text", TEXTS)
def test_one_pass_matches_the_chains(text, mode):
    for chain, one_pass in ((_exact(), exact_analyzer), (_stemmed(), stem_analyzer)):
        want = [(t.text, t.pos, t.startchar, t.endchar)
                for t in chain(text, positions=True, chars=True, mode=mode)]
        got = [(t.text, t.pos, t.startchar, t.endchar)
               for t in one_pass(text, positions=True, chars=True, mode=mode)]
        assert got == want


def test_stopwords_can_be_kept_and_marked():
    tokens = [(t.text, t.stopped) for t in _stemmed()("من غزة", removestops=False)]
    assert [text for text, _ in tokens][-1] == [t.text for t in stem_analyzer("غزة")][0]
    assert len(list(stem_analyzer("من غزة", removestops=False))) == len(tokens)


@pytest.mark.parametrize("field", ["title", "body_stem"])
def test_one_pass_text_field_posts_what_whoosh_text_posts(field: str) -> None:
    """`ArabicText.index` gives the same terms, frequencies, weights and encoded positions
    as Whoosh's own `TEXT.index` with the same analyzer and format."""
    from whoosh.fields import TEXT

    from index.schema import build_schema

    ours = build_schema()[field]
    theirs = TEXT(analyzer=ours.analyzer, phrase=field == "title")
    assert type(ours.format) is type(theirs.format)
    text = ("قال الرئيسُ الأمريكي دونالد ترامب في واشنطن إن بغزة وللمدينة والمدينة "
            "ـ ١٢٣ 2024 ... وبلينكن، بلينكن! في في من إلى")
    assert list(ours.index(text)) == list(theirs.index(text))
    assert list(ours.index(text * 3)) == list(theirs.index(text * 3))
    assert list(ours.index("")) == list(theirs.index("")) == []
    seed = SEED.read_text(encoding="utf-8")
    assert list(ours.index(seed)) == list(theirs.index(seed))


@pytest.mark.parametrize(("body", "ranking"), [
    ("بغزة وللمدينة والمدينة ـ ١٢٣ في", "قال الرئيسُ في واشنطن\nبغزة وللمدينة والمدينة ـ ١٢٣ في"),
    ("غزة والقاهرة", "بغزة والقاهرة"),  # the body ends it, but inside a word: no reuse
    ("غزة", "في\n\nغزة"),
    ("غزة", "غزة"),
])
def test_ranking_text_after_its_body_posts_what_whoosh_posts(body: str, ranking: str) -> None:
    """A build indexes ``body`` and then ``body_stem`` (title, newline, body), reusing the
    body's word forms; the postings are still those of Whoosh's own `TEXT`."""
    from whoosh.fields import TEXT

    from index.schema import build_schema

    schema = build_schema()
    for field, text in (("body", body), ("body_stem", ranking), ("title", body)):
        ours = schema[field]
        theirs = TEXT(analyzer=ours.analyzer, phrase=ours.format.__class__.__name__ == "Positions")
        assert list(ours.index(text)) == list(theirs.index(text)), field
