"""Helpers shared by the coach tests: a team whose members submitted an assessment on the
Financial (3), Strategy (4) and Execution (6) vectors with known ratings and notes."""

from __future__ import annotations

from ninevectors.framework import get_framework
from ninevectors.models.principal import Principal
from ninevectors.services import assessments
from ninevectors.services.coach.context import CoachContext, SubLensScore, ThemeNote, VectorScore
from tests.unit.test_assessment_support import Team, running

VECTORS = [3, 4, 6]
ALICE_RATINGS = {3: 2, 4: 5, 6: 2}  # weak Financial and Execution, strong Strategy
BOB_RATINGS = {3: 5, 4: 1, 6: 5}
ALICE_NOTE = "cash flow forecasting is a guess every month"
BOB_NOTE = "BOB-PRIVATE-NOTE about the board"
LOW_THEME = "3.1.1"  # the theme Alice rates 1 and comments on


def answer(principal: Principal, assessment_id: str, ratings: dict[int, int], note: str) -> None:
    assessments.open_response(principal, assessment_id)
    for vector_id in VECTORS:
        for theme in get_framework().vector(vector_id).themes:
            rating = 1 if theme.id == LOW_THEME else ratings[vector_id]
            changes = {"rating": rating, "confidence": 4}
            if theme.id == LOW_THEME:
                changes["notes"] = note
            assessments.save_answer(principal, assessment_id, theme.id, changes)
    assessments.submit_response(principal, assessment_id)


def submitted(team: Team, **extra: object) -> str:
    """An in-progress assessment both Alice and Bob submitted; its id."""
    assessment_id = running(team, team.alice, team.bob, required_vectors=VECTORS, **extra)
    answer(team.alice, assessment_id, ALICE_RATINGS, ALICE_NOTE)
    answer(team.bob, assessment_id, BOB_RATINGS, BOB_NOTE)
    return assessment_id


def sample_context(focus: int | None = 3) -> CoachContext:
    """A hand-made context (no store) for the offline coach's tests."""
    return CoachContext(
        assessment_id="assessment_x",
        assessment_name="Q1 Strategic Review",
        round=2,
        submitted=True,
        overall=3.0,
        vectors=(
            VectorScore(3, "Financial", 2.1, 3.5, (SubLensScore("3.1", "Cash", 1.5),
                                                   SubLensScore("3.2", "Capital", 2.7))),
            VectorScore(4, "Strategy", 4.6, 4.0, (SubLensScore("4.1", "Vision", 4.6),)),
        ),
        lowest_themes=(
            ThemeNote("3.1.1", "Cash Flow", 3, "Financial", "Cash", 1, "forecasts are guesses"),
        ),
        focus_vector=focus,
    )  # fmt: skip
