"""Sharing an assessment's results: who may share, with whom, and what those it is shared with
(viewers) then see, and what they still cannot do."""

from __future__ import annotations

import pytest

from ninevectors.services import analytics, assessments, reports
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import users
from tests.unit import test_assessment_support as support
from tests.unit import test_identity_support as identity_support
from tests.unit.test_analytics import _seeded  # three peers' notes shown, alice's hidden
from tests.unit.test_assessment_support import Team

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team


def test_shared_viewer_sees_the_aggregates_and_unsharing_takes_them_away(team: Team) -> None:
    aid = _seeded(team)
    assert analytics.assessment_dashboard(team.viewer, aid).mode == "none"
    assert assessments.list_assessments(team.viewer).total == 0

    saved = assessments.share_assessment(team.manager, aid, team.viewer.user_id)
    assert saved.shared_with == [team.viewer.user_id]
    assert saved.to_item()["sharedWith"] == [team.viewer.user_id]
    again = assessments.share_assessment(team.manager, aid, team.viewer.user_id)
    assert again.shared_with == [team.viewer.user_id]  # idempotent

    board = analytics.assessment_dashboard(team.viewer, aid)
    assert board.mode == "aggregate" and board.name == "Q1 Strategic Review"
    groups = {g.key: g for g in board.groups}
    assert groups["peer"].visible and not groups["manager"].visible
    assert set(board.radar) == {"all", "peer"} and board.radar["all"][0] == 3.0
    assert sorted(n.text for n in board.notes) == ["peer note 0", "peer note 1", "peer note 2"]
    assert "alice alone" not in repr(board)
    # the organization's other assessments were not shared: no benchmark built from them
    other = _seeded(team)
    assert analytics.assessment_dashboard(team.manager, other).benchmarks
    board = analytics.assessment_dashboard(team.viewer, aid)
    assert board.benchmarks == [] and "managers" in board.benchmark_note
    listing = assessments.list_assessments(team.viewer)
    assert [a.id for a in listing.items] == [aid]
    assert assessments.get_assessment(team.viewer, aid).id == aid

    people = assessments.list_shared_with(team.manager, aid)
    assert [(p.name, p.email) for p in people] == [("Vic Viewer", "vic@alpha.example")]
    actions = support.audit_actions(team.org)
    assert actions.count("assessment.shared") == 1

    assessments.unshare_assessment(team.manager, aid, team.viewer.user_id)
    assessments.unshare_assessment(team.manager, aid, team.viewer.user_id)  # idempotent
    gone = analytics.assessment_dashboard(team.viewer, aid)
    assert gone.mode == "none" and gone.name == "" and "shared" in gone.message
    assert assessments.list_assessments(team.viewer).total == 0
    with pytest.raises(NotFoundError):
        assessments.get_assessment(team.viewer, aid)
    assert support.audit_actions(team.org).count("assessment.unshared") == 1


def test_shared_viewer_cannot_answer_manage_export_or_see_participants(team: Team) -> None:
    aid = _seeded(team)
    assessments.share_assessment(team.manager, aid, team.viewer.user_id)
    with pytest.raises(Forbidden):
        reports.export_responses_csv(team.viewer, aid)
    with pytest.raises(Forbidden):
        reports.csv_export.require_export(team.viewer, aid)
    with pytest.raises(Forbidden):
        assessments.open_response(team.viewer, aid)
    with pytest.raises(Forbidden):
        assessments.save_answer(team.viewer, aid, "1.1.1", {"rating": 1})
    with pytest.raises(Forbidden):
        assessments.change_status(team.viewer, aid, "completed")
    with pytest.raises(Forbidden):
        assessments.update_assessment(team.viewer, aid, {"name": "Mine now"})
    with pytest.raises(Forbidden):
        assessments.add_participant(team.viewer, aid, {"user_id": team.viewer.user_id})
    with pytest.raises(Forbidden):
        assessments.share_assessment(team.viewer, aid, team.bob.user_id)
    with pytest.raises(Forbidden):
        assessments.list_shared_with(team.viewer, aid)
    with pytest.raises(Forbidden):
        assessments.list_participants(team.viewer, aid)
    with pytest.raises(Forbidden):
        assessments.touch_presence(team.viewer, aid)
    with pytest.raises(Forbidden):
        analytics.set_threshold(team.viewer, aid, 5)


def test_a_member_cannot_share_but_the_owner_and_admins_can(team: Team) -> None:
    aid = _seeded(team)
    with pytest.raises(Forbidden):
        assessments.share_assessment(team.alice, aid, team.viewer.user_id)
    with pytest.raises(NotFoundError):  # bob does not even see it
        assessments.unshare_assessment(team.bob, aid, team.viewer.user_id)
    assessments.share_assessment(team.admin, aid, team.bob.user_id)
    shared = assessments.share_assessment(team.manager, aid, team.viewer.user_id)
    assert shared.shared_with == [team.bob.user_id, team.viewer.user_id]
    # a member it is shared with reads the aggregates rather than only their own results
    assert analytics.assessment_dashboard(team.bob, aid).mode == "aggregate"


def test_sharing_needs_an_active_person_of_the_same_organization(team: Team) -> None:
    aid = _seeded(team)
    other = identity_support.sign_up("eve@beta.example", "Beta Ltd").principal
    with pytest.raises(NotFoundError, match="not a user of your organization"):
        assessments.share_assessment(team.manager, aid, other.user_id)
    with pytest.raises(ValidationFailed):
        assessments.share_assessment(team.manager, aid, "")
    users.deactivate_user(team.admin, team.viewer.user_id)
    with pytest.raises(ValidationFailed, match="not an active user"):
        assessments.share_assessment(team.manager, aid, team.viewer.user_id)
    assert assessments.get_assessment(team.manager, aid).shared_with == []
    # the other organization's people see nothing of it even with the id
    with pytest.raises(NotFoundError):
        assessments.share_assessment(other, aid, other.user_id)


def test_trends_stop_at_rounds_not_shared_with_the_viewer(team: Team) -> None:
    first = _seeded(team)
    assessments.change_status(team.manager, first, "completed")
    second = assessments.start_next_round(team.manager, first).id
    assessments.share_assessment(team.manager, second, team.viewer.user_id)
    board = analytics.assessment_dashboard(team.viewer, second)
    assert board.mode == "aggregate" and board.trends == []
    assert len(analytics.assessment_dashboard(team.manager, second).trends) == 2
