"""The anonymity threshold: a slice with fewer respondents than the threshold is hidden,
notes included, from everybody but its own respondent.

The threshold is per assessment (``configuration.anonymityThreshold``), default 5, never
below 3. One exception by design: the *self* slice of a 360-review is the subject's own view
and is never anonymous, so it stays visible (the self-vs-others gap needs it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ninevectors.models.principal import Principal
from ninevectors.services.assessments import _common as c
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.store.base import Item

DEFAULT_THRESHOLD = 5
MINIMUM_THRESHOLD = 3
MAXIMUM_THRESHOLD = 50


@dataclass(frozen=True)
class Visibility:
    visible: bool
    reason: str = ""


def threshold_of(assessment_item: Mapping[str, Any]) -> int:
    """The assessment's threshold, clamped to MINIMUM_THRESHOLD and up."""
    configuration = assessment_item.get("configuration") or {}
    value = configuration.get("anonymityThreshold")
    if isinstance(value, bool) or not isinstance(value, int):
        return DEFAULT_THRESHOLD
    return max(MINIMUM_THRESHOLD, min(MAXIMUM_THRESHOLD, value))


def slice_visibility(
    key: str, label: str, respondents: int, threshold: int, *, is_360: bool = False
) -> Visibility:
    """Whether a slice of ``respondents`` people may be shown, and why not."""
    if key == "self" and is_360:
        return Visibility(True)
    if respondents == 0:
        return Visibility(False, f"{label}: no submitted responses yet.")
    if respondents < threshold:
        return Visibility(
            False,
            f"{label}: hidden to protect anonymity ({respondents} of the {threshold} "
            "respondents needed).",
        )
    return Visibility(True)


def set_threshold(principal: Principal, assessment_id: str, value: object) -> int:
    """Set the assessment's anonymity threshold (owner, managers, admins); returns it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("threshold", "The threshold must be a whole number.")
    if not MINIMUM_THRESHOLD <= value <= MAXIMUM_THRESHOLD:
        raise ValidationFailed(
            "threshold",
            f"The threshold must be between {MINIMUM_THRESHOLD} and {MAXIMUM_THRESHOLD}.",
        )
    assessment = c.manageable(principal, assessment_id)

    def change(item: Item) -> None:
        item.setdefault("configuration", {})["anonymityThreshold"] = value

    c.update_item(principal.organization_id, assessment.id, change)
    c.record("assessment.threshold_set", principal, assessment.id, {"threshold": value})
    return value
