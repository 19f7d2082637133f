"""The Arabic analysis chain and ranking model.

Analyzers are pickled into the index, so every class here must stay at this import path.

- ``exact_analyzer``: words → normalised words. Used for names, phrases and quoted search.
- ``stem_analyzer``: the same, minus stopwords, light-stemmed. Used for ranking.
"""

from __future__ import annotations

import math
from functools import lru_cache

import snowballstemmer
from arabicstopwords.arabicstopwords import stopwords_list
from whoosh.analysis import Filter, RegexTokenizer, StemFilter, StopFilter
from whoosh.scoring import BM25F, BM25FScorer

from archive.arabic import WORD_PATTERN, normalize_word


class ArabicNormalizeFilter(Filter):
    """Replace each token's text by its normalised form; offsets stay the original's.

    >>> [t.text for t in exact_analyzer("إِسْرَائِيـلُ")]
    ['اسراءيل']
    """

    def __call__(self, tokens):
        for token in tokens:
            text = normalize_word(token.text)
            if text:
                token.text = text
                yield token


@lru_cache(maxsize=1)
def arabic_stopwords() -> frozenset[str]:
    """The `arabic-stopwords` list (with its clitic-glued forms), normalised."""
    return frozenset(normalize_word(w) for w in stopwords_list())


_snowball = snowballstemmer.stemmer("arabic")


def light_stem(word: str) -> str:
    """Snowball's Arabic stemmer; never returns an empty or one-letter stem."""
    stem = _snowball.stemWord(word)
    return stem if len(stem) >= 2 else word


def arabic_tokenizer() -> RegexTokenizer:
    """Words with harakat, tatweel and zero-width joiners kept inside."""
    return RegexTokenizer(WORD_PATTERN)


def _exact():
    return arabic_tokenizer() | ArabicNormalizeFilter()


def _stemmed():
    return (
        arabic_tokenizer()
        | ArabicNormalizeFilter()
        | StopFilter(stoplist=arabic_stopwords(), minsize=1)
        | StemFilter(stemfn=light_stem, cachesize=200_000)
    )


exact_analyzer = _exact()
stem_analyzer = _stemmed()


class LuceneIdfBM25F(BM25F):
    """BM25F with Lucene's idf, ``log(1 + (N - n + 0.5) / (n + 0.5))``.

    Whoosh's idf never drops below 1, so words found in most documents still weigh
    in OR queries; Lucene's tends to 0 for them.
    """

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            parent = searcher.get_parent()
            n = parent.doc_frequency(fieldname, text)
            total = parent.doc_count_all()
            scorer.idf = math.log(1 + (total - n + 0.5) / (n + 0.5))
        return scorer
