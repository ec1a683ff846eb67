"""The coach's language-model backends behind one interface.

``stream_reply(messages, system, context=...)`` yields the reply's text as it arrives and,
last, one :class:`Usage`. Two implementations: Claude through the official ``anthropic`` SDK
(streaming, timeouts, retries on 429/5xx with backoff) and the offline coach (deterministic,
built from the framework and the person's own scores), used when no API key is configured.
Failures of the outside service become :class:`CoachUnavailable` with a friendly message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anthropic
import httpx2  # the HTTP client of the anthropic SDK (its dependency)

from ninevectors.settings import get_settings

if TYPE_CHECKING:
    from ninevectors.services.coach.context import CoachContext

ChatMessage = dict[str, str]  # {"role": "user" | "assistant", "content": "..."}
FailureKind = Literal[
    "invalid-key", "rate-limited", "overloaded", "timeout", "network", "server", "refused"
]

OFFLINE_MODEL = "offline-coach"
REQUEST_TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 5.0
MAX_RETRIES = 2  # the SDK retries 408/409/429/5xx and connection errors with backoff
MAX_TOKENS = 1024

FRIENDLY: dict[str, str] = {
    "invalid-key": "The AI coach is not set up correctly (its API key was refused). "
    "Please tell your administrator.",
    "rate-limited": "The AI service is receiving too many requests right now. "
    "Please try again in a moment.",
    "overloaded": "The AI service is overloaded right now. Please try again in a moment.",
    "timeout": "The AI service took too long to answer. Please try again.",
    "network": "The AI service could not be reached. Check the connection and try again.",
    "server": "The AI service had a problem answering. Please try again.",
    "refused": "The AI service could not answer this request.",
}


class CoachUnavailable(Exception):
    """The coach could not answer; ``message`` is for the person, ``kind`` for the code."""

    def __init__(self, kind: FailureKind, message: str | None = None) -> None:
        self.kind = kind
        self.message = message or FRIENDLY[kind]
        super().__init__(self.message)


class CoachRateLimited(CoachUnavailable):
    """The organization sent too many coach messages; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            "rate-limited",
            f"Your organization has sent a lot of coach messages just now. "
            f"Try again in {self.retry_after} s.",
        )


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


class CoachBackend(Protocol):
    model: str
    offline: bool

    def stream_reply(
        self,
        messages: list[ChatMessage],
        system: str,
        *,
        context: CoachContext | None = None,
        max_tokens: int = MAX_TOKENS,
    ) -> Iterator[str | Usage]: ...


def _error_type(error: anthropic.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("type"), str):
            return inner["type"]
    return ""


def map_error(error: Exception) -> CoachUnavailable:
    """The friendly category of an SDK or transport error (HTTP status, or the error type of an
    ``event: error`` received mid-stream, which arrives with status 200)."""
    if isinstance(error, anthropic.APITimeoutError | httpx2.TimeoutException | TimeoutError):
        return CoachUnavailable("timeout")
    if isinstance(error, anthropic.APIConnectionError | httpx2.TransportError | OSError):
        return CoachUnavailable("network")
    if isinstance(error, anthropic.APIStatusError):
        kind = _error_type(error)
        status = error.status_code
        if status in (401, 403) or kind in ("authentication_error", "permission_error"):
            return CoachUnavailable("invalid-key")
        if status == 429 or kind == "rate_limit_error":
            return CoachUnavailable("rate-limited")
        if status == 529 or kind == "overloaded_error":
            return CoachUnavailable("overloaded")
        if status in (400, 404, 413, 422) or kind in ("invalid_request_error", "not_found_error"):
            return CoachUnavailable("refused")
        return CoachUnavailable("server")
    return CoachUnavailable("server")


def _field(obj: Any, name: str) -> Any:
    return getattr(obj, name, None)


class ClaudeBackend:
    """Claude through the official SDK, streamed with ``messages.create(stream=True)``."""

    offline = False

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout_s: float = REQUEST_TIMEOUT_S,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.model = model
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url or None,
            timeout=anthropic.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S),
            max_retries=max_retries,
        )

    def stream_reply(
        self,
        messages: list[ChatMessage],
        system: str,
        *,
        context: CoachContext | None = None,
        max_tokens: int = MAX_TOKENS,
    ) -> Iterator[str | Usage]:
        input_tokens = output_tokens = 0
        try:
            stream = self._client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=system,
                messages=messages,  # type: ignore[arg-type]
                stream=True,
            )
            with stream:
                for event in stream:
                    kind = event.type
                    if kind == "message_start":
                        input_tokens = event.message.usage.input_tokens or 0
                        output_tokens = event.message.usage.output_tokens or 0
                    elif kind == "content_block_delta":
                        text = _field(event.delta, "text")
                        if text:
                            yield text
                    elif kind == "message_delta":
                        output_tokens = event.usage.output_tokens or output_tokens
        except (anthropic.APIError, httpx2.TransportError, OSError) as error:
            # A read timeout or a dropped connection mid-stream comes from the HTTP client.
            raise map_error(error) from error
        yield Usage(input_tokens, output_tokens)


@lru_cache(maxsize=4)
def _claude(api_key: str, model: str, base_url: str) -> ClaudeBackend:
    return ClaudeBackend(api_key, model, base_url or None)


def get_backend() -> CoachBackend:
    """Claude when an API key is configured, otherwise the offline coach."""
    settings = get_settings()
    key = settings.anthropic_api_key.get_secret_value()
    if not key:
        from ninevectors.services.coach.offline import OfflineCoach

        return OfflineCoach()
    return _claude(key, settings.anthropic_model, settings.anthropic_base_url)
