"""Document analysis by Claude against the local Messages API server
(tests/fixtures/claude_server.py): the request, the strict reading of the tool's answer, and
the fall back to local analysis (with the reason) whenever Claude gives nothing usable."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from ninevectors.framework import get_framework
from ninevectors.models.document import AiAnalysis
from ninevectors.services import metering
from ninevectors.services.claude import Usage
from ninevectors.services.documents import analysis, claude_analysis
from ninevectors.services.documents.claude_analysis import (
    TOOL_NAME,
    AnalysisUnavailable,
    ClaudeAnalyser,
)
from ninevectors.services.documents.embeddings import get_embedder
from ninevectors.settings import get_settings
from tests.fixtures import claude_server as claude_fixtures
from tests.fixtures.claude_server import (
    API_KEY,
    SAMPLE_ANALYSIS,
    ClaudeServer,
    HttpError,
    Reply,
    ToolUse,
)
from tests.unit import test_assessment_support as support
from tests.unit.test_assessment_support import Team

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team

MODEL = "claude-sonnet-5-5"
PLAN = (
    "Northwind expansion plan. We will open two stores in Lyon and must hire forty staff. "
    "Revenue grew strongly; the board should approve the new credit line by June."
)


claude_server = claude_fixtures.claude_server
claude_configured = claude_fixtures.claude_configured


def analyser(server: ClaudeServer, **options: Any) -> ClaudeAnalyser:
    return ClaudeAnalyser(API_KEY, MODEL, server.url, **options)


def answer(**changes: Any) -> dict[str, Any]:
    """The sample tool input with some fields changed (None removes the field)."""
    data = copy.deepcopy(SAMPLE_ANALYSIS)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


def relevance(**changes: Any) -> dict[str, Any]:
    return {**SAMPLE_ANALYSIS["vector_relevance"], **changes}


def embedded(text: str) -> np.ndarray:
    return get_embedder().embed([text])


def ai_tokens(team: Team) -> float:
    period = metering.billing_period_of(datetime.now(UTC))
    return metering.usage_for_period(team.admin, period)["ai-tokens"]


def test_a_valid_tool_answer_becomes_a_claude_analysis(claude_server: ClaudeServer) -> None:
    claude_server.script(ToolUse(input_tokens=1200, output_tokens=210))
    found = analyser(claude_server).analyse(PLAN)
    result = found.analysis
    assert result.method == "claude" and result.model == MODEL and result.fallback_reason is None
    assert result.vector_relevance == SAMPLE_ANALYSIS["vector_relevance"]
    assert result.key_topics == SAMPLE_ANALYSIS["key_topics"]
    assert result.sentiment == 0.4
    assert result.action_items == SAMPLE_ANALYSIS["action_items"]
    assert result.summary == SAMPLE_ANALYSIS["summary"]
    assert found.usage == Usage(1200, 210)


def test_the_request_carries_the_text_and_the_nine_vectors_and_forces_the_tool(
    claude_server: ClaudeServer,
) -> None:
    analyser(claude_server).analyse(PLAN)
    body = claude_server.requests[0].body
    assert not body.get("stream") and body["model"] == MODEL
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    [tool] = body["tools"]
    assert tool["name"] == TOOL_NAME
    schema = tool["input_schema"]["properties"]
    assert schema["vector_relevance"]["required"] == [str(i) for i in range(1, 10)]
    assert {"key_topics", "sentiment", "action_items"} <= set(tool["input_schema"]["required"])
    prompt = body["messages"][0]["content"]
    assert PLAN in prompt and f"<document>\n{PLAN}\n</document>" in prompt
    for vector in get_framework().vectors:
        assert f"{vector.id}. {vector.name} ({vector.category}): {vector.description}" in prompt


def test_over_long_lists_are_cut_and_blank_entries_dropped(claude_server: ClaudeServer) -> None:
    topics = [f"topic {i}" for i in range(10)]
    claude_server.script(ToolUse(answer(key_topics=["  ", *topics], action_items=["a"] * 12)))
    result = analyser(claude_server).analyse(PLAN).analysis
    assert result.key_topics == topics[:6]
    assert result.action_items == ["a"] * 8


@pytest.mark.parametrize(
    "step",
    [
        ToolUse(answer(vector_relevance=relevance(**{"1": 1.2}))),
        ToolUse(answer(vector_relevance={k: 0.5 for k in "12345678"})),  # vector 9 missing
        ToolUse(answer(vector_relevance={**relevance(), "10": 0.5})),
        ToolUse(answer(vector_relevance=relevance(**{"2": "0.5"}))),  # a string, not a number
        ToolUse(answer(sentiment=-3)),
        ToolUse(answer(sentiment=None)),
        ToolUse(answer(action_items=None)),
        ToolUse(answer(key_topics="growth")),
        ToolUse(name="some_other_tool"),
        Reply(chunks=["I would rather write prose."]),
    ],
    ids=["relevance>1", "vector-missing", "extra-vector", "string-number", "sentiment<-1",
         "no-sentiment", "no-actions", "topics-not-a-list", "other-tool", "text-answer"],
)  # fmt: skip
def test_an_answer_that_does_not_fit_is_refused_with_its_cost(
    claude_server: ClaudeServer, step: ToolUse | Reply
) -> None:
    claude_server.script(step)
    with pytest.raises(AnalysisUnavailable) as caught:
        analyser(claude_server).analyse(PLAN)
    assert caught.value.why == "unexpected answer" and caught.value.usage.total > 0
    assert caught.value.reason == (
        "Claude analysis unavailable (unexpected answer); local analysis used."
    )


@pytest.mark.parametrize(
    ("status", "why"),
    [(401, "API key refused"), (429, "rate limited"), (500, "service error")],
)
def test_http_errors_fall_back_to_local_analysis_with_the_reason(
    team: Team, claude_configured: ClaudeServer, status: int, why: str
) -> None:
    claude_configured.default_tool = HttpError(status, "no")
    result = analysis.analyse(PLAN, embedded(PLAN), team.org)
    assert result.method == "local" and result.model is None
    assert result.fallback_reason == f"Claude analysis unavailable ({why}); local analysis used."
    assert set(result.vector_relevance) == {str(i) for i in range(1, 10)}
    assert result.action_items  # the local analysis found the plan's actions
    retried = status in (429, 500)  # the SDK retries these twice with backoff, never a 401
    assert len(claude_configured.requests) == (3 if retried else 1)
    assert ai_tokens(team) == 0


def test_a_refused_answer_falls_back_and_its_tokens_are_metered(
    team: Team, claude_configured: ClaudeServer
) -> None:
    claude_configured.script(ToolUse(answer(sentiment=7), input_tokens=800, output_tokens=90))
    result = analysis.analyse(PLAN, embedded(PLAN), team.org)
    assert result.method == "local"
    assert result.fallback_reason and "unexpected answer" in result.fallback_reason
    assert ai_tokens(team) == 890


def test_with_claude_configured_the_analysis_is_claudes_and_metered(
    team: Team, claude_configured: ClaudeServer
) -> None:
    claude_configured.script(ToolUse(input_tokens=1000, output_tokens=50))
    result = analysis.analyse(PLAN, embedded(PLAN), team.org)
    assert result.method == "claude" and result.model == MODEL
    assert result.vector_relevance == SAMPLE_ANALYSIS["vector_relevance"]
    assert ai_tokens(team) == 1050


def test_an_unexpected_error_still_falls_back_to_local_analysis(
    team: Team, claude_configured: ClaudeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: ClaudeAnalyser, text: str) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(ClaudeAnalyser, "analyse", broken)
    result = analysis.analyse(PLAN, embedded(PLAN), team.org)
    assert result.method == "local"
    assert result.fallback_reason == (
        "Claude analysis unavailable (unexpected error); local analysis used."
    )


def test_a_slow_service_times_out(claude_server: ClaudeServer) -> None:
    claude_server.script(ToolUse(delay_s=1.5))
    with pytest.raises(AnalysisUnavailable) as caught:
        analyser(claude_server, timeout_s=0.4, max_retries=0).analyse(PLAN)
    assert caught.value.why == "timed out" and caught.value.usage.total == 0


def test_without_a_key_the_analysis_is_local_and_claude_is_not_called(
    team: Team, claude_server: ClaudeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NINEVECTORS_ANTHROPIC_API_KEY", "")
    monkeypatch.setenv("NINEVECTORS_ANTHROPIC_BASE_URL", claude_server.url)
    get_settings.cache_clear()
    assert claude_analysis.get_analyser() is None
    result = analysis.analyse(PLAN, embedded(PLAN), team.org)
    assert result.method == "local" and result.fallback_reason is None and result.model is None
    assert claude_server.requests == []


def test_a_long_document_is_trimmed_to_its_start_headings_and_passages() -> None:
    filler = "The quarter went as planned and nothing else happened here. " * 30
    sections = [f"Section {i} Overview\n{filler}" for i in range(1, 40)]
    text = "\n".join(sections) + "\nClosing Remarks\nThe last words of the document."
    excerpt = claude_analysis.excerpt(text)
    assert len(text) > 60_000 and len(excerpt) < 19_000
    assert excerpt.startswith(text[: claude_analysis.HEAD_CHARS])
    assert "Section 35 Overview" in excerpt and "Closing Remarks" in excerpt  # headings
    assert excerpt.count("[…]") == claude_analysis.PASSAGES + 1
    assert claude_analysis.excerpt(PLAN) == PLAN


def test_a_stored_analysis_without_the_new_fields_still_reads() -> None:
    old = {"method": "local", "vectorRelevance": {"1": 0.5}, "keyTopics": ["x"],
           "sentiment": 0.1, "actionItems": []}  # fmt: skip
    read = AiAnalysis.model_validate(old)
    assert read.model is None and read.fallback_reason is None and read.summary is None
    claude_made = AiAnalysis(method="claude", model=MODEL, summary="S", vector_relevance={"1": 1})
    item = claude_made.to_item()
    assert item["model"] == MODEL and item["fallbackReason"] is None
    assert AiAnalysis.model_validate(item) == claude_made


def test_with_the_months_ai_tokens_used_up_claude_is_not_asked(
    team: Team, claude_configured: ClaudeServer
) -> None:
    from ninevectors.services.identity import clock

    metering.record_usage(team.org, "ai-tokens", 10_000_000, at=clock.utcnow())  # Enterprise
    result = analysis.analyse(PLAN, embedded(PLAN), team.org)
    assert result.method == "local" and not claude_configured.requests
    assert result.fallback_reason == (
        "Claude analysis unavailable (the plan's AI tokens for this month are used up); "
        "local analysis used."
    )
