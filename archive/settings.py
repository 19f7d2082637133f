"""Settings, declared once: each has a default and can be set from the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read from ``ARCHIVE_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ARCHIVE_")

    index_dir: Path = Field(Path("var/index"), description="where the Whoosh index lives")
    seeds_dir: Path = Field(Path("seeds"), description="articles indexed by default")
    index_procs: int = Field(2, ge=1, description="indexing processes for a full build")
    index_memory_mb: int = Field(256, ge=32, description="memory per indexing process")


def get_settings() -> Settings:
    return Settings()
