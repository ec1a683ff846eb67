"""Benchmarks of one assessment: the organization's other assessments and, when the
assessment enables benchmarking, organizations of the same industry (system-wide read that
returns only a mean over at least five organizations)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ninevectors.models.assessment import AssessmentItem
from ninevectors.models.principal import Principal
from ninevectors.services.analytics import thresholds
from ninevectors.services.analytics.aggregation import framework_index
from ninevectors.services.analytics.benchmarks import (
    MIN_ORGANIZATIONS,
    Benchmark,
    industry_benchmark,
    mean_of_means,
    organization_benchmark,
)
from ninevectors.services.assessments import _common as c
from ninevectors.services.billing import entitlements
from ninevectors.services.billing.plans import Feature
from ninevectors.services.identity import clock
from ninevectors.services.identity.organizations import load_organization
from ninevectors.services.store.base import Filter, Item, Query

MAX_INDUSTRY_ORGANIZATIONS = 200
PLAN_BENCHMARKING: Feature = "benchmarking"  # the plan feature that unlocks industry benchmarks


def _response_vector_scores(item: Item) -> dict[int, float]:
    scores: dict[int, float] = {}
    for vector in (item.get("responses") or {}).get("vectors") or []:
        value = vector.get("overallScore")
        if isinstance(value, int | float):
            scores[int(vector["vectorId"])] = float(value)
    return scores


def assessment_means(
    responses: Iterable[Item], minimum: int, exclude: set[str]
) -> dict[str, dict[int, float | None]]:
    """Assessment id -> per-vector mean of its submitted responses' scores. As on the
    dashboard, respondent groups smaller than ``minimum`` are left out, and so are assessments
    left with fewer than ``minimum`` responses, and those in ``exclude``."""
    grouped: dict[tuple[str, str], list[dict[int, float]]] = defaultdict(list)
    for item in responses:
        if item.get("status") == "submitted" and item.get("assessmentId") not in exclude:
            key = (str(item["assessmentId"]), str(item.get("respondentType") or ""))
            grouped[key].append(_response_vector_scores(item))
    kept: dict[str, list[dict[int, float]]] = defaultdict(list)
    for (assessment_id, _group), parts in grouped.items():
        if len(parts) >= minimum:
            kept[assessment_id].extend(parts)
    vector_ids = framework_index().vector_ids
    return {
        aid: mean_of_means(parts, vector_ids)  # type: ignore[arg-type]
        for aid, parts in kept.items()
        if len(parts) >= minimum
    }


def _submitted(organization_id: str, but: str | None = None) -> list[Item]:
    """The organization's submitted responses (but those of assessment ``but``)."""
    filters = [Filter("status", "=", "submitted")]
    if but is not None:
        filters.append(Filter("assessmentId", "!=", but))
    return c.query_all(c.RESPONSES, organization_id, tuple(filters))


def _benchmarking_assessments(organization_id: str) -> set[str]:
    filters = (
        Filter("type", "=", "assessment"),
        Filter("configuration.enableBenchmarking", "=", True),
    )
    return {str(i["id"]) for i in c.query_all(c.ASSESSMENTS, organization_id, filters)}


def _organization_mean(organization_id: str) -> dict[int, float | None] | None:
    allowed = _benchmarking_assessments(organization_id)
    if not allowed:
        return None
    responses = [r for r in _submitted(organization_id) if r.get("assessmentId") in allowed]
    per_assessment = assessment_means(responses, thresholds.DEFAULT_THRESHOLD, set())
    if not per_assessment:
        return None
    return mean_of_means(list(per_assessment.values()), framework_index().vector_ids)


def _same_industry(industry: str) -> list[str]:
    page = c.store().query(
        "organizations",
        None,
        Query(
            filters=(Filter("type", "=", "organization"), Filter("industry", "=", industry)),
            limit=MAX_INDUSTRY_ORGANIZATIONS,
        ),
    )
    return [str(item["id"]) for item in page.items]


def industry_for(principal: Principal, industry: str) -> Benchmark | None:
    """The industry benchmark, or None when fewer than five organizations contribute."""
    contributions: dict[str, dict[int, float | None]] = {}
    for organization_id in _same_industry(industry):
        means = _organization_mean(organization_id)
        if means:
            contributions[organization_id] = means
    return industry_benchmark(industry, contributions, framework_index().vector_ids)


def benchmarks_for(
    principal: Principal, assessment: AssessmentItem, threshold: int
) -> tuple[list[Benchmark], str]:
    """The benchmarks shown beside an assessment, and a note on what is not shown and why."""
    found: list[Benchmark] = []
    notes: list[str] = []
    responses = _submitted(principal.organization_id, but=assessment.id)
    others = assessment_means(responses, threshold, {assessment.id})
    own = organization_benchmark(others, framework_index().vector_ids)
    if own:
        found.append(own)
    else:
        notes.append("No other assessment of your organization has enough responses yet.")
    if assessment.configuration.enable_benchmarking:
        organization = load_organization(principal.organization_id)
        standing = entitlements.standing_of(principal.organization_id)
        if not entitlements.allows(standing, PLAN_BENCHMARKING, clock.utcnow()):
            notes.append(f"{entitlements.feature_note(PLAN_BENCHMARKING)}.")
            return found, " ".join(notes)
        industry = organization.industry
        published = industry_for(principal, industry) if industry else None
        if published:
            found.append(published)
        else:
            notes.append(
                f"Industry benchmarks appear once at least {MIN_ORGANIZATIONS} organizations "
                "of your industry contribute."
            )
    return found, " ".join(notes)
