"""Settings, declared once: each has a default and can be set from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Entity extraction: ``fast`` (the CRF) or ``accurate`` (the neural tagger).
EntitySetting = Literal["fast", "accurate"]


class Settings(BaseSettings):
    """Read from ``ARCHIVE_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ARCHIVE_")

    # Defaults by keyword: type checkers only see a field's default passed as ``default=``.
    index_dir: Path = Field(default=Path("var/index"),
                            description="the Whoosh index, or the Sphinx engine's state")
    sphinx_state_dir: Path = Field(default=Path("var/sphinx"), description="what the Sphinx "
                                   "engine keeps beside its nodes (alias table, manifest)")
    engine: Literal["whoosh", "sphinx"] = Field(
        default="whoosh", description="whoosh (embedded) or sphinx (searchd nodes)")
    sphinx_nodes: str = Field(default="", description="SphinxQL host:port,host:port in shard "
                              "order, or the --dir of `archive nodes up`")
    sphinx_timeout: float = Field(default=5.0, gt=0, le=120,
                                  description="seconds a call to a Sphinx node may take")
    entities: EntitySetting = Field(
        default="fast", description="entity extraction: fast (CRF) or accurate (neural "
        "BiLSTM-CRF, slower; see docs/entities.md)")
    seeds_dir: Path = Field(default=Path("seeds"), description="articles indexed by default")
    index_procs: int = Field(default=2, ge=1, description="indexing processes for a full build")
    index_memory_mb: int = Field(
        default=32, ge=8,
        description="posting pool per indexing process before it spills to disk (Whoosh's "
                    "limitmb; the process holds about twice this). 64 against 256: "
                    "1.1 GiB against 1.6 GiB for a 10k build, the same speed")
    index_segment_articles: int = Field(
        default=20_000, ge=100,
        description="articles an indexing process writes into one segment before it "
                    "starts another: bounds a full build's memory whatever the corpus size")


def get_settings() -> Settings:
    return Settings()
