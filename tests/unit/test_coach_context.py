"""The coach's context: the person's own scores, lowest themes and notes, the assessment's
name and round go in; nothing of another person or organization ever does."""

from __future__ import annotations

import pytest

from ninevectors.services import assessments
from ninevectors.services.coach import build_context, system_prompt
from ninevectors.services.coach.context import check_vector
from ninevectors.services.errors import NotFoundError, ValidationFailed
from tests.unit import test_assessment_support as support
from tests.unit import test_identity_support as identity
from tests.unit.test_assessment_support import Team
from tests.unit.test_coach_support import ALICE_NOTE, BOB_NOTE, LOW_THEME, submitted

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team


def test_context_holds_own_scores_lowest_themes_notes_name_and_round(team: Team) -> None:
    aid = submitted(team)
    context = build_context(team.alice, aid, 3)
    assert context.submitted and context.assessment_name == "Q1 Strategic Review"
    assert context.round == 1 and context.focus_vector == 3
    scores = {v.id: v.score for v in context.vectors}
    assert set(scores) == {3, 4, 6}
    assert scores[4] == 5.0 and scores[3] < 2.5
    financial = context.vector(3)
    assert financial is not None and len(financial.sub_lenses) >= 3
    assert context.lowest_themes[0].id == LOW_THEME
    assert context.lowest_themes[0].notes == ALICE_NOTE
    text = system_prompt(context)
    assert ALICE_NOTE in text and "Q1 Strategic Review" in text and "(round 1)" in text
    assert "Financial" in text and "Accounting" in text


def test_context_never_holds_another_persons_answers_or_identity(team: Team) -> None:
    aid = submitted(team)
    text = system_prompt(build_context(team.alice, aid, 4))
    for secret in (BOB_NOTE, team.bob.user_id, team.alice.user_id, "bob@alpha.example",
                   "alice@alpha.example", team.org):  # fmt: skip
        assert secret not in text
    # Bob rated Strategy 1; Alice's context shows only her own 5.00 for it.
    assert "4 Strategy: 5.00" in text


def test_context_of_an_anonymous_assessment_is_still_the_authors_own(team: Team) -> None:
    aid = submitted(team, anonymous_responses=True)
    text = system_prompt(build_context(team.bob, aid))
    assert BOB_NOTE in text and ALICE_NOTE not in text


def test_without_an_assessment_the_latest_submitted_one_is_used(team: Team) -> None:
    aid = submitted(team)
    assert build_context(team.alice).assessment_id == aid
    empty = build_context(team.viewer)
    assert not empty.submitted and "no submitted assessment" in empty.render()


def test_a_draft_gives_a_context_without_scores(team: Team) -> None:
    aid = support.running(team, team.alice, required_vectors=[3])
    assessments.open_response(team.alice, aid)
    assessments.save_answer(team.alice, aid, "3.1.1", {"rating": 1, "notes": "draft-note"})
    context = build_context(team.alice, aid)
    assert not context.submitted and context.vectors == ()
    assert "draft-note" not in context.render()


def test_another_organizations_assessment_is_not_found(team: Team) -> None:
    aid = submitted(team)
    stranger = identity.sign_up("eve@other.example", "Other Org").principal
    with pytest.raises(NotFoundError):
        build_context(stranger, aid)


def test_a_colleague_not_taking_part_cannot_build_a_context_on_it(team: Team) -> None:
    aid = submitted(team)
    with pytest.raises(NotFoundError):
        build_context(team.viewer, aid)


@pytest.mark.parametrize("value", [0, 10, "x", "3; drop", 2.5, [3]])
def test_bad_vectors_are_refused(value: object) -> None:
    with pytest.raises(ValidationFailed):
        check_vector(value)


def test_vector_ids_are_parsed() -> None:
    assert check_vector("3") == 3 and check_vector(None) is None and check_vector("") is None
