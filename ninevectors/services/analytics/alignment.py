"""Alignment between respondent groups, and consensus within everyone.

* **Gap** of a vector (or theme): the highest group mean minus the lowest, over the visible
  group slices that have a value. Flagged when the gap is ``FLAG_GAP`` (2 points) or more.
* **Consensus** of a vector from the spread (standard deviation) of everyone's vector values:
  below 0.5 "high", below 1.0 "moderate", otherwise "low".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FLAG_GAP = 2.0
HIGH_CONSENSUS_BELOW = 0.5
MODERATE_CONSENSUS_BELOW = 1.0


@dataclass(frozen=True)
class Gap:
    gap: float | None
    highest: str | None  # group label
    lowest: str | None
    flagged: bool


def group_gap(means: Mapping[str, float | None]) -> Gap:
    """``means``: group label -> mean (None when the group has no value)."""
    present = [(value, label) for label, value in means.items() if value is not None]
    if len(present) < 2:
        return Gap(None, None, None, False)
    high = max(present, key=lambda pair: pair[0])
    low = min(present, key=lambda pair: pair[0])
    gap = round(high[0] - low[0], 2)
    return Gap(gap, high[1], low[1], gap >= FLAG_GAP)


def consensus_level(spread: float | None) -> str:
    if spread is None:
        return "n/a"
    if spread < HIGH_CONSENSUS_BELOW:
        return "high"
    if spread < MODERATE_CONSENSUS_BELOW:
        return "moderate"
    return "low"


def self_vs_others(self_mean: float | None, others: Sequence[float]) -> float | None:
    """Self minus the mean of the others' values (None when either side is missing)."""
    if self_mean is None or not others:
        return None
    return round(self_mean - sum(others) / len(others), 2)
