"""The metrics time series (container ``metrics``, type ``metric``, daily, 90-day TTL) and the
organization home summary.

``record_metric`` adds one observation to the day's item of (organization, metric type,
dimensions): the item keeps count, sum, min, max and avg, and ``value`` is the avg (for a
counter, record 1 per event and read ``aggregations.sum``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import AuditLog
from ninevectors.services.assessments import _common as c
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import clock, roles
from ninevectors.services.store.base import Conflict, Filter, NotFound, PreconditionFailed
from ninevectors.services.store.containers import METRICS_TTL_SECONDS

METRICS = "metrics"
METRIC_TYPES = frozenset(
    {
        "assessment-response-submitted",
        "assessment-completion-rate",
        "assessment-time-to-complete",
        "dashboard-viewed",
        "report-generated",
        "report-exported",
    }
)
WRITE_ATTEMPTS = 8
RECENT_ACTIVITY = 10
SERIES_DAYS = 30


def _day(at: datetime | None) -> str:
    moment = clock.aware(at) if at else clock.utcnow()
    return moment.strftime("%Y-%m-%dT00:00:00Z")


def _metric_id(metric_type: str, day: str, dimensions: Mapping[str, Any]) -> str:
    text = json.dumps([metric_type, day, dict(sorted(dimensions.items()))], default=str)
    return "metric_" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _validated(metric_type: str, value: float, dimensions: Mapping[str, Any] | None) -> dict:
    if metric_type not in METRIC_TYPES:
        raise ValidationFailed("metric_type", f"Unknown metric type {metric_type!r}.")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationFailed("value", "A metric value must be a finite number.")
    dims = dict(dimensions or {})
    if any(not isinstance(k, str) or not isinstance(v, str | int) for k, v in dims.items()):
        raise ValidationFailed("dimensions", "Dimensions map names to text or whole numbers.")
    return dims


def _new_item(
    organization_id: str, metric_type: str, day: str, dims: dict, value: float
) -> dict[str, Any]:
    return {
        "id": _metric_id(metric_type, day, dims),
        "type": "metric",
        "organizationId": organization_id,
        "metricType": metric_type,
        "timestamp": day,
        "period": "daily",
        "value": value,
        "dimensions": dims,
        "aggregations": {"count": 1, "sum": value, "avg": value, "min": value, "max": value},
        "ttl": METRICS_TTL_SECONDS,
        "partitionKey": organization_id,
    }


def _add(item: dict[str, Any], value: float) -> dict[str, Any]:
    agg = item["aggregations"]
    count, total = int(agg["count"]) + 1, float(agg["sum"]) + value
    item["aggregations"] = {
        "count": count, "sum": total, "avg": total / count,
        "min": min(float(agg["min"]), value), "max": max(float(agg["max"]), value),
    }  # fmt: skip
    item["value"] = total / count
    return item


def record_metric(
    organization_id: str,
    metric_type: str,
    value: float = 1.0,
    dimensions: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Add one observation to the organization's daily metric item; returns the item."""
    dims = _validated(metric_type, value, dimensions)
    day = _day(at)
    item_id = _metric_id(metric_type, day, dims)
    store = c.store()
    for _attempt in range(WRITE_ATTEMPTS):
        try:
            current = store.get(METRICS, organization_id, item_id)
        except NotFound:
            try:
                return store.create(
                    METRICS, _new_item(organization_id, metric_type, day, dims, float(value))
                )
            except Conflict:
                continue
        try:
            return store.replace(METRICS, _add(current, float(value)), etag=current.get("_etag"))
        except PreconditionFailed:
            continue
    raise ValidationFailed("metric", "The metric is changing too often; try again.")


@dataclass(frozen=True)
class SeriesPoint:
    day: str  # YYYY-MM-DD
    value: float


