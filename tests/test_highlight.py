"""Snippets: the matched words of any part of a body, marked on the original text."""

from __future__ import annotations

import re
from html import unescape

from index.analysis import rank_stem
from index.highlight import Highlighter


def marked(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", html)]


FILLER = "كلام عام عن أحوال الطقس والأسواق في المنطقة. " * 120  # ~5,400 characters


def test_a_match_deep_in_a_long_body_is_found():
    text = FILLER + "ثم وصل نتنياهو إلى القدس. " + FILLER
    snippet = Highlighter({"نتنياهو"}, set()).snippet(text)
    assert marked(snippet) == ["نتنياهو"]
    assert len(unescape(re.sub("<[^>]+>", "", snippet))) < 400


def test_diacritics_tatweel_and_hamza_forms_are_marked_as_written():
    text = "قال نَتَنْيَـاهُو إنّ إسرائيل والأمم المتحدة"
    snippet = Highlighter({"نتنياهو", "اسراءيل"}, set()).snippet(text)
    assert marked(snippet) == ["نَتَنْيَـاهُو", "إسرائيل"]


def test_stems_mark_other_forms_of_the_word():
    text = "المفاوضات مستمرة، وقال المفاوض إن التفاوض صعب"
    snippet = Highlighter(set(), {rank_stem("مفاوضات")}).snippet(text)
    assert "المفاوضات" in marked(snippet)


def test_presentation_forms_fall_back_to_the_word_by_word_path():
    text = "ﺍﻟﻘﺪﺱ مدينة قديمة، القدس عاصمة"  # the first word in presentation forms
    assert marked(Highlighter({"القدس"}, set()).snippet(text)) == ["ﺍﻟﻘﺪﺱ", "القدس"]


def test_neighbouring_fragments_never_repeat_text():
    text = " ".join(["غزة"] + ["كلمة"] * 25 + ["غزة"] + ["نص"] * 400 + ["غزة"])
    snippet = re.sub("<[^>]+>", "", Highlighter({"غزه"}, set()).snippet(text))
    for piece in snippet.split(" … "):
        assert snippet.count(piece) == 1


def test_no_match_gives_the_opening_escaped():
    snippet = Highlighter({"بيروت"}, set()).snippet("<b>خبر</b> " + FILLER)
    assert snippet.startswith("&lt;b&gt;خبر") and snippet.endswith(" …")
