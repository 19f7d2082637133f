"""Word vectors for the neural tagger, trained here on the archive corpus (build time only).

    python -m archive.ner_vectors            # → build/vectors.kv (gensim KeyedVectors)

Words are the tagger's word forms (`archive.entities.encoding.word_form`: normalised,
clitic-free), so a vector is looked up exactly as the tagger sees the word. Needs the
``train`` extra (gensim); nothing here runs at extraction time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from archive.arabic import WORD_PATTERN
from archive.ner_train import CORPUS, corpus_texts

VECTORS = Path("build") / "vectors.kv"


class CorpusSentences:
    """Re-iterable word-form lists, one per article (title + body), for gensim."""

    def __init__(self, paths: Sequence[Path]) -> None:
        from archive.entities.encoding import word_form

        self.paths = paths
        self.form = word_form

    def __iter__(self) -> Iterator[list[str]]:
        for text in corpus_texts(self.paths):
            yield [self.form(m.group()) for m in WORD_PATTERN.finditer(text)]


def train_vectors(paths: Sequence[Path], dims: int = 100, epochs: int = 5,
                  min_count: int = 5, workers: int = 2):
    """Skip-gram word2vec (negative sampling, window 5) over the corpus; the KeyedVectors."""
    from gensim.models import Word2Vec

    sentences = [s for s in CorpusSentences(paths)]  # one pass of tokenising, not `epochs`
    model = Word2Vec(sentences, vector_size=dims, window=5, min_count=min_count, sg=1,
                     negative=5, epochs=epochs, workers=workers, seed=1)
    return model.wv


@click.command()
@click.option("--corpus", type=click.Path(exists=True, path_type=Path),
              default=CORPUS)
@click.option("--out", type=click.Path(path_type=Path), default=VECTORS)
@click.option("--dims", type=int, default=100)
@click.option("--epochs", type=int, default=5)
def main(corpus: Path, out: Path, dims: int, epochs: int) -> None:
    """Train word vectors on corpus JSONL.gz files and save them (gensim KeyedVectors)."""
    paths = sorted(corpus.glob("*.jsonl.gz")) if corpus.is_dir() else [corpus]
    vectors = train_vectors(paths, dims=dims, epochs=epochs)
    out.parent.mkdir(parents=True, exist_ok=True)
    vectors.save(str(out))
    click.echo(f"{len(vectors)} word vectors of {dims} dimensions → {out}")


if __name__ == "__main__":
    main()
