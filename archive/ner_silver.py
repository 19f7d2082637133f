"""Silver training data for the CRF: self-training on the archive (build time).

The CRF and the network trained on gold data label a sample of archive articles; the
sentences on which the CRF, the network and their ensemble all agree become extra
training data for a second CRF (with a fifth of the agreed sentences that hold no
entity, so the student still sees plain text). The student learns names and contexts
that the gold data never shows. The sentences stay in memory; no article text is
written into the project.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from archive.entities.crf import Tagger
from archive.entities.extractor import sentences
from archive.entities.network import EnsembleTagger, NetworkTagger
from archive.ner_eval import Sentence
from archive.ner_train import corpus_texts

# Sentences shorter than this are mostly headings and datelines; longer ones are cut
# by the extractor's own cap, so neither is kept.
_SHORTEST, _LONGEST = 5, 60


def sample_texts(paths: Sequence[Path], articles: int, seed: int = 7) -> list[str]:
    """``articles`` texts (title + body), an equal share drawn at random from each file."""
    rng = random.Random(seed)
    out: list[str] = []
    for path in paths:
        texts = list(corpus_texts([path]))
        out.extend(rng.sample(texts, min(len(texts), articles // len(paths))))
    return out


def silver(crf: Tagger, network: NetworkTagger, texts: Sequence[str],
           plain_share: float = 0.2, seed: int = 7) -> list[Sentence]:
    """The sentences of ``texts`` that the CRF, the network and their ensemble label
    alike, with those labels; of the agreed sentences without an entity, ``plain_share``."""
    rng = random.Random(seed)
    ensemble = EnsembleTagger(crf, network)
    out: list[Sentence] = []
    for text in texts:
        batch = [s for s in sentences(text) if _SHORTEST <= len(s) <= _LONGEST]
        if not batch:
            continue
        for words, a, b, c in zip(batch, crf.tag(batch), network.tag(batch),
                                  ensemble.tag(batch), strict=True):
            if a == b == c and (any(t != "O" for t in c) or rng.random() < plain_share):
                out.append(list(zip(words, c, strict=True)))
    return out
