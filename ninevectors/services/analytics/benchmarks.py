"""Benchmark publication rules (pure).

* **Organization benchmark**: per vector, the mean over the organization's other assessments
  of each assessment's mean (each assessment weighs the same).
* **Industry benchmark**: per vector, the mean over organizations of each organization's mean,
  published only when at least ``MIN_ORGANIZATIONS`` (5) organizations contribute a value for
  the vector; the result never names or counts a single organization's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MIN_ORGANIZATIONS = 5

VectorMeans = Mapping[int, float | None]


@dataclass(frozen=True)
class Benchmark:
    label: str
    contributors: int  # assessments (organization) or organizations (industry)
    vectors: dict[int, float | None]


def mean_of_means(parts: list[VectorMeans], vector_ids: tuple[int, ...]) -> dict[int, float | None]:
    result: dict[int, float | None] = {}
    for vid in vector_ids:
        values = [p[vid] for p in parts if p.get(vid) is not None]
        result[vid] = round(sum(values) / len(values), 2) if values else None  # type: ignore[arg-type]
    return result


def organization_benchmark(
    assessments: Mapping[str, VectorMeans], vector_ids: tuple[int, ...]
) -> Benchmark | None:
    if not assessments:
        return None
    parts = list(assessments.values())
    return Benchmark("Your other assessments", len(parts), mean_of_means(parts, vector_ids))


def industry_benchmark(
    industry: str, organizations: Mapping[str, VectorMeans], vector_ids: tuple[int, ...]
) -> Benchmark | None:
    """None unless at least MIN_ORGANIZATIONS organizations contribute; per vector, a value is
    published only when MIN_ORGANIZATIONS organizations have one."""
    if len(organizations) < MIN_ORGANIZATIONS:
        return None
    result: dict[int, float | None] = {}
    for vid in vector_ids:
        values = [m[vid] for m in organizations.values() if m.get(vid) is not None]
        enough = len(values) >= MIN_ORGANIZATIONS
        result[vid] = round(sum(values) / len(values), 2) if enough else None  # type: ignore[arg-type]
    return Benchmark(f"{industry} organizations", len(organizations), result)
