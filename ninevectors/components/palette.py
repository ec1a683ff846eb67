"""Colours used across the UI: each vector keeps its framework colour everywhere."""

from __future__ import annotations

from ninevectors.framework import get_framework

CATEGORY_COLORS: dict[str, str] = {
    "Assets": "#0f766e",
    "Processes": "#b45309",
    "Structures": "#4338ca",
}

CATEGORY_BLURBS: dict[str, str] = {
    "Assets": "What the business has: its market, its people and its money.",
    "Processes": "How the business works: its strategy, operations and execution.",
    "Structures": "What holds it together: expectations, governance and the entity itself.",
}


def vector_color(vector_id: int) -> str:
    return get_framework().vector(vector_id).color


def vector_slug(vector_id: int) -> str:
    return get_framework().vector(vector_id).name.lower()
