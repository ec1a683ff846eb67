"""Anonymous responses: nobody but the author (admins included) can tell which response, rating
or note is whose, through any service function; completion stays visible."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ninevectors.services import assessments, audit
from ninevectors.services import email as mail
from ninevectors.services.assessments import _common as c
from ninevectors.services.errors import Forbidden, NotFoundError
from tests.unit import test_assessment_support as support
from tests.unit.test_assessment_support import Team, audit_rows, running

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team

SECRET_NOTE = "Alice-thinks-governance-is-broken"


def everything_admin_can_read(team: Team, aid: str) -> str:
    """What an ORG_ADMIN gets back from every read the services offer, as one text."""
    admin = team.admin
    shown: list[Any] = [
        assessments.get_assessment(admin, aid),
        assessments.list_assessments(admin),
        assessments.list_participants(admin, aid),
        assessments.get_my_response(admin, aid),
        assessments.touch_presence(admin, aid),
        audit.list_entries(admin, page_size=500),
        audit.export_csv(admin),
        mail.list_outbox(admin, page_size=500),
    ]
    for attempt in (assessments.open_response, assessments.submit_response):
        with pytest.raises((Forbidden, NotFoundError)):
            attempt(admin, aid)
    return repr(shown)


@pytest.fixture
def anonymous(team: Team) -> str:
    aid = running(team, team.alice, team.bob, required_vectors=[6, 8], anonymous_responses=True)
    team.clock.advance(hours=2, minutes=17)
    support.answer_all(team.alice, aid, rating=2)
    assessments.save_answer(team.alice, aid, "8.1.1", {"rating": 5, "notes": SECRET_NOTE})
    assessments.set_position(team.alice, aid, "8.2")
    assessments.record_time(team.alice, aid, 120)
    assessments.submit_response(team.alice, aid)
    support.answer_all(team.bob, aid, rating=4)  # Bob still working
    return aid


def test_the_stored_response_does_not_name_its_author(team: Team, anonymous: str) -> None:
    responses = support.responses_of(anonymous, team.org)
    assert len(responses) == 2
    for item in responses:
        assert item.get("userId") is None
        text = json.dumps(item)
        for person in (team.alice, team.bob):
            assert person.user_id not in text
        # times are cut to the day: they cannot be matched with audit or participant times
        assert item["createdAt"] == item["updatedAt"] == "2026-03-01T00:00:00Z"
        assert {a["updatedAt"] for a in item["answers"].values()} <= {None, "2026-03-01T00:00:00Z"}
    submitted = next(i for i in responses if i["status"] == "submitted")
    assert submitted["completedAt"] == "2026-03-01T00:00:00Z"


def test_an_admin_cannot_find_whose_response_is_whose(team: Team, anonymous: str) -> None:
    text = everything_admin_can_read(team, anonymous)
    alice_response = c.response_id(anonymous, team.alice.user_id)
    bob_response = c.response_id(anonymous, team.bob.user_id)
    for secret in (alice_response, bob_response, SECRET_NOTE, "8.1.1", "8.2"):
        assert secret not in text
    # the audit log says that Alice answered, never what or where
    for row in audit_rows(team.org):
        details = row.details or ""
        assert "themeId" not in details and "subLensId" not in details
        assert "overallScore" not in details and "seconds" not in details
        assert alice_response not in repr(row.model_dump())


def test_completion_stays_visible(team: Team, anonymous: str) -> None:
    views = {v.name: v for v in assessments.list_participants(team.admin, anonymous)}
    assert (views["Alice Able"].status, views["Alice Able"].progress_percent) == ("completed", 100)
    assert views["Bob Baker"].status == "in-progress" and views["Bob Baker"].progress_percent == 100
    analytics = assessments.get_assessment(team.admin, anonymous).analytics
    assert analytics.total_responses == 1 and analytics.avg_time_to_complete == 120


def test_the_author_finds_their_own(team: Team, anonymous: str) -> None:
    mine = assessments.get_my_response(team.alice, anonymous)
    assert mine is not None and mine.user_id is None and mine.status == "submitted"
    assert mine.answers["8.1.1"].notes == SECRET_NOTE
    assert mine.responses is not None and mine.responses.overall_score == pytest.approx(2.1)
    view = assessments.open_response(team.alice, anonymous)
    assert view.anonymous and view.read_only and view.answers["8.1.1"]["rating"] == 5
    bobs = assessments.get_my_response(team.bob, anonymous)
    assert bobs is not None and bobs.id != mine.id and bobs.answers["8.1.1"].notes == ""


def test_response_ids_need_the_secret_key(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    first = c.response_id("assessment_1", team.alice.user_id)
    assert first.startswith("resp_") and team.alice.user_id not in first
    assert first != c.response_id("assessment_1", team.bob.user_id)
    monkeypatch.setenv("NINEVECTORS_SECRET_KEY", "another-secret-key-of-enough-length-0123456789")
    c.get_settings.cache_clear()
    try:
        assert c.response_id("assessment_1", team.alice.user_id) != first
    finally:
        c.get_settings.cache_clear()


def test_named_responses_do_carry_the_user(team: Team) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    (item,) = support.responses_of(aid, team.org)
    assert item["userId"] == team.alice.user_id
    assessments.save_answer(team.alice, aid, "6.1.1", {"rating": 3})
    saved = [r for r in audit_rows(team.org) if r.action == "response.answers_saved"]
    assert len(saved) == 1 and saved[0].user_id == team.alice.user_id
    assert "writer" in (saved[0].details or "")
