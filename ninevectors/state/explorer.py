"""State of the "Learn the 9 Vectors" explorer: only the filter text and its matches."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from ninevectors.framework import get_framework

MAX_QUERY_LENGTH = 100


@dataclass
class ThemeMatch:
    id: str
    name: str
    sub_lens: str
    vector: str
    vector_slug: str
    color: str


class ExplorerState(rx.State):
    query: str = ""

    @rx.event
    def set_query(self, value: str) -> None:
        # Handler arguments are untrusted: anything can arrive over the websocket. The page
        # only ever sends text; anything else is ignored (there is nothing to tell anyone).
        if isinstance(value, str):
            self.query = value[:MAX_QUERY_LENGTH]

    @rx.event
    def clear_query(self) -> None:
        self.query = ""

    @rx.var(cache=True)
    def matches(self) -> list[ThemeMatch]:
        framework = get_framework()
        found = []
        for theme in framework.find_themes(self.query):
            vector = framework.vector_of(theme.id)
            found.append(
                ThemeMatch(
                    id=theme.id,
                    name=theme.name,
                    sub_lens=framework.sub_lens_of(theme.id).name,
                    vector=vector.name,
                    vector_slug=vector.name.lower(),
                    color=vector.color,
                )
            )
        return found

    @rx.var(cache=True)
    def has_query(self) -> bool:
        return bool(self.query.strip())
