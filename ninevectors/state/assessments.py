"""Assessments: the list (filters, search, pages), creating one, and one assessment's page
(lifecycle, participants, sharing the results, reminders, next round)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from ninevectors.framework import get_framework
from ninevectors.models.assessment import AssessmentItem
from ninevectors.models.principal import Principal
from ninevectors.services import assessments
from ninevectors.services.billing import overview as billing_overview
from ninevectors.services.billing.plans import cheapest_with
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import roles, users
from ninevectors.state.inputs import MALFORMED_FORM, form_fields, identifier, whole_number
from ninevectors.state.session import SessionState, friendly_error

PAGE_SIZE = 20
REVIEW_360_PLAN = getattr(cheapest_with("360-review"), "label", "")  # named on the disabled option
TYPE_LABELS = {
    "single": "Single",
    "multi-participant": "Multi-participant",
    "360-review": "360 review",
}
STATUS_ACTIONS = {
    "draft": [("in-progress", "Open for answers")],
    "in-progress": [("completed", "Close")],
    "completed": [("in-progress", "Reopen")],
    "archived": [],
}
RESPONDENT_TYPES = ["self", "peer", "manager", "direct-report"]
SEARCH_MAX = 100
PEOPLE_SHOWN = 200
CANNOT_CREATE = "Your role cannot create assessments."


@dataclass
class AssessmentRow:
    id: str
    name: str
    type_label: str
    status: str
    due_date: str
    participants: int
    completion: str
    shared: bool = False  # only shared with the principal: the dashboard is what it may open


@dataclass
class ParticipantRow:
    key: str
    name: str
    email: str
    role: str
    respondent_type: str
    status: str
    progress: int


@dataclass
class PersonOption:
    id: str
    label: str


@dataclass
class SharedRow:
    user_id: str
    name: str
    email: str


@dataclass
class StatusAction:
    status: str
    label: str


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _only_shared(principal: Principal, item: Any) -> bool:
    """True when the principal sees the assessment only because it is shared with it."""
    return principal.user_id in item.shared_with and not (
        assessments.can_manage(principal, item) or item.participant_of(principal.user_id)
    )


def _assessment_row(item: Any, shared: bool = False) -> AssessmentRow:
    rate = item.analytics.completion_rate
    return AssessmentRow(
        id=item.id,
        name=item.name,
        type_label=TYPE_LABELS.get(item.assessment_type, item.assessment_type),
        status=item.status,
        due_date=_text(item.due_date)[:10],
        participants=len(item.participants),
        completion=f"{rate:.0f}%" if item.participants else "—",
        shared=shared,
    )


# --- blocking reads and writes, run off the event loop (run_blocking) ------------------------


@dataclass
class _Listing:
    rows: list[AssessmentRow]
    total: int
    page_count: int


def _list_page(principal: Principal, query: dict[str, Any]) -> _Listing:
    listing = assessments.list_assessments(principal, query)
    rows = [_assessment_row(i, _only_shared(principal, i)) for i in listing.items]
    return _Listing(rows, listing.total, listing.page_count)


def _active_people(principal: Principal) -> list[PersonOption]:
    listing = users.list_users(principal, {"status": "active", "page_size": PEOPLE_SHOWN})
    return [PersonOption(u.id, f"{u.full_name} <{u.email}>") for u in listing.items]


@dataclass
class _Detail:
    """What the page of one assessment shows, read in one go."""

    item: AssessmentItem
    can_manage: bool
    shows_people: bool
    participants: list[assessments.ParticipantView]
    people: list[PersonOption] | None  # None: not read (not a manager, or already shown)
    shared: list[assessments.SharedPerson]


def _read_detail(principal: Principal, assessment_id: str, need_people: bool) -> _Detail:
    item = assessments.get_assessment(principal, assessment_id)
    manages = assessments.can_manage(principal, item)
    shows_people = manages or item.participant_of(principal.user_id) is not None
    participants = assessments.list_participants(principal, assessment_id) if shows_people else []
    people = _active_people(principal) if manages and need_people else None
    shared = assessments.list_shared_with(principal, assessment_id) if manages else []
    return _Detail(item, manages, shows_people, participants, people, shared)


@dataclass
class _Outcome:
    """An action on one assessment and the page read again after it."""

    result: Any = None
    failure: Exception | None = None
    detail: _Detail | None = None
    unreadable: Exception | None = None  # why the page could not be read again


def _act_and_read(
    principal: Principal,
    assessment_id: str,
    need_people: bool,
    action: Callable[..., Any],
    *args: Any,
) -> _Outcome:
    outcome = _Outcome()
    try:
        outcome.result = action(principal, assessment_id, *args)
    except Exception as error:  # noqa: BLE001 — the handler shows it
        outcome.failure = error
    try:
        outcome.detail = _read_detail(principal, assessment_id, need_people)
    except Exception as error:  # noqa: BLE001 — the handler shows it
        outcome.unreadable = error
    return outcome


# --- states ----------------------------------------------------------------------------------


class AssessmentsState(SessionState):
    rows: list[AssessmentRow] = []
    total: int = 0
    page: int = 1
    page_count: int = 1
    status_filter: str = ""
    search: str = ""
    can_create: bool = False
    create_open: bool = False
    create_error: str = ""  # shown on the list and in the "new assessment" dialog
    people: list[PersonOption] = []
    review_360_note: str = ""  # "" when the plan has 360-reviews; else which plans do

    async def _refresh(self, principal: Principal) -> None:
        query = {
            "status": self.status_filter or None,
            "search": self.search or None,
            "page": self.page,
            "page_size": PAGE_SIZE,
        }
        self.can_create = roles.has_permission(principal.role, roles.ASSESSMENTS_CREATE)
        try:
            listing = await run_blocking(_list_page, principal, query)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.create_error = friendly_error(error)
            return
        self.rows = listing.rows
        self.total, self.page_count = listing.total, listing.page_count

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.page, self.create_open, self.create_error = 1, False, ""
        await self._refresh(outcome)
        return None

    @rx.event
    async def set_status_filter(self, value: str) -> rx.event.EventSpec | None:
        if not isinstance(value, str) or (value and value not in STATUS_ACTIONS):
            self.create_error = "Choose one of the offered statuses."
            return None
        self.status_filter = value
        return await self._reload()

    @rx.event
    async def set_search(self, value: str) -> rx.event.EventSpec | None:
        if not isinstance(value, str):
            self.create_error = "The search must be text."
            return None
        self.search = value[:SEARCH_MAX]
        return await self._reload()

    @rx.event
    async def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        number = whole_number(page)
        if number is None or not 1 <= number <= self.page_count:
            self.create_error = "That page does not exist."
            return None
        self.page = number
        return await self._reload(keep_page=True)

    async def _reload(self, keep_page: bool = False) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if not keep_page:
            self.page = 1
        self.create_error = ""
        await self._refresh(outcome)
        return None

    @rx.event
    async def open_create(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if not roles.has_permission(outcome.role, roles.ASSESSMENTS_CREATE):
            self.create_error = CANNOT_CREATE  # the list stays visible; only creating is refused
            return None
        try:
            self.people = await run_blocking(_active_people, outcome)
            self.review_360_note = await run_blocking(
                billing_overview.missing_feature_note, outcome, "360-review"
            )
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.create_error = friendly_error(error)
            return None
        self.create_open, self.create_error = True, ""
        return None

    @rx.event
    def set_create_open(self, value: bool) -> None:
        self.create_open = value is True and self.can_create

    @rx.event
    async def create(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if not roles.has_permission(outcome.role, roles.ASSESSMENTS_CREATE):
            self.create_error = CANNOT_CREATE
            return None
        data = form_fields(form_data)
        if data is None:
            self.create_error = MALFORMED_FORM
            return None
        vectors = [v.id for v in get_framework().vectors if data.get(f"vector_{v.id}")]
        payload = {
            "name": data.get("name"),
            "description": data.get("description") or "",
            "due_date": data.get("due_date") or None,
            "type": data.get("type") or "single",
            "required_vectors": vectors,
            "anonymous_responses": bool(data.get("anonymous_responses")),
            "enable_ai_coaching": bool(data.get("enable_ai_coaching")),
            "enable_benchmarking": bool(data.get("enable_benchmarking")),
            "subject_user_id": data.get("subject_user_id") or None,
        }
        try:
            item = await run_blocking(assessments.create_assessment, outcome, payload)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.create_error = friendly_error(error)
            return None
        self.create_open, self.create_error = False, ""
        return rx.redirect(f"/assessments/{item.id}")


class AssessmentDetailState(SessionState):
    name: str = ""
    description: str = ""
    type_label: str = ""
    is_360: bool = False
    status: str = ""
    due_date: str = ""
    anonymous: bool = False
    round_number: int = 1
    parent_id: str = ""
    required_vectors: list[str] = []
    participants: list[ParticipantRow] = []
    people: list[PersonOption] = []
    actions: list[StatusAction] = []
    can_manage: bool = False
    shows_people: bool = False  # participants, managers, admins (not those only shared with)
    is_shared: bool = False  # the results are shared with the principal
    shared: list[SharedRow] = []
    share_options: list[PersonOption] = []
    is_participant: bool = False
    my_status: str = ""
    not_found: str = ""
    message: str = ""
    error: str = ""

    def _id(self) -> str:
        value = self.assessment_id  # the route's dynamic arg: whatever the browser sent
        return value if isinstance(value, str) else ""

    def _show(self, principal: Principal, detail: _Detail) -> None:
        item, framework = detail.item, get_framework()
        self.not_found = ""
        self.name, self.description = item.name, _text(item.description)
        self.type_label = TYPE_LABELS.get(item.assessment_type, item.assessment_type)
        self.is_360 = item.assessment_type == "360-review"
        self.status, self.due_date = item.status, _text(item.due_date)[:10]
        self.anonymous = bool(item.configuration.anonymous_responses)
        self.round_number = item.round
        self.parent_id = _text(item.parent_assessment_id)
        self.required_vectors = [
            framework.vector(v).name for v in item.configuration.required_vectors
        ]
        self.can_manage = detail.can_manage
        self.is_shared = principal.user_id in item.shared_with
        self.shows_people = detail.shows_people
        self.actions = [StatusAction(s, label) for s, label in STATUS_ACTIONS[item.status]]
        if detail.people is not None:
            self.people = detail.people
        self._show_people(principal, detail.participants)
        self._show_sharing(detail.shared)

    def _show_people(self, principal: Principal, rows: list[assessments.ParticipantView]) -> None:
        self.participants = [
            ParticipantRow(
                key=p.key,
                name=_text(p.name) or _text(p.email),
                email=_text(p.email),
                role=p.role,
                respondent_type=_text(p.respondent_type),
                status=p.status,
                progress=int(p.progress_percent or 0),
            )
            for p in rows
        ]
        mine = [p for p in rows if p.user_id == principal.user_id]
        self.is_participant = bool(mine)
        self.my_status = mine[0].status if mine else ""

    def _show_sharing(self, people: list[assessments.SharedPerson]) -> None:
        if not self.can_manage:
            self.shared, self.share_options = [], []
            return
        self.shared = [SharedRow(p.user_id, p.name, p.email) for p in people]
        taken = {p.user_id for p in people}
        self.share_options = [p for p in self.people if p.id not in taken]

    def _hide(self, reason: str) -> None:
        """The assessment cannot be shown (gone, or not visible to this person): show why and
        nothing of it, nor of the one shown before."""
        self.not_found = reason
        self.name = self.description = self.type_label = self.status = self.due_date = ""
        self.parent_id = self.my_status = ""
        self.is_360 = self.anonymous = self.can_manage = self.shows_people = False
        self.is_shared = self.is_participant = False
        self.round_number = 1
        self.required_vectors, self.participants, self.people, self.actions = [], [], [], []
        self.shared, self.share_options = [], []

    def _refuse(self, reason: str) -> None:
        self.error, self.message = reason, ""

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.message = self.error = self.not_found = ""
        self.people = []
        try:
            detail = await run_blocking(_read_detail, outcome, self._id(), True)
        except Exception as error:  # noqa: BLE001 — shown instead of the page
            self._hide(friendly_error(error))
            return None
        self._show(outcome, detail)
        return None

    async def _act(
        self, success: str, action: Callable[..., Any], *args: Any
    ) -> rx.event.EventSpec | None:
        """Run ``action(principal, assessment_id, *args)`` and read the page again, in one
        trip off the event loop; a refusal is shown, never raised."""
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        done = await run_blocking(
            _act_and_read, outcome, self._id(), not self.people, action, *args
        )
        if done.failure is None:
            self.error, self.message = "", success.format(result=done.result)
        else:
            self._refuse(friendly_error(done.failure))
        if done.unreadable is not None:
            self._hide(friendly_error(done.unreadable))
        elif done.detail is not None:
            self._show(outcome, done.detail)
        return None

    @rx.event
    async def change_status(self, status: str) -> rx.event.EventSpec | None:
        if not isinstance(status, str) or status not in STATUS_ACTIONS:
            self._refuse("Choose one of the offered status changes.")
            return None
        return await self._act("Status changed.", assessments.change_status, status)

    @rx.event
    async def archive(self) -> rx.event.EventSpec | None:
        return await self._act("Assessment archived.", assessments.change_status, "archived")

    @rx.event
    async def add_participant(self, form_data: dict) -> rx.event.EventSpec | None:
        data = form_fields(form_data)
        if data is None:
            self._refuse(MALFORMED_FORM)
            return None
        payload = {
            "user_id": data.get("user_id") or None,
            "email": data.get("email") or None,
            "respondent_type": data.get("respondent_type") or None,
        }
        return await self._act("Participant added.", assessments.add_participant, payload)

    @rx.event
    async def remove_participant(self, key: str) -> rx.event.EventSpec | None:
        participant = identifier(key)
        if participant is None:
            self._refuse("Choose a participant of the list to remove.")
            return None
        return await self._act("Participant removed.", assessments.remove_participant, participant)

    @rx.event
    async def share(self, form_data: dict) -> rx.event.EventSpec | None:
        data = form_fields(form_data)
        if data is None:
            self._refuse(MALFORMED_FORM)
            return None
        user_id = identifier(data.get("user_id"))
        if user_id is None:
            self._refuse("Choose a person to share the results with.")
            return None
        return await self._act("Results shared.", assessments.share_assessment, user_id)

    @rx.event
    async def stop_sharing(self, user_id: str) -> rx.event.EventSpec | None:
        person = identifier(user_id)
        if person is None:
            self._refuse("Choose a person of the list to stop sharing with.")
            return None
        return await self._act(
            "Stopped sharing the results.", assessments.unshare_assessment, person
        )

    @rx.event
    async def send_reminders(self) -> rx.event.EventSpec | None:
        return await self._act("Reminders sent: {result}.", assessments.send_reminders)

    @rx.event
    async def next_round(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            item = await run_blocking(assessments.start_next_round, outcome, self._id(), {})
        except Exception as error:  # noqa: BLE001 — shown to the person
            self._refuse(friendly_error(error))
            return None
        return rx.redirect(f"/assessments/{item.id}")
