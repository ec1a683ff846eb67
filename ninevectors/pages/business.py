"""The platform operator's business metrics page (declared in PAGES; ninevectors.py
registers it): figures across every organization, aggregates only."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.business_chart import business_chart
from ninevectors.components.forms import error_callout
from ninevectors.components.layout import guarded_shell
from ninevectors.pages.registry import PageSpec
from ninevectors.routes import Route
from ninevectors.state.business import BusinessState, MonthRow

INTRO = (
    "Across every organization on the platform: recurring revenue from paying "
    "subscriptions (trials are not counted until they pay), subscription counts, and "
    "activity per month."
)


def _figure(label: str, value: rx.Var | str, test_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color=rx.color("gray", 11)),
            rx.text(value, size="6", weight="bold", id=test_id),
            spacing="1",
        ),
        min_width="10em",
    )


def _headline() -> rx.Component:
    state = BusinessState
    return rx.flex(
        _figure("MRR", state.mrr, "business-mrr"),
        _figure("ARR", state.arr, "business-arr"),
        _figure("Churn this month", state.churn, "business-churn"),
        _figure("Active", state.active.to_string(), "business-active"),
        _figure("Trialing", state.trialing.to_string(), "business-trialing"),
        _figure("Past due", state.past_due.to_string(), "business-past-due"),
        _figure("Organizations", state.organizations.to_string(), "business-organizations"),
        wrap="wrap",
        spacing="3",
    )


def _month_row(row: MonthRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.period),
        rx.table.cell(row.new_organizations),
        rx.table.cell(row.churned),
        rx.table.cell(row.ai_tokens),
        rx.table.cell(row.documents_processed),
    )


def _months() -> rx.Component:
    return rx.table.root(
        rx.el.caption("Business activity per month", class_name="sr-only"),
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Month"),
                rx.table.column_header_cell("New organizations"),
                rx.table.column_header_cell("Churned subscriptions"),
                rx.table.column_header_cell("AI tokens"),
                rx.table.column_header_cell("Documents processed"),
            )
        ),
        rx.table.body(rx.foreach(BusinessState.months, _month_row)),
        width="100%",
        id="business-months",
    )


def _content() -> rx.Component:
    return rx.vstack(
        rx.heading("Business metrics", size="7", as_="h1"),
        rx.text(INTRO, color=rx.color("gray", 11)),
        error_callout(BusinessState.error, "business-error"),
        rx.cond(
            BusinessState.loaded,
            rx.vstack(
                _headline(),
                rx.heading("Over time", size="5", as_="h2"),
                business_chart(BusinessState.chart, id="business-chart"),
                _months(),
                spacing="4",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def business_page() -> rx.Component:
    return guarded_shell(BusinessState, _content())


PAGES: list[PageSpec] = [
    PageSpec(business_page, Route.ADMIN_BUSINESS, "Business metrics", BusinessState.load),
]
