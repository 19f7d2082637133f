"""The Arabic analysis chain and ranking model.

Analyzers are pickled into the index, so every class here must stay at this import path.

- ``exact_analyzer``: words → normalised words. Used for names, phrases and quoted search.
- ``stem_analyzer``: the same, minus stopwords, light-stemmed. Used for ranking.
"""

from __future__ import annotations

import math
from functools import lru_cache

from arabicstopwords.arabicstopwords import stopwords_list
from whoosh.analysis import Filter, RegexTokenizer, StemFilter, StopFilter, Token, Tokenizer
from whoosh.scoring import BM25F, BM25FScorer

from archive.arabic import WORD_PATTERN, normalize_word
from archive.entities.clitics import clitic_free


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


class CliticAlternativeFilter(Filter):
    """After a word glued to a proclitic (بغزة), also emit the bare word at its position.

    >>> [t.text for t in exact_analyzer("بغزة لبنان", mode="index")]
    ['بغزه', 'غزه', 'لبنان']
    """

    def __call__(self, tokens):
        for token in tokens:
            yield token
            if token.mode == "query":
                continue  # a query word is searched as typed; its stem covers the rest
            bare = normalize_word(clitic_free(token.text))
            if bare != token.text:
                token.text = bare
                yield token


@lru_cache(maxsize=1)
def arabic_stopwords() -> frozenset[str]:
    """The `arabic-stopwords` list (with its clitic-glued forms), normalised."""
    return frozenset(normalize_word(w) for w in stopwords_list())


# Light10 (Larkey, Ballesteros & Connell, SIGIR 2002), the rules of Lucene's ArabicStemmer,
# written out here because no maintained Python package ships it; applied to words already
# normalised as ours are (ة → ه, ى → ي, alef forms → ا). Measured against snowball and
# Tashaphyne in bench/relevance.py: +0.013 MRR@10 over snowball, and names stay whole.
_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


@lru_cache(maxsize=50_000)
def light_stem(word: str) -> str:
    """One article/conjunction prefix, then each suffix in turn; 2+ letters always remain.

    >>> [light_stem(w) for w in ("والمدينه", "اللاعبين", "بلينكن")]
    ['مدين', 'لاعب', 'بلينكن']
    """
    for prefix in _PREFIXES:
        if len(word) >= (4 if prefix == "و" else len(prefix) + 2) and word.startswith(prefix):
            word = word[len(prefix):]
            break
    for suffix in _SUFFIXES:
        if len(word) >= len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


@lru_cache(maxsize=50_000)
def rank_stem(word: str) -> str:
    """Stem for the ranking field: proclitics (ب ل ك ف و) off by corpus evidence, then light10.

    >>> [rank_stem(w) for w in ("بغزه", "لبنان", "بالقاهره")]
    ['غز', 'لبن', 'قاهر']
    """
    return light_stem(normalize_word(clitic_free(word)))


def arabic_tokenizer() -> RegexTokenizer:
    """Words with harakat, tatweel and zero-width joiners kept inside."""
    return RegexTokenizer(WORD_PATTERN)


def _exact():
    return arabic_tokenizer() | ArabicNormalizeFilter() | CliticAlternativeFilter()


def _stemmed():
    return (
        arabic_tokenizer()
        | ArabicNormalizeFilter()
        | StopFilter(stoplist=arabic_stopwords(), minsize=1)
        | StemFilter(stemfn=rank_stem, cachesize=50_000)
    )


@lru_cache(maxsize=50_000)
def word_forms(word: str) -> tuple[str, str, str | None]:
    """``(normalised, clitic-free, ranking stem or None for a stopword)`` of one word."""
    norm = normalize_word(word)
    if not norm:
        return "", "", None
    bare = normalize_word(clitic_free(norm))
    return norm, bare, None if norm in arabic_stopwords() else rank_stem(norm)


class _OnePass(Tokenizer):
    """Tokenise and analyse in one generator: the same tokens as the filter chains above
    (`_exact`, `_stemmed`, checked by tests), without a Python generator step per filter
    per token, which was about a third of the indexing time. Exact positions count every
    word the pattern finds, as the chain's tokenizer does; stem positions count the words
    kept, as StopFilter renumbers them.
    """

    stems = False  # the ranking field (stopwords out, light stems) or the exact fields

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        alternatives = mode != "query"
        stems = self.stems
        kept = None  # StopFilter renumbers kept words on from the first one's position
        for pos, match in enumerate(WORD_PATTERN.finditer(value), start_pos):
            norm, bare, stem = word_forms(match.group())
            if not norm:
                continue
            if stems:
                if stem is None:
                    if removestops:
                        continue
                    stem = norm
                kept = pos if kept is None else kept + 1
                text, pos = stem, kept
            else:
                text = norm
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = match.group()
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token
            if not stems and alternatives and bare != norm:
                token.text = bare
                yield token

    def terms(self, value: str) -> list[str]:
        """The index-mode token texts of ``value`` in order, without Token objects."""
        out: list[str] = []
        for norm, bare, stem in _forms(value):
            if not norm:
                continue
            if self.stems:
                if stem is not None:
                    out.append(stem)
            else:
                out.append(norm)
                if bare != norm:
                    out.append(bare)
        return out

    def positions(self, value: str) -> dict[str, list[int]]:
        """Exact index-mode tokens of ``value``: text → positions, in first-seen order."""
        assert not self.stems, "stem positions are renumbered; the ranking field has none"
        out: dict[str, list[int]] = {}
        for pos, (norm, bare, _) in enumerate(_forms(value)):
            if not norm:
                continue
            out.setdefault(norm, []).append(pos)
            if bare != norm:
                out.setdefault(bare, []).append(pos)
        return out


Forms = tuple[str, str, str | None]
_recent: tuple[str, list[Forms]] = ("", [])


def _forms(text: str) -> list[Forms]:
    """`word_forms` of each word of ``text``, at index time.

    A document's ranking field is its title, a newline and its body
    (`index.schema.article_to_document`), and Whoosh indexes ``body`` just before it: the
    body's forms are kept from one call to the next and reused, so the body is tokenised
    once an article, not twice. Only a shortcut: any other text or order tokenises anew.
    """
    global _recent
    last, forms = _recent
    if (last and len(text) > len(last) and text[-len(last) - 1] == "\n"
            and text.endswith(last)):
        head = text[:-len(last) - 1]
        return [word_forms(m.group()) for m in WORD_PATTERN.finditer(head)] + forms
    forms = [word_forms(m.group()) for m in WORD_PATTERN.finditer(text)]
    _recent = (text, forms)
    return forms


class ExactTokenizer(_OnePass):
    """Normalised words, each word glued to a proclitic followed by its bare form."""


class StemTokenizer(_OnePass):
    """Ranking stems of the words that are not stopwords."""

    stems = True


exact_analyzer = ExactTokenizer()
stem_analyzer = StemTokenizer()


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
