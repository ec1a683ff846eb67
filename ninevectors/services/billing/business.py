"""Business metrics for the platform operator: MRR, ARR, churn, subscription counts, new
organizations, AI tokens and documents processed per month, across every organization.

Only the operator sees them: a SUPER_ADMIN of the operator organization
(``settings.operator_organization_id``; empty means nobody). SUPER_ADMIN is a role inside an
organization, so a super admin of any other organization is refused like everyone else.
Only aggregates leave this module: counts and sums, never another organization's id or name.

- MRR: the monthly price of every paying subscription (active or past due; trials pay
  nothing yet), a yearly one counted as a twelfth of its yearly price; ARR is 12 × MRR.
- Churn of a month: subscriptions that ended in it over those paying now plus those.
- Documents processed: documents uploaded into the processing pipeline (audit log).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import AuditLog, Organization, Subscription, UsageMetric
from ninevectors.services import metering
from ninevectors.services.billing import plans
from ninevectors.services.billing.entitlements import ENDED_STATUSES
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden
from ninevectors.services.identity import clock
from ninevectors.services.identity.roles import Role
from ninevectors.settings import get_settings

PAYING_STATUSES = frozenset({"active", "past_due", "unpaid"})
YEARLY_PERIOD = timedelta(days=40)  # a billing period longer than this is a yearly one
MONTHS_SHOWN = 12
NOT_OPERATOR = "Business metrics are for the platform operator only."


@dataclass(frozen=True)
class MonthFigures:
    period: str  # YYYY-MM
    new_organizations: int
    churned: int
    ai_tokens: float
    documents_processed: int


@dataclass(frozen=True)
class BusinessMetrics:
    currency: str
    mrr_cents: int
    arr_cents: int
    active: int
    trialing: int
    past_due: int
    organizations: int
    churn_rate: float  # of the current month, 0..1
    months: list[MonthFigures]  # oldest first


def is_operator(principal: Principal) -> bool:
    operator = get_settings().operator_organization_id
    return bool(operator) and (
        principal.organization_id == operator and principal.role == Role.SUPER_ADMIN
    )


def require_operator(principal: Principal) -> None:
    if not is_operator(principal):
        raise Forbidden(NOT_OPERATOR)


def recent_periods(now: datetime, count: int = MONTHS_SHOWN) -> list[str]:
    """The last ``count`` billing periods up to ``now``'s, oldest first."""
    year, month = now.year, now.month
    periods = []
    for _ in range(count):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods[::-1]


def monthly_cents(row: Subscription) -> int:
    """What one subscription brings in per month (0 unless it is paying)."""
    if row.status not in PAYING_STATUSES:
        return 0
    plan = plans.plan_of(row.plan)
    length = row.current_period_end - row.current_period_start
    return round(plan.yearly_cents / 12) if length > YEARLY_PERIOD else plan.monthly_cents


def _subscriptions() -> list[Subscription]:
    with session_scope() as db:
        return list(db.exec(select(Subscription)).all())


def _per_period(rows: list[tuple[str, float]]) -> dict[str, float]:
    return {period: float(total or 0) for period, total in rows}


def _organization_count_and_new(since: datetime) -> tuple[int, Counter[str]]:
    with session_scope() as db:
        total = db.exec(select(func.count()).select_from(Organization)).one()
        created = db.exec(
            select(Organization.created_at).where(col(Organization.created_at) >= since)
        ).all()
    return int(total), Counter(metering.billing_period_of(moment) for moment in created)


def _ai_tokens(periods: list[str]) -> dict[str, float]:
    query = (
        select(UsageMetric.billing_period, func.sum(UsageMetric.quantity))
        .where(UsageMetric.metric_type == "ai-tokens")
        .where(col(UsageMetric.billing_period).in_(periods))
        .group_by(col(UsageMetric.billing_period))
    )
    with session_scope() as db:
        return _per_period(list(db.exec(query).all()))


def _documents(since: datetime) -> Counter[str]:
    query = (
        select(AuditLog.timestamp)
        .where(AuditLog.action == "document.uploaded")
        .where(col(AuditLog.timestamp) >= since)
    )
    with session_scope() as db:
        return Counter(metering.billing_period_of(moment) for moment in db.exec(query).all())


def _churned(rows: list[Subscription]) -> Counter[str]:
    ended = [row for row in rows if row.status in ENDED_STATUSES]
    return Counter(metering.billing_period_of(row.updated_at) for row in ended)


def _start_of(period: str) -> datetime:
    year, month = (int(part) for part in period.split("-"))
    return datetime(year, month, 1, tzinfo=UTC)


def business_metrics(principal: Principal) -> BusinessMetrics:
    """The operator's figures over the last twelve months (aggregates only)."""
    require_operator(principal)
    now = clock.utcnow()
    periods = recent_periods(now)
    since = _start_of(periods[0])
    rows = _subscriptions()
    statuses = Counter(row.status for row in rows)
    organizations, new = _organization_count_and_new(since)
    tokens, documents, churned = _ai_tokens(periods), _documents(since), _churned(rows)
    mrr = sum(monthly_cents(row) for row in rows)
    paying = sum(statuses[status] for status in PAYING_STATUSES)
    this_month = churned[periods[-1]]
    return BusinessMetrics(
        currency=get_settings().billing_currency,
        mrr_cents=mrr,
        arr_cents=12 * mrr,
        active=statuses["active"],
        trialing=statuses["trialing"],
        past_due=statuses["past_due"] + statuses["unpaid"],
        organizations=organizations,
        churn_rate=this_month / (paying + this_month) if paying + this_month else 0.0,
        months=[
            MonthFigures(p, new[p], churned[p], tokens.get(p, 0.0), documents[p]) for p in periods
        ],
    )
