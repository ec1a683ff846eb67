"""What the current request or event is, for the logs: one context variable of fields.

The fields follow asyncio tasks and :func:`~ninevectors.services.executor.run_blocking`
(which copies the context into its thread), so a service logging deep inside a call carries
the request id, the Reflex event id and the principal of the person who caused it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType

from ninevectors.models.principal import Principal

# The fields a log line may carry from the context, in the order they are written.
FIELDS = ("request_id", "event_id", "user_id", "organization_id", "role", "route", "handler")

_EMPTY: Mapping[str, str] = MappingProxyType({})
_current: ContextVar[Mapping[str, str]] = ContextVar("ninevectors_log_context", default=_EMPTY)

# An incoming X-Request-ID is kept only if it looks like an id, so a caller cannot write
# arbitrary text (or a log-forging newline) into every line of the request.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def current() -> Mapping[str, str]:
    """The fields bound in this context (empty outside any request or event)."""
    return _current.get()


def bind(**fields: str | None) -> Token[Mapping[str, str]]:
    """Add ``fields`` (unknown names are refused, empty values skipped) to this context
    until :func:`reset` with the returned token, or until the task ends."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"not log context fields: {sorted(unknown)}")
    merged = {**_current.get(), **{name: value for name, value in fields.items() if value}}
    return _current.set(MappingProxyType(merged))


def reset(token: Token[Mapping[str, str]]) -> None:
    _current.reset(token)


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """``with bound(request_id=...):`` the fields hold inside the block only."""
    token = bind(**fields)
    try:
        yield
    finally:
        reset(token)


def bind_principal(principal: Principal) -> Token[Mapping[str, str]]:
    """Who acts, for the logs: ids and role only (never e-mail, IP address or user agent)."""
    return bind(
        user_id=principal.user_id,
        organization_id=principal.organization_id,
        role=principal.role,
    )


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str | None:
    """``value`` if it is a sane request id (1-128 letters, digits, ``.``, ``_``, ``-``)."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return None
