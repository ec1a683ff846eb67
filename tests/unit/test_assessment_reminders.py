"""Reminders: who gets one (never those who completed), on demand and on the 7/3/1-day
schedule, once per participant per offset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ninevectors.services import assessments
from ninevectors.services.errors import ConflictError, Forbidden
from ninevectors.services.identity import users
from tests.unit import test_assessment_support as support
from tests.unit import test_identity_support as identity
from tests.unit.test_assessment_support import Team, audit_actions, outbox_to, running

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team

PEOPLE = ("max@alpha.example", "alice@alpha.example", "bob@alpha.example", "new@example.org")


def on(day: int) -> datetime:
    return datetime(2026, 3, day, 6, 0, tzinfo=UTC)


def counts() -> dict[str, int]:
    return {address: len(outbox_to(address)) for address in PEOPLE}


@pytest.fixture
def reviewed(team: Team) -> str:
    """Due 2026-03-20; Alice has submitted, Bob and the owner have not, one e-mail invitee."""
    aid = running(team, team.alice, team.bob, required_vectors=[6])
    assessments.add_participant(team.manager, aid, {"email": "new@example.org"})
    support.answer_all(team.alice, aid)
    assessments.submit_response(team.alice, aid)
    return aid


@pytest.mark.parametrize(
    ("days_left", "offset"),
    [(30, None), (8, None), (7, 7), (5, 7), (4, 7), (3, 3), (2, 3), (1, 1), (0, None), (-2, None)],
)
def test_reminder_offset(days_left: int, offset: int | None) -> None:
    assert assessments.reminder_offset(days_left) == offset


def test_on_demand_reminders_skip_those_who_completed(team: Team, reviewed: str) -> None:
    before = counts()
    assert assessments.send_reminders(team.manager, reviewed) == 3
    after = counts()
    assert after["alice@alpha.example"] == before["alice@alpha.example"]  # completed: none
    for address in ("max@alpha.example", "bob@alpha.example", "new@example.org"):
        assert after[address] == before[address] + 1
    mail = outbox_to("bob@alpha.example")[-1]
    assert mail.subject == "Reminder: Q1 Strategic Review is due in 19 days"
    assert "2026-03-20" in mail.text_body and f"/assessments/{reviewed}" in mail.text_body
    assert "assessment.reminders_sent" in audit_actions(team.org)


def test_on_demand_reminders_need_a_manager_and_a_running_assessment(team: Team) -> None:
    aid = running(team, team.alice)
    with pytest.raises(Forbidden):
        assessments.send_reminders(team.alice, aid)
    draft = support.new_assessment(team.manager).id
    with pytest.raises(ConflictError):
        assessments.send_reminders(team.manager, draft)


def test_people_who_switched_mail_off_get_none(team: Team, reviewed: str) -> None:
    users.update_preferences(team.bob, {"notifications_email": False})
    assert assessments.send_reminders(team.manager, reviewed) == 2
    assert outbox_to("bob@alpha.example") == []


def test_schedule_sends_each_offset_once(team: Team, reviewed: str) -> None:
    unfinished = 3  # owner, Bob, the invitee
    assert assessments.send_scheduled_reminders(on(1)) == 0  # 19 days left
    assert assessments.send_scheduled_reminders(on(12)) == 0  # 8 days left
    assert assessments.send_scheduled_reminders(on(13)) == unfinished  # 7 days
    assert assessments.send_scheduled_reminders(on(13)) == 0  # same day again: nothing
    assert assessments.send_scheduled_reminders(on(15)) == 0  # 5 days: the 7-day one was sent
    assert assessments.send_scheduled_reminders(on(17)) == unfinished  # 3 days
    # Bob finishes before the last reminder
    support.answer_all(team.bob, reviewed)
    assessments.submit_response(team.bob, reviewed)
    assert assessments.send_scheduled_reminders(on(19)) == unfinished - 1  # 1 day
    assert assessments.send_scheduled_reminders(on(20)) == 0  # due today
    assert assessments.send_scheduled_reminders(on(25)) == 0  # overdue
    assert counts() == {
        "max@alpha.example": 3, "alice@alpha.example": 0, "bob@alpha.example": 2,
        "new@example.org": 3 + 1,  # + the invitation to join the organization
    }  # fmt: skip
    item = assessments.get_assessment(team.manager, reviewed)
    assert sorted(k.split(":")[0] for k in item.reminders_sent) == [
        "1",
        "1",
        "3",
        "3",
        "3",
        "7",
        "7",
        "7",
    ]
    assert "Reminder: Q1 Strategic Review is due in 1 day" in [
        m.subject for m in outbox_to("max@alpha.example")
    ]
    assert "assessment.reminders_scheduled" in audit_actions(team.org)


def test_a_missed_run_catches_up_with_the_current_offset(team: Team, reviewed: str) -> None:
    assert assessments.send_scheduled_reminders(on(15)) == 3  # first run at 5 days: the 7-day one
    assert assessments.send_scheduled_reminders(on(18)) == 3  # 2 days: the 3-day one
    assert assessments.send_scheduled_reminders(on(18)) == 0


def test_schedule_ignores_assessments_not_in_progress_and_covers_every_organization(
    team: Team, reviewed: str
) -> None:
    draft = support.new_assessment(team.manager, name="Still a draft").id
    assessments.add_participant(team.manager, draft, {"user_id": team.bob.user_id})
    no_due = running(team, team.bob, due_date=None)
    assert assessments.get_assessment(team.manager, no_due).due_date is None
    other = identity.sign_up("zoe@zeta.example", "Zeta Inc").principal
    running_elsewhere = support.new_assessment(other)
    assessments.change_status(other, running_elsewhere.id, "in-progress")
    assessments.change_status(team.manager, reviewed, "completed")
    assert assessments.send_scheduled_reminders(on(13)) == 1  # only Zeta's owner
    assert len(outbox_to("zoe@zeta.example")) == 1
