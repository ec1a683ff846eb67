"""Assessments: the list (filters, search, pages), creating one, and one assessment's page
(lifecycle, participants, sharing the results, reminders, next round)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ninevectors.framework import get_framework
from ninevectors.models.principal import Principal
from ninevectors.services import assessments
from ninevectors.services.identity import roles, users
from ninevectors.state.session import SessionState, friendly_error

PAGE_SIZE = 20
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


class AssessmentsState(SessionState):
    rows: list[AssessmentRow] = []
    total: int = 0
    page: int = 1
    page_count: int = 1
    status_filter: str = ""
    search: str = ""
    can_create: bool = False
    create_open: bool = False
    create_error: str = ""
    people: list[PersonOption] = []

    def _refresh(self, principal: Principal) -> None:
        query = {
            "status": self.status_filter or None,
            "search": self.search or None,
            "page": self.page,
            "page_size": PAGE_SIZE,
        }
        listing = assessments.list_assessments(principal, query)
        self.rows = [_assessment_row(i, _only_shared(principal, i)) for i in listing.items]
        self.total, self.page_count = listing.total, listing.page_count
        self.can_create = roles.has_permission(principal.role, roles.ASSESSMENTS_CREATE)

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.page, self.create_open, self.create_error = 1, False, ""
        self._refresh(outcome)
        return None

    @rx.event
    def set_status_filter(self, value: str) -> rx.event.EventSpec | None:
        self.status_filter = value if value in STATUS_ACTIONS else ""
        return self._reload()

    @rx.event
    def set_search(self, value: str) -> rx.event.EventSpec | None:
        self.search = value[:100] if isinstance(value, str) else ""
        return self._reload()

    @rx.event
    def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        if isinstance(page, int) and 1 <= page <= self.page_count:
            self.page = page
        return self._reload(keep_page=True)

    def _reload(self, keep_page: bool = False) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if not keep_page:
            self.page = 1
        self._refresh(outcome)
        return None

    @rx.event
    def open_create(self) -> rx.event.EventSpec | None:
        outcome = self._authorize(roles.ASSESSMENTS_CREATE)
        if not isinstance(outcome, Principal):
            return outcome
        if not self.allowed:
            self.allowed = True  # the list stays visible; only creating is refused
            self.create_error = "Your role cannot create assessments."
            return None
        listing = users.list_users(outcome, {"status": "active", "page_size": 200})
        self.people = [PersonOption(u.id, f"{u.full_name} <{u.email}>") for u in listing.items]
        self.create_open, self.create_error = True, ""
        return None

    @rx.event
    def set_create_open(self, value: bool) -> None:
        self.create_open = bool(value) and self.can_create

    @rx.event
    def create(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = self._authorize(roles.ASSESSMENTS_CREATE)
        if not isinstance(outcome, Principal):
            return outcome
        data = form_data if isinstance(form_data, dict) else {}
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
            item = assessments.create_assessment(outcome, payload)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.allowed = True
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
        return str(self.assessment_id)

    def _fill(self, principal: Principal) -> None:
        item = assessments.get_assessment(principal, self._id())
        framework = get_framework()
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
        self.can_manage = assessments.can_manage(principal, item)
        self.is_shared = principal.user_id in item.shared_with
        self.shows_people = self.can_manage or item.participant_of(principal.user_id) is not None
        self.actions = [StatusAction(s, label) for s, label in STATUS_ACTIONS[item.status]]
        self._fill_people(principal)
        self._fill_sharing(principal)

    def _fill_people(self, principal: Principal) -> None:
        if not self.shows_people:
            self.participants, self.is_participant, self.my_status = [], False, ""
            return
        rows = assessments.list_participants(principal, self._id())
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
        if self.can_manage and not self.people:
            listing = users.list_users(principal, {"status": "active", "page_size": 200})
            self.people = [PersonOption(u.id, f"{u.full_name} <{u.email}>") for u in listing.items]

    def _fill_sharing(self, principal: Principal) -> None:
        if not self.can_manage:
            self.shared, self.share_options = [], []
            return
        people = assessments.list_shared_with(principal, self._id())
        self.shared = [SharedRow(p.user_id, p.name, p.email) for p in people]
        taken = {p.user_id for p in people}
        self.share_options = [p for p in self.people if p.id not in taken]

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.message = self.error = self.not_found = ""
        self.people = []
        try:
            self._fill(outcome)
        except Exception as error:  # noqa: BLE001
            self.not_found = friendly_error(error)
        return None

    def _act(self, action, success: str) -> rx.event.EventSpec | None:  # noqa: ANN001
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            result = action(outcome)
        except Exception as error:  # noqa: BLE001
            self.error, self.message = friendly_error(error), ""
        else:
            self.error, self.message = "", success.format(result=result)
        self._fill(outcome)
        return None

    @rx.event
    def change_status(self, status: str) -> rx.event.EventSpec | None:
        return self._act(
            lambda p: assessments.change_status(p, self._id(), str(status)), "Status changed."
        )

    @rx.event
    def archive(self) -> rx.event.EventSpec | None:
        return self._act(
            lambda p: assessments.change_status(p, self._id(), "archived"), "Assessment archived."
        )

    @rx.event
    def add_participant(self, form_data: dict) -> rx.event.EventSpec | None:
        data = form_data if isinstance(form_data, dict) else {}
        payload = {
            "user_id": data.get("user_id") or None,
            "email": data.get("email") or None,
            "respondent_type": data.get("respondent_type") or None,
        }
        return self._act(
            lambda p: assessments.add_participant(p, self._id(), payload), "Participant added."
        )

    @rx.event
    def remove_participant(self, key: str) -> rx.event.EventSpec | None:
        return self._act(
            lambda p: assessments.remove_participant(p, self._id(), str(key)),
            "Participant removed.",
        )

    @rx.event
    def share(self, form_data: dict) -> rx.event.EventSpec | None:
        data = form_data if isinstance(form_data, dict) else {}
        user_id = str(data.get("user_id") or "")
        return self._act(
            lambda p: assessments.share_assessment(p, self._id(), user_id), "Results shared."
        )

    @rx.event
    def stop_sharing(self, user_id: str) -> rx.event.EventSpec | None:
        return self._act(
            lambda p: assessments.unshare_assessment(p, self._id(), str(user_id)),
            "Stopped sharing the results.",
        )

    @rx.event
    def send_reminders(self) -> rx.event.EventSpec | None:
        return self._act(
            lambda p: assessments.send_reminders(p, self._id()), "Reminders sent: {result}."
        )

    @rx.event
    def next_round(self) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            item = assessments.start_next_round(outcome, self._id(), {})
        except Exception as error:  # noqa: BLE001
            self.error = friendly_error(error)
            return None
        return rx.redirect(f"/assessments/{item.id}")
