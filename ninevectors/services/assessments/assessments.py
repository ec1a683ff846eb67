"""Assessments: create, read, list, change, move through the lifecycle, start the next round.
(Sharing the results with others: see sharing.py.)

Lifecycle: draft → in-progress → completed, completed → in-progress (reopen), and any status
→ archived. Only the owner, managers and admins (roles with assessments.view_all) move or
change an assessment. Answers are written only while it is in progress.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from ninevectors.models.assessment import (
    AssessmentConfiguration,
    AssessmentItem,
    AssessmentStatus,
    Participant,
)
from ninevectors.models.principal import Principal
from ninevectors.services.assessments import _common as c
from ninevectors.services.assessments.schemas import (
    AssessmentCreate,
    AssessmentListQuery,
    AssessmentUpdate,
    NextRoundInput,
)
from ninevectors.services.billing import entitlements
from ninevectors.services.billing.plans import Feature
from ninevectors.services.errors import ConflictError, ValidationFailed
from ninevectors.services.identity import roles
from ninevectors.services.pagination import ResultPage
from ninevectors.services.store.base import Filter, Item

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"in-progress", "archived"}),
    "in-progress": frozenset({"completed", "archived"}),
    "completed": frozenset({"in-progress", "archived"}),
    "archived": frozenset(),
}
_STAMPS = {"in-progress": "startedAt", "completed": "completedAt", "archived": "archivedAt"}
DRAFT_ONLY = frozenset({"required_vectors", "anonymous_responses"})
_ROUND_SUFFIX = re.compile(r"\s*\(round \d+\)$")


AssessmentPage = ResultPage[AssessmentItem]


def can_manage(principal: Principal, assessment: AssessmentItem) -> bool:
    """True when the principal may change this assessment: its owner, managers and admins of
    the same organization."""
    if assessment.organization_id != principal.organization_id:
        return False
    return c.sees_all(principal) or c.is_owner(principal, assessment)


PLAN_360: Feature = "360-review"  # the plan feature that allows 360-reviews


def _check_due(value: date | None) -> None:
    if value is not None and value < c.today():
        raise ValidationFailed("due_date", "The due date cannot be in the past.")


def _check_plan(organization_id: str, assessment_type: str) -> None:
    standing = entitlements.standing_of(organization_id)
    entitlements.require_new_work(standing, "name")
    entitlements.require_room(
        standing, "assessments", c.active_count(organization_id), field="name",
        message="Your plan allows {limit:g} assessments; archive one or upgrade.",
    )  # fmt: skip
    if assessment_type == "360-review":
        entitlements.require_feature(standing, PLAN_360, "type")


def _check_subject(principal: Principal, user_id: str | None) -> None:
    if user_id is None:
        return
    user = c.users_by_id(principal.organization_id, {user_id}).get(user_id)
    if user is None or user.get("status") != "active":
        raise ValidationFailed("subject_user_id", "Choose an active person of your organization.")


def _owner(principal: Principal, form: AssessmentCreate, now: str) -> Participant:
    respondent = None
    if form.type == "360-review":
        is_subject = form.subject_user_id == principal.user_id
        respondent = "self" if is_subject else (form.owner_respondent_type or "manager")
        if respondent == "self" and not is_subject:
            raise ValidationFailed("owner_respondent_type", "Only the subject answers as self.")
    return Participant(
        key=c.new_id("p"), user_id=principal.user_id, role="owner",
        respondent_type=respondent, invited_at=now,
    )  # fmt: skip


def _subject(form: AssessmentCreate, owner: Participant, now: str) -> list[Participant]:
    if form.type != "360-review" or form.subject_user_id == owner.user_id:
        return []
    subject = Participant(
        key=c.new_id("p"), user_id=form.subject_user_id, respondent_type="self", invited_at=now
    )
    return [subject]


def create_assessment(
    principal: Principal, data: AssessmentCreate | Mapping[str, Any]
) -> AssessmentItem:
    """A new draft assessment; the creator is its owner (assessments.create)."""
    roles.require(principal, roles.ASSESSMENTS_CREATE)
    form = AssessmentCreate.parse(data)
    _check_due(form.due_date)
    _check_subject(principal, form.subject_user_id)
    _check_plan(principal.organization_id, form.type)
    now = c.now_iso()
    owner = _owner(principal, form, now)
    item = AssessmentItem(
        id=c.new_id("assessment"),
        organization_id=principal.organization_id,
        name=form.name,
        description=form.description,
        assessment_type=form.type,
        created_by=principal.user_id,
        created_at=now,
        updated_at=now,
        due_date=c.due_iso(form.due_date) if form.due_date else None,
        subject_user_id=form.subject_user_id if form.type == "360-review" else None,
        participants=[owner, *_subject(form, owner, now)],
        configuration=AssessmentConfiguration(
            enable_ai_coaching=form.enable_ai_coaching,
            enable_benchmarking=form.enable_benchmarking,
            anonymous_responses=form.anonymous_responses,
            required_vectors=form.required_vectors,
        ),
        partition_key=principal.organization_id,
    )
    stored = AssessmentItem.model_validate(c.store().create(c.ASSESSMENTS, item.to_item()))
    c.record("assessment.created", principal, stored.id, {"name": stored.name})
    return stored


def get_assessment(principal: Principal, assessment_id: str) -> AssessmentItem:
    """One assessment: for its participants, roles with assessments.view_all and those it
    is shared with."""
    return c.visible(principal, assessment_id)


def _shared_with(item: Item, principal: Principal) -> bool:
    return principal.user_id in (item.get("sharedWith") or []) and roles.has_permission(
        principal.role, roles.ASSESSMENTS_VIEW_SHARED
    )


def _matches(item: Item, principal: Principal, search: str | None) -> bool:
    if not c.sees_all(principal):
        people = item.get("participants") or []
        takes_part = any(p.get("userId") == principal.user_id for p in people)
        if not (takes_part or _shared_with(item, principal)):
            return False
    if search:
        text = f"{item.get('name', '')} {item.get('description', '')}".casefold()
        return search.casefold() in text
    return True


def list_assessments(
    principal: Principal, query: AssessmentListQuery | Mapping[str, Any] | None = None
) -> AssessmentPage:
    """A page of assessments, newest first. Managers and admins see the organization's, others
    those they take part in or that are shared with them. Filters: status, type, search (name
    and description)."""
    params = AssessmentListQuery.parse(query or {})
    filters = [Filter("type", "=", "assessment")]
    if params.status:
        filters.append(Filter("status", "=", params.status))
    if params.type:
        filters.append(Filter("assessmentType", "=", params.type))
    items = c.query_all(c.ASSESSMENTS, principal.organization_id, tuple(filters))
    matching = [item for item in items if _matches(item, principal, params.search)]
    matching.sort(key=lambda item: (str(item.get("createdAt", "")), item["id"]), reverse=True)
    start = (params.page - 1) * params.page_size
    window = matching[start : start + params.page_size]
    return AssessmentPage(
        items=[AssessmentItem.model_validate(item) for item in window],
        total=len(matching),
        page=params.page,
        page_size=params.page_size,
    )


def _apply_update(item: Item, form: AssessmentUpdate) -> dict[str, Any]:
    """Apply the given changes to the raw item; return what changed (for the audit)."""
    if item["status"] == "archived":
        raise ConflictError("An archived assessment cannot be changed.")
    given = form.model_fields_set
    if given & DRAFT_ONLY and item["status"] != "draft":
        field = sorted(given & DRAFT_ONLY)[0]
        raise ValidationFailed(field, "Required vectors and anonymity can change only in draft.")
    changed: dict[str, Any] = {}
    for field, key in (("name", "name"), ("description", "description")):
        value = getattr(form, field)
        if field in given and value is not None and item.get(key) != value:
            item[key] = changed[key] = value
    if "due_date" in given:
        due = c.due_iso(form.due_date) if form.due_date else None
        if item.get("dueDate") != due:
            item["dueDate"] = changed["dueDate"] = due
    config = item["configuration"]
    for field, key in (
        ("required_vectors", "requiredVectors"),
        ("anonymous_responses", "anonymousResponses"),
        ("enable_ai_coaching", "enableAICoaching"),
        ("enable_benchmarking", "enableBenchmarking"),
    ):
        value = getattr(form, field)
        if field in given and value is not None and config.get(key) != value:
            config[key] = changed[key] = value
    return changed


def update_assessment(
    principal: Principal, assessment_id: str, changes: AssessmentUpdate | Mapping[str, Any]
) -> AssessmentItem:
    """Change name, description, due date and toggles (owner, managers, admins)."""
    form = AssessmentUpdate.parse(changes)
    current = c.manageable(principal, assessment_id)
    if "due_date" in form.model_fields_set:
        _check_due(form.due_date)
    changed: dict[str, Any] = {}

    def change(item: Item) -> None:
        changed.clear()
        changed.update(_apply_update(item, form))

    if not _apply_update(current.to_item(), form):
        return current
    saved = c.update_item(principal.organization_id, current.id, change)
    c.record("assessment.updated", principal, saved.id, changed)
    return saved


def _parse_status(value: object) -> AssessmentStatus:
    if not isinstance(value, str) or value not in TRANSITIONS:
        raise ValidationFailed("status", f"Status must be one of {', '.join(TRANSITIONS)}.")
    return value  # type: ignore[return-value]


def change_status(principal: Principal, assessment_id: str, status: str) -> AssessmentItem:
    """Move the assessment along its lifecycle (see TRANSITIONS); owner, managers, admins."""
    target = _parse_status(status)
    current = c.manageable(principal, assessment_id)
    old: list[str] = []

    def change(item: Item) -> None:
        if target not in TRANSITIONS[item["status"]]:
            raise ValidationFailed(
                "status", f"An assessment that is {item['status']} cannot become {target}."
            )
        old.append(item["status"])
        item["status"] = target
        item[_STAMPS[target]] = c.now_iso()

    saved = c.update_item(principal.organization_id, current.id, change)
    c.record("assessment.status_changed", principal, saved.id, {"from": old[-1], "to": target})
    if target == "completed":
        # Early submitters get their self-vs-others gaps now that everybody has answered.
        from ninevectors.services.coach.gaps import refresh_insights  # the coach reads us

        refresh_insights(principal.organization_id, saved.id)
    return saved


def _round_name(parent: AssessmentItem, round_number: int) -> str:
    base = _ROUND_SUFFIX.sub("", parent.name)
    return f"{base} (round {round_number})"[:200]


def _fresh_participants(parent: AssessmentItem, now: str) -> list[Participant]:
    return [
        Participant(
            key=c.new_id("p"),
            user_id=p.user_id,
            email=p.email,
            role=p.role,
            respondent_type=p.respondent_type,
            invited_at=now,
        )  # fmt: skip
        for p in parent.participants
    ]


def start_next_round(
    principal: Principal,
    assessment_id: str,
    data: NextRoundInput | Mapping[str, Any] | None = None,
) -> AssessmentItem:
    """A new draft with the same configuration and participants (reset to invited), linked
    to this one by parentAssessmentId, round number one higher."""
    form = NextRoundInput.parse(data or {})
    parent = c.manageable(principal, assessment_id)
    roles.require(principal, roles.ASSESSMENTS_CREATE)
    _check_due(form.due_date)
    _check_plan(principal.organization_id, parent.assessment_type)
    now = c.now_iso()
    round_number = parent.round + 1
    item = parent.model_copy(
        update={
            "id": c.new_id("assessment"),
            "name": form.name or _round_name(parent, round_number),
            "status": "draft",
            "created_by": principal.user_id,
            "created_at": now,
            "updated_at": now,
            "due_date": c.due_iso(form.due_date) if form.due_date else None,
            "parent_assessment_id": parent.id,
            "round": round_number,
            "participants": _fresh_participants(parent, now),
            "pending_emails": list(parent.pending_emails),
            "analytics": type(parent.analytics)(),
            "reminders_sent": {},
            "etag": None,
        }
    )
    stored = AssessmentItem.model_validate(c.store().create(c.ASSESSMENTS, item.to_item()))
    c.record(
        "assessment.round_started", principal, stored.id,
        {"parentAssessmentId": parent.id, "round": round_number},
    )  # fmt: skip
    return stored
