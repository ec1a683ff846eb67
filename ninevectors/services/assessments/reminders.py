"""E-mail reminders to participants who have not finished: on demand (owner, managers,
admins) and on a schedule before the due date.

Schedule: 7, 3 and 1 days before the due day. The job may run any number of times a day: for
an in-progress assessment it picks the closest offset at or above the days left (7 for 7..4
days, 3 for 3..2, 1 for 1) and sends each unfinished participant that offset's reminder once.
The marker ``"<offset>:<participant key>"`` is written on the assessment item before the
e-mail goes out, so a rerun (or a second worker) never sends it twice. People who have
completed, deactivated users and people who switched e-mail notifications off get none.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from ninevectors.models.assessment import AssessmentItem, Participant
from ninevectors.models.principal import Principal
from ninevectors.services import email as mail
from ninevectors.services.assessments import _common as c
from ninevectors.services.assessments.participants import assessment_link
from ninevectors.services.identity import clock
from ninevectors.services.store.base import Filter, Item, PatchOperation, Query

REMINDER_OFFSETS: tuple[int, ...] = (7, 3, 1)


def reminder_offset(days_left: int) -> int | None:
    """The reminder due when ``days_left`` days remain: the smallest offset ≥ days_left."""
    if days_left < 1:
        return None
    fitting = [offset for offset in REMINDER_OFFSETS if days_left <= offset]
    return min(fitting) if fitting else None


def _wants_mail(user: Item | None) -> bool:
    if user is None or user.get("status") != "active":
        return False
    notifications = (user.get("preferences") or {}).get("notifications") or {}
    return notifications.get("email", True) is not False


def recipients(assessment: AssessmentItem) -> list[tuple[Participant, str]]:
    """(participant, e-mail address) of everyone who has not completed and may be mailed."""
    waiting = [p for p in assessment.participants if p.status != "completed"]
    ids = {p.user_id for p in waiting if p.user_id}
    users = c.users_by_id(assessment.organization_id, ids)
    found: list[tuple[Participant, str]] = []
    for participant in waiting:
        if participant.user_id:
            user = users.get(participant.user_id)
            if _wants_mail(user):
                found.append((participant, str(user["email"])))  # type: ignore[index]
        elif participant.email:
            found.append((participant, participant.email))
    return found


def _send(assessment: AssessmentItem, to: str, days_left: int | None) -> None:
    when = f"is due in {days_left} day{'s' if days_left != 1 else ''}" if days_left else "waits"
    due = f" (due {assessment.due_date[:10]})" if assessment.due_date else ""
    subject = f"Reminder: {assessment.name} {when}"
    text = (
        f'The assessment "{assessment.name}"{due} is waiting for your answers.\n'
        f"Your answers are saved as you go; pick up where you left off here:\n"
        f"{assessment_link(assessment.id)}\n"
    )
    mail.send_email(to, subject, text, organization_id=assessment.organization_id)


def _days_left(assessment: AssessmentItem, today: date) -> int | None:
    due = c.due_day(assessment)
    return None if due is None else (due - today).days


def send_reminders(principal: Principal, assessment_id: str) -> int:
    """Remind everyone who has not completed, now (owner, managers, admins); returns how
    many e-mails went out."""
    assessment = c.manageable(principal, assessment_id)
    c.require_status(assessment, "in-progress", doing="send reminders")
    days_left = _days_left(assessment, c.today())
    sent = recipients(assessment)
    for _participant, to in sent:
        _send(assessment, to, days_left if days_left and days_left > 0 else None)
    c.record("assessment.reminders_sent", principal, assessment.id, {"count": len(sent)})
    return len(sent)


def _in_progress_assessments() -> Iterator[Item]:
    """Every in-progress assessment of every organization (system job, cross-partition)."""
    filters = (Filter("type", "=", "assessment"), Filter("status", "=", "in-progress"))
    continuation: str | None = None
    while True:
        page = c.store().query(
            c.ASSESSMENTS, None, Query(filters=filters, limit=500, continuation=continuation)
        )
        yield from page.items
        continuation = page.continuation
        if not continuation:
            return


def _mark(assessment: AssessmentItem, marker: str) -> None:
    operation = PatchOperation("set", f"/remindersSent/{marker}", c.now_iso())
    c.store().patch(c.ASSESSMENTS, assessment.organization_id, assessment.id, [operation])


def _remind_scheduled(assessment: AssessmentItem, today: date) -> int:
    days_left = _days_left(assessment, today)
    offset = None if days_left is None else reminder_offset(days_left)
    if offset is None:
        return 0
    sent = 0
    for participant, to in recipients(assessment):
        marker = f"{offset}:{participant.key}"
        if marker in assessment.reminders_sent:
            continue
        _mark(assessment, marker)
        _send(assessment, to, days_left)
        sent += 1
    if sent:
        c.record(
            "assessment.reminders_scheduled", None, assessment.id,
            {"count": sent, "offsetDays": offset}, organization_id=assessment.organization_id,
        )  # fmt: skip
    return sent


def send_scheduled_reminders(now: datetime | None = None) -> int:
    """The periodic job (no principal): send the 7/3/1-day reminders that are due; returns
    how many e-mails went out. Safe to run as often as wanted."""
    today = clock.aware(now).date() if now else c.today()
    total = 0
    for item in _in_progress_assessments():
        total += _remind_scheduled(AssessmentItem.model_validate(item), today)
    return total
