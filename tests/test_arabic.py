"""Each normalisation rule on its own, and tokenising that keeps marks inside words."""

import pytest

from archive.arabic import normalize, normalize_phrase, tokenize, words

RULES = [
    # (rule, written, normalised)
    ("fatha, damma, kasra, sukun, shadda", "مُحَمَّدٌ", "محمد"),
    ("tanwin", "كتابًا", "كتابا"),
    ("maddah / hamza marks above and below", "ا\u0653ا\u0654ا\u0655", "ااا"),
    ("superscript alef", "هٰذا", "هذا"),
    ("Quranic marks", "الله\u06d6\u06da", "الله"),
    ("tatweel", "غـــالانت", "غالانت"),
    ("alef with hamza above", "أحمد", "احمد"),
    ("alef with hamza below", "إسرائيل", "اسراءيل"),
    ("alef madda", "آمنة", "امنه"),
    ("alef wasla", "ٱلله", "الله"),
    ("alef maqsura", "مصطفى", "مصطفي"),
    ("teh marbuta", "غزة", "غزه"),
    ("hamza on waw and on yeh meet", "مسؤول", "مسءول"),
    ("hamza on yeh", "مسئول", "مسءول"),
    ("Persian keheh", "کتاب", "كتاب"),
    ("Farsi yeh", "ایران", "ايران"),
    ("yeh barree", "ے", "ي"),
    ("Arabic-Indic digits", "٢٠١٨", "2018"),
    ("Persian digits", "۲۰۱۸", "2018"),
    ("lam-alef presentation form", "ﻻ", "لا"),
    ("presentation forms of letters", "ﺑﻴﺮﻭﺕ", "بيروت"),
    ("zero-width non-joiner", "بلي\u200cنكن", "بلينكن"),
    ("zero-width joiner", "بلي\u200dنكن", "بلينكن"),
    ("left-to-right and right-to-left marks", "\u200fغزة\u200e", "غزه"),
    ("byte order mark", "\ufeffغزة", "غزه"),
    ("bidi embedding and isolates", "\u202bغزة\u202c\u2067x\u2069", "غزهx"),
    ("Latin is lower-cased", "BBC", "bbc"),
]


@pytest.mark.parametrize(("rule", "written", "expected"), RULES, ids=[r[0] for r in RULES])
def test_normalisation_rule(rule, written, expected):
    assert normalize(written) == expected


@pytest.mark.parametrize("variant", ["غالانت", "غَالَانْت", "غـالانت", "غ\u200cالانت"])
def test_variants_of_a_name_share_one_form(variant):
    assert words(variant) == ["غالانت"]


def test_tokens_keep_harakat_and_tatweel_and_original_offsets():
    text = "قال مُحَمَّدٌ: غـالانت!"
    tokens = list(tokenize(text))
    assert [t[2] for t in tokens] == ["قال", "مُحَمَّدٌ", "غـالانت"]
    for start, end, token in tokens:
        assert text[start:end] == token


def test_punctuation_separates_words():
    assert words("غزة،لبنان؛ إيران؟ «حماس»") == ["غزه", "لبنان", "ايران", "حماس"]


def test_phrase_key_folds_spacing():
    assert normalize_phrase("  تل   أبيب ") == "تل ابيب"
