"""Participants: add colleagues or e-mails, 360 respondent types, remove, list, claim."""

from __future__ import annotations

import pytest

from ninevectors.services import assessments
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import invitations
from tests.unit import test_assessment_support as support
from tests.unit import test_identity_support as identity
from tests.unit.test_assessment_support import (
    Team,
    audit_actions,
    new_assessment,
    outbox_to,
    running,
    snapshot,
)

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team


def test_add_a_colleague_by_id_or_email(team: Team) -> None:
    aid = new_assessment(team.manager).id
    assessments.add_participant(team.manager, aid, {"user_id": team.alice.user_id})
    item = assessments.add_participant(team.manager, aid, {"email": " BOB@alpha.example "})
    assert [p.user_id for p in item.participants] == [
        team.manager.user_id, team.alice.user_id, team.bob.user_id,
    ]  # fmt: skip
    assert {p.role for p in item.participants[1:]} == {"participant"}
    assert item.pending_emails == []
    assert audit_actions(team.org).count("assessment.participant_added") == 2
    assert outbox_to("alice@alpha.example") == []  # no e-mail while a draft


def test_adding_to_a_running_assessment_sends_a_notice(team: Team) -> None:
    aid = running(team)
    assessments.add_participant(team.manager, aid, {"user_id": team.alice.user_id})
    (mail,) = outbox_to("alice@alpha.example")
    assert "Q1 Strategic Review" in mail.subject and f"/assessments/{aid}" in mail.text_body


@pytest.mark.parametrize(
    ("data", "error", "field"),
    [
        ({}, ValidationFailed, "user_id"),
        ({"user_id": "u", "email": "x@y.example"}, ValidationFailed, "user_id"),
        ({"email": "not-an-email"}, ValidationFailed, "email"),
        ({"user_id": "user_unknown"}, ValidationFailed, "user_id"),
        ({"user_id": "VIEWER"}, ValidationFailed, "user_id"),  # replaced by the viewer's id
        ({"user_id": "MANAGER"}, ConflictError, None),  # the owner is already in
        ({"user_id": "ALICE", "respondent_type": "boss"}, ValidationFailed, "respondent_type"),
    ],
)
def test_add_refusals_change_nothing(
    team: Team, data: dict, error: type[Exception], field: str | None
) -> None:
    ids = {"VIEWER": team.viewer.user_id, "MANAGER": team.manager.user_id}
    ids["ALICE"] = team.alice.user_id
    data = {k: ids.get(v, v) for k, v in data.items()}
    aid = new_assessment(team.manager).id
    before = snapshot(team)
    with pytest.raises(error) as refused:
        assessments.add_participant(team.manager, aid, data)
    if field:
        assert refused.value.field == field  # type: ignore[attr-defined]
    assert snapshot(team) == before


def test_add_refusals_by_role_type_and_status(team: Team) -> None:
    single = new_assessment(team.manager, type="single").id
    with pytest.raises(ValidationFailed, match="owner alone"):
        assessments.add_participant(team.manager, single, {"user_id": team.alice.user_id})
    aid = running(team, team.alice)
    with pytest.raises(Forbidden):
        assessments.add_participant(team.alice, aid, {"user_id": team.bob.user_id})
    with pytest.raises(ConflictError):
        assessments.add_participant(team.manager, aid, {"user_id": team.alice.user_id})
    assessments.change_status(team.manager, aid, "completed")
    with pytest.raises(ConflictError):
        assessments.add_participant(team.manager, aid, {"user_id": team.bob.user_id})


def test_360_review_subject_and_respondent_types(team: Team) -> None:
    review = new_assessment(
        team.manager, type="360-review", subject_user_id=team.alice.user_id, name="Alice 360"
    )
    owner, subject = review.participants
    assert (owner.respondent_type, subject.user_id, subject.respondent_type) == (
        "manager", team.alice.user_id, "self",
    )  # fmt: skip
    assert review.subject_user_id == team.alice.user_id
    item = assessments.add_participant(
        team.manager, review.id, {"user_id": team.bob.user_id, "respondent_type": "direct-report"}
    )
    assert item.participants[-1].respondent_type == "direct-report"
    item = assessments.add_participant(team.manager, review.id, {"user_id": team.admin.user_id})
    assert item.participants[-1].respondent_type == "peer"  # the default
    with pytest.raises(ValidationFailed, match="reviewed"):
        assessments.add_participant(
            team.manager, review.id, {"email": "new@alpha.example", "respondent_type": "self"}
        )
    with pytest.raises(ValidationFailed):
        assessments.remove_participant(team.manager, review.id, subject.key)
    views = {v.user_id: v for v in assessments.list_participants(team.manager, review.id)}
    assert views[team.bob.user_id].respondent_type == "direct-report"


