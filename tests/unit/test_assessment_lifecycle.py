"""Assessments: create, read, list, update, lifecycle, next round, plan limit, permissions."""

from __future__ import annotations

import pytest

from ninevectors.services import assessments
from ninevectors.services.assessments import _common as c
from ninevectors.services.backends import get_store
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.store.base import PatchOperation
from tests.unit import test_assessment_support as support
from tests.unit import test_identity_support as identity
from tests.unit.test_assessment_support import (
    DUE,
    Team,
    audit_actions,
    new_assessment,
    running,
    snapshot,
)

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team


def test_create_stores_the_reference_shape_and_the_owner(team: Team) -> None:
    created = new_assessment(
        team.manager, required_vectors=[4, 1, 4], anonymous_responses=True,
        enable_benchmarking=True, type="multi-participant",
    )  # fmt: skip
    assert created.status == "draft" and created.round == 1
    assert created.due_date == "2026-03-20T23:59:59Z"
    assert created.configuration.required_vectors == [1, 4]
    (owner,) = created.participants
    assert (owner.user_id, owner.role, owner.status) == (team.manager.user_id, "owner", "invited")
    raw = get_store().get(c.ASSESSMENTS, team.org, created.id)
    assert raw["type"] == "assessment" and raw["assessmentType"] == "multi-participant"
    assert raw["configuration"] == {
        "enableAICoaching": True,
        "enableBenchmarking": True,
        "anonymousResponses": True,
        "requiredVectors": [1, 4],
    }
    assert raw["analytics"]["completionRate"] == 0.0 and raw["partitionKey"] == team.org
    assert "assessment.created" in audit_actions(team.org)


def test_defaults_require_all_nine_vectors(team: Team) -> None:
    created = assessments.create_assessment(team.admin, {"name": "All in"})
    assert created.configuration.required_vectors == list(range(1, 10))
    assert created.due_date is None and created.assessment_type == "multi-participant"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Past", "due_date": "2026-02-28"}, "due_date"),
        ({"name": "Bad date", "due_date": "next week"}, "due_date"),
        ({"name": "No vectors", "required_vectors": []}, "required_vectors"),
        ({"name": "Vector 10", "required_vectors": [1, 10]}, "required_vectors"),
        ({"name": "Type", "type": "survey"}, "type"),
        ({"name": "360", "type": "360-review"}, "subject_user_id"),
        (
            {"name": "360", "type": "360-review", "subject_user_id": "user_nobody"},
            "subject_user_id",
        ),
        ({"name": "Anon", "anonymous_responses": "yes"}, "anonymous_responses"),
    ],
)
def test_create_refuses_bad_input_and_stores_nothing(team: Team, data: dict, field: str) -> None:
    before = snapshot(team)
    with pytest.raises(ValidationFailed) as refused:
        assessments.create_assessment(team.manager, data)
    assert refused.value.field == field and refused.value.message
    assert snapshot(team) == before


def test_due_date_today_is_allowed(team: Team) -> None:
    assert new_assessment(team.manager, due_date="2026-03-01").due_date == "2026-03-01T23:59:59Z"


def test_members_and_viewers_cannot_create(team: Team) -> None:
    for who in (team.alice, team.viewer):
        with pytest.raises(Forbidden):
            new_assessment(who)


def test_plan_limit_counts_non_archived_assessments(team: Team) -> None:
    starter = identity.sign_up("sam@starter.example", "Starter Ltd").principal
    made = [new_assessment(starter, name=f"A{i}") for i in range(5)]  # starter plan: 5
    before = support.store_items(c.ASSESSMENTS, starter.organization_id)
    with pytest.raises(ValidationFailed) as refused:
        new_assessment(starter, name="One too many")
    assert refused.value.field == "name"
    assert refused.value.message == "Your plan allows 5 assessments; archive one or upgrade."
    assert support.store_items(c.ASSESSMENTS, starter.organization_id) == before
    with pytest.raises(ValidationFailed):
        assessments.start_next_round(starter, made[0].id)
    assessments.change_status(starter, made[0].id, "archived")
    assert new_assessment(starter, name="Room again").status == "draft"


