"""The public pricing page /pricing (declared in PAGES; ninevectors.py registers it)."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import link_button
from ninevectors.components.layout import app_shell
from ninevectors.pages.registry import PageSpec
from ninevectors.routes import Route
from ninevectors.state.pricing import PLAN_CARDS, FeatureMark, PlanCard
from ninevectors.state.session import SessionState


def _feature(mark: FeatureMark) -> rx.Component:
    if mark.included:
        return rx.hstack(
            rx.icon("check", size=16, color=rx.color("green", 10), aria_hidden="true"),
            rx.text(mark.label, size="2"),
            align="center",
        )
    return rx.hstack(
        rx.icon("minus", size=16, color=rx.color("gray", 9), aria_hidden="true"),
        rx.text(f"{mark.label} (not included)", size="2", color=rx.color("gray", 10)),
        align="center",
    )


def _call_to_action(card: PlanCard) -> rx.Component:
    """Visitors start free; a signed-in admin upgrades on the Billing page."""
    upgrade = (
        link_button(f"Upgrade to {card.label}", Route.ADMIN_BILLING, id=f"upgrade-{card.name}")
        if card.is_paid
        else rx.fragment()
    )
    return rx.cond(
        SessionState.is_authenticated,
        rx.cond(SessionState.can_manage_billing, upgrade, rx.fragment()),
        link_button("Start free", Route.SIGN_UP, id=f"start-{card.name}"),
    )


def _plan_card(card: PlanCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(card.label, size="5", as_="h2"),
            rx.text(card.monthly, size="6", weight="bold"),
            rx.text(card.yearly, size="2", color=rx.color("gray", 11)),
            rx.badge(card.trial, color_scheme="green" if card.is_paid else "gray"),
            rx.el.ul(*[rx.el.li(rx.text(line, size="2")) for line in card.limits]),
            rx.vstack(*[_feature(mark) for mark in card.features], spacing="1"),
            _call_to_action(card),
            spacing="3",
        ),
        id=f"plan-{card.name}",
    )


def pricing() -> rx.Component:
    return app_shell(
        rx.heading("Plans and pricing", size="8", as_="h1"),
        rx.text(
            "Every organization starts on Starter. Paid plans begin with a free trial; "
            "change or cancel at any time from the Billing page.",
            color=rx.color("gray", 11),
            padding_bottom="1em",
        ),
        rx.grid(
            *[_plan_card(card) for card in PLAN_CARDS],
            columns=rx.breakpoints(initial="1", md="3"),
            spacing="4",
            width="100%",
        ),
    )


PAGES: list[PageSpec] = [
    PageSpec(pricing, Route.PRICING, "Plans and pricing", SessionState.load_session),
]
