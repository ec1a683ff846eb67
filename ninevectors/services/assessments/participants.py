"""Participants of an assessment: add colleagues (or new people by e-mail, through the
invitation flow), remove them, list them with status and progress.

Status and progress are shown even when responses are anonymous: they say who has finished,
never what anyone answered. Progress is read from each person's response, found by its
HMAC id on the server; the list never carries a response id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ninevectors.models.assessment import AssessmentItem, Participant, RespondentType
from ninevectors.models.principal import Principal
from ninevectors.services import email as mail
from ninevectors.services.assessments import _common as c
from ninevectors.services.assessments.schemas import ParticipantInput
from ninevectors.services.assessments.scoring import progress
from ninevectors.services.errors import ConflictError, NotFoundError, ValidationFailed
from ninevectors.services.identity import invitations, roles
from ninevectors.services.identity.roles import Role
from ninevectors.services.store.base import Filter, Item
from ninevectors.settings import get_settings


@dataclass(frozen=True)
class ParticipantView:
    key: str
    user_id: str | None
    name: str
    email: str | None
    role: str
    respondent_type: str | None
    status: str
    progress_percent: int
    completed_at: str | None


def assessment_link(assessment_id: str) -> str:
    return f"{get_settings().public_url}/assessments/{assessment_id}"


def _user_by_email(organization_id: str, email: str) -> Item | None:
    found = c.query_all(c.USERS, organization_id, (Filter("email", "=", email),))
    return found[0] if found else None


def _check_colleague(user: Item | None) -> Item:
    if user is None or user.get("status") != "active":
        raise ValidationFailed("user_id", "Choose an active person of your organization.")
    if not roles.has_permission(str(user.get("role")), roles.ASSESSMENTS_PARTICIPATE):
        raise ValidationFailed("user_id", "Viewers cannot take part in assessments.")
    return user


def _respondent_type(
    assessment: AssessmentItem, user_id: str | None, given: RespondentType | None
) -> RespondentType | None:
    if assessment.assessment_type != "360-review":
        return None
    if user_id is not None and user_id == assessment.subject_user_id:
        return "self"
    if given == "self":
        raise ValidationFailed("respondent_type", "Only the person reviewed answers as self.")
    return given or "peer"


def _ensure_invited(principal: Principal, email: str) -> None:
    """Invite ``email`` to the organization as a member unless an invitation is pending."""
    if any(inv.email == email for inv in invitations.list_invitations(principal)):
        return
    invitations.invite(principal, email, Role.MEMBER)


def _notify(assessment: AssessmentItem, to: str) -> None:
    subject = f"You are invited to the assessment {assessment.name}"
    text = (
        f'You have been asked to take part in the assessment "{assessment.name}".\n\n'
        f"Open it here: {assessment_link(assessment.id)}\n"
    )
    mail.send_email(to, subject, text, organization_id=assessment.organization_id)


def _add(entry: Participant) -> Any:
    def change(item: Item) -> None:
        people = item.setdefault("participants", [])
        if entry.user_id and any(p.get("userId") == entry.user_id for p in people):
            raise ConflictError("This person already takes part in the assessment.")
        if entry.email and entry.email in item.setdefault("pendingEmails", []):
            raise ConflictError("This e-mail address is already invited to the assessment.")
        people.append(entry.to_item())
        if entry.email:
            item["pendingEmails"].append(entry.email)

    return change


def _check_addable(assessment: AssessmentItem) -> None:
    c.require_status(assessment, "draft", "in-progress", doing="add participants")
    if assessment.assessment_type == "single":
        raise ValidationFailed(
            "user_id", "A single-participant assessment is answered by its owner alone."
        )


def add_participant(
    principal: Principal, assessment_id: str, data: ParticipantInput | Mapping[str, Any]
) -> AssessmentItem:
    """Add a colleague (``user_id``) or a person by ``email``; an e-mail of someone not in the
    organization is invited as a member and joins when they accept (see
    :func:`claim_pending_participations`)."""
    form = ParticipantInput.parse(data)
    assessment = c.manageable(principal, assessment_id)
    _check_addable(assessment)
    user: Item | None = None
    if form.user_id:
        user = _check_colleague(
            c.users_by_id(principal.organization_id, {form.user_id}).get(form.user_id)
        )
    else:
        user = _user_by_email(principal.organization_id, str(form.email))
        if user is not None:
            _check_colleague(user)
    user_id = user["id"] if user else None
    entry = Participant(
        key=c.new_id("p"),
        user_id=user_id,
        email=None if user else form.email,
        respondent_type=_respondent_type(assessment, user_id, form.respondent_type),
        invited_at=c.now_iso(),
    )
    _add(entry)(assessment.to_item())  # refuse duplicates before inviting anyone
    if user is None:
        _ensure_invited(principal, str(form.email))
    saved = c.update_item(principal.organization_id, assessment.id, _add(entry))
    if user is not None and saved.status == "in-progress":
        _notify(saved, str(user["email"]))
    c.record(
        "assessment.participant_added", principal, saved.id,
        {"participant": entry.key, "userId": user_id, "email": entry.email},
    )  # fmt: skip
    return saved


def _remove(key: str, removed: list[Participant]) -> Any:
    def change(item: Item) -> None:
        people = item.get("participants") or []
        entry = next((p for p in people if p.get("key") == key), None)
        if entry is None:
            raise NotFoundError("Participant not found.")
        if entry.get("role") == "owner":
            raise ValidationFailed("participant", "The owner cannot be removed.")
        if entry.get("status") == "completed":
            raise ConflictError("This person has submitted; their answers stay in the results.")
        if entry.get("userId") and entry.get("userId") == item.get("subjectUserId"):
            raise ValidationFailed("participant", "The person reviewed cannot be removed.")
        people.remove(entry)
        if entry.get("email") in item.get("pendingEmails", []):
            item["pendingEmails"].remove(entry["email"])
        removed.append(Participant.model_validate(entry))

    return change


def remove_participant(
    principal: Principal, assessment_id: str, participant_key: str
) -> AssessmentItem:
    """Take someone off the assessment (not the owner, not someone who submitted); their
    unfinished answers are deleted."""
    assessment = c.manageable(principal, assessment_id)
    c.require_status(assessment, "draft", "in-progress", doing="remove participants")
    if not isinstance(participant_key, str):
        raise NotFoundError("Participant not found.")
    removed: list[Participant] = []
    saved = c.update_item(
        principal.organization_id, assessment.id, _remove(participant_key, removed)
    )
    gone = removed[-1]
    if gone.user_id:
        c.identity_common.delete_quietly(
            c.RESPONSES, principal.organization_id, c.response_id(assessment.id, gone.user_id)
        )
    c.record(
        "assessment.participant_removed", principal, saved.id,
        {"participant": gone.key, "userId": gone.user_id, "email": gone.email},
    )  # fmt: skip
    return saved


def _progress_of(assessment: AssessmentItem, response: Item | None) -> int:
    if response is None:
        return 0
    if response.get("status") == "submitted":
        return 100
    required = response.get("requiredVectors") or assessment.configuration.required_vectors
    return progress(response.get("answers") or {}, required).percent


def list_participants(principal: Principal, assessment_id: str) -> list[ParticipantView]:
    """Everyone on the assessment with status and progress (also when anonymous)."""
    assessment = c.with_people(principal, assessment_id)
    ids = {p.user_id for p in assessment.participants if p.user_id}
    users = c.users_by_id(principal.organization_id, ids)
    responses = {
        item["id"]: item
        for item in c.query_all(
            c.RESPONSES, principal.organization_id, (Filter("assessmentId", "=", assessment.id),)
        )
    }
    views = []
    for p in assessment.participants:
        user = users.get(p.user_id) if p.user_id else None
        response = responses.get(c.response_id(assessment.id, p.user_id)) if p.user_id else None
        views.append(
            ParticipantView(
                key=p.key,
                user_id=p.user_id,
                name=c.full_name(user) if p.user_id else str(p.email),
                email=str(user.get("email")) if user else p.email,
                role=p.role,
                respondent_type=p.respondent_type,
                status=p.status,
                progress_percent=_progress_of(assessment, response),
                completed_at=p.completed_at,
            )
        )
    return views


def _claim(user_id: str, email: str) -> Any:
    def change(item: Item) -> None:
        people = item.get("participants") or []
        already = any(p.get("userId") == user_id for p in people)
        for entry in list(people):
            if entry.get("email") == email and not entry.get("userId"):
                if already:
                    people.remove(entry)
                else:
                    entry.update(userId=user_id, email=None)
                    already = True
        item["pendingEmails"] = [e for e in item.get("pendingEmails", []) if e != email]

    return change


def claim_pending_participations(principal: Principal) -> int:
    """Link the participations waiting for the principal's e-mail address (invited before
    they had an account) to the principal; returns how many assessments were linked. The UI
    calls it on log-in or on the first dashboard load."""
    me = c.users_by_id(principal.organization_id, {principal.user_id}).get(principal.user_id)
    if me is None or not me.get("email"):
        return 0
    email = str(me["email"]).lower()
    waiting = c.query_all(
        c.ASSESSMENTS,
        principal.organization_id,
        (Filter("type", "=", "assessment"), Filter("pendingEmails", "contains", email)),
    )
    for item in waiting:
        c.update_item(principal.organization_id, item["id"], _claim(principal.user_id, email))
        c.record("assessment.participation_claimed", principal, item["id"], {"email": email})
    return len(waiting)
