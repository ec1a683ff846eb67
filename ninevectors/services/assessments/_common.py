"""Helpers the assessment services share: scoped loads, access rules, response ids, updates
that retry on concurrent change, audit."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from cachetools import TTLCache

from ninevectors.models.assessment import AssessmentItem, Participant
from ninevectors.models.principal import Principal
from ninevectors.services.backends import get_cache, get_store
from ninevectors.services.cache.base import Cache
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError
from ninevectors.services.identity import _common as identity_common
from ninevectors.services.identity import clock, roles
from ninevectors.services.store.base import DocumentStore, Filter, Item, PreconditionFailed
from ninevectors.settings import get_settings

ASSESSMENTS = "assessments"
RESPONSES = "responses"
USERS = "users"
WRITE_ATTEMPTS = 8
NOT_FOUND = "Assessment not found."

new_id = identity_common.new_id
query_all = identity_common.query_all

# Participation checks reused by answer saves (see answers.py), keyed by
# (organization, user, role, assessment). Every change of an assessment through
# update_item drops its entries in this process; other processes see it within the TTL.
PARTICIPATION_TTL = 10
_participation_lock = threading.Lock()
_participations: TTLCache[tuple[str, str, str, str], Any] = TTLCache(
    maxsize=20_000, ttl=PARTICIPATION_TTL
)


def remembered_participation(key: tuple[str, str, str, str]) -> Any | None:
    with _participation_lock:
        return _participations.get(key)


def remember_participation(key: tuple[str, str, str, str], value: Any) -> None:
    with _participation_lock:
        _participations[key] = value


_assessments: TTLCache[tuple[str, str], AssessmentItem] = TTLCache(
    maxsize=2_000, ttl=PARTICIPATION_TTL
)


def shared_assessment(principal: Principal, assessment_id: str) -> AssessmentItem:
    """The assessment as loaded at most ``PARTICIPATION_TTL`` seconds ago by this process, the
    same copy for everyone of its organization (for answer saves: one load, not one each)."""
    key = (principal.organization_id, assessment_id)
    with _participation_lock:
        known = _assessments.get(key)
    if known is not None:
        return known
    loaded = load(principal, assessment_id)
    with _participation_lock:
        _assessments[key] = loaded
    return loaded


def forget_participations(assessment_id: str | None = None) -> None:
    """Drop remembered checks and shared copies (of one assessment, or all)."""
    with _participation_lock:
        if assessment_id is None:
            _participations.clear()
            _assessments.clear()
            return
        for key in [k for k in _participations if k[3] == assessment_id]:
            _participations.pop(key, None)
        for shared in [k for k in _assessments if k[1] == assessment_id]:
            _assessments.pop(shared, None)


def store() -> DocumentStore:
    return get_store()


def cache() -> Cache:
    return get_cache()


def now_iso() -> str:
    return clock.iso(clock.utcnow())


def due_iso(value: date) -> str:
    """The reference's due-date shape: the end of the due day, UTC."""
    return f"{value.isoformat()}T23:59:59Z"


def due_day(item: AssessmentItem) -> date | None:
    return clock.parse_iso(item.due_date).date() if item.due_date else None


def today() -> date:
    return clock.utcnow().date()


def response_id(assessment_id: str, user_id: str) -> str:
    """The id of a person's response: an HMAC of (assessment, user) with the secret key, so
    it cannot be linked back to the person without the key (anonymous assessments)."""
    key = get_settings().secret_key.get_secret_value().encode("utf-8")
    message = f"{assessment_id}\x1f{user_id}".encode()
    return "resp_" + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def load_item(principal: Principal, assessment_id: object) -> Item:
    """The raw assessment item of the principal's organization, or NotFoundError."""
    item = identity_common.get_item(ASSESSMENTS, principal.organization_id, assessment_id, "x")
    if item.get("type") != "assessment":
        raise NotFoundError(NOT_FOUND)
    return item


def load(principal: Principal, assessment_id: object) -> AssessmentItem:
    try:
        return AssessmentItem.model_validate(load_item(principal, assessment_id))
    except NotFoundError:
        raise NotFoundError(NOT_FOUND) from None


def sees_all(principal: Principal) -> bool:
    return roles.has_permission(principal.role, roles.ASSESSMENTS_VIEW_ALL)


def is_owner(principal: Principal, assessment: AssessmentItem) -> bool:
    if assessment.created_by == principal.user_id:
        return True
    me = assessment.participant_of(principal.user_id)
    return me is not None and me.role == "owner"


