"""Usage reports to Stripe: batch identifiers, periods, event times and what a batch
carries (the sending itself is tested against the local Stripe in integration)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ninevectors.services.billing import usage_reports
from ninevectors.services.billing.usage_reports import new_quantity


def test_identifier_names_organization_metric_period_and_batch() -> None:
    found = usage_reports.identifier_of("org_a", "ai-tokens", "2025-01", 3)
    assert found == "nv-org_a-ai-tokens-2025-01-3"
    assert len(usage_reports.identifier_of("o" * 50, "storage-gb", "2025-01", 999)) <= 100


def test_the_previous_and_current_period_are_reported() -> None:
    assert usage_reports.periods_to_report(datetime(2025, 1, 3, tzinfo=UTC)) == [
        "2024-12",
        "2025-01",
    ]
    assert usage_reports.periods_to_report(datetime(2025, 3, 31, 23, tzinfo=UTC)) == [
        "2025-02",
        "2025-03",
    ]


def test_events_of_a_past_period_are_timestamped_inside_it() -> None:
    now = datetime(2025, 1, 3, tzinfo=UTC)
    assert usage_reports.event_time("2024-12", now) == datetime(
        2024, 12, 31, 23, 59, 59, tzinfo=UTC
    )
    assert usage_reports.event_time("2025-01", now) == now


@pytest.mark.parametrize(
    ("metric", "metered", "reported", "expected"),
    [
        ("ai-tokens", 1500, 0, 1500),
        ("ai-tokens", 1500, 1500, None),
        ("ai-tokens", 1400, 1500, None),  # never a negative batch
        ("api-calls", 12, 10, 2),
        ("storage-gb", 0.5, 0.25, 0.5),  # a level: its new value
        ("storage-gb", 0.0, 0.25, 0.0),  # everything deleted is a change too
        ("storage-gb", 0.25, 0.25, None),
    ],
)
def test_what_the_next_batch_carries(
    metric: str, metered: float, reported: float, expected: float | None
) -> None:
    assert new_quantity(metric, metered, reported) == expected


def test_nothing_is_queued_while_billing_is_off(temp_database: object) -> None:
    assert usage_reports.queue_usage_reports() == 0
