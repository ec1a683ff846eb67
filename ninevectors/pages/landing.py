"""The public landing page: what 9Vectors is, the three categories, calls to sign in."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import link_button
from ninevectors.components.layout import app_shell
from ninevectors.components.palette import CATEGORY_BLURBS, CATEGORY_COLORS
from ninevectors.framework import get_framework
from ninevectors.routes import Route


def _hero() -> rx.Component:
    return rx.vstack(
        rx.heading("See your whole business through nine lenses", size="8", as_="h1"),
        rx.text(
            "9Vectors helps leadership teams assess their organization across Market, People, "
            "Financial, Strategy, Operations, Execution, Expectations, Governance and Entity — "
            "156 themes rated with confidence, compared across teams and rounds, and talked "
            "through with an AI coach.",
            size="4",
            color=rx.color("gray", 11),
        ),
        rx.hstack(
            link_button("Start free", Route.SIGN_UP, size="3"),
            link_button("Sign in", Route.LOGIN, size="3", variant="outline"),
            link_button("Learn the 9 Vectors", Route.LEARN, size="3", variant="ghost"),
            link_button("See plans and pricing", Route.PRICING, size="3", variant="ghost"),
            wrap="wrap",
            spacing="3",
        ),
        spacing="4",
        padding_y="2em",
    )


def _category_card(category: str) -> rx.Component:
    vectors = get_framework().vectors_in(category)
    return rx.card(
        rx.vstack(
            rx.heading(category, size="5", as_="h2", color=CATEGORY_COLORS[category]),
            rx.text(CATEGORY_BLURBS[category], color=rx.color("gray", 11)),
            rx.hstack(
                *[
                    rx.link(
                        rx.badge(v.name, color=v.color, variant="outline", size="2"),
                        href=f"{Route.LEARN}/{v.name.lower()}",
                    )
                    for v in vectors
                ],
                wrap="wrap",
            ),
            spacing="3",
        ),
        class_name="category-card",
    )


def landing() -> rx.Component:
    framework = get_framework()
    return app_shell(
        _hero(),
        rx.grid(
            *[_category_card(c) for c in framework.categories],
            columns=rx.breakpoints(initial="1", md="3"),
            spacing="4",
            width="100%",
        ),
        rx.text(
            f"{len(framework.vectors)} vectors · {len(framework.sub_lenses)} sub-lenses · "
            f"{len(framework.themes)} themes",
            color=rx.color("gray", 10),
            padding_top="1.5em",
        ),
    )
