"""A person's own results after submitting: vector scores, overall, strengths, improvements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ninevectors.framework import get_framework
from ninevectors.models.assessment import AssessmentItem, ResponseItem
from ninevectors.models.principal import Principal
from ninevectors.services import assessments
from ninevectors.services.executor import run_blocking
from ninevectors.state.session import SessionState, friendly_error


@dataclass
class VectorScore:
    id: int
    name: str
    color: str
    score: str  # "" when every theme was "not sure"
    percent: int  # bar width, score 1–5 mapped to 0–100
    confidence: str


def _format(value: Any) -> str:
    return f"{float(value):.2f}" if isinstance(value, int | float) else ""


def _mine(principal: Principal, assessment_id: str) -> tuple[AssessmentItem, ResponseItem | None]:
    """The assessment and the person's own response to it (None before they start)."""
    assessment = assessments.get_assessment(principal, assessment_id)
    return assessment, assessments.get_my_response(principal, assessment_id)


class ResultsState(SessionState):
    assessment_name: str = ""
    overall: str = ""
    vectors: list[VectorScore] = []
    strengths: list[str] = []
    improvements: list[str] = []
    error: str = ""
    pending: bool = False

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.error, self.pending, self.vectors = "", False, []
        self.assessment_name, self.overall, self.strengths, self.improvements = "", "", [], []
        assessment_id = self.assessment_id  # the route's dynamic arg: whatever was sent
        try:
            assessment, response = await run_blocking(
                _mine, outcome, assessment_id if isinstance(assessment_id, str) else ""
            )
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return None
        self.assessment_name = assessment.name
        if response is None or response.status != "submitted":
            self.pending = True
            return None
        self._show(response)
        return None

    def _show(self, response: Any) -> None:
        framework = get_framework()
        block = response.responses
        self.overall = _format(block.overall_score)
        self.vectors = []
        for vector in block.vectors:
            score = vector.overall_score
            self.vectors.append(
                VectorScore(
                    id=vector.vector_id,
                    name=vector.vector_name,
                    color=framework.vector(vector.vector_id).color,
                    score=_format(score),
                    percent=round((float(score) - 1) / 4 * 100) if score is not None else 0,
                    confidence=_format(vector.mean_confidence),
                )
            )
        self.strengths = [framework.vector(v).name for v in block.strength_areas]
        self.improvements = [framework.vector(v).name for v in block.improvement_areas]
