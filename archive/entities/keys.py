"""Entity keys: one normalised value per spelling of an entity, and the spelling skeleton.

``entity_key`` = `archive.arabic.normalize_phrase` (diacritics, hamza seats, alef forms, ة/ه,
ى/ي folded), compound names joined, hamza dropped. ``variant_key`` adds a *variant fold*,
word by word, that proposes spellings of one name (the archive decides, `index.variants`):

* hamza ``ء`` is dropped (اسرائيل / اسراييل, transliterations disagree on it);
* a leading ال is set aside, and the rest is folded to its *skeleton* (inner long vowels
  ا و ي dropped, first and last letter kept) when that skeleton still has 4+ letters:
  نتنياهو/نتانياهو → نتنهو, ترامب/ترمب → ترمب, أمريكا/أميركا → امركا, سكريبال/سكريبل.
  Arabic news transliterates foreign names with or without these vowels;
* shorter skeletons collide far too often (بكر/بيكر, مولر/ميلر, مروان/مارون, جون/جوان,
  كوبر/كابور), so there only a vowel right before the last letter of a 5+ letter word
  is dropped: بوتين/بوتن → بوتن, كيفين/كيفن;
* in a word of 5+ letters غ is read as ج: Arabic news writes the foreign hard g either
  way (أنغيلا ميركل / أنجيلا ميركل, غوارديولا / جوارديولا); shorter words are more often
  Arabic ones, where the two letters make different names;
* common given names are exempt, with or without ال (`given_names.txt`): محمد/محمود,
  سعد/سعيد, علي/عالي, حسن/حسين, الحسن/الحسين are different people; so is a word whose
  skeleton would land on an exempt name (محامد must not become محمد).

Measured on the archive: among 3,599 name words the model tags in 20k articles, the
bare skeleton made 288 merge groups with many false ones (ماجد/مجيد, الحسن/الحسين,
المانيا/المنيا, اوبك/ايباك, بكر/بيكر); this rule makes 174 groups, and of the 60 most
frequent 6 are false or doubtful (ميركل/ماركل, براون/براين, الموسوي/الموسي,
كوتينيو/كايتانو, ايني/اينوي, كريستيان/كريستين), all joining a rare form to a common one.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from archive.arabic import normalize_phrase
from archive.entities.canonical import display_map, key_map, table_rows
from archive.entities.lexicon import default_lexicon

_INNER_VOWELS = str.maketrans({"ا": None, "و": None, "ي": None})


@lru_cache(maxsize=100_000)
def fold_word(word: str) -> str:
    """Variant fold of one normalised word (see the module docstring); the given names are
    always the shipped list, as keys are archive-wide whatever extractor found a name."""
    protected = default_lexicon().given_names
    article = "ال" if word.startswith("ال") and len(word) > 4 else ""
    stem = word[len(article):]
    if stem in protected or word in protected:
        return word
    bare = stem.replace("ء", "") if len(stem) > 3 else stem
    if len(bare) >= 5 and "غ" in bare:  # the foreign hard g: غ or ج (أنغيلا / أنجيلا)
        bare = bare.replace("غ", "ج")
        if bare in protected:
            return article + bare
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


# Compound names are written with or without a space: عبد العزيز / عبدالعزيز,
# أبو ظبي / أبوظبي. The key always joins them.
_COMPOUND = re.compile(r"\b(عبد|ابو) (?=\S)")


def _orthographic(word: str) -> str:
    """Hamza dropped from a word of 4+ letters (its ال aside): اسرائيل / اسراييل."""
    stem = word[2:] if word.startswith("ال") and len(word) > 4 else word
    return word.replace("ء", "") if len(stem) > 3 else word


def spelling_key(name: str) -> str:
    """A name's spelling, normalised, compound names joined, hamza dropped."""
    joined = _COMPOUND.sub(r"\1", normalize_phrase(name))
    return " ".join(_orthographic(w) for w in joined.split())


@cache
def canonical_keys() -> dict[str, str]:
    """Spelling key → canonical key from the shipped table (archive-wide, as `fold_word`)."""
    return key_map(table_rows(default_lexicon()), spelling_key)


@cache
def _canonical_names() -> dict[tuple[str, str], str]:
    return display_map(table_rows(default_lexicon()), spelling_key)


def canonical_name(kind: str, name: str) -> str:
    """The table's canonical name of a ``kind`` entity written ``name``, else ``name``."""
    return _canonical_names().get((kind, spelling_key(name)), name)


@lru_cache(maxsize=100_000)
def entity_key(name: str) -> str:
    """Key of an entity name for index fields, facets and filters: the spelling, normalised,
    then mapped through the curated canonical table (`archive.entities.canonical`), so
    official long and short names are one key (المملكة العربية السعودية → السعودية).

    Other spelling variants keep their own keys (بوتين, بوتن); the archive's alias table
    decides on evidence which of them are one name (`index.variants`).

    >>> entity_key("إِسْرَائِيلُ") == entity_key("اسرائيل")
    True
    >>> entity_key("سلمان بن عبد العزيز") == entity_key("سلمان بن عبدالعزيز")
    True
    >>> entity_key(entity_key("الولايات المتحدة")) == entity_key("الولايات المتحدة")
    True
    >>> entity_key("المملكة العربية السعودية") == entity_key("السعودية")
    True
    """
    key = spelling_key(name)
    return canonical_keys().get(key, key)


@lru_cache(maxsize=100_000)
def variant_key(name: str) -> str:
    """The skeleton of a name: keys that share it *may* be spellings of one name.

    >>> variant_key("نتانياهو") == variant_key("نتنياهو") == variant_key("نَتَنْيَاهُو")
    True
    """
    return " ".join(_fold_fully(w) for w in entity_key(name).split())


def _fold_fully(word: str) -> str:
    """`fold_word` until nothing changes, so that a key's key is itself: a facet value
    submitted as its key or as any of its spellings then filters the same."""
    folded = fold_word(word)
    while folded != word:
        word, folded = folded, fold_word(folded)
    return folded
