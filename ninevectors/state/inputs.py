"""Checks of event handler arguments.

Reflex does not enforce a handler's type hints: a payload of the wrong type reaches the
handler as sent, and any browser can send any event with any payload over the websocket. So
every handler checks its arguments with these before using them, and answers a refused one
with a specific message, changing nothing.
"""

from __future__ import annotations

from typing import Any

MALFORMED_FORM = "The form data is missing or malformed. Please reload the page and try again."
MAX_ID_LENGTH = 100


def form_fields(value: object) -> dict[str, Any] | None:
    """The submitted form as a dict, or None when something else was sent."""
    return dict(value) if isinstance(value, dict) else None


def identifier(value: object, limit: int = MAX_ID_LENGTH) -> str | None:
    """An id sent by the page: a non-empty string of at most ``limit`` characters."""
    if isinstance(value, str) and 0 < len(value) <= limit:
        return value
    return None


def whole_number(value: object) -> int | None:
    """An int (a bool is not one), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def text(value: object, limit: int) -> str | None:
    """A string of at most ``limit`` characters, else None."""
    if isinstance(value, str) and len(value) <= limit:
        return value
    return None
