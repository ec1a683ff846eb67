"""Usage metering for billing: quantities per organization, metric and month (YYYY-MM)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import col, select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import METRIC_TYPES, UsageMetric, utcnow
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed

BILLING_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


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


def usage_for_period(principal: Principal, billing_period: str) -> dict[str, float]:
    """Totals per metric type for the principal's organization in one month (YYYY-MM).

    Every known metric type is present (0.0 when nothing was used).
    """
    if not BILLING_PERIOD.match(billing_period):
        raise ValidationFailed("billing_period", "Billing period must look like 2025-01.")
    query = (
        select(UsageMetric.metric_type, func.sum(UsageMetric.quantity))
        .where(UsageMetric.organization_id == principal.organization_id)
        .where(UsageMetric.billing_period == billing_period)
        .group_by(col(UsageMetric.metric_type))
    )
    totals = dict.fromkeys(METRIC_TYPES, 0.0)
    with session_scope() as session:
        for metric_type, total in session.exec(query).all():
            totals[metric_type] = float(total or 0.0)
    return totals
