"""Sessions: durable records in the database, the cache in front.

Signing in (password, sign-up, accepted invitation) calls :func:`begin_session`, which
writes a ``user_sessions`` row and returns a one-time *hand-off code* (60 s). The browser
takes it to ``GET /auth/session`` (``ninevectors/api/session_cookie.py``), where
:func:`redeem_handoff` mints the opaque token that goes into the HttpOnly cookie. Only
SHA-256 hashes of the code and the token are stored.

Every request resolves the cookie's token with :func:`resolve_session`: one cache round trip
(``session:<hash>`` read and its one-hour sliding expiry restarted in one command). A cache
miss — a restart of the embedded default, a flushed or restarted Redis — reads the row and
fills the cache again, so nobody is logged out by either; while the cache is unreachable the
row answers alone. The row's ``last_seen_at`` moves at most every ``TOUCH_EVERY`` seconds,
so the idle limit holds across cache losses without a database write per request.

Ending a session (log-out, deactivation, role change, password reset) marks the row first,
then removes the cache entry. Tokens and codes are never logged or audited.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

from sqlmodel import col, delete, or_, select, update

from ninevectors.models.principal import Principal
from ninevectors.models.tables import UserSession
from ninevectors.services.backends import get_cache
from ninevectors.services.cache import keys
from ninevectors.services.cache.base import CacheUnavailable
from ninevectors.services.database import session_scope
from ninevectors.services.identity import _common, clock

log = logging.getLogger(__name__)

SESSION_TTL = keys.SESSION_TTL  # idle limit (sliding), seconds
SESSION_MAX_AGE = 12 * 3600  # absolute cap, seconds
HANDOFF_TTL = 60  # seconds to take the hand-off code to the cookie route
TOUCH_EVERY = 300  # seconds between writes of last_seen_at
COOKIE_NAME = "nv_session"
MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True)
class LoginResult:
    """A started session: ``handoff`` goes to the cookie route (never log it)."""

    handoff: str
    principal: Principal
    session_id: str


@dataclass(frozen=True)
class SessionInfo:
    """One live session, as a person or an admin sees it."""

    id: str
    created_at: datetime
    last_seen_at: datetime
    ip_address: str | None
    user_agent: str | None
    auth_method: str


def _now() -> datetime:
    return clock.utcnow()


def _cached(row: UserSession, seen: datetime) -> dict[str, Any]:
    return {
        "sid": row.id,
        "userId": row.user_id,
        "organizationId": row.organization_id,
        "role": row.role,
        "exp": int(clock.aware(row.expires_at).timestamp()),
        "seen": int(seen.timestamp()),
    }


def _quietly(action: str, operation: Any) -> Any:
    """Run a cache operation; an unreachable cache is logged and answers None."""
    try:
        return operation()
    except CacheUnavailable as error:
        log.warning("session cache %s skipped: %s", action, error)
        return None


# --- starting --------------------------------------------------------------------------------


def begin_session(
    user_id: str,
    organization_id: str,
    role: str,
    ip_address: str | None = None,
    user_agent: str | None = None,
    auth_method: str = "password",
) -> LoginResult:
    """Record a session for an authenticated person; the cookie is set when the returned
    hand-off code is redeemed."""
    now = _now()
    code = _common.new_token()
    row = UserSession(
        id=f"sess_{uuid.uuid4().hex}",
        user_id=user_id,
        organization_id=organization_id,
        role=role,
        handoff_hash=_common.token_hash(code),
        handoff_expires_at=now + timedelta(seconds=HANDOFF_TTL),
        auth_method=auth_method,
        ip_address=(ip_address or None) and ip_address[:45],
        user_agent=(user_agent or None) and user_agent[:500],
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=SESSION_MAX_AGE),
    )
    with session_scope() as db:
        db.add(row)
    principal = Principal(user_id, organization_id, role, ip_address, user_agent)
    return LoginResult(handoff=code, principal=principal, session_id=row.id)


def redeem_handoff(code: object) -> str | None:
    """The session token for a hand-off code, once (None when unknown, used or expired)."""
    if not isinstance(code, str) or not code or len(code) > MAX_TOKEN_LENGTH:
        return None
    now = _now()
    token = _common.new_token()
    claim = (
        update(UserSession)
        .where(
            col(UserSession.handoff_hash) == _common.token_hash(code),
            col(UserSession.handoff_expires_at) > now,
            col(UserSession.ended_at).is_(None),
        )
        .values(
            handoff_hash=None,
            handoff_expires_at=None,
            token_hash=_common.token_hash(token),
            last_seen_at=now,
        )
    )
    with session_scope() as db:
        if db.exec(claim).rowcount != 1:
            return None
    return token


def token_from_cookie_header(header: str | None) -> str:
    """The session token in a ``Cookie`` header, or '' (malformed headers count as none)."""
    if not header:
        return ""
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header)
    except Exception:  # noqa: BLE001 — a garbled header is simply no session
        return ""
    morsel = cookies.get(COOKIE_NAME)
    return morsel.value if morsel is not None else ""


# --- resolving -------------------------------------------------------------------------------


def _principal(value: dict[str, Any], ip_address: str | None, user_agent: str | None) -> Principal:
    return Principal(
        user_id=str(value["userId"]),
        organization_id=str(value["organizationId"]),
        role=str(value["role"]),
        ip_address=ip_address,
        user_agent=user_agent,
    )


def _live_row(digest: str, now: datetime) -> UserSession | None:
    with session_scope() as db:
        row = db.exec(select(UserSession).where(UserSession.token_hash == digest)).first()
    if row is None or row.ended_at is not None:
        return None
    if clock.aware(row.expires_at) <= now:
        _end_rows([row], "expired")
        return None
    if clock.aware(row.last_seen_at) + timedelta(seconds=SESSION_TTL) <= now:
        _end_rows([row], "idle")
        return None
    return row


def _touch(session_id: str, now: datetime) -> bool:
    """Move last_seen_at; False when the session has ended meanwhile."""
    with session_scope() as db:
        moved = db.exec(
            update(UserSession)
            .where(col(UserSession.id) == session_id, col(UserSession.ended_at).is_(None))
            .values(last_seen_at=now)
        )
        return moved.rowcount == 1


def resolve_session(
    token: object, ip_address: str | None = None, user_agent: str | None = None
) -> Principal | None:
    """The principal of a live session (its idle expiry pushed back), or None."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = _common.token_hash(token)
    key = keys.session(digest)
    now = _now()
    cache = get_cache()
    value = _quietly("read", lambda: cache.get_and_touch(key, SESSION_TTL))
    if isinstance(value, dict):
        if int(value.get("exp", 0)) <= now.timestamp():
            end_session(token)
            return None
        if now.timestamp() - int(value.get("seen", 0)) >= TOUCH_EVERY:
            if not _touch(str(value.get("sid", "")), now):
                _quietly("delete", lambda: cache.delete(key))
                return None
            value["seen"] = int(now.timestamp())
            _quietly("write", lambda: cache.set(key, value, SESSION_TTL))
        return _principal(value, ip_address, user_agent)
    row = _live_row(digest, now)
    if row is None:
        return None
    if now - clock.aware(row.last_seen_at) >= timedelta(seconds=TOUCH_EVERY):
        _touch(row.id, now)
    value = _cached(row, now)
    _quietly("write", lambda: cache.set(key, value, SESSION_TTL))
    return _principal(value, ip_address, user_agent)


