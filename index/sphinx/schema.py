"""The Sphinx shard schema, and one article as a row of it, analysed by our own chain.

Sphinx sees only pre-analysed terms (morphology off, every non-ASCII character a letter),
so a query matches the same articles as in the Whoosh engine. The exact fields have a
twin holding each word's clitic-free form at the same position (Whoosh puts both forms at
one position; Sphinx cannot), the ranking field holds the stems of title + body, and the
entity and source fields hold one ASCII token per index key. Attributes carry the text
for snippets, the facet ids (MVA) and what a hit shows.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from archive.arabic import WORD_PATTERN
from archive.kinds import EntityKind
from archive.models import Article

from ..analysis import word_forms
from ..schema import value_key

LOCAL, DISTRIBUTED = "articles", "archive"  # a node's shard / the whole archive from it
SLOTS = ("a", "b")  # a full rebuild fills the slot not being served, then switches

EXACT_FIELDS = {"title": ("title", "title_bare"), "body": ("body", "body_bare")}
STEM_FIELD = "stem"
SOURCE_FIELD = "source"
TEXT_FIELDS = ("title", "title_bare", "body", "body_bare", STEM_FIELD, SOURCE_FIELD,
               *(kind.value for kind in EntityKind))
STRINGS = ("doc_id", "title_text", "body_text", "source_text", "source_key", "url",
           "category", "origin", "content_hash")


def ranking(avg_words: float) -> str:
    """The OPTION clause that ranks by BM25 over our fields.

    Sphinx 2.2's real-time indexes keep no field lengths, so its ``bm25a``/``bm25f`` give
    every document the same weight. Per field, this sums idf × tf (``tf_idf``) saturated
    at the field's mean term frequency and normalised by the document's length (the
    ``words`` attribute against the archive's mean): BM25 with k1 = 1.2, b = 0.75, and the
    Whoosh engine's field weights (title 0.3, exact 0.5, stem 1.0). XQuAD MRR@10, 200
    questions: 0.930 against Whoosh's 0.938; with 5,000 news distractors 0.859 / 0.874.
    """
    saturated = ("user_weight*tf_idf*2.2/(hit_count/word_count"
                 f"+1.2*(0.25+0.75*words/{max(avg_words, 1.0):.1f}))")
    return (f"ranker=expr('10000*sum({saturated})'), idf='plain,tfidf_unnormalized', "
            "field_weights=(title=3, title_bare=3, body=5, body_bare=5, stem=10)")


def ids_attr(kind: EntityKind | str) -> str:
    """The multi-valued attribute of canonical entity ids of ``kind``."""
    return f"{EntityKind(kind).value}_ids"


def rt_index_lines(name: str, path: Path) -> str:
    """The config block of one real-time shard."""
    lines = [f"index {name}", "{", "  type = rt", f"  path = {path}"]
    lines += [f"  rt_field = {f}" for f in TEXT_FIELDS]
    lines += [f"  rt_attr_string = {a}" for a in STRINGS]
    lines += [f"  rt_attr_multi_64 = {ids_attr(k)}" for k in EntityKind]
    lines += ["  rt_attr_json = entities", "  rt_attr_bigint = date_ts",
              "  rt_attr_uint = dated", "  rt_attr_uint = year", "  rt_attr_uint = month",
              "  rt_attr_uint = words",
              "  dict = keywords", "  min_prefix_len = 1", "  min_word_len = 1",
              "  index_field_lengths = 1", "  rt_mem_limit = 256M",
              # Our terms are already normalised: every non-ASCII character is a letter
              # (Sphinx caps the table at U+2FFFF), ASCII keeps letters and digits.
              "  charset_table = 0..9, A..Z->a..z, a..z, U+0080..U+2FFFF", "}"]
    return "\n".join(lines)


def _digest(text: str, salt: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8, salt=salt).digest(),
                          "big")


def doc_number(doc_id: str) -> int:
    """The Sphinx document id of an article id: 63 bits of a stable hash, never 0."""
    return (_digest(doc_id, b"doc") >> 1) or 1


def shard_of(doc_id: str, shards: int) -> int:
    """The shard (node, counting from 0) an article lives on: a stable hash of its id."""
    return _digest(doc_id, b"shard") % shards


def key_id(key: str) -> int:
    """A facet key as a 63-bit id (multi-valued attributes hold integers)."""
    return _digest(key, b"key") >> 1


def key_token(key: str) -> str:
    """A facet key as one ASCII search term (entity keys are multi-word names)."""
    return f"k{key_id(key):x}"


def exact_terms(text: str) -> tuple[str, str]:
    """The normalised words of ``text`` and, word for word, their clitic-free forms."""
    norms, bares = [], []
    for match in WORD_PATTERN.finditer(text):
        norm, bare, _ = word_forms(match.group())
        if norm:
            norms.append(norm)
            bares.append(bare)
    return " ".join(norms), " ".join(bares)


def stem_terms(text: str) -> str:
    """Ranking stems of the words of ``text`` that are not stopwords."""
    stems = (word_forms(m.group())[2] for m in WORD_PATTERN.finditer(text))
    return " ".join(s for s in stems if s)


def article_row(article: Article, entity_key) -> dict[str, object]:
    """One shard row for ``article``. Its facet ids are its own keys' until the build's
    alias table rewrites the merged ones (`index.sphinx.build.regenerate`)."""
    title, title_bare = exact_terms(article.title)
    body, body_bare = exact_terms(article.body)
    row: dict[str, object] = {
        "id": doc_number(article.id), "doc_id": article.id,
        "title": title, "title_bare": title_bare, "body": body, "body_bare": body_bare,
        STEM_FIELD: (stems := stem_terms(f"{article.title}\n{article.body}")),
        "words": stems.count(" ") + 1 if stems else 0,
        "title_text": article.title, "body_text": article.body,
        "source_text": article.source or "", "url": article.url or "",
        "category": article.category or "", "origin": article.origin,
        "content_hash": article.content_hash,
    }
    source_key = value_key(article.source) if article.source else ""
    row["source_key"] = source_key
    row[SOURCE_FIELD] = key_token(source_key) if source_key else ""
    entities = {}
    for kind in EntityKind:
        names: list[str] = getattr(article, kind.attr)
        entities[kind.value] = names
        keys = list(dict.fromkeys(k for k in map(entity_key, names) if k))
        row[kind.value] = " ".join(map(key_token, keys))
        row[ids_attr(kind)] = sorted(key_id(k) for k in keys)
    row["entities"] = json.dumps(entities, ensure_ascii=False)
    if article.date:
        day = article.date.replace(tzinfo=None)
        row.update(date_ts=seconds(day), dated=1, year=day.year, month=day.year * 100 + day.month)
    else:
        row.update(date_ts=0, dated=0, year=0, month=0)
    return row


def seconds(day: datetime) -> int:
    """Seconds since 1970 of a naive datetime, read as UTC (negative before 1970)."""
    return int((day - datetime(1970, 1, 1)).total_seconds())
