"""Self-vs-others gaps on the responses of an assessment, under the anonymity threshold.

A person's "others" are the other submitted respondents of the assessment; in a 360-review
only the subject's *self* response is compared, with everybody who rated the subject. The
others' mean per vector is used only when at least the assessment's anonymity threshold of
them have submitted, so a gap never reveals a small group's ratings.

``refresh_insights`` rewrites the ``aiInsights`` of submitted responses with those means:
on submit (the submitter, and a 360's self response) and when the assessment is completed
(every response, so the early submitters get their gaps too).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ninevectors.services.analytics.thresholds import threshold_of
from ninevectors.services.assessments import _common as c
from ninevectors.services.coach.insights import insights_for_response
from ninevectors.services.store.base import Filter, NotFound, PatchOperation

log = logging.getLogger(__name__)

VectorMeans = dict[int, float]


def vector_scores(item: Mapping[str, Any]) -> VectorMeans:
    """The response's own score per vector (submitted responses)."""
    block = item.get("responses") or {}
    return {
        int(v["vectorId"]): float(v["overallScore"])
        for v in block.get("vectors") or []
        if v.get("overallScore") is not None
    }


def _compared(assessment: Mapping[str, Any], item: Mapping[str, Any]) -> bool:
    if assessment.get("assessmentType") == "360-review":
        return item.get("respondentType") == "self"
    return True


def _is_other(assessment: Mapping[str, Any], item: Mapping[str, Any]) -> bool:
    if assessment.get("assessmentType") == "360-review":
        return item.get("respondentType") != "self"
    return True


def others_means(
    assessment: Mapping[str, Any], submitted: Sequence[Mapping[str, Any]]
) -> dict[str, VectorMeans]:
    """For each compared response id, the mean per vector of its others; a response whose
    others are fewer than the threshold (per vector) is left out, or gets fewer vectors."""
    threshold = threshold_of(assessment)
    scores = {str(item["id"]): vector_scores(item) for item in submitted}
    totals: dict[int, list[float]] = {}
    for item in submitted:
        if _is_other(assessment, item):
            for vector_id, score in scores[str(item["id"])].items():
                totals.setdefault(vector_id, [0.0, 0])[0] += score
                totals[vector_id][1] += 1
    result: dict[str, VectorMeans] = {}
    for item in submitted:
        if not _compared(assessment, item):
            continue
        own = scores[str(item["id"])]
        means: VectorMeans = {}
        for vector_id, (total, count) in totals.items():
            if _is_other(assessment, item) and vector_id in own:
                total, count = total - own[vector_id], count - 1
            if count >= threshold:
                means[vector_id] = round(total / count, 2)
        if means:
            result[str(item["id"])] = means
    return result


def refresh_insights(
    organization_id: str, assessment_id: str, only: Collection[str] | None = None
) -> int:
    """Recompute the ``aiInsights`` of the assessment's submitted responses (those in
    ``only`` and any 360 self response, when ``only`` is given) with the others' means;
    returns how many changed."""
    try:
        assessment = c.store().get(c.ASSESSMENTS, organization_id, assessment_id)
    except NotFound:
        return 0
    filters = (Filter("assessmentId", "=", assessment_id), Filter("status", "=", "submitted"))
    submitted = c.query_all(c.RESPONSES, organization_id, filters)
    means = others_means(assessment, submitted)
    changed = 0
    for item in submitted:
        if only is not None and item["id"] not in only and item.get("respondentType") != "self":
            continue
        insights = insights_for_response(item, means.get(str(item["id"]))).to_item()
        if insights != item.get("aiInsights"):
            operation = PatchOperation("set", "/aiInsights", insights)
            c.store().patch(c.RESPONSES, organization_id, item["id"], [operation])
            changed += 1
    return changed


def refresh_after_submit(organization_id: str, assessment_id: str, response_id: str) -> None:
    """The submitter's gaps and, in a 360-review, the subject's (a new rating moves their
    others' mean). Insights are derived data: a failure is logged, the submit stands."""
    try:
        refresh_insights(organization_id, assessment_id, {response_id})
    except Exception:  # noqa: BLE001
        log.exception("could not refresh the insights of assessment %s", assessment_id)
