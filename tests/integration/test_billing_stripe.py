"""Billing against Stripe on loopback (localstripe, extended in tests/fixtures/stripe_server):
the catalog sync, checkout for the organization's customer, webhooks mirrored exactly once
and in any order, dunning, cancelling at period end, the portal and the Billing page data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors import cli
from ninevectors.api import billing as billing_api
from ninevectors.models.principal import Principal
from ninevectors.models.tables import AuditLog, Subscription
from ninevectors.services import assessments
from ninevectors.services.billing import (
    catalog,
    checkout,
    entitlements,
    invoices,
    overview,
    stripe_api,
    webhooks,
)
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, ValidationFailed
from ninevectors.services.identity.roles import Role
from tests.fixtures.stripe_server import (
    complete_checkout,
    event_payload,
    set_subscription_status,
    sign,
)
from tests.unit.test_identity_support import add_user, identity_env, sign_up  # noqa: F401


@pytest.fixture
def admin(identity_env: str, stripe_env: str) -> Principal:  # noqa: F811
    catalog.sync_catalog()
    return sign_up().principal


def deliver(event_type: str, body: dict[str, Any], event_id: str | None = None) -> Any:
    payload = event_payload(event_type, body, event_id)
    client = TestClient(Starlette(routes=billing_api.routes))
    headers = {"Stripe-Signature": sign(payload)}
    return client.post(billing_api.WEBHOOK_PATH, content=payload, headers=headers)


def row_of(principal: Principal) -> Subscription:
    found = entitlements.subscription_row(principal.organization_id)
    assert found is not None
    return found


def checkout_session_id(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def subscribe(stripe_env: str, admin: Principal, plan: str = "professional") -> dict[str, Any]:
    url = checkout.start_checkout(admin, plan, "monthly")
    session = complete_checkout(stripe_env, checkout_session_id(url))
    answer = deliver("checkout.session.completed", session)
    assert answer.status_code == 200, answer.text
    return session


def stripe_subscription(subscription_id: str) -> dict[str, Any]:
    return stripe_api.as_dict(stripe_api.client().v1.subscriptions.retrieve(subscription_id))


def test_sync_twice_changes_nothing(identity_env: str, stripe_env: str) -> None:  # noqa: F811
    first = catalog.sync_catalog()
    assert len(first.created) == 6 and first.existing == []
    prices = catalog.prices_by_lookup_key()
    second = catalog.sync_catalog()
    assert second.created == [] and len(second.existing) == 6
    assert catalog.prices_by_lookup_key() == prices
    assert prices["ninevectors_professional_yearly"]["unit_amount"] == 299_000
    assert cli.main(["billing", "sync"]) == 0


def test_checkout_is_for_the_organizations_customer(admin: Principal) -> None:
    url = checkout.start_checkout(admin, "professional", "yearly")
    row = row_of(admin)
    session = stripe_api.as_dict(
        stripe_api.client().v1.checkout.sessions.retrieve(checkout_session_id(url))
    )
    assert session["customer"] == row.stripe_customer_id and row.status == "none"
    assert session["mode"] == "subscription" and session["allow_promotion_codes"] is True
    assert session["client_reference_id"] == admin.organization_id
    again = checkout.start_checkout(admin, "enterprise", "monthly")  # same customer, not a new one
    assert row_of(admin).stripe_customer_id == row.stripe_customer_id and again != url


def test_checkout_webhook_mirrors_the_plan_and_unlocks_360(
    stripe_env: str, admin: Principal
) -> None:
    form = {"name": "Team 360", "type": "360-review", "subject_user_id": admin.user_id}
    with pytest.raises(ValidationFailed, match="Professional"):
        assessments.create_assessment(admin, form)
    session = subscribe(stripe_env, admin)
    row = row_of(admin)
    assert (row.plan, row.status) == ("professional", "trialing")
    assert row.stripe_subscription_id == session["subscription"] and row.trial_end is not None
    assert assessments.create_assessment(admin, form).assessment_type == "360-review"
    figures = overview.billing_overview(admin)
    assert figures.billing_enabled and figures.plan == "professional" and figures.renewal
    seats = next(line for line in figures.usage if line.label == "Seats")
    assert (seats.used, seats.limit) == (1, 50)


def test_a_replayed_event_is_applied_once(stripe_env: str, admin: Principal) -> None:
    url = checkout.start_checkout(admin, "professional", "monthly")
    session = complete_checkout(stripe_env, checkout_session_id(url))
    first = deliver("checkout.session.completed", session, "evt_once")
    again = deliver("checkout.session.completed", session, "evt_once")
    assert first.json()["message"] == "Applied." and again.json()["message"] == "Already processed."
    with session_scope() as db:
        mirrored = db.exec(
            select(AuditLog).where(AuditLog.action == "billing.subscription.mirrored")
        ).all()
    assert len(mirrored) == 1


def test_out_of_order_events_follow_stripe_not_the_event(stripe_env: str, admin: Principal) -> None:
    session = subscribe(stripe_env, admin)
    subscription = stripe_subscription(session["subscription"])
    stale_body = dict(subscription)  # what an "updated" event said while it was still live
    stripe_api.client().v1.subscriptions.cancel(session["subscription"])
    deleted = stripe_subscription(session["subscription"])
    assert deliver("customer.subscription.deleted", deleted).status_code == 200
    assert deliver("customer.subscription.updated", stale_body).status_code == 200  # late
    row = row_of(admin)
    assert row.status == "canceled"
    standing = entitlements.standing_of(admin.organization_id)
    assert entitlements.effective_plan(standing, entitlements.clock.utcnow()).name == "starter"


def test_cancel_at_period_end_keeps_the_plan(stripe_env: str, admin: Principal) -> None:
    session = subscribe(stripe_env, admin)
    params: Any = {"cancel_at_period_end": True}
    stripe_api.client().v1.subscriptions.update(session["subscription"], params)
    customer = row_of(admin).stripe_customer_id
    assert deliver("customer.subscription.updated", {"customer": customer}).status_code == 200
    row = row_of(admin)
    assert row.cancel_at_period_end and row.plan == "professional"
    figures = overview.billing_overview(admin)
    assert figures.plan == "professional" and figures.cancel_at_period_end


def test_a_failed_payment_starts_the_grace_period(stripe_env: str, admin: Principal) -> None:
    session = subscribe(stripe_env, admin)
    set_subscription_status(stripe_env, session["subscription"], "past_due")
    invoice = {"id": "in_1", "object": "invoice", "customer": row_of(admin).stripe_customer_id}
    assert deliver("invoice.payment_failed", invoice).status_code == 200
    row = row_of(admin)
    assert row.status == "past_due" and row.past_due_since is not None
    figures = overview.billing_overview(admin)
    assert "payment failed" in figures.banner.lower() and not figures.read_only
    assessments.create_assessment(admin, {"name": "Still allowed in grace"})
    set_subscription_status(stripe_env, session["subscription"], "active")
    assert deliver("invoice.paid", invoice).status_code == 200
    assert row_of(admin).past_due_since is None


def test_portal_session_for_the_customer(stripe_env: str, admin: Principal) -> None:
    with pytest.raises(ValidationFailed):
        checkout.portal_url(admin)  # nothing bought yet
    subscribe(stripe_env, admin)
    assert "/p/session/bps_" in checkout.portal_url(admin)
    with pytest.raises(ValidationFailed, match="Manage billing"):
        checkout.start_checkout(admin, "enterprise", "monthly")


def test_a_member_reaches_no_billing(admin: Principal) -> None:
    member = add_user(admin, "mia@alpha.example", Role.MEMBER).principal
    for attempt in (
        lambda: overview.billing_overview(member),
        lambda: checkout.start_checkout(member, "professional", "monthly"),
        lambda: checkout.portal_url(member),
    ):
        with pytest.raises(Forbidden):
            attempt()


def test_unknown_plan_or_interval_is_refused(admin: Principal) -> None:
    for plan, interval in (
        ("starter", "monthly"),
        ("platinum", "monthly"),
        ("enterprise", "weekly"),
    ):
        with pytest.raises(ValidationFailed):
            checkout.start_checkout(admin, plan, interval)
    assert entitlements.subscription_row(admin.organization_id) is None


def test_stripe_down_releases_the_event(
    stripe_env: str, admin: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = subscribe(stripe_env, admin)
    monkeypatch.setenv("NINEVECTORS_STRIPE_API_BASE", "http://127.0.0.1:9")
    stripe_api.get_settings.cache_clear()
    answer = deliver("customer.subscription.updated", {"customer": session["customer"]}, "evt_r")
    assert answer.status_code == 503
    monkeypatch.setenv("NINEVECTORS_STRIPE_API_BASE", stripe_env)
    stripe_api.get_settings.cache_clear()
    retried = deliver("customer.subscription.updated", {"customer": session["customer"]}, "evt_r")
    assert retried.status_code == 200 and webhooks.HANDLED_EVENTS


def test_invoices_list_the_organizations_own_with_their_links(
    stripe_env: str, admin: Principal
) -> None:
    assert invoices.list_invoices(admin) == []  # no Stripe customer yet
    session = subscribe(stripe_env, admin)
    other = sign_up("pat@beta.example", "Beta Ltd").principal
    subscribe(stripe_env, other, "enterprise")
    (trial,) = invoices.list_invoices(admin)
    assert (trial.amount, trial.status) == ("0.00 USD", "Paid")
    set_subscription_status(stripe_env, session["subscription"], "past_due")
    due, paid = invoices.list_invoices(admin)
    assert (due.amount, due.status, paid.number) == ("299.00 USD", "Due", trial.number)
    assert due.pdf_url.endswith("/pdf") and "/i/in_" in due.hosted_url
    assert due.number.startswith("NV-") and len(due.date) == 10
    member = add_user(admin, "mia@alpha.example", Role.MEMBER).principal
    with pytest.raises(Forbidden):
        invoices.list_invoices(member)


# ---- usage reported to Stripe as meter events ----------------------------------------------


def _meter_events_of(stripe_env: str, event_name: str) -> list[dict[str, Any]]:
    from tests.fixtures.stripe_server import meter_events

    return [e for e in meter_events(stripe_env) if e["event_name"] == event_name]


def test_usage_is_reported_once_per_batch_and_only_what_is_new(
    stripe_env: str, admin: Principal
) -> None:
    from ninevectors.services import metering
    from ninevectors.services.billing import usage_reports

    subscribe(stripe_env, admin)
    organization_id = admin.organization_id
    metering.record_usage(organization_id, "ai-tokens", 1500)
    metering.record_level(organization_id, "storage-gb", 0.25)
    first = usage_reports.report_organization(organization_id)
    assert first == usage_reports.Reported(sent=2, already_there=0)
    [tokens] = _meter_events_of(stripe_env, "ninevectors_ai_tokens")
    assert tokens["payload"]["value"] == "1500"
    assert tokens["payload"]["stripe_customer_id"] == row_of(admin).stripe_customer_id
    assert tokens["identifier"].startswith(f"nv-{organization_id}-ai-tokens-")
    assert usage_reports.report_organization(organization_id) == usage_reports.Reported()
    metering.record_usage(organization_id, "ai-tokens", 500)
    assert usage_reports.report_organization(organization_id).sent == 1
    values = [e["payload"]["value"] for e in _meter_events_of(stripe_env, "ninevectors_ai_tokens")]
    assert values == ["1500", "500"]
    [storage] = _meter_events_of(stripe_env, "ninevectors_storage_gb")
    assert storage["payload"]["value"] == "0.25"


def test_a_retry_after_a_lost_answer_sends_nothing_twice(stripe_env: str, admin: Principal) -> None:
    from ninevectors.models.tables import UsageReport
    from ninevectors.services import metering
    from ninevectors.services.billing import usage_reports

    subscribe(stripe_env, admin)
    metering.record_usage(admin.organization_id, "ai-tokens", 700)
    usage_reports.report_organization(admin.organization_id)
    with session_scope() as db:  # as if the worker died after Stripe took the batch
        for row in db.exec(select(UsageReport)).all():
            row.reported_at = None
            db.add(row)
    again = usage_reports.report_organization(admin.organization_id)
    assert again == usage_reports.Reported(sent=0, already_there=1)
    assert len(_meter_events_of(stripe_env, "ninevectors_ai_tokens")) == 1
    assert usage_reports.pending_batches(admin.organization_id) == []


def test_a_batch_stripe_did_not_take_is_sent_by_the_next_run(
    stripe_env: str, admin: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ninevectors.services import metering
    from ninevectors.services.billing import usage_reports
    from ninevectors.settings import get_settings

    subscribe(stripe_env, admin)
    metering.record_usage(admin.organization_id, "ai-tokens", 900)
    monkeypatch.setenv("NINEVECTORS_STRIPE_API_BASE", "http://127.0.0.1:9")  # nobody there
    get_settings.cache_clear()
    with pytest.raises(Exception):  # noqa: B017 — the SDK's connection error, retried later
        usage_reports.report_organization(admin.organization_id)
    assert len(usage_reports.pending_batches(admin.organization_id)) == 1
    monkeypatch.setenv("NINEVECTORS_STRIPE_API_BASE", stripe_env)
    get_settings.cache_clear()
    assert usage_reports.report_organization(admin.organization_id).sent == 1
    [event] = _meter_events_of(stripe_env, "ninevectors_ai_tokens")
    assert event["payload"]["value"] == "900"


def test_the_periodic_job_queues_the_report_on_the_task_queue(
    stripe_env: str, admin: Principal
) -> None:
    from ninevectors import jobs
    from ninevectors.services import metering, tasks
    from ninevectors.services.billing import usage_reports

    subscribe(stripe_env, admin)
    metering.record_usage(admin.organization_id, "ai-tokens", 42)
    assert jobs.JOBS["usage reported to Stripe"]() == 1
    tasks.join(usage_reports.QUEUE_NAME, timeout_seconds=30)
    [event] = _meter_events_of(stripe_env, "ninevectors_ai_tokens")
    assert event["payload"]["value"] == "42"
