"""The coach's language-model backends behind one interface.

``stream_reply(messages, system, context=...)`` yields the reply's text as it arrives and,
last, one :class:`Usage`. Two implementations: Claude through the official ``anthropic`` SDK
(streaming, timeouts, retries on 429/5xx with backoff) and the offline coach (deterministic,
built from the framework and the person's own scores), used when no API key is configured.
Failures of the outside service become :class:`CoachUnavailable` with a friendly message.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from ninevectors.services import claude
from ninevectors.services.claude import FailureKind, Usage

if TYPE_CHECKING:
    from ninevectors.services.coach.context import CoachContext

ChatMessage = dict[str, str]  # {"role": "user" | "assistant", "content": "..."}

OFFLINE_MODEL = "offline-coach"
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


def map_error(error: Exception) -> CoachUnavailable:
    """The friendly category of an SDK or transport error (HTTP status, or the error type of an
    ``event: error`` received mid-stream, which arrives with status 200)."""
    return CoachUnavailable(claude.failure_kind(error))


def _field(obj: Any, name: str) -> Any:
    return getattr(obj, name, None)


class ClaudeBackend(claude.ClaudeClient):
    """Claude through the official SDK, streamed with ``messages.create(stream=True)``."""

    offline = False

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
        except claude.TRANSPORT_ERRORS as error:
            # A read timeout or a dropped connection mid-stream comes from the HTTP client.
            raise map_error(error) from error
        yield Usage(input_tokens, output_tokens)


@lru_cache(maxsize=4)
def _claude(api_key: str, model: str, base_url: str) -> ClaudeBackend:
    return ClaudeBackend(api_key, model, base_url or None)


def get_backend() -> CoachBackend:
    """Claude when an API key is configured, otherwise the offline coach."""
    config = claude.configured()
    if config is None:
        from ninevectors.services.coach.offline import OfflineCoach

        return OfflineCoach()
    return _claude(config.api_key, config.model, config.base_url)
