"""aiInsights of a submitted response: triggers for vectors at 2.5 or below and for big
self-vs-others gaps, patterns, recommendations."""

from __future__ import annotations

from ninevectors.models.assessment import ResponseItem
from ninevectors.services import assessments
from ninevectors.services.coach import insights_for_response
from ninevectors.state.coach import cards_for
from tests.unit import test_assessment_support as support
from tests.unit.test_assessment_support import Team
from tests.unit.test_coach_support import submitted

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team


def alice_response(team: Team) -> tuple[str, ResponseItem]:
    aid = submitted(team)
    response = assessments.get_my_response(team.alice, aid)
    assert response is not None
    return aid, response


def test_low_vectors_trigger_coaching_with_suggestions(team: Team) -> None:
    _aid, response = alice_response(team)
    insights = insights_for_response(response)
    low = [t for t in insights.coaching_triggers if t.reason == "low-score"]
    assert [t.vector for t in low] == [3, 6]
    assert all(t.score is not None and t.score <= 2.5 for t in low)
    assert "Accounting Cycle" in low[0].suggestions[0]


def test_strong_strategy_weak_execution_is_a_pattern(team: Team) -> None:
    _aid, response = alice_response(team)
    insights = insights_for_response(response)
    assert {"strong-strategy", "weak-execution", "weak-financial"} <= set(insights.patterns)
    assert "strategy-execution-gap" in insights.patterns
    assert any("execution" in r for r in insights.recommendations)


def test_a_big_gap_with_the_group_triggers_coaching(team: Team) -> None:
    _aid, response = alice_response(team)
    insights = insights_for_response(response, group={4: 2.0, 3: 2.2})
    gaps = [t for t in insights.coaching_triggers if t.reason == "self-vs-others-gap"]
    assert [t.vector for t in gaps] == [4]  # 3 is already a low-score trigger
    assert "higher than the group" in gaps[0].suggestions[0]


def test_the_insights_have_the_reference_shape() -> None:
    draft = {"id": "r", "assessmentId": "a", "organizationId": "o", "partitionKey": "o"}
    item = insights_for_response({**draft, "createdAt": "2026-01-01T00:00:00Z"})
    assert item.to_item() == {"coachingTriggers": [], "patterns": [], "recommendations": []}


def test_coach_cards_link_to_a_session_on_each_low_vector(team: Team) -> None:
    aid, response = alice_response(team)
    cards = cards_for(response, aid)
    assert [c.name for c in cards] == ["Financial", "Execution"]
    assert cards[0].href == f"/coach?vector=3&assessment={aid}"


def test_the_stored_response_item_works_as_it_is_frozen_on_submit(team: Team) -> None:
    aid = submitted(team)
    item = support.responses_of(aid, team.org)
    alice = next(i for i in item if i.get("userId") == team.alice.user_id)
    stored = insights_for_response(alice).to_item()
    assert [t["vector"] for t in stored["coachingTriggers"]] == [3, 6]
    assert stored["coachingTriggers"][0]["reason"] == "low-score"
