"""Cross-archive name merging in the alias table."""

from collections import Counter

from index.aliases import _short_forms


def _variants(**docs: int) -> dict[str, Counter]:
    return {key.replace("_", " "): Counter({key.replace("_", " "): n}) for key, n in docs.items()}


def test_a_surname_merges_into_the_one_full_name_that_dominates():
    merged = _short_forms(_variants(نتنياهو=5, بنيامين_نتنياهو=20))
    assert merged == {"نتنياهو": "بنيامين نتنياهو"}


def test_a_shared_first_name_stays_apart():
    merged = _short_forms(_variants(محمد=50, محمد_صلاح=20, محمد_عباس=15, محمد_بن_سلمان=30))
    assert "محمد" not in merged


def test_a_shorter_multi_word_name_merges_and_chains_resolve_to_the_fullest():
    merged = _short_forms(_variants(سلمان=3, سلمان_بن_عبدالعزيز=10,
                                    سلمان_بن_عبدالعزيز_آل_سعود=30))
    assert merged["سلمان بن عبدالعزيز"] == "سلمان بن عبدالعزيز آل سعود"
    assert merged["سلمان"] == "سلمان بن عبدالعزيز آل سعود"


def test_names_that_merely_share_a_word_in_the_middle_do_not_merge():
    assert _short_forms(_variants(سلمان_بن=2, خالد_سلمان_بن_راشد=9)) == {}


def test_a_name_never_merges_into_a_rare_run_together_mention():
    merged = _short_forms(_variants(فلاديمير_بوتين=250, ترامب_فلاديمير_بوتين=1))
    assert merged == {}
    assert _short_forms(_variants(بوتين=40, ترامب_فلاديمير_بوتين=1)) == {}
