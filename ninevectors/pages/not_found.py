"""Shown for any URL that is not a page."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import link_button
from ninevectors.components.layout import app_shell
from ninevectors.routes import Route


def not_found() -> rx.Component:
    return app_shell(
        rx.vstack(
            rx.heading("Page not found", size="8", as_="h1", id="not-found-heading"),
            rx.text("There is no page at this address. It may have moved, or the link is wrong."),
            rx.hstack(
                link_button("Go home", Route.HOME),
                link_button("Learn the 9 Vectors", Route.LEARN, variant="outline"),
            ),
            spacing="4",
            padding_y="3em",
        )
    )
