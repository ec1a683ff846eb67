"""What an organization may do, and how much of each quota is left: the one place that reads
an organization's plan.

The answer comes from the mirrored subscription (``subscriptions`` row, written only from
verified Stripe data or by a super admin's hand) and the organization's limits block:

- ``past_due``/``unpaid``: a grace period of seven days (admins see a banner), then the
  organization is read-only for new work (no new assessments, invitations or reactivations);
  open assessments can still be answered and nothing is deleted.
- cancelled (or cancelling at period end, once the period is over): the starter limits; data
  above them stays readable.

The pure functions take a ``Standing`` and ``now``; ``standing_of`` reads one organization's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from ninevectors.models.tables import Subscription
from ninevectors.services.billing import plans
from ninevectors.services.billing.plans import Feature, Plan, PlanName, Quota
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import clock
from ninevectors.services.identity.organizations import load_organization

GRACE_PERIOD = timedelta(days=7)
DUNNING_STATUSES = frozenset({"past_due", "unpaid"})
ENDED_STATUSES = frozenset({"canceled", "incomplete_expired"})
READ_ONLY_MESSAGE = (
    "Your organization's payment is overdue, so new work is paused. Open assessments can "
    "still be answered; an administrator can update the payment method under Billing."
)


@dataclass(frozen=True)
class Limits:
    """An organization's contracted limits (its settings block; the plan's by default)."""

    max_users: int
    max_assessments: int
    features: frozenset[str]


@dataclass(frozen=True)
class Standing:
    """The mirrored subscription of one organization, as far as entitlements care."""

    organization_id: str
    plan: PlanName
    status: str  # none (no Stripe subscription), active, trialing, past_due, canceled, ...
    limits: Limits
    past_due_since: datetime | None = None
    cancel_at_period_end: bool = False
    current_period_end: datetime | None = None


# ---- reading one organization's standing -------------------------------------------------


def subscription_row(organization_id: str) -> Subscription | None:
    with session_scope() as db:
        query = select(Subscription).where(Subscription.organization_id == organization_id)
        return db.exec(query).first()


def standing_of(organization_id: str) -> Standing:
    """The organization's standing: its limits block and, when billed, the mirror row."""
    organization = load_organization(organization_id)
    settings = organization.settings
    limits = Limits(settings.max_users, settings.max_assessments, frozenset(settings.features))
    row = subscription_row(organization_id)
    if row is None:
        return Standing(organization_id, organization.plan, "active", limits)
    return Standing(
        organization_id,
        plans.plan_of(row.plan).name,
        row.status,
        limits,
        past_due_since=row.past_due_since,
        cancel_at_period_end=row.cancel_at_period_end,
        current_period_end=row.current_period_end if row.status != "none" else None,
    )


# ---- pure answers ------------------------------------------------------------------------


def has_ended(standing: Standing, now: datetime) -> bool:
    """True once a paid plan no longer applies: cancelled, or its cancelled period is over."""
    if standing.status in ENDED_STATUSES:
        return True
    period_end = standing.current_period_end
    return standing.cancel_at_period_end and period_end is not None and now >= period_end


def effective_plan(standing: Standing, now: datetime) -> Plan:
    return plans.PLANS[plans.FREE_PLAN] if has_ended(standing, now) else plans.PLANS[standing.plan]


def effective_limits(standing: Standing, now: datetime) -> Limits:
    if not has_ended(standing, now):
        return standing.limits
    free = plans.PLANS[plans.FREE_PLAN]
    return Limits(free.max_users, free.max_assessments, frozenset(free.features))


def grace_ends(standing: Standing) -> datetime | None:
    """When the dunning grace period ends (None when the organization is not past due)."""
    if standing.status not in DUNNING_STATUSES:
        return None
    return (standing.past_due_since or clock.utcnow()) + GRACE_PERIOD


def in_grace(standing: Standing, now: datetime) -> bool:
    """Past due but still inside the grace period (admins see a banner)."""
    ends = grace_ends(standing)
    return ends is not None and now < ends


def is_read_only(standing: Standing, now: datetime) -> bool:
    """Past due beyond the grace period: no new work until the payment is sorted."""
    ends = grace_ends(standing)
    return ends is not None and now >= ends


def allows(standing: Standing, feature: Feature, now: datetime) -> bool:
    return feature in effective_limits(standing, now).features


def limit_of(standing: Standing, quota: Quota, now: datetime) -> float:
    limits = effective_limits(standing, now)
    if quota == "users":
        return limits.max_users
    if quota == "assessments":
        return limits.max_assessments
    return effective_plan(standing, now).quota(quota)


def remaining(standing: Standing, quota: Quota, used: float, now: datetime) -> float:
    """How much of ``quota`` is left (never below zero)."""
    return max(0.0, limit_of(standing, quota, now) - used)


def feature_note(feature: Feature) -> str:
    """ "360-reviews are part of the Professional and Enterprise plans" (no full stop)."""
    having = [plan.label for plan in plans.PLANS.values() if feature in plan.features]
    names = " and ".join([", ".join(having[:-1]), having[-1]] if len(having) > 1 else having)
    noun = "plans" if len(having) > 1 else "plan"
    label = plans.FEATURE_LABELS[feature]
    verb = "are" if label.endswith("s") else "is"  # "360-reviews are", "Single sign-on is"
    return f"{label} {verb} part of the {names} {noun}"


# ---- checks services call (they raise ValidationFailed with a message for people) --------


def require_new_work(standing: Standing, field: str, now: datetime | None = None) -> None:
    if is_read_only(standing, now or clock.utcnow()):
        raise ValidationFailed(field, READ_ONLY_MESSAGE)


def require_feature(
    standing: Standing, feature: Feature, field: str, now: datetime | None = None
) -> None:
    if not allows(standing, feature, now or clock.utcnow()):
        raise ValidationFailed(field, f"{feature_note(feature)}; upgrade.")


def require_room(
    standing: Standing,
    quota: Quota,
    used: float,
    *,
    field: str,
    message: str,
    adding: float = 1,
    now: datetime | None = None,
) -> None:
    """Refuse when ``used + adding`` exceeds the quota; ``message`` may name ``{limit}``."""
    limit = limit_of(standing, quota, now or clock.utcnow())
    if used + adding > limit:
        raise ValidationFailed(field, message.format(limit=limit, plan=standing.plan))
