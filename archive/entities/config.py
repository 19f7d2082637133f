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
    #: ``crf`` (fast, the default), ``network`` (the ONNX BiLSTM-CRF) or ``ensemble`` (both,
    #: their scores added; ``ensemble_weight`` weighs the network's).
    tagger: str = "crf"
    ensemble_weight: float = 1.0
    #: Where the network's files are (`archive.entities.network`); None: ``data_dir``.
    network_dir: str | Path | None = None

    @property
    def model_path(self) -> Path:
        return Path(self.data_dir) / self.model_file

    @property
    def network_path(self) -> Path:
        return Path(self.data_dir if self.network_dir is None else self.network_dir)

    @property
    def clusters_path(self) -> Path | None:
        return None if self.clusters_file is None else Path(self.data_dir) / self.clusters_file


#: The extractors behind the entity settings (`archive.settings.EntitySetting`).
ENTITY_SETTINGS = {"fast": ExtractorConfig(), "accurate": ExtractorConfig(tagger="ensemble")}
