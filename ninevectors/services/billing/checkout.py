"""Self-serve upgrades: the organization's Stripe customer, Checkout Sessions (subscription
mode, trial days per plan, promotion codes) and Customer Portal sessions (admins only)."""

from __future__ import annotations

from typing import Any

from ninevectors.models.principal import Principal
from ninevectors.services import audit
from ninevectors.services.billing import catalog, entitlements, mirror, plans
from ninevectors.services.billing.stripe_api import billing_enabled, call, client
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import roles
from ninevectors.services.identity.organizations import load_organization
from ninevectors.settings import get_settings

BILLING_PATH = "/admin/billing"
BILLING_OFF = "Billing is off on this installation; the operator sets plans by hand."


def _billing_url(query: str = "") -> str:
    return f"{get_settings().public_url.rstrip('/')}{BILLING_PATH}{query}"


def _require_billing(principal: Principal) -> None:
    roles.require(principal, roles.BILLING_MANAGE)
    if not billing_enabled():
        raise ValidationFailed("plan", BILLING_OFF)


def ensure_customer(principal: Principal) -> str:
    """The organization's Stripe customer id, created once (idempotency key per org)."""
    _require_billing(principal)
    organization_id = principal.organization_id
    row = entitlements.subscription_row(organization_id)
    if row is not None:
        return row.stripe_customer_id
    organization = load_organization(organization_id)
    params: Any = {"name": organization.name, "metadata": {"organization_id": organization_id}}
    options: Any = {"idempotency_key": f"customer-{organization_id}"}
    customer = call("create the customer", client().v1.customers.create, params, options)
    mirror.ensure_row(organization_id, customer["id"])
    audit.record("billing.customer.created", "subscription", principal=principal,
                 resource_id=customer["id"])  # fmt: skip
    return str(customer["id"])


def _checked_choice(plan: object, interval: object) -> tuple[plans.Plan, plans.Interval]:
    if not isinstance(plan, str) or plan not in plans.PLANS or not plans.PLANS[plan].is_paid:  # type: ignore[index]
        raise ValidationFailed("plan", "Choose the Professional or Enterprise plan.")
    if not isinstance(interval, str) or interval not in plans.INTERVALS:
        raise ValidationFailed("interval", "Choose monthly or yearly billing.")
    return plans.PLANS[plan], interval  # type: ignore[index,return-value]


def _session_params(
    organization_id: str, customer: str, price_id: str, plan: plans.Plan, trial: bool
) -> dict[str, Any]:
    subscription_data: dict[str, Any] = {"metadata": {"organization_id": organization_id}}
    if trial and plan.trial_days:
        subscription_data["trial_period_days"] = plan.trial_days
    return {
        "mode": "subscription",
        "customer": customer,
        "client_reference_id": organization_id,
        "line_items": [{"price": price_id, "quantity": 1}],
        "subscription_data": subscription_data,
        "allow_promotion_codes": True,
        "success_url": _billing_url("?checkout=done"),
        "cancel_url": _billing_url("?checkout=cancelled"),
        "metadata": {"organization_id": organization_id, "plan": plan.name},
    }


def start_checkout(principal: Principal, plan: str, interval: str = "monthly") -> str:
    """The URL of a Stripe Checkout page for ``plan``; the webhook mirrors the result."""
    _require_billing(principal)
    chosen, period = _checked_choice(plan, interval)
    row = entitlements.subscription_row(principal.organization_id)
    if row is not None and row.status in mirror.LIVE_STATUSES:
        raise ValidationFailed("plan", "You already have a subscription: use Manage billing.")
    price = catalog.prices_by_lookup_key().get(plans.lookup_key(chosen.name, period))
    if price is None:
        raise ValidationFailed("plan", "This plan is not on sale yet; try again later.")
    customer = ensure_customer(principal)
    first_time = row is None or row.stripe_subscription_id is None
    params: Any = _session_params(
        principal.organization_id, customer, price["id"], chosen, first_time
    )
    session = call("start checkout", client().v1.checkout.sessions.create, params)
    details = {"plan": chosen.name, "interval": period}
    audit.record("billing.checkout.started", "subscription", principal=principal,
                 resource_id=session["id"], details=details)  # fmt: skip
    return str(session["url"])


def portal_url(principal: Principal) -> str:
    """The URL of the Stripe Customer Portal (plan, payment method, cancel at period end)."""
    _require_billing(principal)
    row = entitlements.subscription_row(principal.organization_id)
    if row is None:
        raise ValidationFailed("plan", "Choose a plan first: there is nothing to manage yet.")
    params: Any = {"customer": row.stripe_customer_id, "return_url": _billing_url()}
    session = call("open the billing portal", client().v1.billing_portal.sessions.create, params)
    audit.record("billing.portal.opened", "subscription", principal=principal,
                 resource_id=row.stripe_customer_id)  # fmt: skip
    return str(session["url"])
