"""Self-vs-others gaps: worked numbers of the others' means under the anonymity threshold,
the triggers they put on submitted responses, and the group comparison in the coach's
context (only what the person may see)."""

from __future__ import annotations

from typing import Any

from ninevectors.models.coach import AiInsights
from ninevectors.services import analytics, assessments
from ninevectors.services.coach import build_context, system_prompt
from ninevectors.services.coach.gaps import others_means
from ninevectors.state.coach import cards_for
from tests.unit import test_assessment_support as support
from tests.unit import test_identity_support as identity
from tests.unit.test_assessment_support import Team, running
from tests.unit.test_coach_support import ALICE_NOTE, ALICE_RATINGS, BOB_RATINGS, VECTORS, answer

identity_env = identity.identity_env
fake_clock = support.fake_clock
team = support.team

STRATEGY = 4


def response(rid: str, scores: dict[int, float], respondent_type: str | None = None) -> dict:
    vectors = [{"vectorId": v, "overallScore": s} for v, s in scores.items()]
    return {"id": rid, "respondentType": respondent_type, "responses": {"vectors": vectors}}


def assessment(kind: str = "multi-participant", threshold: int = 3) -> dict[str, Any]:
    return {"assessmentType": kind, "configuration": {"anonymityThreshold": threshold}}


def test_each_person_is_compared_with_the_mean_of_the_others() -> None:
    items = [response("a", {1: 5.0}), response("b", {1: 2.0}), response("c", {1: 3.0}),
             response("d", {1: 4.0})]  # fmt: skip
    means = others_means(assessment(threshold=3), items)
    # a: (2 + 3 + 4) / 3 = 3.0; b: (5 + 3 + 4) / 3 = 4.0; c: 11 / 3; d: 10 / 3
    assert means == {"a": {1: 3.0}, "b": {1: 4.0}, "c": {1: 3.67}, "d": {1: 3.33}}


def test_fewer_others_than_the_threshold_give_no_gap() -> None:
    items = [response("a", {1: 5.0}), response("b", {1: 2.0}), response("c", {1: 3.0})]
    assert others_means(assessment(threshold=3), items) == {}  # two others each
    partial = items + [response("d", {1: 4.0, 2: 1.0})]
    # vector 2 was rated by d only: a, b, c have one "other" for it, so no mean for it
    assert others_means(assessment(threshold=3), partial)["a"] == {1: 3.0}


def test_in_a_360_only_the_self_response_is_compared_with_everybody_else() -> None:
    items = [
        response("self", {1: 5.0}, "self"),
        response("p1", {1: 2.0}, "peer"),
        response("p2", {1: 3.0}, "peer"),
        response("m", {1: 4.0}, "manager"),
    ]
    assert others_means(assessment("360-review", threshold=3), items) == {"self": {1: 3.0}}
    assert others_means(assessment("360-review", threshold=4), items) == {}


def four_submitted(team: Team) -> str:
    """Alice first, then Bob, the manager and the admin (all rating like Bob), threshold 3."""
    aid = running(team, team.alice, team.bob, team.admin, required_vectors=VECTORS)
    analytics.set_threshold(team.manager, aid, 3)
    answer(team.alice, aid, ALICE_RATINGS, ALICE_NOTE)
    for person in (team.bob, team.manager, team.admin):
        answer(person, aid, BOB_RATINGS, "")
    return aid


def gap_triggers(principal: Any, aid: str) -> list:
    mine = assessments.get_my_response(principal, aid)
    assert mine is not None and mine.ai_insights is not None
    insights = AiInsights.model_validate(mine.ai_insights)
    return [t for t in insights.coaching_triggers if t.reason == "self-vs-others-gap"]


def test_the_last_submitter_gets_the_gap_at_once_the_first_when_the_assessment_ends(
    team: Team,
) -> None:
    aid = four_submitted(team)
    # The admin rated Execution 5.0; the others: Alice 2.0, Bob 5.0, manager 5.0 -> 4.0, a
    # gap of one point. Their Strategy (1.0) is a low-score trigger already, not a gap one.
    [admin_gap] = gap_triggers(team.admin, aid)
    assert (admin_gap.vector, admin_gap.score, admin_gap.group_score) == (6, 5.0, 4.0)
    assert "1.0 points higher than the group" in admin_gap.suggestions[0]
    assert gap_triggers(team.alice, aid) == []  # nobody else had submitted when she did
    assessments.change_status(team.manager, aid, "completed")
    [alice_gap] = gap_triggers(team.alice, aid)
    assert (alice_gap.vector, alice_gap.score, alice_gap.group_score) == (STRATEGY, 5.0, 1.0)
    response = assessments.get_my_response(team.alice, aid)
    assert response is not None
    card = next(c for c in cards_for(response, aid) if c.vector == STRATEGY)
    assert card.reason == "Gap with others (they rate it 1.0)"


def test_a_member_sees_their_own_gap_in_the_coach_context_and_nobody_elses_ratings(
    team: Team,
) -> None:
    aid = four_submitted(team)
    assessments.change_status(team.manager, aid, "completed")
    context = build_context(team.alice, aid)
    [gap] = context.group_gaps
    assert gap.means == (("You", 5.0), ("Others", 1.0)) and gap.gap == 4.0
    text = system_prompt(context)
    assert "4 Strategy: You 5.00, Others 1.00 - gap 4.00" in text
    assert "Everyone" not in text  # no aggregate view for a member


def test_a_manager_sees_the_visible_groups_in_the_coach_context(team: Team) -> None:
    aid = four_submitted(team)
    context = build_context(team.manager, aid)
    by_vector = {g.vector_id: dict(g.means) for g in context.group_gaps}
    assert set(by_vector) == set(VECTORS)
    # Strategy: (5 + 1 + 1 + 1) / 4 = 2.0 over everyone
    assert by_vector[STRATEGY]["Everyone"] == 2.0
    assert "Scores by group" in system_prompt(context)


def test_below_the_threshold_nobody_gets_a_group_comparison(team: Team) -> None:
    aid = running(team, team.alice, team.bob, required_vectors=VECTORS)
    answer(team.alice, aid, ALICE_RATINGS, ALICE_NOTE)
    answer(team.bob, aid, BOB_RATINGS, "")
    assessments.change_status(team.manager, aid, "completed")
    assert gap_triggers(team.alice, aid) == [] and gap_triggers(team.bob, aid) == []
    assert build_context(team.alice, aid).group_gaps == ()
    assert "Scores by group" not in system_prompt(build_context(team.bob, aid))
