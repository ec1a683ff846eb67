"""The page's message when an event fails around the handlers: plain words, no traceback."""

from __future__ import annotations

import redis

from ninevectors.services.cache.base import CacheUnavailable
from ninevectors.state.failures import RECONNECTING, SOMETHING_WENT_WRONG, backend_exception_handler


def _toast(error: Exception) -> str:
    return str(backend_exception_handler(error))


def test_a_lost_session_store_says_reconnecting_and_that_answers_are_kept() -> None:
    for error in (
        redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
        redis.TimeoutError("Timeout reading from socket"),
        CacheUnavailable("Redis is unreachable"),
    ):
        shown = _toast(error)
        assert "Reconnecting to the server" in shown and "answers are kept" in shown
        assert "6379" not in shown and "Traceback" not in shown


def test_a_store_outage_is_recognised_behind_another_error() -> None:
    try:
        try:
            raise redis.ConnectionError("refused")
        except redis.ConnectionError as cause:
            raise RuntimeError("could not load the state") from cause
    except RuntimeError as wrapped:
        assert "Reconnecting" in _toast(wrapped)


def test_any_other_failure_is_a_plain_apology_without_details() -> None:
    shown = _toast(KeyError("secret_internal_name"))
    assert "Something went wrong on our side" in shown
    assert "secret_internal_name" not in shown and "KeyError" not in shown
    assert RECONNECTING != SOMETHING_WENT_WRONG
