"""The organization home dashboard."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import link_button
from ninevectors.components.layout import app_shell
from ninevectors.routes import Route
from ninevectors.state.dashboard import DashboardState
from ninevectors.state.session import SessionState


def _empty_state(title: str, text: str, *actions: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon("clipboard-list", size=32, color=rx.color("gray", 9)),
            rx.heading(title, size="4", as_="h2"),
            rx.text(text, color=rx.color("gray", 11)),
            rx.hstack(*actions),
            align="center",
            spacing="3",
            padding="2em",
        ),
        width="100%",
        class_name="empty-state",
    )


def dashboard() -> rx.Component:
    return app_shell(
        rx.cond(
            SessionState.is_authenticated,
            rx.vstack(
                rx.heading(SessionState.organization_name, size="8", as_="h1", id="dashboard-org"),
                rx.cond(
                    DashboardState.welcome,
                    rx.callout(
                        "Welcome to 9Vectors. Invite your team, then start your first assessment.",
                        icon="party_popper",
                        color_scheme="green",
                        role="status",
                    ),
                ),
                _empty_state(
                    "No assessments yet",
                    "Assessments you run or take part in will appear here, with their progress "
                    "and results.",
                    link_button("Learn the 9 Vectors", Route.LEARN, variant="soft"),
                    rx.cond(
                        SessionState.can_manage_users,
                        link_button("Invite your team", Route.ADMIN_USERS),
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            rx.spinner(aria_label="Loading"),
        )
    )