def metric_series(
    principal: Principal, metric_type: str, days: int = SERIES_DAYS
) -> list[SeriesPoint]:
    """Daily sums of one metric for the principal's organization, oldest first (every day of
    the window present, zero when nothing happened)."""
    if metric_type not in METRIC_TYPES:
        raise ValidationFailed("metric_type", f"Unknown metric type {metric_type!r}.")
    days = max(1, min(90, int(days)))
    today = clock.utcnow().date()
    start = today - timedelta(days=days - 1)
    filters = (
        Filter("type", "=", "metric"),
        Filter("metricType", "=", metric_type),
        Filter("timestamp", ">=", f"{start.isoformat()}T00:00:00Z"),
    )
    totals: dict[str, float] = {}
    for item in c.query_all(METRICS, principal.organization_id, filters):
        day = str(item["timestamp"])[:10]
        totals[day] = totals.get(day, 0.0) + float(item["aggregations"]["sum"])
    return [
        SeriesPoint(
            (start + timedelta(days=i)).isoformat(),
            totals.get((start + timedelta(days=i)).isoformat(), 0.0),
        )  # fmt: skip
        for i in range(days)
    ]


@dataclass(frozen=True)
class Activity:
    when: str
    action: str
    resource: str


@dataclass
class HomeSummary:
    assessments: int = 0  # every assessment the principal sees
    active_assessments: int = 0
    completion_rate: float | None = None  # percent, mean over active assessments
    avg_time_to_complete: int | None = None  # seconds, over submitted responses
    responses_this_month: int = 0
    activity: list[Activity] = field(default_factory=list)
    series: list[SeriesPoint] = field(default_factory=list)  # responses per day


def _visible_assessments(principal: Principal) -> list[dict[str, Any]]:
    only = (Filter("type", "=", "assessment"),)
    items = c.query_all(c.ASSESSMENTS, principal.organization_id, only)
    if c.sees_all(principal):
        return items
    return [
        i for i in items
        if any(p.get("userId") == principal.user_id for p in i.get("participants") or [])
    ]  # fmt: skip


def _activity(principal: Principal) -> list[Activity]:
    """Latest audit entries: the whole organization's for admins, one's own otherwise."""
    query = select(AuditLog).where(AuditLog.organization_id == principal.organization_id)
    if not roles.has_permission(principal.role, roles.ORG_MANAGE):
        query = query.where(AuditLog.user_id == principal.user_id)
    query = query.order_by(col(AuditLog.timestamp).desc(), col(AuditLog.log_id).desc())
    with session_scope() as session:
        rows = session.exec(query.limit(RECENT_ACTIVITY)).all()
        return [Activity(clock.iso(clock.aware(r.timestamp)), r.action, r.resource) for r in rows]


def home_summary(principal: Principal) -> HomeSummary:
    """The organization home dashboard's figures, over the assessments the principal sees."""
    items = _visible_assessments(principal)
    active = [i for i in items if i.get("status") == "in-progress"]
    rates = [float((i.get("analytics") or {}).get("completionRate") or 0.0) for i in active]
    total_time = sum(int((i.get("analytics") or {}).get("totalTimeSpent") or 0) for i in items)
    total_responses = sum(int((i.get("analytics") or {}).get("totalResponses") or 0) for i in items)
    month_start = clock.utcnow().strftime("%Y-%m-01T00:00:00Z")
    ids = {str(i["id"]) for i in items}
    filters = (Filter("status", "=", "submitted"), Filter("completedAt", ">=", month_start))
    this_month = [
        r for r in c.query_all(c.RESPONSES, principal.organization_id, filters)
        if r.get("assessmentId") in ids
    ]  # fmt: skip
    return HomeSummary(
        assessments=len(items),
        active_assessments=len(active),
        completion_rate=round(sum(rates) / len(rates), 1) if rates else None,
        avg_time_to_complete=round(total_time / total_responses) if total_responses else None,
        responses_this_month=len(this_month),
        activity=_activity(principal),
        series=metric_series(principal, "assessment-response-submitted")
        if c.sees_all(principal)
        else [],
    )