def test_360_reviews_need_a_plan_that_has_them(team: Team) -> None:
    starter = identity.sign_up("sam@starter.example", "Starter Ltd").principal
    with pytest.raises(ValidationFailed) as refused:
        new_assessment(starter, type="360-review", subject_user_id=starter.user_id)
    assert refused.value.field == "type" and "Professional and Enterprise" in refused.value.message
    assert support.store_items(c.ASSESSMENTS, starter.organization_id) == []
    assert new_assessment(team.manager, type="360-review", subject_user_id=team.alice.user_id)


def test_visibility_participants_and_view_all(team: Team) -> None:
    aid = running(team, team.alice)
    assert assessments.get_assessment(team.alice, aid).id == aid
    assert assessments.get_assessment(team.admin, aid).id == aid  # view_all
    for outsider in (team.bob, team.viewer):
        with pytest.raises(NotFoundError):
            assessments.get_assessment(outsider, aid)
    for bad in ("assessment_missing", "", None, 42, "x" * 500):
        with pytest.raises(NotFoundError):
            assessments.get_assessment(team.admin, bad)  # type: ignore[arg-type]


def test_list_filters_search_and_pages(team: Team) -> None:
    first = new_assessment(team.manager, name="Market deep dive", description="pricing")
    team.clock.advance(minutes=1)
    second = new_assessment(team.manager, name="People pulse", type="single")
    team.clock.advance(minutes=1)
    third = new_assessment(team.admin, name="Board review", description="Governance PRICING")
    assessments.add_participant(team.manager, first.id, {"user_id": team.alice.user_id})
    assessments.change_status(team.manager, first.id, "in-progress")

    page = assessments.list_assessments(team.admin)
    assert [a.id for a in page.items] == [third.id, second.id, first.id]  # newest first
    assert (page.total, page.page, page.page_count) == (3, 1, 1)
    assert assessments.list_assessments(team.manager, {"status": "in-progress"}).total == 1
    assert [a.id for a in assessments.list_assessments(team.admin, {"type": "single"}).items] == [
        second.id
    ]
    found = assessments.list_assessments(team.admin, {"search": "pricing"})
    assert {a.id for a in found.items} == {first.id, third.id}
    paged = assessments.list_assessments(team.admin, {"page": 2, "page_size": 2})
    assert [a.id for a in paged.items] == [first.id] and paged.page_count == 2
    # a member sees only what they take part in
    assert [a.id for a in assessments.list_assessments(team.alice).items] == [first.id]
    assert assessments.list_assessments(team.bob).total == 0
    with pytest.raises(ValidationFailed):
        assessments.list_assessments(team.admin, {"status": "finished"})


def test_update_changes_only_given_fields(team: Team) -> None:
    created = new_assessment(team.manager)
    updated = assessments.update_assessment(
        team.manager, created.id, {"description": "New text", "enable_benchmarking": True}
    )
    assert updated.name == created.name and updated.description == "New text"
    assert updated.configuration.enable_benchmarking is True
    assert updated.configuration.required_vectors == created.configuration.required_vectors
    cleared = assessments.update_assessment(team.manager, created.id, {"due_date": None})
    assert cleared.due_date is None
    assert audit_actions(team.org).count("assessment.updated") == 2


def test_update_refusals_change_nothing(team: Team) -> None:
    aid = running(team, team.alice)
    before = snapshot(team)
    with pytest.raises(ValidationFailed) as refused:
        assessments.update_assessment(team.manager, aid, {"required_vectors": [1]})
    assert refused.value.field == "required_vectors"
    with pytest.raises(ValidationFailed):
        assessments.update_assessment(team.manager, aid, {"anonymous_responses": True})
    with pytest.raises(ValidationFailed):
        assessments.update_assessment(team.manager, aid, {"due_date": "2020-01-01"})
    with pytest.raises(Forbidden):
        assessments.update_assessment(team.alice, aid, {"name": "Mine now"})
    assert snapshot(team) == before
    assessments.change_status(team.manager, aid, "archived")
    with pytest.raises(ConflictError):
        assessments.update_assessment(team.admin, aid, {"name": "Too late"})


