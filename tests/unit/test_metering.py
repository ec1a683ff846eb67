"""Usage metering: sums per organization and billing month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ninevectors.models.principal import Principal
from ninevectors.services import metering
from ninevectors.services.errors import ValidationFailed

pytestmark = pytest.mark.usefixtures("temp_database")

VIEWER_A = Principal("usr_a", "org_a", "VIEWER")
JANUARY = datetime(2025, 1, 15, 12, tzinfo=UTC)


def test_usage_is_summed_per_metric_and_month() -> None:
    metering.record_usage("org_a", "api-calls", 3, at=JANUARY)
    metering.record_usage("org_a", "api-calls", 4, at=JANUARY + timedelta(days=1))
    metering.record_usage("org_a", "ai-tokens", 1234.5, at=JANUARY)
    metering.record_usage("org_a", "api-calls", 100, at=datetime(2025, 2, 1, tzinfo=UTC))
    usage = metering.usage_for_period(VIEWER_A, "2025-01")
    assert usage["api-calls"] == 7
    assert usage["ai-tokens"] == pytest.approx(1234.5)
    assert usage["storage-gb"] == 0.0
    assert metering.usage_for_period(VIEWER_A, "2025-02")["api-calls"] == 100


def test_usage_is_scoped_to_the_principals_organization() -> None:
    metering.record_usage("org_b", "api-calls", 50, at=JANUARY)
    assert metering.usage_for_period(VIEWER_A, "2025-01")["api-calls"] == 0.0


def test_billing_period_is_the_utc_month() -> None:
    new_years_eve_in_new_york = datetime(2024, 12, 31, 20, tzinfo=timezone(timedelta(hours=-5)))
    metering.record_usage("org_a", "storage-gb", 0.25, at=new_years_eve_in_new_york)
    assert metering.usage_for_period(VIEWER_A, "2025-01")["storage-gb"] == pytest.approx(0.25)
    assert metering.billing_period_of(datetime(2025, 3, 1)) == "2025-03"


def test_recording_without_a_time_uses_now() -> None:
    metering.record_usage("org_a", "api-calls", 1)
    period = metering.billing_period_of(datetime.now(UTC))
    assert metering.usage_for_period(VIEWER_A, period)["api-calls"] == 1


@pytest.mark.parametrize(
    ("metric_type", "quantity", "field"),
    [("bananas", 1.0, "metric_type"), ("api-calls", -1.0, "quantity"),
     ("api-calls", float("nan"), "quantity")],
)  # fmt: skip
def test_bad_usage_is_refused(metric_type: str, quantity: float, field: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        metering.record_usage("org_a", metric_type, quantity)
    assert error.value.field == field


@pytest.mark.parametrize("period", ["2025-13", "2025-1", "25-01", "2025-01-01", ""])
def test_bad_billing_period_is_refused(period: str) -> None:
    with pytest.raises(ValidationFailed):
        metering.usage_for_period(VIEWER_A, period)


def test_storage_is_a_level_carried_into_later_months() -> None:
    metering.record_level("org_a", "storage-gb", 2.0, at=JANUARY)
    metering.record_level("org_a", "storage-gb", 1.5, at=JANUARY + timedelta(days=2))
    assert metering.usage_for_period(VIEWER_A, "2025-01")["storage-gb"] == pytest.approx(1.5)
    assert metering.usage_for_period(VIEWER_A, "2025-03")["storage-gb"] == pytest.approx(1.5)
    assert metering.usage_for_period(VIEWER_A, "2024-12")["storage-gb"] == 0.0


def test_only_storage_is_a_level() -> None:
    with pytest.raises(ValidationFailed):
        metering.record_level("org_a", "api-calls", 1.0)
