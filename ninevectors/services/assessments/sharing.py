"""Sharing an assessment's results: the owner, managers and admins list people of the
organization in the assessment's ``sharedWith``; those people (viewers included, who hold
only assessments.view_shared) then find the assessment in their list and read its dashboard's
aggregates, under the same anonymity rules. Sharing shows results only: it never lets anyone
answer, manage, see who takes part or export.
"""

from __future__ import annotations

from dataclasses import dataclass

from ninevectors.models.assessment import AssessmentItem
from ninevectors.models.principal import Principal
from ninevectors.services.assessments import _common as c
from ninevectors.services.errors import NotFoundError, ValidationFailed
from ninevectors.services.store.base import Item

NO_SUCH_PERSON = "Choose an active person of your organization to share with."


@dataclass(frozen=True)
class SharedPerson:
    user_id: str
    name: str
    email: str


def _person(principal: Principal, user_id: object) -> Item:
    """The active user of the principal's organization, or ValidationFailed/NotFoundError."""
    if not isinstance(user_id, str) or not user_id.strip():
        raise ValidationFailed("user_id", NO_SUCH_PERSON)
    user = c.users_by_id(principal.organization_id, {user_id.strip()}).get(user_id.strip())
    if user is None:
        raise NotFoundError("That person is not a user of your organization.")
    if user.get("status") != "active":
        raise ValidationFailed("user_id", f"{c.full_name(user)} is not an active user.")
    return user


def share_assessment(principal: Principal, assessment_id: str, user_id: str) -> AssessmentItem:
    """Share the assessment's results with an active user of the organization (owner,
    managers, admins). Sharing again changes nothing."""
    current = c.manageable(principal, assessment_id)
    person = _person(principal, user_id)
    if person["id"] in current.shared_with:
        return current

    def change(item: Item) -> None:
        shared = list(item.get("sharedWith") or [])
        if person["id"] not in shared:
            shared.append(person["id"])
        item["sharedWith"] = shared

    saved = c.update_item(principal.organization_id, current.id, change)
    c.record("assessment.shared", principal, saved.id, {"userId": person["id"]})
    return saved


def unshare_assessment(principal: Principal, assessment_id: str, user_id: str) -> AssessmentItem:
    """Stop sharing the results with that person (owner, managers, admins). Idempotent: a
    person it is not shared with (also a former member) changes nothing."""
    current = c.manageable(principal, assessment_id)
    if not isinstance(user_id, str) or user_id not in current.shared_with:
        return current

    def change(item: Item) -> None:
        item["sharedWith"] = [u for u in item.get("sharedWith") or [] if u != user_id]

    saved = c.update_item(principal.organization_id, current.id, change)
    c.record("assessment.unshared", principal, saved.id, {"userId": user_id})
    return saved


def list_shared_with(principal: Principal, assessment_id: str) -> list[SharedPerson]:
    """The people the results are shared with, by name (owner, managers, admins)."""
    assessment = c.manageable(principal, assessment_id)
    found = c.users_by_id(principal.organization_id, set(assessment.shared_with))
    people = [
        SharedPerson(uid, c.full_name(found.get(uid)), str(found.get(uid, {}).get("email", "")))
        for uid in assessment.shared_with
    ]
    return sorted(people, key=lambda p: (p.name.casefold(), p.email))
