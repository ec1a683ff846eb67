"""Who else is working on an assessment right now (the reference's "Real-time
Collaboration" key, a cache set with a 5-minute TTL).

Each member is ``"<user id>|<epoch seconds>"``: the set's own TTL restarts at every touch, so
the timestamp is what ages a person out after five quiet minutes.
"""

from __future__ import annotations

from ninevectors.models.principal import Principal
from ninevectors.services.assessments import _common as c
from ninevectors.services.cache import keys
from ninevectors.services.identity import clock


def _split(member: str) -> tuple[str, int]:
    user_id, _, stamp = member.rpartition("|")
    return user_id, int(stamp) if stamp.isdigit() else 0


def _prune(key: str, user_id: str, now: int) -> set[str]:
    """Drop the principal's old entry and stale entries; the other active user ids."""
    others: set[str] = set()
    for member in c.cache().set_members(key):
        who, seen = _split(member)
        if who == user_id or now - seen > keys.PRESENCE_TTL:
            c.cache().set_remove(key, member)
        elif who:
            others.add(who)
    return others


def touch_presence(principal: Principal, assessment_id: str) -> list[str]:
    """Mark the principal as active on the assessment; the names of the OTHER people active
    in the last five minutes, sorted."""
    assessment = c.with_people(principal, assessment_id)
    key = keys.presence(assessment.id)
    now = int(clock.utcnow().timestamp())
    others = _prune(key, principal.user_id, now)
    c.cache().set_add(key, f"{principal.user_id}|{now}", keys.PRESENCE_TTL)
    users = c.users_by_id(principal.organization_id, others)
    return sorted(c.full_name(users[uid]) for uid in others if uid in users)


def leave_presence(principal: Principal, assessment_id: str) -> None:
    """Take the principal off the assessment's active list (page closed)."""
    assessment = c.with_people(principal, assessment_id)
    _prune(keys.presence(assessment.id), principal.user_id, int(clock.utcnow().timestamp()))
