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
