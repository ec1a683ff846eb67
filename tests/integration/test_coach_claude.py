"""The Claude backend against a local server speaking the Messages API as the real one streams
it (tests/fixtures/claude_server.py): streaming order, usage, retries, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from ninevectors.services import coach, metering
from ninevectors.services.coach import ClaudeBackend, CoachUnavailable, Usage, get_backend
from ninevectors.settings import get_settings
from tests.fixtures.claude_server import API_KEY, ClaudeServer, HttpError, Reply, StreamError
from tests.servers import free_port
from tests.unit import test_assessment_support as support
from tests.unit.test_assessment_support import Team
from tests.unit.test_coach_support import submitted

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team

HELLO = [{"role": "user", "content": "Hello"}]
REAL_ORDER = [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
]


@pytest.fixture
def claude() -> Iterator[ClaudeServer]:
    server = ClaudeServer().start()
    try:
        yield server
    finally:
        server.stop()


def backend(server: ClaudeServer, **options: object) -> ClaudeBackend:
    return ClaudeBackend(API_KEY, "claude-sonnet-5-5", server.url, **options)  # type: ignore[arg-type]


def test_the_local_server_streams_events_in_the_real_order(claude: ClaudeServer) -> None:
    claude.script(Reply(chunks=["Hi", " there"]))
    body = {"model": "claude-sonnet-5-5", "max_tokens": 10, "messages": HELLO, "stream": True}
    with httpx.stream("POST", claude.url + "/v1/messages", json=body,
                      headers={"x-api-key": API_KEY}) as response:  # fmt: skip
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    names = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    data = [json.loads(line.removeprefix("data: ")) for line in lines if line.startswith("data: ")]
    assert names == REAL_ORDER and [d["type"] for d in data] == REAL_ORDER
    assert data[3]["delta"] == {"type": "text_delta", "text": "Hi"}
    assert data[6]["delta"]["stop_reason"] == "end_turn" and data[6]["usage"]["output_tokens"] == 7


def test_the_backend_streams_text_then_usage(claude: ClaudeServer) -> None:
    claude.script(Reply(chunks=["Focus ", "on ", "cash."], input_tokens=120, output_tokens=9))
    pieces = list(backend(claude).stream_reply(HELLO, "You are a coach.", max_tokens=300))
    assert pieces == ["Focus ", "on ", "cash.", Usage(120, 9)]
    sent = claude.requests[0]
    headers = {k.lower(): v for k, v in sent.headers.items()}
    assert headers["authorization"] == f"Bearer {API_KEY}" and "anthropic-version" in headers
    assert sent.body["stream"] is True and sent.body["system"] == "You are a coach."
    assert sent.body["model"] == "claude-sonnet-5-5" and sent.body["max_tokens"] == 300
    assert sent.body["messages"] == HELLO


def test_429_then_success_is_retried_by_the_sdk(claude: ClaudeServer) -> None:
    claude.script(HttpError(429, "Number of requests has exceeded your rate limit", 1), Reply())
    pieces = list(backend(claude).stream_reply(HELLO, "s"))
    assert "".join(p for p in pieces if isinstance(p, str)) == "Hello from the coach."
    assert len(claude.requests) == 2


@pytest.mark.parametrize(
    ("step", "kind"),
    [
        (HttpError(429, "rate limited"), "rate-limited"),
        (HttpError(529, "Overloaded"), "overloaded"),
        (HttpError(500, "Internal server error"), "server"),
        (HttpError(400, "messages: too long"), "refused"),
        (StreamError("overloaded_error", "Overloaded", ["par"]), "overloaded"),
        (StreamError("api_error", "Internal server error"), "server"),
    ],
)
def test_errors_become_friendly_categories(claude: ClaudeServer, step: object, kind: str) -> None:
    claude.script(step)  # type: ignore[arg-type]
    with pytest.raises(CoachUnavailable) as caught:
        list(backend(claude, max_retries=0).stream_reply(HELLO, "s"))
    assert caught.value.kind == kind and "Traceback" not in caught.value.message


def test_a_refused_key_is_an_invalid_key(claude: ClaudeServer) -> None:
    wrong = ClaudeBackend("sk-ant-wrong", "claude-sonnet-5-5", claude.url, max_retries=0)
    with pytest.raises(CoachUnavailable) as caught:
        list(wrong.stream_reply(HELLO, "s"))
    assert caught.value.kind == "invalid-key" and "administrator" in caught.value.message


def test_a_slow_service_times_out(claude: ClaudeServer) -> None:
    claude.script(Reply(chunks=["late"], delay_s=1.5))
    with pytest.raises(CoachUnavailable) as caught:
        list(backend(claude, timeout_s=0.4, max_retries=0).stream_reply(HELLO, "s"))
    assert caught.value.kind == "timeout"


def test_an_unreachable_service_is_a_network_error() -> None:
    unreachable = ClaudeBackend(API_KEY, "m", f"http://127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(CoachUnavailable) as caught:
        list(unreachable.stream_reply(HELLO, "s"))
    assert caught.value.kind == "network"


def test_the_x_api_key_header_is_accepted_too(claude: ClaudeServer) -> None:
    body = {"model": "m", "max_tokens": 5, "messages": HELLO}
    ok = httpx.post(claude.url + "/v1/messages", json=body, headers={"x-api-key": API_KEY})
    refused = httpx.post(claude.url + "/v1/messages", json=body, headers={"x-api-key": "nope"})
    assert ok.status_code == 200 and ok.json()["content"][0]["text"] == "Hello from the coach."
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "authentication_error"


def test_a_session_turn_on_claude_is_grounded_saved_and_metered(
    team: Team, claude: ClaudeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NINEVECTORS_ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("NINEVECTORS_ANTHROPIC_BASE_URL", claude.url)
    get_settings.cache_clear()
    assert not get_backend().offline
    aid = submitted(team)
    session = coach.start_session(team.alice, aid, 3)
    assert session.metadata.model == "claude-sonnet-5-5" and not session.metadata.offline
    coach.add_message(team.alice, session.id, "Where do I start?")
    claude.script(Reply(chunks=["Start ", "with forecasting."], input_tokens=300, output_tokens=20))
    assert "".join(coach.generate_reply(team.alice, session.id)) == "Start with forecasting."
    system = claude.requests[-1].body["system"]
    assert "cash flow forecasting is a guess" in system and "Financial" in system
    stored = coach.get_session(team.alice, session.id)
    assert stored.metadata.tokens_used == 320
    period = metering.billing_period_of(datetime.now(UTC))
    assert metering.usage_for_period(team.alice, period)["ai-tokens"] == 320
