"""Usage reported to Stripe as meter events, batched per organization, metric and billing
period, and idempotent.

Each run compares what was metered (``metering``) with what was already reported
(``usage_reports``) and writes the difference as a new batch *before* sending it, with an
``identifier`` made of organization, metric, period and batch number. A batch is marked
reported once Stripe answers; a batch whose send failed is sent again, with the same
identifier, by the next delivery or run. Stripe keeps one event per identifier, so a retry
never bills twice.

Counters (api-calls, ai-tokens) are sent as their increase since the last batch (a meter
with the ``sum`` formula); storage-gb is a level, sent whenever it changed (a meter with the
``last`` formula). The current and the previous period are reported, so a month's tail is
sent after it ends (each event timestamped inside its period).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import stripe
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from ninevectors.models.tables import Subscription, UsageReport
from ninevectors.services import metering, tasks
from ninevectors.services.billing import stripe_api
from ninevectors.services.database import session_scope
from ninevectors.services.identity import clock

log = logging.getLogger(__name__)

ACTOR_NAME = "billing.report_usage"
QUEUE_NAME = "billing"
EVENT_NAMES: dict[str, str] = {
    "api-calls": "ninevectors_api_calls",
    "ai-tokens": "ninevectors_ai_tokens",
    "storage-gb": "ninevectors_storage_gb",
}
ALREADY_EXISTS = "resource_already_exists"


@dataclass(frozen=True)
class Reported:
    """What one run sent: batches Stripe took now, and batches already there before."""

    sent: int = 0
    already_there: int = 0


def identifier_of(organization_id: str, metric_type: str, period: str, batch: int) -> str:
    """The meter event identifier of one batch: the same on every retry."""
    return f"nv-{organization_id}-{metric_type}-{period}-{batch}"


def periods_to_report(now: datetime) -> list[str]:
    """The previous and the current billing period (YYYY-MM)."""
    first_of_month = now.astimezone(UTC).replace(day=1)
    previous = first_of_month - timedelta(days=1)
    return [metering.billing_period_of(previous), metering.billing_period_of(now)]


def event_time(period: str, now: datetime) -> datetime:
    """Now, or the last second of ``period`` when that period is over."""
    year, month = (int(part) for part in period.split("-"))
    next_month = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return min(now, next_month - timedelta(seconds=1))


# ---- planning batches ----------------------------------------------------------------------


def _reported_so_far(organization_id: str, metric_type: str, period: str) -> tuple[float, int]:
    """(what counts as reported, the last batch number) for one metric and period."""
    with session_scope() as db:
        rows = db.exec(
            select(UsageReport)
            .where(UsageReport.organization_id == organization_id)
            .where(UsageReport.metric_type == metric_type)
            .where(UsageReport.billing_period == period)
            .order_by(col(UsageReport.batch).desc())
        ).all()
    if not rows:
        return 0.0, 0
    if metric_type in metering.LEVELS:
        return float(rows[0].quantity), rows[0].batch
    return float(sum(row.quantity for row in rows)), rows[0].batch


def new_quantity(metric_type: str, metered: float, reported: float) -> float | None:
    """What the next batch carries: a counter's increase, a level's new value (None: none)."""
    if metric_type in metering.LEVELS:
        return round(metered, 6) if abs(metered - reported) > 1e-6 else None
    increase = round(metered - reported, 6)
    return increase if increase > 0 else None


def plan_batches(organization_id: str, customer_id: str, now: datetime) -> int:
    """Write a batch for each metric and period whose metered usage is not reported yet."""
    written = 0
    for period in periods_to_report(now):
        usage = metering.organization_usage(organization_id, period)
        for metric_type in EVENT_NAMES:
            reported, last_batch = _reported_so_far(organization_id, metric_type, period)
            quantity = new_quantity(metric_type, usage[metric_type], reported)
            if quantity is None:
                continue
            batch = last_batch + 1
            written += _write_batch(UsageReport(
                organization_id=organization_id, metric_type=metric_type,
                billing_period=period, batch=batch, quantity=quantity,
                identifier=identifier_of(organization_id, metric_type, period, batch),
                stripe_customer_id=customer_id, event_timestamp=event_time(period, now),
            ))  # fmt: skip
    return written


def _write_batch(report: UsageReport) -> int:
    try:
        with session_scope() as db:
            db.add(report)
    except IntegrityError:  # another run wrote this batch first: it sends it
        return 0
    return 1


# ---- sending batches -----------------------------------------------------------------------


def pending_batches(organization_id: str) -> list[UsageReport]:
    with session_scope() as db:
        query = (
            select(UsageReport)
            .where(UsageReport.organization_id == organization_id)
            .where(col(UsageReport.reported_at).is_(None))
            .order_by(col(UsageReport.report_id))
        )
        return list(db.exec(query).all())


def _value(quantity: float) -> str:
    return f"{quantity:.6f}".rstrip("0").rstrip(".")


def send_batch(client: stripe.StripeClient, report: UsageReport) -> bool:
    """Send one batch; True when Stripe took it now, False when it already had it."""
    params = {
        "event_name": EVENT_NAMES[report.metric_type],
        "identifier": report.identifier,
        "payload": {"stripe_customer_id": report.stripe_customer_id,
                    "value": _value(report.quantity)},
        "timestamp": int(report.event_timestamp.timestamp()),
    }  # fmt: skip
    try:
        client.v1.billing.meter_events.create(params)  # type: ignore[arg-type]
    except stripe.InvalidRequestError as error:
        if error.code != ALREADY_EXISTS:
            raise
        return False
    return True


def _mark_reported(report: UsageReport) -> None:
    with session_scope() as db:
        row = db.get(UsageReport, report.report_id)
        if row is not None and row.reported_at is None:
            row.reported_at = clock.utcnow()
            db.add(row)


def send_pending(organization_id: str) -> Reported:
    """Send every unreported batch of the organization (oldest first); Stripe errors raise,
    so the task queue delivers again and the rest are sent then."""
    client = stripe_api.client()
    sent = already = 0
    for report in pending_batches(organization_id):
        if send_batch(client, report):
            sent += 1
        else:
            already += 1
        _mark_reported(report)
    return Reported(sent, already)


# ---- the organization's run, the task and the periodic job --------------------------------


def customer_of(organization_id: str) -> str | None:
    with session_scope() as db:
        query = select(Subscription.stripe_customer_id).where(
            Subscription.organization_id == organization_id
        )
        return db.exec(query).first() or None


def report_organization(organization_id: str) -> Reported:
    """Plan and send the organization's unreported usage (nothing without a customer)."""
    customer_id = customer_of(organization_id)
    if not customer_id:
        return Reported()
    plan_batches(organization_id, customer_id, clock.utcnow())
    return send_pending(organization_id)


def billed_organizations() -> list[str]:
    """Organizations with a Stripe customer (the ones whose usage Stripe can bill)."""
    with session_scope() as db:
        query = select(Subscription.organization_id).where(
            func.length(Subscription.stripe_customer_id) > 0
        )
        return sorted(db.exec(query).all())


def queue_usage_reports() -> int:
    """The scheduler's job: one task per billed organization; nothing while billing is off."""
    if not stripe_api.billing_enabled():
        return 0
    organizations = billed_organizations()
    for organization_id in organizations:
        tasks.send(ACTOR_NAME, organization_id)
    return len(organizations)


def _run(organization_id: str) -> None:
    reported = report_organization(organization_id)
    if reported.sent or reported.already_there:
        log.info("usage of %s reported to Stripe: %s", organization_id, reported)


def _delivery() -> tasks.Delivery:
    return tasks.Delivery(
        message_ttl_ms=24 * 3600 * 1000, max_deliveries=5, min_backoff_ms=5_000,
        max_backoff_ms=300_000, time_limit_ms=120_000,
    )  # fmt: skip


tasks.register(tasks.Task(ACTOR_NAME, QUEUE_NAME, _run, _delivery))
