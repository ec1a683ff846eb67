"""``aiInsights`` of a submitted response: coaching triggers (vectors scoring 2.5 or less, big
self-vs-others gaps), patterns (e.g. strong strategy with weak execution) and recommendations.

Pure functions of the response's own scores (and, when the caller has them, the group's
means per vector): no store, no model call, so they can run on submit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ninevectors.framework import get_framework
from ninevectors.models.assessment import ResponseItem
from ninevectors.models.coach import AiInsights, CoachingTrigger
from ninevectors.services.coach.context import lowest_themes

LOW_SCORE = 2.5
STRONG_SCORE = 4.0
GAP = 1.0  # self vs others, in rating points
LOW_CONFIDENCE = 2.0
STRATEGY, EXECUTION = 4, 6


def _scores(response: ResponseItem) -> dict[int, float]:
    block = response.responses
    if block is None:
        return {}
    return {v.vector_id: v.overall_score for v in block.vectors if v.overall_score is not None}


def _suggestions(response: ResponseItem, vector_id: int) -> list[str]:
    themes = [t for t in lowest_themes(response, vector_id, count=3) if t.vector_id == vector_id]
    return [
        f"Agree one concrete improvement for {t.name} ({t.sub_lens_name}) with an owner and a date."
        for t in themes[:2]
    ] or [f"Talk through what holds {get_framework().vector(vector_id).name} back."]


def _triggers(
    response: ResponseItem, scores: dict[int, float], group: Mapping[int, float]
) -> list[CoachingTrigger]:
    triggers = [
        CoachingTrigger(
            vector=v, reason="low-score", score=s, suggestions=_suggestions(response, v)
        )
        for v, s in sorted(scores.items())
        if s <= LOW_SCORE
    ]
    low = {t.vector for t in triggers}
    for vector_id, score in sorted(scores.items()):
        others = group.get(vector_id)
        if vector_id in low or others is None or abs(score - others) < GAP:
            continue
        direction = "higher" if score > others else "lower"
        name = get_framework().vector(vector_id).name
        triggers.append(
            CoachingTrigger(
                vector=vector_id,
                reason="self-vs-others-gap",
                score=score,
                group_score=others,
                suggestions=[
                    f"You rate {name} {abs(score - others):.1f} points {direction} than the "
                    "group: explore what each side sees."
                ],
            )
        )
    return triggers


def _patterns(response: ResponseItem, scores: dict[int, float]) -> list[str]:
    framework = get_framework()
    patterns: list[str] = []
    for vector_id, score in sorted(scores.items()):
        slug = framework.vector(vector_id).name.casefold().replace(" ", "-")
        if score >= STRONG_SCORE:
            patterns.append(f"strong-{slug}")
        elif score <= LOW_SCORE:
            patterns.append(f"weak-{slug}")
    strategy, execution = scores.get(STRATEGY), scores.get(EXECUTION)
    if strategy is not None and execution is not None and strategy - execution >= 1.5:
        patterns.append("strategy-execution-gap")
    block = response.responses
    confidences = [v.mean_confidence for v in block.vectors] if block else []
    known = [c for c in confidences if c is not None]
    if known and sum(known) / len(known) <= LOW_CONFIDENCE:
        patterns.append("low-confidence")
    return patterns


def _recommendations(scores: dict[int, float], patterns: list[str]) -> list[str]:
    framework = get_framework()
    ranked = sorted(scores.items(), key=lambda pair: (pair[1], pair[0]))
    recommendations = [
        f"Start with {framework.vector(v).name} ({s:.1f}): open a coaching session on it."
        for v, s in ranked
        if s <= LOW_SCORE
    ][:3]
    if "strategy-execution-gap" in patterns:
        recommendations.append(
            "Your strategy is ahead of its execution: turn the top strategic goal into a "
            "quarterly plan with owners."
        )
    if "low-confidence" in patterns:
        recommendations.append("Gather evidence for the themes you were least sure about.")
    if not recommendations and ranked:
        vector_id, score = ranked[0]
        recommendations.append(
            f"No vector is critical; {framework.vector(vector_id).name} ({score:.1f}) has the "
            "most room to grow."
        )
    return recommendations


def insights_for_response(
    response: ResponseItem | Mapping[str, Any], group: Mapping[int, float] | None = None
) -> AiInsights:
    """The ``aiInsights`` of a submitted response (empty for a draft). ``group`` is the mean
    score per vector of the other respondents, when the caller may show it."""
    item = response if isinstance(response, ResponseItem) else ResponseItem.model_validate(response)
    scores = _scores(item)
    if not scores:
        return AiInsights()
    patterns = _patterns(item, scores)
    return AiInsights(
        coaching_triggers=_triggers(item, scores, group or {}),
        patterns=patterns,
        recommendations=_recommendations(scores, patterns),
    )