def is_shared_with(principal: Principal, assessment: AssessmentItem) -> bool:
    """True when the assessment's results are shared with the principal (sharedWith) and its
    role may see what is shared (assessments.view_shared)."""
    if assessment.organization_id != principal.organization_id:
        return False
    return principal.user_id in assessment.shared_with and roles.has_permission(
        principal.role, roles.ASSESSMENTS_VIEW_SHARED
    )


def takes_part(principal: Principal, assessment: AssessmentItem) -> bool:
    """True for those who see the assessment's people: participants, managers and admins
    (not someone it is only shared with)."""
    if assessment.organization_id != principal.organization_id:
        return False
    return sees_all(principal) or assessment.participant_of(principal.user_id) is not None


def can_see(principal: Principal, assessment: AssessmentItem) -> bool:
    return takes_part(principal, assessment) or is_shared_with(principal, assessment)


def visible(principal: Principal, assessment_id: object) -> AssessmentItem:
    """The assessment when the principal may see it; NotFoundError otherwise (no hint)."""
    assessment = load(principal, assessment_id)
    if not can_see(principal, assessment):
        raise NotFoundError(NOT_FOUND)
    return assessment


def with_people(principal: Principal, assessment_id: object) -> AssessmentItem:
    """The assessment when the principal may see its participants (see takes_part);
    NotFoundError when it may not see it at all, Forbidden when it is only shared with it."""
    assessment = visible(principal, assessment_id)
    if not takes_part(principal, assessment):
        raise Forbidden("Only participants, managers and admins see who takes part.")
    return assessment


def manageable(principal: Principal, assessment_id: object) -> AssessmentItem:
    """The assessment when the principal may manage it (owner, managers and up)."""
    assessment = visible(principal, assessment_id)
    if not (sees_all(principal) or is_owner(principal, assessment)):
        raise Forbidden("Only the owner, managers and admins can change this assessment.")
    return assessment


def my_participation(
    principal: Principal, assessment_id: object
) -> tuple[AssessmentItem, Participant]:
    """The assessment and the principal's participant entry (participants who may answer)."""
    roles.require(principal, roles.ASSESSMENTS_PARTICIPATE)
    return participant_in(principal, visible(principal, assessment_id))


def participant_in(
    principal: Principal, assessment: AssessmentItem
) -> tuple[AssessmentItem, Participant]:
    """``my_participation`` on an assessment already loaded."""
    roles.require(principal, roles.ASSESSMENTS_PARTICIPATE)
    if not can_see(principal, assessment):
        raise NotFoundError(NOT_FOUND)
    me = assessment.participant_of(principal.user_id)
    if me is None:
        raise Forbidden("You are not a participant of this assessment.")
    return assessment, me


def require_status(assessment: AssessmentItem, *allowed: str, doing: str) -> None:
    if assessment.status not in allowed:
        raise ConflictError(f"This assessment is {assessment.status}; you cannot {doing} now.")


def update_item(
    organization_id: str, assessment_id: str, change: Callable[[Item], None]
) -> AssessmentItem:
    """Read, apply ``change`` and write back guarded by the etag; on a concurrent change read
    again and re-apply (``change`` may raise to refuse: then nothing is written)."""
    for _attempt in range(WRITE_ATTEMPTS):
        item = identity_common.get_item(ASSESSMENTS, organization_id, assessment_id, "Assessment")
        change(item)
        item["updatedAt"] = now_iso()
        try:
            stored = store().replace(ASSESSMENTS, item, etag=item.get("_etag"))
        except PreconditionFailed:
            continue
        forget_participations(assessment_id)
        return AssessmentItem.model_validate(stored)
    raise ConflictError("The assessment is changing too often right now; try again.")


def active_count(organization_id: str) -> int:
    filters = (Filter("type", "=", "assessment"), Filter("status", "!=", "archived"))
    return store().count(ASSESSMENTS, organization_id, filters)


def users_by_id(organization_id: str, user_ids: set[str]) -> dict[str, Item]:
    """User items of the organization, by id (only those asked for)."""
    if not user_ids:
        return {}
    found = query_all(USERS, organization_id, (Filter("id", "in", sorted(user_ids)),))
    return {user["id"]: user for user in found}


def full_name(user: Item | None, fallback: str = "Former member") -> str:
    if not user:
        return fallback
    return f"{user.get('firstName', '')} {user.get('lastName', '')}".strip() or fallback


def record(
    action: str,
    principal: Principal | None,
    assessment_id: str,
    details: dict[str, Any] | None = None,
    organization_id: str | None = None,
) -> None:
    identity_common.record(
        action,
        "assessment",
        principal,
        organization_id=organization_id,
        resource_id=assessment_id,
        details=details,
    )


def parse_time(value: str | None) -> datetime | None:
    return clock.parse_iso(value) if value else None
