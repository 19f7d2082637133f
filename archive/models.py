"""The validated shape of one article, whatever file it came from."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator


class Article(BaseModel):
    """One news article. ``title`` or ``body`` must carry text."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    id: str = Field(min_length=1)
    title: str = ""
    body: str = ""
    date: datetime | None = None
    source: str | None = None
    url: str | None = None
    category: str | None = None
    origin: str = Field("", description="path of the file the article was read from")
    persons: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("title", "body", mode="before")
    @classmethod
    def _null_text_is_empty(cls, value: object) -> object:
        return "" if value is None else value

    @field_validator("date", mode="before")
    @classmethod
    def _blank_date_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("source", "url", "category", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _has_text(self) -> Article:
        if not self.title and not self.body:
            raise ValueError("article has neither title nor body")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def content_hash(self) -> str:
        """Hash of everything read from the source: equal hash, nothing to reindex."""
        parts = (self.title, self.body, str(self.date or ""), self.source or "",
                 self.url or "", self.category or "")
        return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
