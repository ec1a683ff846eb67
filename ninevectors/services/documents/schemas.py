"""Validated inputs of the documents service."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ninevectors.models.document import Category, Visibility
from ninevectors.services.errors import ValidationFailed

MAX_TAGS = 10
MAX_TAG_LENGTH = 30
MAX_FILENAME_LENGTH = 200
_TAG = re.compile(r"^[a-z0-9][a-z0-9 _-]*$")


def _first_error(error: ValidationError) -> ValidationFailed:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "input"
    message = str(first.get("msg", "Invalid value.")).removeprefix("Value error, ")
    return ValidationFailed(field, message)


class DocumentDetails(BaseModel):
    """What a person may set on a document: category, tags, visibility."""

    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    tags: list[str] | None = None
    visibility: Visibility | None = None

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        clean: list[str] = []
        for tag in value:
            tag = " ".join(str(tag).strip().lower().split())
            if not tag:
                continue
            if len(tag) > MAX_TAG_LENGTH or not _TAG.match(tag):
                raise ValueError(
                    f"Tags are up to {MAX_TAG_LENGTH} letters, digits, spaces, '-' or '_'."
                )
            if tag not in clean:
                clean.append(tag)
        if len(clean) > MAX_TAGS:
            raise ValueError(f"At most {MAX_TAGS} tags.")
        return clean

    @classmethod
    def parse(cls, data: Any) -> DocumentDetails:
        if isinstance(data, DocumentDetails):
            return data
        if not isinstance(data, dict):
            raise ValidationFailed("details", "Document details must be an object.")
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise _first_error(error) from None


def clean_filename(filename: object) -> str:
    """The display name of an upload, refusing path tricks and control characters."""
    if not isinstance(filename, str) or not filename.strip():
        raise ValidationFailed("filename", "The file has no name.")
    name = unicodedata.normalize("NFC", filename.strip())
    if len(name) > MAX_FILENAME_LENGTH:
        raise ValidationFailed(
            "filename", f"File names are at most {MAX_FILENAME_LENGTH} characters."
        )
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".."):
        raise ValidationFailed("filename", "File names may not contain folders or '..'.")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise ValidationFailed("filename", "File names may not contain control characters.")
    return name
