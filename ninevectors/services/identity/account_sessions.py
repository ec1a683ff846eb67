"""Where a person is signed in: their own sessions (device, address, last seen) and ending
them; an administrator signing a person of their organization out everywhere. Audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ninevectors.models.principal import Principal
from ninevectors.services.errors import NotFoundError
from ninevectors.services.identity import _common, roles, sessions

_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


@dataclass(frozen=True)
class SessionView:
    id: str
    device: str
    ip_address: str
    signed_in_at: datetime
    last_seen_at: datetime
    method: str
    current: bool


def describe_device(user_agent: str | None) -> str:
    """ "Chrome on Windows", from a User-Agent header (an unknown one: "Unknown device")."""
    agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return str(browser or system)
    bare = re.split(r"[/ ]", agent.strip(), maxsplit=1)[0]
    return bare[:40] if bare else "Unknown device"


def my_sessions(principal: Principal, current_token: object) -> list[SessionView]:
    """The person's live sessions, newest activity first; ``current`` marks this browser."""
    current = sessions.session_id_of_token(current_token)
    return [
        SessionView(
            id=info.id,
            device=describe_device(info.user_agent),
            ip_address=info.ip_address or "unknown",
            signed_in_at=info.created_at,
            last_seen_at=info.last_seen_at,
            method="SSO" if info.auth_method == "sso" else "Password",
            current=info.id == current,
        )
        for info in sessions.list_sessions(principal.user_id)
    ]


def end_my_session(principal: Principal, session_id: object) -> None:
    """Sign out one of one's own sessions (another person's id is simply not found)."""
    target = _common.checked_id(session_id, "Session")
    if sessions.end_sessions_of(principal.user_id, [target], "ended-by-user") == 0:
        raise NotFoundError("Session not found.")
    _common.record(
        "session.ended", "session", principal, resource_id=principal.user_id, details={"count": 1}
    )


def end_my_other_sessions(principal: Principal, current_token: object) -> int:
    """Sign out everywhere but this browser; how many sessions ended."""
    current = sessions.session_id_of_token(current_token)
    others = [info.id for info in sessions.list_sessions(principal.user_id) if info.id != current]
    ended = sessions.end_sessions_of(principal.user_id, others, "ended-by-user")
    if ended:
        _common.record(
            "session.ended",
            "session",
            principal,
            resource_id=principal.user_id,
            details={"count": ended},
        )
    return ended


def sign_out_everywhere(principal: Principal, user_id: object) -> int:
    """An administrator ends every session of a person of their organization."""
    roles.require(principal, roles.USERS_MANAGE)
    target = _common.checked_id(user_id, "User")
    _common.get_item(_common.USERS, principal.organization_id, target, "User")
    ended = sessions.revoke_all_sessions(target, "revoked-by-admin")
    _common.record(
        "session.revoked_all",
        "user",
        principal,
        resource_id=target,
        details={"count": ended},
        severity="warning",
    )
    return ended
