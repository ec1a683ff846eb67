"""Billing in a real browser. On the app the browser tests share (no Stripe key: billing is
off): the public pricing page, the Billing page for an admin and a member, single sign-on
offered only on the plan that has it, and the dunning banner across the app. Then, with the
shared app swapped for one with billing on against localstripe (``billing_app``): an upgrade
through Checkout whose signed webhook lands makes 360 reviews possible, the invoices show,
and a failed payment shows the banner."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.app_server import RunningApp
from tests.fixtures.stripe_server import API_KEY as STRIPE_API_KEY
from tests.fixtures.stripe_server import (
    complete_checkout,
    event_payload,
    set_subscription_status,
    sign,
)
from tests.ui.helpers import create_assessment, log_in, mark_past_due, operator_cli

pytestmark = pytest.mark.ui

PASSWORD = "billing in the browser 2026"


def _sign_up_from_pricing(page: Page, app_url: str) -> str:
    """A new organization through the pricing page's Start free; its admin's e-mail."""
    email = f"bill-{uuid.uuid4().hex[:8]}@billing.example"
    page.goto(app_url + "/pricing")
    page.locator("#plan-starter").get_by_role("link", name="Start free").click()
    expect(page).to_have_url(re.compile(r"/signup"))
    page.get_by_label("Organization name").fill("Billing Ltd")
    page.get_by_label("First name").fill("Bill")
    page.get_by_label("Last name").fill("Admin")
    page.get_by_label("Work e-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(r"/dashboard"))
    return email


def test_the_pricing_page_is_public_and_lists_the_three_plans(page: Page, app_url: str) -> None:
    page.goto(app_url + "/")
    page.get_by_role("link", name="See plans and pricing").click()
    expect(page.get_by_role("heading", name="Plans and pricing", level=1)).to_be_visible()
    for plan in ("Starter", "Professional", "Enterprise"):
        expect(page.get_by_role("heading", name=plan, level=2)).to_be_visible()
    professional = page.locator("#plan-professional")
    expect(professional).to_contain_text("$299 a month")
    expect(professional).to_contain_text("or $2,990 a year")
    expect(professional).to_contain_text("14-day free trial")
    expect(page.locator("#plan-starter")).to_contain_text("Single sign-on (not included)")


def test_an_admin_is_told_billing_is_off_and_sso_needs_enterprise(page: Page, app_url: str) -> None:
    _sign_up_from_pricing(page, app_url)
    page.get_by_role("link", name="Billing", exact=True).first.click()
    expect(page.get_by_role("heading", name="Billing", level=1)).to_be_visible()
    expect(page.locator("#billing-off")).to_contain_text("Billing is off")
    expect(page.get_by_role("button", name=re.compile("Upgrade"))).to_have_count(0)
    page.goto(app_url + "/pricing")
    upgrade = page.get_by_role("link", name="Upgrade to Professional")
    expect(upgrade).to_have_attribute("href", "/admin/billing")
    page.goto(app_url + "/admin/sso")
    note = page.locator("#sso-plan-note")
    expect(note).to_contain_text("Single sign-on is part of the Enterprise plan.")
    expect(note.get_by_role("link", name="See plans")).to_have_attribute("href", "/pricing")
    expect(page.get_by_label("Issuer URL")).to_have_count(0)


def test_a_member_sees_no_billing(page: Page, app_url: str) -> None:
    log_in(page, app_url, "member@acme.com")
    expect(page.get_by_role("link", name="Billing", exact=True)).to_have_count(0)
    page.goto(app_url + "/admin/billing")
    expect(page.get_by_role("heading", name="Not allowed", level=1)).to_be_visible()
    expect(page.locator("#billing-off")).to_have_count(0)


def test_a_failed_payment_shows_the_banner_on_every_page_for_admins(
    page: Page, app_url: str, running_app: RunningApp
) -> None:
    email = _sign_up_from_pricing(page, app_url)
    expect(page.locator("#dunning-banner")).to_have_count(0)
    mark_past_due(running_app.env, email, days_ago=1)
    page.goto(app_url + "/assessments")
    banner = page.locator("#dunning-banner")
    expect(banner).to_contain_text("Payment failed — update your payment method by ")
    page.get_by_role("link", name="Documents").first.click()
    expect(banner).to_be_visible()
    banner.get_by_role("link", name="Go to Billing").click()
    expect(page.get_by_role("heading", name="Billing", level=1)).to_be_visible()
    expect(page.locator("#dunning-banner")).to_contain_text("Payment failed")


def _deliver(app_url: str, event_type: str, body: dict[str, Any]) -> None:
    """What Stripe does after the event: a signed POST to the app's webhook route."""
    payload = event_payload(event_type, body)
    answer = httpx.post(
        app_url + "/api/billing/webhook",
        content=payload,
        headers={"Stripe-Signature": sign(payload), "Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


def test_an_upgrade_through_checkout_opens_360_reviews_and_a_failed_payment_warns(
    page: Page, billing_app: RunningApp, stripe_server: str
) -> None:
    app_url = billing_app.url
    operator_cli(billing_app.env, "billing", "sync")
    email = _sign_up_from_pricing(page, app_url)
    page.goto(app_url + "/admin/billing")
    expect(page.locator("#no-invoices")).to_have_text("No invoices yet.")
    page.get_by_role("button", name="Upgrade to Professional").click()
    expect(page).to_have_url(re.compile(re.escape(stripe_server) + r"/checkout/cs_test_"))
    session = complete_checkout(stripe_server, page.url.rsplit("/", 1)[-1])
    _deliver(app_url, "checkout.session.completed", session)

    page.goto(app_url + "/admin/billing")
    expect(page.get_by_role("heading", name="Billing", level=1)).to_be_visible()
    expect(page.get_by_text("Professional", exact=True)).to_be_visible()
    expect(page.locator("#invoices")).to_contain_text("Paid")
    create_assessment(
        page, app_url, "Our first 360", kind="360-review", subject=f"Bill Admin <{email}>"
    )

    # Cancelled in the Customer Portal (Stripe-hosted): the plan stays until the period ends.
    httpx.post(
        f"{stripe_server}/v1/subscriptions/{session['subscription']}",
        data={"cancel_at_period_end": "true"},
        auth=(STRIPE_API_KEY, ""),
        timeout=10,
    ).raise_for_status()
    _deliver(app_url, "customer.subscription.updated", {"customer": session["customer"]})
    page.goto(app_url + "/admin/billing")
    expect(page.get_by_text("Ends on")).to_be_visible()
    expect(page.get_by_text("Professional", exact=True)).to_be_visible()

    set_subscription_status(stripe_server, session["subscription"], "past_due")
    invoice = {"id": "in_ui", "object": "invoice", "customer": session["customer"]}
    _deliver(app_url, "invoice.payment_failed", invoice)
    page.goto(app_url + "/dashboard")
    expect(page.locator("#dunning-banner")).to_contain_text("Payment failed — update your")
    page.goto(app_url + "/admin/billing")
    expect(page.locator("#invoices")).to_contain_text("299.00 USD")
