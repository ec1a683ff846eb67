"""What the admin's Billing page shows: plan, status, renewal, seats, usage against quota,
and what each plan adds (so the page can show a disabled option naming the plan)."""

from __future__ import annotations

from dataclasses import dataclass

from ninevectors.models.principal import Principal
from ninevectors.services import metering
from ninevectors.services.assessments import _common as assessments_common
from ninevectors.services.billing import entitlements, plans
from ninevectors.services.billing.stripe_api import billing_enabled
from ninevectors.services.identity import clock, roles
from ninevectors.services.identity.users import active_user_count

METERED: tuple[tuple[plans.Quota, str, str], ...] = (
    ("api-calls", "API calls", "api-calls"),
    ("ai-tokens", "AI tokens", "ai-tokens"),
    ("storage-gb", "Document storage (GB)", "storage-gb"),
)


@dataclass(frozen=True)
class UsageLine:
    label: str
    used: float
    limit: float


@dataclass(frozen=True)
class FeatureLine:
    label: str
    included: bool
    plan_label: str  # the cheapest plan that has it


@dataclass(frozen=True)
class BillingOverview:
    billing_enabled: bool
    plan: str
    plan_label: str
    status: str
    renewal: str  # "" when there is no paid period
    cancel_at_period_end: bool
    banner: str  # "" unless payment is overdue
    read_only: bool
    usage: list[UsageLine]
    features: list[FeatureLine]
    upgrades: list[str]  # paid plans above the current one


@dataclass(frozen=True)
class DunningBanner:
    message: str  # "" unless payment is overdue
    read_only: bool


READ_ONLY_BANNER = (
    "Payment failed and the grace period is over: your organization is read-only for new "
    "work (open assessments can still be answered) until the payment method is updated."
)


def _banner(standing: entitlements.Standing) -> str:
    now = clock.utcnow()
    if entitlements.is_read_only(standing, now):
        return READ_ONLY_BANNER
    ends = entitlements.grace_ends(standing)
    if ends is not None:
        return f"Payment failed — update your payment method by {clock.iso(ends)[:10]}."
    return ""


def _usage(principal: Principal, standing: entitlements.Standing) -> list[UsageLine]:
    now = clock.utcnow()
    organization_id = principal.organization_id
    counted = {
        "users": float(active_user_count(organization_id)),
        "assessments": float(assessments_common.active_count(organization_id)),
    }
    lines = [
        UsageLine("Seats", counted["users"], entitlements.limit_of(standing, "users", now)),
        UsageLine(
            "Open assessments",
            counted["assessments"],
            entitlements.limit_of(standing, "assessments", now),
        ),
    ]
    metered = metering.usage_for_period(principal, metering.billing_period_of(now))
    for quota, label, metric in METERED:
        used = metered.get(metric, 0.0)
        lines.append(UsageLine(label, used, entitlements.limit_of(standing, quota, now)))
    return lines


def _features(standing: entitlements.Standing) -> list[FeatureLine]:
    now = clock.utcnow()
    lines = []
    for feature in plans.FEATURES:
        cheapest = plans.cheapest_with(feature)
        included = entitlements.allows(standing, feature, now)
        label = cheapest.label if cheapest else ""
        lines.append(FeatureLine(plans.FEATURE_LABELS[feature], included, label))
    return lines


def billing_overview(principal: Principal) -> BillingOverview:
    """The Billing page's figures for the principal's organization (billing admins only)."""
    roles.require(principal, roles.BILLING_MANAGE)
    standing = entitlements.standing_of(principal.organization_id)
    now = clock.utcnow()
    plan = entitlements.effective_plan(standing, now)
    period_end = standing.current_period_end
    order = list(plans.PLANS)
    return BillingOverview(
        billing_enabled=billing_enabled(),
        plan=plan.name,
        plan_label=plan.label,
        status=standing.status if standing.status != "none" else "active",
        renewal=clock.iso(period_end)[:10] if period_end else "",
        cancel_at_period_end=standing.cancel_at_period_end,
        banner=_banner(standing),
        read_only=entitlements.is_read_only(standing, now),
        usage=_usage(principal, standing),
        features=_features(standing),
        upgrades=[
            p.name for p in plans.paid_plans() if order.index(p.name) > order.index(plan.name)
        ],
    )


def dunning_banner(principal: Principal) -> DunningBanner:
    """What the app shell tells billing admins while a payment is overdue (two reads: the
    organization and its subscription row; asked once per page load)."""
    roles.require(principal, roles.BILLING_MANAGE)
    standing = entitlements.standing_of(principal.organization_id)
    return DunningBanner(_banner(standing), entitlements.is_read_only(standing, clock.utcnow()))


def missing_feature_note(principal: Principal, feature: plans.Feature) -> str:
    """ "" when the principal's organization has ``feature``; else what to tell people before
    they fill a form ("360-reviews are part of the Professional and Enterprise plans")."""
    if feature not in plans.FEATURES:
        return ""
    standing = entitlements.standing_of(principal.organization_id)
    if entitlements.allows(standing, feature, clock.utcnow()):
        return ""
    return f"{entitlements.feature_note(feature)}."
