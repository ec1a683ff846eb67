"""A document processed on the in-process queue with Claude configured (the local Messages API
server of tests/fixtures/claude_server.py): the analysis is Claude's, its tokens are metered,
the passages are still embedded locally; when Claude refuses, processing completes on local
analysis and says why."""

from __future__ import annotations

from datetime import UTC, datetime

from ninevectors.services import metering
from ninevectors.services.documents.claude_analysis import TOOL_NAME
from ninevectors.services.documents.embeddings import decode
from tests.fixtures import claude_server as claude_fixtures
from tests.fixtures import documents as samples
from tests.fixtures.claude_server import SAMPLE_ANALYSIS, ClaudeServer, ToolUse
from tests.unit import test_documents_support as support
from tests.unit.test_documents_support import Team, document_items, processed, upload

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team
library_env = support.library
claude_server = claude_fixtures.claude_server
claude = claude_fixtures.claude_configured

PLAN = "Zephyr logistics strategy. We will open distribution hubs in three new regions."


def ai_tokens(team: Team) -> float:
    period = metering.billing_period_of(datetime.now(UTC))
    return metering.usage_for_period(team.admin, period)["ai-tokens"]


def test_a_document_processed_with_claude_configured_is_analysed_by_claude(
    library_env: Team, claude: ClaudeServer
) -> None:
    claude.script(ToolUse(input_tokens=700, output_tokens=120))
    doc = upload(library_env.alice, "zephyr.pdf", samples.pdf_bytes([PLAN]), category="strategy")
    done = processed(library_env.alice, doc.id)
    assert done.processing.status == "completed", done.processing.reason
    assert done.processing.ai_analysis_completed
    result = done.ai_analysis
    assert result is not None and result.method == "claude"
    assert result.model == "claude-sonnet-5-5" and result.fallback_reason is None
    assert result.vector_relevance == SAMPLE_ANALYSIS["vector_relevance"]
    assert result.summary == SAMPLE_ANALYSIS["summary"]
    [request] = claude.requests
    assert request.body["tool_choice"]["name"] == TOOL_NAME
    assert "distribution hubs in three new regions" in request.body["messages"][0]["content"]
    assert ai_tokens(library_env) == 820
    chunks = document_items(library_env.org, "document-chunk")
    assert chunks and all(decode(c["embedding"]).any() for c in chunks)  # embedded locally


def test_when_claude_refuses_processing_completes_on_local_analysis(
    library_env: Team, claude: ClaudeServer
) -> None:
    claude.api_key = "sk-ant-another-key"  # the configured key is refused (401)
    doc = upload(library_env.alice, "zephyr.pdf", samples.pdf_bytes([PLAN]))
    done = processed(library_env.alice, doc.id)
    assert done.processing.status == "completed", done.processing.reason
    result = done.ai_analysis
    assert result is not None and result.method == "local" and result.model is None
    assert result.fallback_reason == (
        "Claude analysis unavailable (API key refused); local analysis used."
    )
    assert set(result.vector_relevance) == {str(i) for i in range(1, 10)}
    assert len(claude.requests) == 1 and ai_tokens(library_env) == 0
