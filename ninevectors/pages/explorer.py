""" "Learn the 9 Vectors": categories → vectors → sub-lenses → themes, with a theme filter.

The taxonomy is fixed, so the tree is rendered at build time (one page per vector); only the
filter box talks to the server.
"""

from __future__ import annotations

import reflex as rx

from ninevectors.components.layout import app_shell
from ninevectors.components.palette import CATEGORY_BLURBS, CATEGORY_COLORS
from ninevectors.framework import SubLens, Vector, get_framework
from ninevectors.routes import Route
from ninevectors.state.explorer import ExplorerState, ThemeMatch


def vector_route(vector: Vector) -> str:
    return f"{Route.LEARN}/{vector.name.lower()}"


def _filter_box() -> rx.Component:
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Find a theme, e.g. Market Size",
            value=ExplorerState.query,
            on_change=ExplorerState.set_query.debounce(150),
            aria_label="Filter themes by name",
            id="theme-filter",
            max_length=100,
            width="100%",
            size="3",
        ),
        rx.cond(
            ExplorerState.has_query,
            rx.button("Clear", on_click=ExplorerState.clear_query, variant="soft", size="3"),
        ),
        width="100%",
    )


def _match_row(match: ThemeMatch) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.box(width="10px", height="10px", border_radius="50%", background=match.color),
            rx.text(match.name, weight="medium"),
            rx.text(match.vector, " · ", match.sub_lens, color=rx.color("gray", 10), size="2"),
            rx.spacer(),
            rx.code(match.id, size="1"),
            align="center",
            width="100%",
        ),
        href=Route.LEARN + "/" + match.vector_slug + "#theme-" + match.id,
        underline="none",
        color=rx.color("gray", 12),
        class_name="theme-match",
        padding="0.5em",
        width="100%",
    )


def _filter_results() -> rx.Component:
    return rx.cond(
        ExplorerState.has_query,
        rx.box(
            rx.cond(
                ExplorerState.matches.length() > 0,
                rx.vstack(
                    rx.text(
                        ExplorerState.matches.length(),
                        rx.cond(
                            ExplorerState.matches.length() == 1,
                            " matching theme",
                            " matching themes",
                        ),
                        size="2",
                        color=rx.color("gray", 10),
                        role="status",
                    ),
                    rx.foreach(ExplorerState.matches, _match_row),
                    spacing="1",
                    width="100%",
                ),
                rx.text("No theme matches that filter.", role="status", id="no-matches"),
            ),
            id="filter-results",
            width="100%",
            padding_y="0.5em",
        ),
    )


def _vector_card(vector: Vector) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.box(
                        width="12px", height="12px", border_radius="50%", background=vector.color
                    ),
                    rx.heading(vector.name, size="4", as_="h3"),
                    align="center",
                ),
                rx.text(vector.description, size="2", color=rx.color("gray", 11)),
                rx.text(
                    f"{len(vector.sub_lenses)} sub-lenses · {len(vector.themes)} themes",
                    size="1",
                    color=rx.color("gray", 10),
                ),
                spacing="2",
            ),
            border_top=f"4px solid {vector.color}",
            height="100%",
        ),
        href=vector_route(vector),
        underline="none",
        class_name="vector-card",
        aria_label=f"{vector.name} vector",
    )


def _category_section(category: str) -> rx.Component:
    return rx.el.section(
        rx.heading(category, size="6", as_="h2", color=CATEGORY_COLORS[category]),
        rx.text(CATEGORY_BLURBS[category], color=rx.color("gray", 11), padding_bottom="0.75em"),
        rx.grid(
            *[_vector_card(v) for v in get_framework().vectors_in(category)],
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="3",
        ),
        class_name="category-section",
        padding_y="1em",
    )


def learn() -> rx.Component:
    return app_shell(
        rx.heading("Learn the 9 Vectors", size="8", as_="h1"),
        rx.text(
            "Nine vectors in three categories; each vector splits into sub-lenses, and each "
            "sub-lens into the themes you rate in an assessment.",
            color=rx.color("gray", 11),
            padding_bottom="1em",
        ),
        _filter_box(),
        _filter_results(),
        *[_category_section(c) for c in get_framework().categories],
    )


def _sub_lens_section(sub_lens: SubLens, color: str) -> rx.Component:
    return rx.el.section(
        rx.heading(
            rx.code(sub_lens.id, size="2", margin_right="0.5em"), sub_lens.name, size="4", as_="h2"
        ),
        rx.el.ul(
            *[
                rx.el.li(
                    rx.hstack(
                        rx.box(width="8px", height="8px", border_radius="50%", background=color),
                        rx.text(theme.name),
                        rx.code(theme.id, size="1", color_scheme="gray"),
                        align="center",
                    ),
                    id=f"theme-{theme.id}",
                    class_name="theme",
                    padding_y="0.25em",
                )
                for theme in sub_lens.themes
            ],
            style={"listStyle": "none", "paddingLeft": "0"},
        ),
        class_name="sub-lens",
        padding_y="0.75em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def vector_page(vector: Vector) -> rx.Component:
    return app_shell(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), rx.text("All vectors")), href=Route.LEARN
        ),
        rx.hstack(
            rx.box(width="16px", height="16px", border_radius="50%", background=vector.color),
            rx.heading(vector.name, size="8", as_="h1"),
            rx.badge(vector.category, variant="soft"),
            align="center",
            padding_top="0.5em",
        ),
        rx.text(vector.description, size="4", color=rx.color("gray", 11)),
        rx.text(
            f"{len(vector.sub_lenses)} sub-lenses · {len(vector.themes)} themes",
            color=rx.color("gray", 10),
            padding_bottom="0.5em",
        ),
        *[_sub_lens_section(s, vector.color) for s in vector.sub_lenses],
    )
