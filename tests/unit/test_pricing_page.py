"""The public pricing page shows the plans as plans.py defines them, and builds."""

from __future__ import annotations

from ninevectors.pages.pricing import pricing
from ninevectors.state.pricing import PLAN_CARDS


def test_every_plan_has_a_card_with_its_prices_and_trial() -> None:
    cards = {card.name: card for card in PLAN_CARDS}
    assert list(cards) == ["starter", "professional", "enterprise"]
    assert cards["starter"].monthly == "Free" and not cards["starter"].is_paid
    assert cards["professional"].monthly == "$299 a month"
    assert cards["professional"].yearly == "or $2,990 a year"
    assert cards["enterprise"].trial == "30-day free trial"


def test_cards_name_limits_and_what_is_not_included() -> None:
    starter = PLAN_CARDS[0]
    assert "Up to 10 people" in starter.limits and "No API calls" in starter.limits
    marks = {mark.label: mark.included for mark in starter.features}
    assert marks == {
        "AI coaching": True,
        "360-reviews": False,
        "Industry benchmarks": False,
        "Single sign-on": False,
        "API access": False,
    }


def test_the_page_builds() -> None:
    assert pricing() is not None
