"""Entity keys: one normalised value per entity across the archive.

``entity_key`` = `archive.arabic.normalize_phrase` (diacritics, hamza seats, alef forms, ة/ه,
ى/ي folded) plus a *variant fold* applied word by word:

* hamza ``ء`` is dropped (اسرائيل / اسراييل, transliterations disagree on it);
* in a word of 4+ letters the inner long vowels ا و ي are dropped, keeping the first and
  last letter: نتنياهو/نتانياهو → نتنهو, بوتين/بوتن → بتن, ترامب/ترمب → ترمب,
  أمريكا/أميركا → امركا. Arabic news transliterates foreign names with or without these
  vowels, which is where most spelling variants come from;
* common Arabic given names are exempt (`given_names.txt`): محمد/محمود, سعد/سعيد,
  علي/عالي, حسن/حسين are different people. So is any word whose skeleton would land on
  an exempt name (محامد must not become محمد).

Measured on the archive corpus (see the report in `archive.ner_train` history and
tests/test_entities.py): the fold merges the listed variant pairs, and the given-name
exemption removes the false merges that the bare skeleton makes.
"""

from __future__ import annotations

from functools import lru_cache

from archive.arabic import normalize_phrase
from archive.entities.lexicon import given_names

_INNER_VOWELS = str.maketrans({"ا": None, "و": None, "ي": None})


@lru_cache(maxsize=100_000)
def fold_word(word: str) -> str:
    """Variant fold of one normalised word (see the module docstring)."""
    protected = given_names()
    article = "ال" if word.startswith("ال") and len(word) > 4 else ""
    stem = word[len(article):]
    if stem in protected or word in protected:
        return word
    bare = stem.replace("ء", "") if len(stem) > 3 else stem
    if len(bare) < 4:
        return article + bare
    skeleton = bare[0] + bare[1:-1].translate(_INNER_VOWELS) + bare[-1]
    if skeleton in protected:
        return article + bare
    if len(skeleton) >= 4:
        return article + skeleton
    # Short skeletons collide (بكر/بيكر, مولر/ميلر, مروان/مارون, جون/جوان): in a word of
    # 5+ letters only a vowel right before the last letter is dropped (بوتين/بوتن).
    if len(bare) >= 5 and bare[-2] in "اوي":
        return article + bare[:-2] + bare[-1]
    return article + bare


@lru_cache(maxsize=100_000)
def entity_key(name: str) -> str:
    """Key of an entity name for index fields, facets and filters.

    >>> entity_key("نتانياهو") == entity_key("نَتَنْيَاهُو")
    True
    """
    return " ".join(fold_word(w) for w in normalize_phrase(name).split())
