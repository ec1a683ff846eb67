"""Helpers of the analytics tests: submitted responses written straight to the store (the
assessment engine's own tests cover answering and submitting), so suites stay fast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ninevectors.framework.taxonomy import get_framework
from ninevectors.models.principal import Principal
from ninevectors.services import assessments
from ninevectors.services.assessments import _common as c
from ninevectors.services.assessments.scoring import breakdown, score_answers
from ninevectors.services.backends import get_store
from ninevectors.services.identity import clock
from tests.unit import test_assessment_support as support

Rating = Callable[[str], int | None]


def answers_for(rating: Rating, notes: dict[str, str] | None = None) -> dict[str, dict]:
    """Every theme answered: ``rating(theme_id)`` (None means "not sure")."""
    answers: dict[str, dict[str, Any]] = {}
    for theme in get_framework().themes:
        value = rating(theme.id)
        answers[theme.id] = {
            "rating": value, "notSure": value is None, "confidence": 4,
            "notes": (notes or {}).get(theme.id, ""), "evidence": [], "updatedAt": None,
        }  # fmt: skip
    return answers


def submitted(
    organization_id: str,
    assessment_id: str,
    user_id: str,
    respondent_type: str | None,
    rating: Rating,
    notes: dict[str, str] | None = None,
    anonymous: bool = False,
) -> dict:
    """A submitted response item in the store (with its scores), as the engine would write."""
    answers = answers_for(rating, notes)
    vectors = list(range(1, 10))
    item = {
        "id": c.response_id(assessment_id, user_id),
        "type": "assessment-response",
        "assessmentId": assessment_id,
        "organizationId": organization_id,
        "userId": None if anonymous else user_id,
        "respondentType": respondent_type,
        "status": "submitted",
        "createdAt": clock.iso(clock.utcnow()),
        "completedAt": clock.iso(clock.utcnow()),
        "timeSpent": 600,
        "requiredVectors": vectors,
        "answers": answers,
        "responses": breakdown(answers, vectors, score_answers(answers, vectors)),
        "partitionKey": organization_id,
    }
    return get_store().create(c.RESPONSES, item)


def people(team: support.Team, count: int, role: Any = None) -> list[Principal]:
    from ninevectors.services.identity.roles import Role

    return [
        support.make_user(team.admin, f"p{i}@alpha.example", role or Role.MEMBER, f"P{i}")
        for i in range(count)
    ]


def assessment_with(team: support.Team, members: list[Principal], **extra: Any) -> str:
    """An in-progress assessment owned by the manager with ``members`` as participants."""
    return support.running(team, *members, **extra)


def test_submitted_helper_writes_a_scored_response(identity_env: str, fake_clock: Any) -> None:
    team = support.build_team(fake_clock)
    aid = assessment_with(team, [team.alice])
    item = submitted(team.org, aid, team.alice.user_id, None, lambda _t: 4)
    assert item["responses"]["overallScore"] == 4.0
    assert assessments.get_my_response(team.alice, aid).status == "submitted"  # type: ignore[union-attr]


identity_env = support.identity_env
fake_clock = support.fake_clock