def test_lifecycle_transitions(team: Team) -> None:
    aid = new_assessment(team.manager).id
    steps = ["in-progress", "completed", "in-progress", "completed", "archived"]
    for status in steps:
        assert assessments.change_status(team.manager, aid, status).status == status
    item = assessments.get_assessment(team.manager, aid)
    assert item.started_at and item.completed_at and item.archived_at
    assert audit_actions(team.org).count("assessment.status_changed") == len(steps)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "completed"),  # draft -> completed skips in-progress
        (["in-progress"], "draft"),
        (["archived"], "in-progress"),  # archived is final
        (["archived"], "archived"),
        ([], "finished"),
        ([], None),
    ],
)
def test_refused_transitions_change_nothing(team: Team, path: list[str], target: object) -> None:
    aid = new_assessment(team.manager).id
    for status in path:
        assessments.change_status(team.manager, aid, status)
    before = snapshot(team)
    with pytest.raises(ValidationFailed) as refused:
        assessments.change_status(team.manager, aid, target)  # type: ignore[arg-type]
    assert refused.value.field == "status"
    assert snapshot(team) == before


def test_who_may_move_an_assessment(team: Team) -> None:
    aid = running(team, team.alice)
    with pytest.raises(Forbidden):
        assessments.change_status(team.alice, aid, "completed")  # participant, not owner
    with pytest.raises(NotFoundError):
        assessments.change_status(team.bob, aid, "completed")  # cannot even see it
    item = assessments.get_assessment(team.admin, aid)
    assert assessments.can_manage(team.manager, item)  # owner
    assert assessments.can_manage(team.admin, item)  # admin
    assert not assessments.can_manage(team.alice, item)
    assert assessments.change_status(team.admin, aid, "completed").status == "completed"


def test_an_owner_without_view_all_still_manages(team: Team) -> None:
    aid = new_assessment(team.manager).id
    # the owner's role drops to MEMBER: still the owner of this one assessment
    demoted = type(team.manager)(team.manager.user_id, team.org, "MEMBER")
    assert assessments.change_status(demoted, aid, "in-progress").status == "in-progress"


def test_start_next_round_copies_configuration_and_resets_participants(team: Team) -> None:
    parent = new_assessment(
        team.manager, name="Quarterly review", required_vectors=[2, 6], anonymous_responses=True
    )
    assessments.add_participant(team.manager, parent.id, {"user_id": team.alice.user_id})
    assessments.change_status(team.manager, parent.id, "in-progress")
    support.answer_all(team.alice, parent.id)
    assessments.submit_response(team.alice, parent.id)
    nxt = assessments.start_next_round(team.manager, parent.id, {"due_date": "2026-06-30"})
    assert (nxt.status, nxt.round, nxt.parent_assessment_id) == ("draft", 2, parent.id)
    assert nxt.name == "Quarterly review (round 2)"
    assert nxt.configuration == assessments.get_assessment(team.manager, parent.id).configuration
    assert [p.user_id for p in nxt.participants] == [team.manager.user_id, team.alice.user_id]
    assert {p.status for p in nxt.participants} == {"invited"}
    assert all(p.completed_at is None for p in nxt.participants)
    assert nxt.analytics.total_responses == 0 and nxt.due_date == "2026-06-30T23:59:59Z"
    third = assessments.start_next_round(team.manager, nxt.id, {"name": "Q3"})
    assert (third.round, third.name, third.due_date) == (3, "Q3", None)
    assert "assessment.round_started" in audit_actions(team.org)


def test_start_next_round_refusals(team: Team) -> None:
    aid = running(team, team.alice)
    before = snapshot(team)
    with pytest.raises(Forbidden):
        assessments.start_next_round(team.alice, aid)
    with pytest.raises(ValidationFailed):
        assessments.start_next_round(team.manager, aid, {"due_date": "2025-12-31"})
    assert snapshot(team) == before


def test_concurrent_change_of_the_assessment_is_retried(team: Team) -> None:
    aid = new_assessment(team.manager).id
    store = get_store()
    real_replace = store.replace
    calls = {"n": 0}

    def racing_replace(container, item, etag=None):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] == 1:  # someone else writes between our read and our write
            store.patch(c.ASSESSMENTS, team.org, aid, [PatchOperation("set", "/description", "x")])
        return real_replace(container, item, etag)

    store.replace = racing_replace  # type: ignore[method-assign]
    try:
        saved = assessments.update_assessment(team.manager, aid, {"name": "Renamed"})
    finally:
        store.replace = real_replace  # type: ignore[method-assign]
    assert calls["n"] == 2
    assert saved.name == "Renamed" and saved.description == "x"  # both changes kept
    assert DUE in saved.due_date
