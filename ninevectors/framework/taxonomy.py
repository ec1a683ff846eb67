"""Loads and validates the 9 Vectors data file once, and answers lookups by id.

Theme names repeat across sub-lenses ("Adoption Curve", "Self-Awareness"), so a theme is
identified by its id ``"<sub-lens id>.<n>"`` (e.g. ``"1.1.1"`` is Market Size), never by name.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DATA_FILE = Path(__file__).with_name("nine_vectors.json")

EXPECTED_CATEGORIES = ("Assets", "Processes", "Structures")
EXPECTED_VECTORS = 9
EXPECTED_SUB_LENSES = 37
EXPECTED_THEMES = 156


class FrameworkError(ValueError):
    """The framework data file is missing, malformed or inconsistent."""


class Theme(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[1-9]\.\d+\.\d+$")
    name: str = Field(min_length=1)


class SubLens(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[1-9]\.\d+$")
    name: str = Field(min_length=1)
    themes: tuple[Theme, ...]


class Vector(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int = Field(ge=1, le=9)
    name: str = Field(min_length=1)
    category: str
    description: str
    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    sub_lenses: tuple[SubLens, ...] = Field(alias="subLenses")

    @property
    def themes(self) -> tuple[Theme, ...]:
        return tuple(theme for sub_lens in self.sub_lenses for theme in sub_lens.themes)


class _FrameworkFile(BaseModel):
    version: int
    categories: tuple[str, ...]
    vectors: tuple[Vector, ...]


class Framework:
    """The validated taxonomy with id lookups. Build it with :func:`load_framework`."""

    def __init__(self, categories: tuple[str, ...], vectors: tuple[Vector, ...]) -> None:
        self.categories = categories
        self.vectors = vectors
        self._vectors = {vector.id: vector for vector in vectors}
        self._sub_lenses: dict[str, SubLens] = {}
        self._themes: dict[str, Theme] = {}
        self._vector_of: dict[str, int] = {}
        self._sub_lens_of: dict[str, str] = {}
        for vector in vectors:
            for sub_lens in vector.sub_lenses:
                self._sub_lenses[sub_lens.id] = sub_lens
                self._vector_of[sub_lens.id] = vector.id
                for theme in sub_lens.themes:
                    self._themes[theme.id] = theme
                    self._sub_lens_of[theme.id] = sub_lens.id
                    self._vector_of[theme.id] = vector.id

    @property
    def sub_lenses(self) -> tuple[SubLens, ...]:
        return tuple(self._sub_lenses.values())

    @property
    def themes(self) -> tuple[Theme, ...]:
        return tuple(self._themes.values())

    def vector(self, vector_id: int) -> Vector:
        try:
            return self._vectors[vector_id]
        except KeyError:
            raise KeyError(f"unknown vector id {vector_id!r}") from None

    def sub_lens(self, sub_lens_id: str) -> SubLens:
        try:
            return self._sub_lenses[sub_lens_id]
        except KeyError:
            raise KeyError(f"unknown sub-lens id {sub_lens_id!r}") from None

    def theme(self, theme_id: str) -> Theme:
        try:
            return self._themes[theme_id]
        except KeyError:
            raise KeyError(f"unknown theme id {theme_id!r}") from None

    def has_theme(self, theme_id: str) -> bool:
        return theme_id in self._themes

    def has_sub_lens(self, sub_lens_id: str) -> bool:
        return sub_lens_id in self._sub_lenses

    def vector_of(self, sub_lens_or_theme_id: str) -> Vector:
        return self.vector(self._vector_of[sub_lens_or_theme_id])

    def sub_lens_of(self, theme_id: str) -> SubLens:
        return self.sub_lens(self._sub_lens_of[theme_id])

    def vectors_in(self, category: str) -> tuple[Vector, ...]:
        return tuple(vector for vector in self.vectors if vector.category == category)

    def theme_guidance(self, theme_id: str) -> str:
        """How to rate a theme: the question it asks and the scale anchored to it."""
        theme, sub_lens = self.theme(theme_id), self.sub_lens_of(theme_id)
        vector = self.vector_of(theme_id)
        return (
            f"How does your organization stand on {theme.name} ({sub_lens.name}, "
            f"{vector.name})? {vector.name} is about: {vector.description.rstrip('.')}. "
            f"Rate 1 when {theme.name} is a critical weakness holding the business back, "
            f"3 when it is adequate for today's plans, 5 when it is a clear strength you "
            f"could evidence. Use “not sure” when you cannot judge it, and set confidence to "
            f"say how sure you are."
        )

    def find_themes(self, text: str) -> list[Theme]:
        """Themes whose name contains ``text`` (case-insensitive), in framework order."""
        needle = text.strip().casefold()
        if not needle:
            return []
        return [theme for theme in self._themes.values() if needle in theme.name.casefold()]


def _check_counts(parsed: _FrameworkFile) -> None:
    if tuple(parsed.categories) != EXPECTED_CATEGORIES:
        raise FrameworkError(f"categories must be {EXPECTED_CATEGORIES}, found {parsed.categories}")
    sub_lenses = [s for v in parsed.vectors for s in v.sub_lenses]
    themes = [t for s in sub_lenses for t in s.themes]
    counts = (len(parsed.vectors), len(sub_lenses), len(themes))
    expected = (EXPECTED_VECTORS, EXPECTED_SUB_LENSES, EXPECTED_THEMES)
    if counts != expected:
        raise FrameworkError(
            f"expected {expected[0]} vectors, {expected[1]} sub-lenses and {expected[2]} themes, "
            f"found {counts[0]}, {counts[1]} and {counts[2]}"
        )
    for label, ids in (
        ("vector", [v.id for v in parsed.vectors]),
        ("sub-lens", [s.id for s in sub_lenses]),
        ("theme", [t.id for t in themes]),
    ):
        duplicates = sorted({str(i) for i in ids if ids.count(i) > 1})
        if duplicates:
            raise FrameworkError(f"duplicate {label} ids: {', '.join(duplicates)}")


def _check_nesting(parsed: _FrameworkFile) -> None:
    for vector in parsed.vectors:
        if vector.category not in parsed.categories:
            raise FrameworkError(f"vector {vector.id} has unknown category {vector.category!r}")
        for sub_lens in vector.sub_lenses:
            if not sub_lens.id.startswith(f"{vector.id}."):
                raise FrameworkError(f"sub-lens {sub_lens.id} is not under vector {vector.id}")
            if not sub_lens.themes:
                raise FrameworkError(f"sub-lens {sub_lens.id} has no themes")
            for theme in sub_lens.themes:
                if not theme.id.startswith(f"{sub_lens.id}."):
                    raise FrameworkError(f"theme {theme.id} is not under sub-lens {sub_lens.id}")


def load_framework(path: Path = DATA_FILE) -> Framework:
    """Read and validate a framework data file; raise FrameworkError saying what is wrong."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FrameworkError(f"framework data file not found: {path}") from None
    except json.JSONDecodeError as error:
        raise FrameworkError(f"framework data file {path} is not valid JSON: {error}") from None
    try:
        parsed = _FrameworkFile.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise FrameworkError(f"framework data file {path}: {where}: {first['msg']}") from None
    _check_counts(parsed)
    _check_nesting(parsed)
    return Framework(tuple(parsed.categories), tuple(parsed.vectors))


@lru_cache(maxsize=1)
def get_framework() -> Framework:
    """The product's framework, loaded and validated once per process."""
    return load_framework()
