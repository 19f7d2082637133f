"""Cross-archive name merging in the alias table."""

import random
from collections import Counter

from archive.entities.keys import variant_key
from archive.kinds import EntityKind
from index import aliases as aliases_module
from index.aliases import _KeysByDocument, _short_forms


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


# The alias pass's counts over packed keys, against a count made document by document.
KINDS = [kind.value for kind in EntityKind]


def _random_documents(rng: random.Random, n: int) -> list[dict[str, set[str]]]:
    # Few keys, so documents share them; بوتين / بوتن share a spelling skeleton.
    names = ["بوتين", "بوتن", "فلاديمير بوتين", "موسكو", "روسيا", "سوريا", "الامم المتحدة",
             "اردوغان", "طهران"]
    return [{kind: set(rng.sample(names, rng.randint(0, 4))) for kind in KINDS
             if rng.random() < 0.7} for _ in range(n)]


def test_packed_counts_equal_a_count_document_by_document(monkeypatch):
    monkeypatch.setattr(aliases_module, "_CHUNK_DOCUMENTS", 7)  # chunks end mid-corpus
    rng = random.Random(5)
    documents = _random_documents(rng, 60)
    packed = _KeysByDocument()
    for keys_by_kind in documents:
        packed.add(keys_by_kind)
    assert list(packed) == [{k: v for k, v in d.items() if v} for d in documents]

    into = {"بوتن": "بوتين", "فلاديمير بوتين": "بوتين", "طهران": "موسكو"}
    for kind in KINDS:
        expected = Counter(k for d in documents for k in {into.get(k, k) for k in d.get(kind, ())})
        assert packed.documents(kind, into) == expected

    neighbours = packed.neighbours({"بوتين", "بوتن", "موسكو"})
    for key in ("بوتين", "بوتن", "موسكو"):
        expected = Counter()
        for d in documents:
            every = set().union(*d.values())
            if key in every:  # a key under two kinds in one document counts once
                expected.update(k for k in every if variant_key(k) != variant_key(key))
        assert neighbours(key) == expected
    assert variant_key("بوتن") == variant_key("بوتين")
    assert "بوتن" not in neighbours("بوتين") and neighbours("بوتين")["موسكو"] > 0
