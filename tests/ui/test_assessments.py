"""Assessments in a real browser: a full 156-theme response with the keyboard, resume after a
reload, a 360 peer, read-only after submit, and what a member may not do."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from ninevectors.framework import get_framework
from tests.ui.helpers import create_assessment, log_in, open_for_answers

pytestmark = pytest.mark.ui


def _rating_for(vector_id: int) -> int:
    """A fixed rating per vector, so the scores the page shows are known in advance."""
    return (vector_id % 5) + 1


def _answer_with_keyboard(page: Page, theme_name: str, rating: int, confidence: int) -> None:
    card = page.locator(".theme-card", has=page.get_by_role("heading", name=theme_name, exact=True))
    rating_group = card.get_by_role("radiogroup", name=f"Rating for {theme_name}")
    rating_group.get_by_role("radio").nth(rating - 1).focus()
    page.keyboard.press("Space")
    expect(rating_group.get_by_role("radio").nth(rating - 1)).to_be_checked()
    confidence_group = card.get_by_role("radiogroup", name=f"Confidence for {theme_name}")
    confidence_group.get_by_role("radio").nth(confidence - 1).focus()
    page.keyboard.press("Space")
    expect(confidence_group.get_by_role("radio").nth(confidence - 1)).to_be_checked()


def _answer_current_sub_lens(page: Page, rating: int) -> None:
    expect(page.locator(".theme-card").first).to_be_visible()
    names = page.locator(".theme-card h3").all_inner_texts()
    assert names, "no themes on this page"
    for name in names:
        _answer_with_keyboard(page, name, rating, 3)


def test_executive_completes_all_156_themes_with_the_keyboard(page: Page, app_url: str) -> None:
    log_in(page, app_url, "admin@acme.com")
    assessment_id = create_assessment(page, app_url, f"Full review {uuid.uuid4().hex[:6]}")
    open_for_answers(page)
    page.get_by_role("link", name="Start").click()
    expect(page.locator("#sub-lens-heading")).to_have_text("Market Characteristics")

    framework = get_framework()
    order = [s for v in framework.vectors for s in v.sub_lenses]
    for index, sub_lens in enumerate(order):
        expect(page.locator("#sub-lens-heading")).to_have_text(sub_lens.name)
        _answer_current_sub_lens(page, _rating_for(framework.vector_of(sub_lens.id).id))
        if index == 18:  # reload midway: everything so far is kept, and we resume here
            page.reload()
            expect(page.locator("#sub-lens-heading")).to_have_text(sub_lens.name)
            expect(page.locator("#overall-progress")).to_contain_text(
                f"{sum(len(s.themes) for s in order[: index + 1])} of 156"
            )
        if index < len(order) - 1:
            page.keyboard.press("Tab")  # leave the radio group
            page.locator("#next-sub-lens").focus()
            page.keyboard.press("Enter")
    expect(page.locator("#overall-progress")).to_contain_text("156 of 156")
    page.locator("#submit-response").focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/assessments/{assessment_id}/results/?$"))
    for vector in framework.vectors:
        row = page.locator(".vector-result", has_text=vector.name)
        expect(row.locator(".vector-score")).to_have_text(f"{_rating_for(vector.id):.2f}")
    # Ratings 2,3,4,5,1,2,3,4,5 by vector; ties go to the lower vector id.
    expect(page.locator("#strengths")).to_contain_text("StrategyEntityFinancial")
    expect(page.locator("#improvements")).to_contain_text("OperationsMarketExecution")
    # Vectors scoring 2.5 or less get a card that opens the coach on that vector.
    card = page.locator(".coach-card", has_text="Operations")
    expect(card).to_be_visible()
    expect(page.locator(".coach-card", has_text="Strategy")).to_have_count(0)
    card.get_by_role("link", name="Talk it through with the coach").click()
    expect(page).to_have_url(re.compile(r"/coach/[^/?]+/?$"))


def test_submit_says_what_is_missing(page: Page, app_url: str) -> None:
    log_in(page, app_url, "manager@acme.com")
    create_assessment(page, app_url, f"Partial {uuid.uuid4().hex[:6]}", vectors=(6,))
    open_for_answers(page)
    page.get_by_role("link", name="Start").click()
    expect(page.locator("#sub-lens-heading")).to_have_text("Measurement")
    _answer_current_sub_lens(page, 4)
    page.locator("#next-sub-lens").click()
    expect(page.locator("#submit-response")).to_be_visible()
    page.locator("#submit-response").click()
    expect(page.locator("#submit-error")).to_contain_text("Execution")


def test_a_reload_during_typing_loses_nothing(page: Page, app_url: str) -> None:
    log_in(page, app_url, "manager@acme.com")
    create_assessment(page, app_url, f"Notes {uuid.uuid4().hex[:6]}", vectors=(1,))
    open_for_answers(page)
    page.get_by_role("link", name="Start").click()
    notes = page.get_by_label("Notes for Market Size")
    notes.click()
    page.keyboard.type("Our addressable market doubled since 2024.")
    expect(page.locator("#save-status")).to_have_text("All changes saved")
    page.reload()
    expect(page.get_by_label("Notes for Market Size")).to_have_value(
        "Our addressable market doubled since 2024."
    )


def test_a_peer_answers_a_360_and_cannot_edit_after_submitting(
    browser: Browser, page: Page, app_url: str
) -> None:
    log_in(page, app_url, "admin@acme.com")
    assessment_id = create_assessment(
        page,
        app_url,
        f"360 for Max {uuid.uuid4().hex[:6]}",
        kind="360-review",
        vectors=(6,),
        subject="Max Manager <manager@acme.com>",
    )
    page.get_by_label("Person").select_option(label="Mia Member <member@acme.com>")
    page.get_by_label("Respondent").select_option("peer")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".participant-row", has_text="member@acme.com")).to_contain_text("peer")
    open_for_answers(page)

    peer = browser.new_context().new_page()
    log_in(peer, app_url, "member@acme.com")
    peer.goto(f"{app_url}/assessments/{assessment_id}")
    # A member cannot manage participants.
    expect(peer.locator("#add-participant")).to_have_count(0)
    expect(peer.get_by_role("button", name="Send reminders")).to_have_count(0)
    peer.get_by_role("link", name="Start").click()
    expect(peer.locator("#sub-lens-heading")).to_have_text("Measurement")
    _answer_current_sub_lens(peer, 2)
    peer.locator("#next-sub-lens").click()
    expect(peer.locator("#sub-lens-heading")).to_have_text("Performance")
    _answer_current_sub_lens(peer, 4)
    peer.locator("#submit-response").click()
    expect(peer).to_have_url(re.compile(r"/results/?$"))
    expect(
        peer.locator(".vector-result", has_text="Execution").locator(".vector-score")
    ).to_have_text("3.00")

    peer.goto(f"{app_url}/assessments/{assessment_id}/take")
    expect(peer.locator("#read-only-notice")).to_be_visible()
    first_rating = peer.locator(".rating-group").first.get_by_role("radio").first
    expect(first_rating).to_be_disabled()

    page.reload()
    expect(page.locator(".participant-row", has_text="member@acme.com")).to_contain_text(
        "completed"
    )
