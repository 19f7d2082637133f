"""What an extractor reads and which post-rules it runs: one frozen object, passed in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MODEL_FILE = "ner.crfsuite"
CLUSTER_FILE = "clusters.tsv.gz"
NAME_UNITS_FILE = "name_units.tsv.gz"


@dataclass(frozen=True)
class ExtractorConfig:
    """Data files and rule switches of an `Extractor` (the defaults are the shipped ones).

    File names are relative to ``data_dir``; an absolute path stands for itself.
    """

    data_dir: Path = DATA_DIR
    model_file: str | Path = MODEL_FILE
    #: Word clusters (`archive.ner_train clusters`); None: no cluster features.
    clusters_file: str | Path | None = CLUSTER_FILE
    #: Name words and their role (`scripts/build_name_units.py`); None: no name features.
    name_units_file: str | Path | None = NAME_UNITS_FILE
    #: Extend person spans over a dangling name particle (علي بن أبي → علي بن أبي طالب).
    complete_particles: bool = True
    #: Tag a curated one-word place the CRF left untagged.
    curated_places: bool = True

    @property
    def model_path(self) -> Path:
        return Path(self.data_dir) / self.model_file

    @property
    def clusters_path(self) -> Path | None:
        return None if self.clusters_file is None else Path(self.data_dir) / self.clusters_file
