"""What the page says when an event fails on the server before any handler could answer.

Handlers catch their own errors and show specific messages; this is for what happens around
them: the page state could not be loaded or saved (Redis away or restarting), a payload did
not fit the handler, a bug. Never a stack trace on the page, and a lost session store is
called what it is for the person: a moment of reconnecting, with their answers kept (the
wizard saves them over its own channel and keeps what it could not send).
"""

from __future__ import annotations

import logging

import redis
import reflex as rx
from reflex.event import EventSpec

from ninevectors.services.cache.base import CacheUnavailable

log = logging.getLogger(__name__)

RECONNECTING = (
    "Reconnecting to the server… Your answers are kept on this device and saved as soon as "
    "it is back. If a button did nothing, try it again in a moment."
)
SOMETHING_WENT_WRONG = "Something went wrong on our side. Please try again."


def _store_outage(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, redis.ConnectionError | redis.TimeoutError | CacheUnavailable):
            return True
        if isinstance(current, ConnectionError | TimeoutError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def backend_exception_handler(exception: Exception) -> EventSpec:
    """The app's ``backend_exception_handler``: log the error, show a plain message.
    (Reflex checks the parameter's name and evaluates the return annotation itself.)"""
    if _store_outage(exception):
        log.warning("event failed while the session store was unreachable: %r", exception)
        return rx.toast.warning(RECONNECTING, id="reconnecting", position="top-center")
    log.error("event failed before a handler could answer", exc_info=exception)
    return rx.toast.error(SOMETHING_WENT_WRONG, id="server-error", position="top-center")
