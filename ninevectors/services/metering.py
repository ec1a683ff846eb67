"""Usage metering for billing: quantities per organization, metric and month (YYYY-MM).

Counters (api-calls, ai-tokens, ...) add up within a month. ``storage-gb`` is a level: each
row is the organization's whole document storage at that moment (written after every upload
and delete), and a month's figure is the latest level written up to the end of that month.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import METRIC_TYPES, UsageMetric, utcnow
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed

BILLING_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
LEVELS = frozenset({"storage-gb"})


def billing_period_of(moment: datetime) -> str:
    """The UTC month of ``moment`` as YYYY-MM (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m")


def record_usage(
    organization_id: str, metric_type: str, quantity: float, at: datetime | None = None
) -> None:
    """Add ``quantity`` of ``metric_type`` to the organization's usage at ``at`` (now)."""
    if metric_type not in METRIC_TYPES:
        raise ValidationFailed("metric_type", f"Unknown metric type {metric_type!r}.")
    if not math.isfinite(quantity) or quantity < 0:
        raise ValidationFailed("quantity", "Quantity must be a finite number of zero or more.")
    moment = at or utcnow()
    metric = UsageMetric(
        organization_id=organization_id,
        metric_type=metric_type,
        quantity=float(quantity),
        timestamp=moment,
        billing_period=billing_period_of(moment),
    )
    with session_scope() as session:
        session.add(metric)


def record_level(
    organization_id: str, metric_type: str, level: float, at: datetime | None = None
) -> None:
    """Write the organization's current ``level`` of a level metric (storage-gb)."""
    if metric_type not in LEVELS:
        raise ValidationFailed("metric_type", f"{metric_type!r} is not a level metric.")
    record_usage(organization_id, metric_type, level, at)


def _check_period(billing_period: str) -> None:
    if not BILLING_PERIOD.match(billing_period):
        raise ValidationFailed("billing_period", "Billing period must look like 2025-01.")


def organization_usage(organization_id: str, billing_period: str) -> dict[str, float]:
    """Totals per metric type of one organization in one month (YYYY-MM); levels are the
    latest level up to that month's end. Every metric type is present (0.0 when unused)."""
    _check_period(billing_period)
    query = (
        select(UsageMetric.metric_type, func.sum(UsageMetric.quantity))
        .where(UsageMetric.organization_id == organization_id)
        .where(UsageMetric.billing_period == billing_period)
        .where(col(UsageMetric.metric_type).not_in(LEVELS))
        .group_by(col(UsageMetric.metric_type))
    )
    totals = dict.fromkeys(METRIC_TYPES, 0.0)
    with session_scope() as session:
        for metric_type, total in session.exec(query).all():
            totals[metric_type] = float(total or 0.0)
        for metric_type in LEVELS:
            totals[metric_type] = _latest_level(
                session, organization_id, metric_type, billing_period
            )
    return totals


def _latest_level(
    session: Session, organization_id: str, metric_type: str, billing_period: str
) -> float:
    query = (
        select(UsageMetric.quantity)
        .where(UsageMetric.organization_id == organization_id)
        .where(UsageMetric.metric_type == metric_type)
        .where(UsageMetric.billing_period <= billing_period)
        .order_by(col(UsageMetric.timestamp).desc(), col(UsageMetric.metric_id).desc())
        .limit(1)
    )
    level = session.exec(query).first()
    return float(level or 0.0)


def usage_for_period(principal: Principal, billing_period: str) -> dict[str, float]:
    """Totals per metric type for the principal's organization in one month (YYYY-MM)."""
    return organization_usage(principal.organization_id, billing_period)
