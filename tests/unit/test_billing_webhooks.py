"""Webhook verification: forged, wrongly signed, stale, malformed, unknown-customer and
not-ours events change nothing and get a clear answer (never 500). Applying, replays and
order are covered against localstripe in tests/integration/test_billing_stripe.py."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors.api import billing as billing_api
from ninevectors.models.tables import BillingEvent, Subscription
from ninevectors.services.billing import webhooks
from ninevectors.services.database import session_scope
from ninevectors.settings import get_settings
from tests.fixtures.stripe_server import WEBHOOK_SECRET, event_payload, sign
from tests.unit.test_identity_support import identity_env  # noqa: F401

SUBSCRIPTION = {"id": "sub_1", "object": "subscription", "customer": "cus_unknown"}


@pytest.fixture
def billing_on(identity_env: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("NINEVECTORS_STRIPE_SECRET_KEY", "sk_test_unreachable")
    monkeypatch.setenv("NINEVECTORS_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("NINEVECTORS_STRIPE_API_BASE", "http://127.0.0.1:9")  # never called
    get_settings.cache_clear()


def _events() -> list[BillingEvent]:
    with session_scope() as db:
        return list(db.exec(select(BillingEvent)).all())


def _client() -> TestClient:
    return TestClient(Starlette(routes=billing_api.routes))


def test_a_forged_signature_is_refused(billing_on: None) -> None:
    payload = event_payload("customer.subscription.updated", SUBSCRIPTION)
    answer = webhooks.handle(payload, sign(payload, secret="whsec_someone_else"))
    assert answer.status == 400 and "signature" in answer.message
    assert webhooks.handle(payload, None).status == 400
    assert webhooks.handle(payload, "t=1,v1=deadbeef").status == 400
    assert _events() == []


def test_a_tampered_body_is_refused(billing_on: None) -> None:
    payload = event_payload("customer.subscription.updated", SUBSCRIPTION)
    header = sign(payload)
    tampered = payload.replace(b"cus_unknown", b"cus_victim00")
    assert webhooks.handle(tampered, header).status == 400


def test_a_stale_event_is_refused(billing_on: None) -> None:
    payload = event_payload("customer.subscription.updated", SUBSCRIPTION)
    old = int(time.time()) - get_settings().stripe_webhook_tolerance_seconds - 60
    answer = webhooks.handle(payload, sign(payload, at=old))
    assert answer.status == 400 and "too old" in answer.message


def test_a_body_that_is_not_an_event_is_refused(billing_on: None) -> None:
    payload = b"not json at all"
    assert webhooks.handle(payload, sign(payload)).status == 400


def test_an_unknown_customer_is_remembered_and_ignored(billing_on: None) -> None:
    payload = event_payload("customer.subscription.updated", SUBSCRIPTION, "evt_unknown")
    answer = webhooks.handle(payload, sign(payload))
    assert answer.status == 200 and "not one of ours" in answer.message
    assert [(e.event_id, e.outcome) for e in _events()] == [("evt_unknown", "unknown-customer")]
    with session_scope() as db:
        assert db.exec(select(Subscription)).all() == []


def test_events_we_do_not_act_on_are_acknowledged(billing_on: None) -> None:
    payload = event_payload("charge.refunded", {"id": "ch_1", "customer": "cus_1"})
    answer = webhooks.handle(payload, sign(payload))
    assert answer.status == 200 and "not an event we act on" in answer.message


def test_billing_off_answers_404(identity_env: str) -> None:  # noqa: F811
    payload = event_payload("customer.subscription.updated", SUBSCRIPTION)
    assert webhooks.handle(payload, sign(payload)).status == 404


def test_the_route_answers_json_never_500(billing_on: None) -> None:
    payload = event_payload("customer.subscription.updated", SUBSCRIPTION)
    client = _client()
    forged = client.post(
        billing_api.WEBHOOK_PATH, content=payload, headers={"Stripe-Signature": "t=1,v1=00"}
    )
    assert forged.status_code == 400 and forged.json()["message"]
    good = client.post(
        billing_api.WEBHOOK_PATH, content=payload, headers={"Stripe-Signature": sign(payload)}
    )
    assert good.status_code == 200
    huge = b"x" * (webhooks.MAX_PAYLOAD_BYTES + 1)
    assert client.post(billing_api.WEBHOOK_PATH, content=huge).status_code == 413
    assert client.get(billing_api.WEBHOOK_PATH).status_code == 405
