"""Analytics: aggregation of submitted responses (mean, spread, count per vector, sub-lens and
theme; overall and by respondent group or department), alignment, anonymity thresholds,
trends across rounds, benchmarks, the metrics time series and the organization home summary.

The pure parts (aggregation, alignment, thresholds, benchmarks) take plain data; the service
parts take the acting principal first and read only that principal's organization.
"""

from __future__ import annotations

from ninevectors.services.analytics.dashboard import (
    NOTHING_SHARED,
    AssessmentDashboard,
    assessment_dashboard,
)
from ninevectors.services.analytics.metrics import (
    METRIC_TYPES,
    HomeSummary,
    home_summary,
    metric_series,
    record_metric,
)
from ninevectors.services.analytics.thresholds import (
    DEFAULT_THRESHOLD,
    MINIMUM_THRESHOLD,
    set_threshold,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "METRIC_TYPES",
    "MINIMUM_THRESHOLD",
    "NOTHING_SHARED",
    "AssessmentDashboard",
    "HomeSummary",
    "assessment_dashboard",
    "home_summary",
    "metric_series",
    "record_metric",
    "set_threshold",
]
