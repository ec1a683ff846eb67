"""The verified mirror of Stripe: the only writer of ``subscriptions`` rows and of an
organization's plan, limits block and ``subscription`` block.

Rows are written from what Stripe says (re-read, never from an event's body alone) or, with
billing off, by a super admin's hand. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import Subscription
from ninevectors.services import audit
from ninevectors.services.billing import entitlements, plans
from ninevectors.services.billing.plans import PlanName
from ninevectors.services.billing.stripe_api import billing_enabled
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, ValidationFailed
from ninevectors.services.identity import _common, clock
from ninevectors.services.identity.organizations import load_organization
from ninevectors.services.identity.roles import Role
from ninevectors.services.store.base import PatchOperation

LIVE_STATUSES = ("active", "trialing", "past_due", "unpaid", "incomplete")
MIRRORED = ("plan", "status", "stripe_price_id", "stripe_subscription_id", "cancel_at_period_end")


@dataclass(frozen=True)
class StripeSubscription:
    """The parts of a Stripe Subscription object the mirror keeps."""

    id: str
    status: str
    plan: PlanName
    price_id: str
    period_start: datetime
    period_end: datetime
    cancel_at_period_end: bool
    trial_end: datetime | None


def _moment(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def _first_item(subscription: dict[str, Any]) -> dict[str, Any]:
    items = (subscription.get("items") or {}).get("data") or [{}]
    return items[0]


def parse_subscription(subscription: dict[str, Any]) -> StripeSubscription | None:
    """Our reading of a Stripe Subscription; None when its price is not one of our plans.

    Periods live on the item in current API versions and on the subscription in older ones."""
    item = _first_item(subscription)
    price = item.get("price") or item.get("plan") or {}
    plan = plans.plan_from_price(price)
    if plan is None:
        return None
    now = clock.utcnow()
    start = item.get("current_period_start") or subscription.get("current_period_start")
    end = item.get("current_period_end") or subscription.get("current_period_end")
    return StripeSubscription(
        id=str(subscription["id"]),
        status=str(subscription.get("status") or "incomplete"),
        plan=plan,
        price_id=str(price.get("id") or ""),
        period_start=_moment(start) or now,
        period_end=_moment(end) or now,
        cancel_at_period_end=bool(subscription.get("cancel_at_period_end")),
        trial_end=_moment(subscription.get("trial_end")),
    )


def pick_subscription(subscriptions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The subscription that governs: the newest live one, else the newest of any."""
    ordered = sorted(subscriptions, key=lambda s: int(s.get("created") or 0), reverse=True)
    live = [s for s in ordered if s.get("status") in LIVE_STATUSES]
    return (live or ordered or [None])[0]


# ---- rows --------------------------------------------------------------------------------


def row_for_customer(customer_id: str) -> Subscription | None:
    with session_scope() as db:
        query = select(Subscription).where(Subscription.stripe_customer_id == customer_id)
        return db.exec(query).first()


def ensure_row(organization_id: str, customer_id: str) -> Subscription:
    """The organization's row, created (status ``none``) when it first gets a customer."""
    with session_scope() as db:
        query = select(Subscription).where(Subscription.organization_id == organization_id)
        row = db.exec(query).first()
        if row is None:
            plan = load_organization(organization_id).plan
            row = Subscription(
                organization_id=organization_id,
                stripe_customer_id=customer_id,
                stripe_price_id="",
                plan=plan,
                status="none",
            )
        row.stripe_customer_id = customer_id
        db.add(row)
        return row


def _snapshot(row: Subscription) -> dict[str, Any]:
    return {name: getattr(row, name) for name in MIRRORED} | {
        "current_period_end": clock.iso(row.current_period_end),
    }


def _copy_into(row: Subscription, found: StripeSubscription | None, now: datetime) -> None:
    if found is None:
        row.status = "canceled" if row.stripe_subscription_id else "none"
    else:
        row.stripe_subscription_id = found.id
        row.stripe_price_id = found.price_id
        row.plan = found.plan
        row.status = found.status
        row.current_period_start = found.period_start
        row.current_period_end = found.period_end
        row.cancel_at_period_end = found.cancel_at_period_end
        row.trial_end = found.trial_end
    dunning = row.status in entitlements.DUNNING_STATUSES
    row.past_due_since = (row.past_due_since or now) if dunning else None
    row.updated_at = now