def test_self_review_owner_answers_as_self(team: Team) -> None:
    review = new_assessment(team.manager, type="360-review", subject_user_id=team.manager.user_id)
    (owner,) = review.participants
    assert owner.respondent_type == "self"


def test_inviting_a_new_person_by_email_then_claiming(team: Team) -> None:
    aid = running(team)
    item = assessments.add_participant(team.manager, aid, {"email": "Newbie@Example.org"})
    pending = item.participants[-1]
    assert (pending.user_id, pending.email, pending.status) == (
        None,
        "newbie@example.org",
        "invited",
    )
    assert item.pending_emails == ["newbie@example.org"]
    (invitation,) = invitations.list_invitations(team.admin)
    assert (invitation.email, invitation.role) == ("newbie@example.org", "MEMBER")
    # a second assessment for the same person reuses the pending invitation
    other = running(team)
    assessments.add_participant(team.manager, other, {"email": "newbie@example.org"})
    assert len(invitations.list_invitations(team.admin)) == 1
    with pytest.raises(ConflictError):
        assessments.add_participant(team.manager, aid, {"email": "newbie@example.org"})

    token = identity.last_link_token("newbie@example.org", "accept-invite")
    newbie = invitations.accept_invitation(token, "Nina", "New", identity.PASSWORD).principal
    assert assessments.list_assessments(newbie).total == 0  # not linked yet
    assert assessments.claim_pending_participations(newbie) == 2
    assert assessments.claim_pending_participations(newbie) == 0  # idempotent
    linked = assessments.get_assessment(newbie, aid)
    assert linked.participants[-1].user_id == newbie.user_id and linked.pending_emails == []
    assert linked.participants[-1].key == pending.key
    view = assessments.open_response(newbie, aid)
    assert view.status == "draft"
    assert "assessment.participation_claimed" in audit_actions(team.org)


def test_inviting_someone_of_another_organization_is_refused(team: Team) -> None:
    identity.sign_up("zoe@zeta.example", "Zeta Inc")
    aid = new_assessment(team.manager).id
    before = snapshot(team)
    with pytest.raises(ValidationFailed) as refused:
        assessments.add_participant(team.manager, aid, {"email": "zoe@zeta.example"})
    assert "Zeta" not in refused.value.message
    assert snapshot(team) == before


def test_remove_participant(team: Team) -> None:
    aid = running(team, team.alice, team.bob)
    assessments.open_response(team.alice, aid)
    item = assessments.get_assessment(team.manager, aid)
    alice_key = item.participant_of(team.alice.user_id).key  # type: ignore[union-attr]
    owner_key = item.participant_of(team.manager.user_id).key  # type: ignore[union-attr]
    after = assessments.remove_participant(team.manager, aid, alice_key)
    assert after.participant_of(team.alice.user_id) is None
    assert support.responses_of(aid, team.org) == []  # her unfinished answers went too
    with pytest.raises(NotFoundError):
        assessments.get_assessment(team.alice, aid)
    with pytest.raises(ValidationFailed):
        assessments.remove_participant(team.manager, aid, owner_key)
    with pytest.raises(NotFoundError):
        assessments.remove_participant(team.manager, aid, "p_missing")
    support.answer_all(team.bob, aid)
    assessments.submit_response(team.bob, aid)
    bob_key = assessments.get_assessment(team.manager, aid).participant_of(team.bob.user_id).key  # type: ignore[union-attr]
    before = snapshot(team)
    with pytest.raises(ConflictError):
        assessments.remove_participant(team.manager, aid, bob_key)
    assert snapshot(team) == before
    assert "assessment.participant_removed" in audit_actions(team.org)


def test_list_participants_shows_status_and_progress(team: Team) -> None:
    aid = running(team, team.alice, team.bob, required_vectors=[6])  # 9 themes
    assessments.add_participant(team.manager, aid, {"email": "later@example.org"})
    assessments.open_response(team.alice, aid)
    for theme in ("6.1.1", "6.1.2", "6.1.3"):
        assessments.save_answer(team.alice, aid, theme, {"rating": 3})
    support.answer_all(team.bob, aid)
    assessments.submit_response(team.bob, aid)
    views = {v.name: v for v in assessments.list_participants(team.alice, aid)}
    assert set(views) == {"Max Manager", "Alice Able", "Bob Baker", "later@example.org"}
    alice, bob = views["Alice Able"], views["Bob Baker"]
    assert (alice.status, alice.progress_percent, alice.completed_at) == ("in-progress", 33, None)
    assert (bob.status, bob.progress_percent) == ("completed", 100) and bob.completed_at
    assert (views["Max Manager"].role, views["Max Manager"].status) == ("owner", "invited")
    assert views["later@example.org"].user_id is None
    with pytest.raises(NotFoundError):
        assessments.list_participants(team.viewer, aid)
