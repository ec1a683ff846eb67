"""The one door to Stripe: the official SDK's ``StripeClient`` built from settings.

With no secret key billing is off (the embedded default): nothing here is called, the
Billing page says so and a super admin sets plans by hand (``mirror.set_plan_by_hand``).
"""

from __future__ import annotations

from typing import Any

import stripe

from ninevectors.settings import get_settings

NETWORK_RETRIES = 2


class BillingOff(RuntimeError):
    """Billing is not configured (no Stripe secret key)."""


class StripeUnavailable(RuntimeError):
    """Stripe could not be reached or refused the call; the message is for people."""


def billing_enabled() -> bool:
    return bool(get_settings().stripe_secret_key.get_secret_value())


def client() -> stripe.StripeClient:
    """A client for the configured account (``stripe_api_base`` points tests at loopback)."""
    settings = get_settings()
    key = settings.stripe_secret_key.get_secret_value()
    if not key:
        raise BillingOff("Billing is off: no Stripe key is configured.")
    base = settings.stripe_api_base.rstrip("/")
    return stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else None,
        max_network_retries=NETWORK_RETRIES,
    )


def as_dict(value: Any) -> dict[str, Any]:
    """A Stripe object as plain JSON-shaped data (dicts and lists all the way down)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return value.to_dict()


def call(operation: str, function: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one SDK call; Stripe's errors become ``StripeUnavailable`` naming the operation."""
    try:
        return as_dict(function(*args, **kwargs))
    except stripe.StripeError as error:
        message = getattr(error, "user_message", None) or "Stripe did not answer."
        raise StripeUnavailable(f"Could not {operation}: {message}") from error
