"""The organization home dashboard."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import link_button
from ninevectors.components.layout import app_shell
from ninevectors.components.tables import table_header
from ninevectors.routes import Route
from ninevectors.state.dashboard import ActivityRow, DashboardState, DayBar
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


def _stat(label: str, value: rx.Var, test_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color=rx.color("gray", 11)),
            rx.heading(value, size="7", as_="p", id=test_id),
            spacing="1",
        ),
        flex="1",
        min_width="150px",
    )


def _activity(row: ActivityRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.when), rx.table.cell(row.action), rx.table.cell(row.resource)
    )


def _day(bar: DayBar) -> rx.Component:
    return rx.tooltip(
        rx.box(
            height=bar.percent.to(str) + "%",
            min_height="2px",
            width="100%",
            background=rx.color("accent", 9),
            border_radius="2px",
        ),
        content=bar.day + ": " + bar.value.to(str),
    )


def _overview() -> rx.Component:
    state = DashboardState
    return rx.vstack(
        rx.hstack(
            _stat("Active assessments", state.active_assessments, "stat-active"),
            _stat("Completion rate", state.completion_rate, "stat-completion"),
            _stat("Average time to complete", state.avg_time, "stat-time"),
            _stat("Responses this month", state.responses_this_month, "stat-month"),
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            state.series.length() > 0,
            rx.card(
                rx.text("Responses per day, last 30 days", size="2", weight="medium"),
                rx.hstack(
                    rx.foreach(state.series, _day),
                    height="80px",
                    align="end",
                    spacing="1",
                    width="100%",
                    id="responses-series",
                ),
                width="100%",
            ),
        ),
        rx.heading("Recent activity", size="4", as_="h2"),
        rx.cond(
            state.activity.length() > 0,
            rx.table.root(
                table_header(("When (UTC)", "What", "On")),
                rx.table.body(rx.foreach(state.activity, _activity)),
                width="100%",
                id="recent-activity",
            ),
            rx.text("Nothing yet.", size="2"),
        ),
        link_button("Assessments", Route.ASSESSMENTS, variant="soft"),
        width="100%",
        spacing="3",
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
                rx.cond(
                    DashboardState.has_assessments,
                    _overview(),
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
                ),
                spacing="4",
                width="100%",
            ),
            rx.spinner(aria_label="Loading"),
        )
    )
