"""Stripe webhooks: verified, applied exactly once, in any order.

1. The signature (``Stripe-Signature``, HMAC-SHA256 with the webhook secret) and its age
   (tolerance) are checked by the SDK's ``stripe.Webhook.construct_event``: a forged, wrongly
   signed or stale event changes nothing (400).
2. The event id is claimed in ``billing_events`` (its primary key): a replayed or
   re-delivered event is answered 200 "already processed" and changes nothing.
3. The handler does not trust the event's body or order: it re-reads the customer's
   subscriptions from Stripe and mirrors what Stripe holds now (``mirror.apply_subscription``),
   so a late ``updated`` after a ``deleted`` cannot resurrect anything.
An event for a customer we do not know is remembered and answered 200 (nothing to do); if
Stripe cannot be reached the claim is released and the answer is 503, so Stripe retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe
from sqlalchemy.exc import IntegrityError
from sqlmodel import delete

from ninevectors.models.tables import BillingEvent
from ninevectors.services.billing import mirror
from ninevectors.services.billing.stripe_api import StripeUnavailable, billing_enabled, call, client
from ninevectors.services.database import session_scope
from ninevectors.services.identity import clock
from ninevectors.settings import get_settings

HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
    }
)
MAX_PAYLOAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    message: str


def verify(payload: bytes, signature: str | None) -> dict[str, Any] | WebhookAnswer:
    """The event, or the answer for one we refuse (forged, wrong secret, stale, not JSON)."""
    settings = get_settings()
    secret = settings.stripe_webhook_secret.get_secret_value()
    if not billing_enabled() or not secret:
        return WebhookAnswer(404, "Billing is off.")
    if len(payload) > MAX_PAYLOAD_BYTES:
        return WebhookAnswer(413, "The event is too large.")
    tolerance = settings.stripe_webhook_tolerance_seconds
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", secret, tolerance)
    except stripe.SignatureVerificationError:
        return WebhookAnswer(400, "The signature is not valid or the event is too old.")
    except ValueError:
        return WebhookAnswer(400, "This is not a Stripe event.")
    return event.to_dict()


def _customer_of(event: dict[str, Any]) -> str | None:
    body = (event.get("data") or {}).get("object") or {}
    customer = body.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    return customer if isinstance(customer, str) and customer else None


def claim(event_id: str, event_type: str, organization_id: str | None, outcome: str) -> bool:
    """Remember the event; False when it was processed before (a replay)."""
    row = BillingEvent(
        event_id=event_id[:255], event_type=event_type[:100],
        organization_id=organization_id, outcome=outcome, received_at=clock.utcnow(),
    )  # fmt: skip
    try:
        with session_scope() as db:
            db.add(row)
    except IntegrityError:
        return False
    return True


def release(event_id: str) -> None:
    with session_scope() as db:
        db.exec(delete(BillingEvent).where(BillingEvent.event_id == event_id))  # type: ignore[call-overload]


def current_subscription(customer_id: str) -> mirror.StripeSubscription | None:
    """What Stripe holds for the customer now (the governing subscription, if any)."""
    params: Any = {"customer": customer_id, "status": "all", "limit": 20}
    found = call("read the subscriptions", client().v1.subscriptions.list, params)
    chosen = mirror.pick_subscription(list(found.get("data") or []))
    return mirror.parse_subscription(chosen) if chosen else None


def _apply(event_id: str, organization_id: str, customer_id: str) -> WebhookAnswer:
    try:
        found = current_subscription(customer_id)
        changed = mirror.apply_subscription(organization_id, found, clock.utcnow())
    except StripeUnavailable:
        release(event_id)
        return WebhookAnswer(503, "Stripe could not be reached; retry later.")
    except Exception:
        release(event_id)  # Stripe retries; nothing half-applied is remembered as done
        raise
    return WebhookAnswer(200, "Applied." if changed else "Applied; nothing changed.")


def handle(payload: bytes, signature: str | None) -> WebhookAnswer:
    """Verify and apply one delivery; the answer Stripe gets."""
    event = verify(payload, signature)
    if isinstance(event, WebhookAnswer):
        return event
    event_id, event_type = str(event.get("id") or ""), str(event.get("type") or "")
    if not event_id or event_type not in HANDLED_EVENTS:
        return WebhookAnswer(200, "Ignored: not an event we act on.")
    customer_id = _customer_of(event)
    row = mirror.row_for_customer(customer_id) if customer_id else None
    if row is None:
        claim(event_id, event_type, None, "unknown-customer")
        return WebhookAnswer(200, "Ignored: the customer is not one of ours.")
    if not claim(event_id, event_type, row.organization_id, "applied"):
        return WebhookAnswer(200, "Already processed.")
    return _apply(event_id, row.organization_id, row.stripe_customer_id)