# --- ending ----------------------------------------------------------------------------------


def _end_rows(rows: list[UserSession], reason: str) -> int:
    """Mark the rows ended, then drop their cache entries; how many were live."""
    if not rows:
        return 0
    ids = [row.id for row in rows]
    with session_scope() as db:
        db.exec(
            update(UserSession)
            .where(col(UserSession.id).in_(ids), col(UserSession.ended_at).is_(None))
            .values(ended_at=_now(), end_reason=reason)
        )
    cache = get_cache()
    for row in rows:
        if row.token_hash:
            digest = row.token_hash
            _quietly("delete", lambda d=digest: cache.delete(keys.session(d)))
    return len(rows)


def _row_of_token(token: object) -> UserSession | None:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = _common.token_hash(token)
    with session_scope() as db:
        return db.exec(select(UserSession).where(UserSession.token_hash == digest)).first()


def end_session(token: object, reason: str = "logout") -> Principal | None:
    """End the session of ``token``; its principal, or None for an unknown token."""
    row = _row_of_token(token)
    if row is None:
        return None
    if row.ended_at is None:
        _end_rows([row], reason)
    return Principal(row.user_id, row.organization_id, row.role)


def session_id_of_token(token: object) -> str | None:
    """The id of the live session ``token`` names (to mark "this device" in lists)."""
    row = _row_of_token(token)
    return row.id if row is not None and row.ended_at is None else None


def end_sessions_of(user_id: str, session_ids: list[str], reason: str) -> int:
    """End the given live sessions of one user (ids of other users' sessions are ignored)."""
    wanted = set(session_ids)
    return _end_rows([row for row in _live_rows_of(user_id) if row.id in wanted], reason)


def _live_rows_of(user_id: str) -> list[UserSession]:
    with session_scope() as db:
        return list(
            db.exec(
                select(UserSession).where(
                    UserSession.user_id == user_id, col(UserSession.ended_at).is_(None)
                )
            ).all()
        )


def revoke_all_sessions(user_id: str, reason: str = "revoked") -> int:
    """End every session of a user; how many there were. Internal: services call it after
    deactivation, role changes and password resets."""
    return _end_rows(_live_rows_of(user_id), reason)


def list_sessions(user_id: str) -> list[SessionInfo]:
    """A user's live sessions, newest activity first (for the person and their admins)."""
    now = _now()
    live = [
        row
        for row in _live_rows_of(user_id)
        if row.token_hash
        and clock.aware(row.expires_at) > now
        and clock.aware(row.last_seen_at) + timedelta(seconds=SESSION_TTL) > now
    ]
    live.sort(key=lambda row: clock.aware(row.last_seen_at), reverse=True)
    return [
        SessionInfo(
            row.id,
            row.created_at,
            row.last_seen_at,
            row.ip_address,
            row.user_agent,
            row.auth_method,
        )  # fmt: skip
        for row in live
    ]


def active_session_count(user_id: str) -> int:
    """How many live sessions a user has (for admin views and tests)."""
    return len(list_sessions(user_id))


def purge_ended(older_than_days: int = 30) -> int:
    """Delete session rows that ended (or expired) more than ``older_than_days`` ago."""
    cutoff = _now() - timedelta(days=older_than_days)
    with session_scope() as db:
        result = db.exec(
            delete(UserSession).where(
                or_(col(UserSession.ended_at) < cutoff, col(UserSession.expires_at) < cutoff)
            )
        )
        return int(result.rowcount or 0)