def apply_subscription(
    organization_id: str, found: StripeSubscription | None, now: datetime
) -> dict[str, Any]:
    """Mirror what Stripe holds for the organization's customer; the changed fields
    (``{}`` when nothing changed). Audited when something did."""
    with session_scope() as db:
        query = select(Subscription).where(Subscription.organization_id == organization_id)
        row = db.exec(query).one()
        before = _snapshot(row)
        _copy_into(row, found, now)
        after = _snapshot(row)
        db.add(row)
    changed = {key: after[key] for key in after if after[key] != before[key]}
    if changed:
        _write_organization(organization_id, row)
        audit.record(
            "billing.subscription.mirrored", "subscription", principal=None,
            organization_id=organization_id, resource_id=row.stripe_subscription_id,
            details={"before": before, "after": after},
        )  # fmt: skip
    return changed


def _organization_patch(row: Subscription, plan_changed: bool) -> list[PatchOperation]:
    block = {
        "stripeCustomerId": row.stripe_customer_id,
        "planId": row.stripe_price_id,
        "status": row.status,
        "currentPeriodEnd": clock.iso(row.current_period_end),
        "cancelAtPeriodEnd": row.cancel_at_period_end,
    }
    operations = [PatchOperation("set", "/subscription", block)]
    if plan_changed:
        operations += _plan_operations(plans.plan_of(row.plan).name)
    return operations


def _plan_operations(plan: PlanName) -> list[PatchOperation]:
    limits = plans.PLANS[plan]
    return [
        PatchOperation("set", "/plan", plan),
        PatchOperation("set", "/settings/maxUsers", limits.max_users),
        PatchOperation("set", "/settings/maxAssessments", limits.max_assessments),
        PatchOperation("set", "/settings/features", list(limits.features)),
    ]


def _write_organization(organization_id: str, row: Subscription) -> None:
    plan_changed = load_organization(organization_id).plan != row.plan
    operations = _organization_patch(row, plan_changed)
    _common.store().patch(_common.ORGANIZATIONS, organization_id, organization_id, operations)


# ---- by hand (billing off) ---------------------------------------------------------------


def set_plan_by_hand(principal: Principal, plan: str) -> PlanName:
    """A super admin sets the plan of the organization they act in while billing is off
    (audited). Other organizations: ``operator_set_plan`` from the command line."""
    if principal.role != Role.SUPER_ADMIN.value:
        raise Forbidden("Only a platform super admin can set a plan by hand.")
    return _set_plan(principal.organization_id, plan, principal)


def operator_set_plan(organization_id: str, plan: str) -> PlanName:
    """The platform operator's ``cli billing set-plan ORG PLAN`` (audited, no web entry)."""
    return _set_plan(organization_id, plan, None)


def _set_plan(organization_id: str, plan: str, principal: Principal | None) -> PlanName:
    if plan not in plans.PLANS:
        raise ValidationFailed("plan", f"Choose one of: {', '.join(plans.PLAN_NAMES)}.")
    if billing_enabled():
        raise ValidationFailed("plan", "Billing is on: plans change through Stripe checkout.")
    organization_id = _common.checked_id(organization_id, "Organization")
    before = load_organization(organization_id).plan  # NotFoundError for an unknown one
    chosen = plans.PLANS[plan].name  # type: ignore[index]
    store = _common.store()
    store.patch(_common.ORGANIZATIONS, organization_id, organization_id, _plan_operations(chosen))
    _set_row_plan(organization_id, chosen)
    audit.record(
        "billing.plan.set_by_hand", "organization", principal=principal,
        organization_id=organization_id, resource_id=organization_id,
        details={"from": before, "to": chosen, "by": "operator" if principal is None else "user"},
    )  # fmt: skip
    return chosen


def _set_row_plan(organization_id: str, plan: PlanName) -> None:
    with session_scope() as db:
        query = select(Subscription).where(Subscription.organization_id == organization_id)
        row = db.exec(query).first()
        if row is not None:
            row.plan = plan
            row.updated_at = clock.utcnow()
            db.add(row)
