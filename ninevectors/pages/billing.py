"""The admin's Billing page (declared in PAGES; ninevectors.py registers it)."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import error_callout, notice_callout
from ninevectors.components.layout import guarded_shell
from ninevectors.pages.registry import PageSpec
from ninevectors.routes import Route
from ninevectors.state.billing import (
    BillingState,
    FeatureRow,
    InvoiceRow,
    UpgradeOption,
    UsageRow,
)

BILLING_OFF = (
    "Billing is off on this installation: no Stripe account is configured. The platform "
    "operator sets your plan by hand; everything else works as usual."
)


def _summary() -> rx.Component:
    state = BillingState
    return rx.card(
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label("Plan"), rx.data_list.value(state.plan_label)),
            rx.data_list.item(rx.data_list.label("Status"), rx.data_list.value(state.status)),
            rx.data_list.item(
                rx.data_list.label(rx.cond(state.cancel_at_period_end, "Ends on", "Renews on")),
                rx.data_list.value(rx.cond(state.renewal != "", state.renewal, "—")),
            ),
        ),
        width="100%",
    )


def _usage_row(row: UsageRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.label),
        rx.table.cell(row.used + " of " + row.limit),
        rx.table.cell(
            rx.progress(value=row.percent, max=100, aria_label=row.label + " used"),
            width="40%",
        ),
    )


def _usage() -> rx.Component:
    return rx.table.root(
        rx.el.caption("Usage this billing period against your plan", class_name="sr-only"),
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("What"),
                rx.table.column_header_cell("Used"),
                rx.table.column_header_cell("Share of the limit"),
            )
        ),
        rx.table.body(rx.foreach(BillingState.usage, _usage_row)),
        width="100%",
    )


def _invoice_links(row: InvoiceRow) -> rx.Component:
    return rx.hstack(
        rx.cond(
            row.pdf_url != "",
            rx.link("PDF", href=row.pdf_url, is_external=True, aria_label="PDF of " + row.number),
        ),
        rx.cond(
            row.hosted_url != "",
            rx.link("View", href=row.hosted_url, is_external=True, aria_label="View " + row.number),
        ),
        spacing="3",
    )


def _invoice_row(row: InvoiceRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.number),
        rx.table.cell(row.date),
        rx.table.cell(row.amount),
        rx.table.cell(row.status),
        rx.table.cell(_invoice_links(row)),
    )


def _invoice_table() -> rx.Component:
    return rx.table.root(
        rx.el.caption("Your organization's invoices, newest first", class_name="sr-only"),
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(name)
                    for name in ("Invoice", "Date", "Amount", "Status", "Documents")
                ],
            )
        ),  # fmt: skip
        rx.table.body(rx.foreach(BillingState.invoices, _invoice_row)),
        width="100%",
        id="invoices",
    )


def _invoices() -> rx.Component:
    state = BillingState
    return rx.cond(
        state.billing_enabled,
        rx.vstack(
            rx.heading("Invoices", size="5", as_="h2"),
            error_callout(state.invoices_error, "invoices-error"),
            rx.cond(
                state.invoices.length() > 0,  # type: ignore[attr-defined]
                _invoice_table(),
                rx.cond(state.invoices_error == "", rx.text("No invoices yet.", id="no-invoices")),
            ),
            spacing="3",
            width="100%",
        ),
    )


def _feature(row: FeatureRow) -> rx.Component:
    return rx.hstack(
        rx.checkbox(checked=row.included, disabled=True, aria_label=row.label),
        rx.text(row.label),
        rx.cond(
            row.included,
            rx.badge("Included", color_scheme="green"),
            rx.badge("Part of the " + row.plan_label + " plan", color_scheme="gray"),
        ),
        align="center",
    )


def _upgrade_button(option: UpgradeOption) -> rx.Component:
    return rx.button(
        "Upgrade to " + option.label,
        on_click=BillingState.upgrade(option.plan),
        id="upgrade-" + option.plan,
    )


def _actions() -> rx.Component:
    state = BillingState
    return rx.hstack(
        rx.cond(
            state.upgrades.length() > 0,  # type: ignore[attr-defined]
            rx.hstack(
                rx.el.label("Billed", html_for="billing-interval"),
                rx.el.select(
                    rx.el.option("Monthly", value="monthly"),
                    rx.el.option("Yearly", value="yearly"),
                    id="billing-interval",
                    value=state.interval,
                    on_change=state.set_interval,
                ),
                rx.foreach(state.upgrades, _upgrade_button),
                align="center",
            ),
        ),
        rx.button("Manage billing", variant="outline", on_click=state.manage, id="manage-billing"),
        spacing="4",
        wrap="wrap",
    )


def _content() -> rx.Component:
    state = BillingState
    return rx.vstack(
        rx.heading("Billing", size="7", as_="h1"),
        notice_callout(state.message, "billing-notice"),
        error_callout(state.error, "billing-error"),
        rx.cond(
            state.billing_enabled,
            _actions(),
            rx.callout(BILLING_OFF, icon="info", color_scheme="gray", id="billing-off"),
        ),
        _summary(),
        rx.heading("Usage", size="5", as_="h2"),
        _usage(),
        _invoices(),
        rx.heading("What your plan includes", size="5", as_="h2"),
        rx.vstack(rx.foreach(state.features, _feature), spacing="2"),
        spacing="4",
        width="100%",
    )


def billing_page() -> rx.Component:
    return guarded_shell(BillingState, _content())


PAGES: list[PageSpec] = [
    PageSpec(billing_page, Route.ADMIN_BILLING, "Billing", BillingState.load),
]
