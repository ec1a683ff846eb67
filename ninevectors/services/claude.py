"""Claude through the official ``anthropic`` SDK, shared by the coach and document analysis:
whether it is configured, one client (timeouts, retries on 429/5xx with backoff), token
usage, and the category of a failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import anthropic
import httpx2  # the HTTP client of the anthropic SDK (its dependency)

from ninevectors.settings import get_settings

FailureKind = Literal[
    "invalid-key", "rate-limited", "overloaded", "timeout", "network", "server", "refused"
]

REQUEST_TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 5.0
MAX_RETRIES = 2  # the SDK retries 408/409/429/5xx and connection errors with backoff

# What reaches us when the service fails: the SDK's errors, or the HTTP client's mid-stream.
TRANSPORT_ERRORS = (anthropic.APIError, httpx2.TransportError, OSError)


@dataclass(frozen=True)
class ClaudeConfig:
    api_key: str
    model: str
    base_url: str  # empty: the SDK's default endpoint


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


def configured() -> ClaudeConfig | None:
    """Claude's settings when an API key is set, otherwise None (use the local fallback)."""
    settings = get_settings()
    key = settings.anthropic_api_key.get_secret_value()
    if not key:
        return None
    return ClaudeConfig(key, settings.anthropic_model, settings.anthropic_base_url)


class ClaudeClient:
    """A model and the SDK client that calls it; the coach and document analysis build on it."""

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


def _error_type(error: anthropic.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("type"), str):
            return inner["type"]
    return ""


def failure_kind(error: Exception) -> FailureKind:
    """The category of an SDK or transport error (HTTP status, or the error type of an
    ``event: error`` received mid-stream, which arrives with status 200)."""
    if isinstance(error, anthropic.APITimeoutError | httpx2.TimeoutException | TimeoutError):
        return "timeout"
    if isinstance(error, anthropic.APIConnectionError | httpx2.TransportError | OSError):
        return "network"
    if isinstance(error, anthropic.APIStatusError):
        kind = _error_type(error)
        status = error.status_code
        if status in (401, 403) or kind in ("authentication_error", "permission_error"):
            return "invalid-key"
        if status == 429 or kind == "rate_limit_error":
            return "rate-limited"
        if status == 529 or kind == "overloaded_error":
            return "overloaded"
        if status in (400, 404, 413, 422) or kind in ("invalid_request_error", "not_found_error"):
            return "refused"
    return "server"
