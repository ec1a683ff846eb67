"""Coaching sessions: persisted in the reference's shape, private to their person, replies
streamed and saved with their tokens (metered as ai-tokens), stop, errors, rate limit."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

import ninevectors.services as services_package
from ninevectors.services import coach, metering
from ninevectors.services.backends import get_store
from ninevectors.services.coach import CoachRateLimited, CoachUnavailable, Usage
from ninevectors.services.coach.ratelimit import take_coach_message
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.settings import get_settings
from tests.unit import test_assessment_support as support
from tests.unit import test_identity_support as identity
from tests.unit.test_assessment_support import Team
from tests.unit.test_coach_support import submitted

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team


class ScriptedBackend:
    """A stand-in language model for the session logic (Claude itself is tested against the
    local Messages API server in tests/integration/test_coach_claude.py)."""

    model = "scripted-model"
    offline = False

    def __init__(self, chunks: list[str], fail: CoachUnavailable | None = None) -> None:
        self.chunks, self.usage, self.fail = chunks, Usage(30, 12), fail
        self.seen: list[tuple[list[dict[str, str]], str]] = []

    def stream_reply(self, messages, system, *, context=None, max_tokens=1024) -> Iterator:  # noqa: ANN001
        self.seen.append((messages, system))
        yield from self.chunks
        if self.fail:
            raise self.fail
        yield self.usage


def tokens(principal) -> float:  # noqa: ANN001
    period = metering.billing_period_of(datetime.now(UTC))
    return metering.usage_for_period(principal, period)["ai-tokens"]


def test_a_session_on_a_vector_is_stored_in_the_reference_shape(team: Team) -> None:
    aid = submitted(team)
    session = coach.start_session(team.alice, aid, "3")
    item = get_store().get("coaching_sessions", team.org, session.id)
    assert item["type"] == "coaching-session" and item["partitionKey"] == team.org
    assert item["userId"] == team.alice.user_id and item["assessmentId"] == aid
    assert item["vector"] == 3 and item["title"] == "Financial · Q1 Strategic Review"
    opening = item["conversation"][0]
    assert opening["role"] == "assistant" and "**Financial**" in opening["content"]
    assert opening["timestamp"].endswith("Z")
    assert item["insights"]["identifiedIssues"][0] == "accounting-cycle"
    assert item["metadata"] == {"totalMessages": 1, "duration": 0, "model": "offline-coach",
                                "tokensUsed": 0, "offline": True}  # fmt: skip


def test_a_reply_streams_and_is_saved_with_tokens_and_duration(team: Team) -> None:
    aid = submitted(team)
    session = coach.start_session(team.alice, aid, 3)
    team.clock.advance(seconds=90)
    coach.add_message(team.alice, session.id, "  How do I fix cash flow?  ")
    backend = ScriptedBackend(["1. Build", " a 13-week forecast.\n", "2. Review it weekly."])
    assert list(coach.generate_reply(team.alice, session.id, backend)) == backend.chunks
    messages, system = backend.seen[0]
    assert messages == [{"role": "user", "content": "How do I fix cash flow?"}]
    assert "cash flow forecasting is a guess" in system
    stored = coach.get_session(team.alice, session.id)
    assert [m.role for m in stored.conversation] == ["assistant", "user", "assistant"]
    assert stored.conversation[-1].content == "".join(backend.chunks)
    assert stored.metadata.tokens_used == 42 and stored.metadata.model == "scripted-model"
    assert stored.metadata.total_messages == 3 and stored.metadata.duration == 90
    assert stored.insights.suggested_actions == ["Build a 13-week forecast.", "Review it weekly."]
    assert tokens(team.alice) == 42


def test_the_offline_coach_answers_from_the_persons_scores(team: Team) -> None:
    aid = submitted(team)
    session = coach.start_session(team.alice, aid, 6)
    coach.add_message(team.alice, session.id, "Where do I start?")
    reply = "".join(coach.generate_reply(team.alice, session.id))
    assert reply.startswith("### Execution") and "Offline coach" in reply
    assert coach.get_session(team.alice, session.id).conversation[-1].content == reply
    assert tokens(team.alice) == 0


def test_a_stopped_reply_keeps_what_arrived_and_an_estimate_of_tokens(team: Team) -> None:
    session = coach.start_session(team.alice)
    coach.add_message(team.alice, session.id, "Tell me everything")
    stream = coach.generate_reply(team.alice, session.id, ScriptedBackend(["Part one. ", "two"]))
    assert next(stream) == "Part one. "
    stream.close()
    last = coach.get_session(team.alice, session.id).conversation[-1]
    assert last.role == "assistant" and last.content == "Part one.  _(stopped)_"
    assert tokens(team.alice) > 0


def test_a_failed_reply_saves_nothing_and_can_be_retried(team: Team) -> None:
    session = coach.start_session(team.alice)
    coach.add_message(team.alice, session.id, "Hello?")
    failing = ScriptedBackend(["partial"], fail=CoachUnavailable("overloaded"))
    with pytest.raises(CoachUnavailable) as caught:
        list(coach.generate_reply(team.alice, session.id, failing))
    assert caught.value.kind == "overloaded" and "overloaded" in caught.value.message
    assert coach.get_session(team.alice, session.id).conversation[-1].role == "user"
    assert "".join(coach.generate_reply(team.alice, session.id, ScriptedBackend(["Hi!"]))) == "Hi!"
    assert coach.get_session(team.alice, session.id).conversation[-1].content == "Hi!"


def test_a_reply_needs_a_message_first(team: Team) -> None:
    session = coach.start_session(team.alice)
    with pytest.raises(ValidationFailed):
        list(coach.generate_reply(team.alice, session.id, ScriptedBackend(["x"])))


@pytest.mark.parametrize("text", ["", "   ", None, 42, {"a": 1}, "x" * 4001])
def test_bad_messages_are_refused_and_change_nothing(team: Team, text: object) -> None:
    session = coach.start_session(team.alice)
    with pytest.raises(ValidationFailed):
        coach.add_message(team.alice, session.id, text)
    assert len(coach.get_session(team.alice, session.id).conversation) == 1


def test_sessions_are_private_to_their_person(team: Team) -> None:
    mine = coach.start_session(team.alice)
    coach.start_session(team.bob)
    assert [s.id for s in coach.list_sessions(team.alice)] == [mine.id]
    for other in (team.bob, team.admin, team.manager):
        with pytest.raises(NotFoundError):
            coach.get_session(other, mine.id)
        with pytest.raises(NotFoundError):
            coach.add_message(other, mine.id, "hijack")
    stranger = identity.sign_up("eve@other.example", "Other Org").principal
    with pytest.raises(NotFoundError):
        coach.get_session(stranger, mine.id)
    assert coach.list_sessions(stranger) == []


def test_sessions_are_listed_newest_first_and_survive_reload(team: Team) -> None:
    first = coach.start_session(team.alice)
    team.clock.advance(minutes=5)
    second = coach.start_session(team.alice, vector=4)
    listed = coach.list_sessions(team.alice)
    assert [s.id for s in listed] == [second.id, first.id]
    assert coach.get_session(team.alice, first.id).conversation[0].role == "assistant"


def test_coaching_turned_off_for_an_assessment_is_refused(team: Team) -> None:
    aid = submitted(team, enable_ai_coaching=False)
    with pytest.raises(Forbidden):
        coach.start_session(team.alice, aid, 3)


def test_starting_on_an_assessment_one_cannot_see_is_not_found(team: Team) -> None:
    aid = submitted(team)
    stranger = identity.sign_up("eve@other.example", "Other Org").principal
    with pytest.raises(NotFoundError):
        coach.start_session(stranger, aid, 3)
    with pytest.raises(ValidationFailed):
        coach.start_session(team.alice, aid, 12)


def test_the_rate_limit_counts_per_organization_and_says_when(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NINEVECTORS_COACH_MESSAGES_PER_MINUTE", "2")
    get_settings.cache_clear()
    moment = 1_800_000_015.0  # 15 s into a minute
    assert take_coach_message(team.org, moment) == 1
    assert take_coach_message(team.org, moment) == 2
    with pytest.raises(CoachRateLimited) as caught:
        take_coach_message(team.org, moment)
    assert caught.value.retry_after == 45 and "Try again in 45 s" in caught.value.message
    assert take_coach_message("org_other", moment) == 1  # another organization's own window
    assert take_coach_message(team.org, moment + 60) == 1  # the next window


def test_a_rate_limited_reply_is_refused_before_the_model_is_called(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NINEVECTORS_COACH_MESSAGES_PER_MINUTE", "1")
    get_settings.cache_clear()
    session = coach.start_session(team.alice)
    coach.add_message(team.alice, session.id, "one")
    list(coach.generate_reply(team.alice, session.id, ScriptedBackend(["ok"])))
    coach.add_message(team.alice, session.id, "two")
    backend = ScriptedBackend(["never"])
    with pytest.raises(CoachRateLimited):
        list(coach.generate_reply(team.alice, session.id, backend))
    assert backend.seen == []


def test_a_session_on_a_theme_opens_on_its_rating_and_note(team: Team) -> None:
    aid = submitted(team)
    session = coach.start_session(team.alice, aid, theme="3.1.1")
    assert session.vector == 3 and session.theme == "3.1.1"
    assert session.title == "Accounting Cycle · Q1 Strategic Review"
    opening = session.conversation[0].content
    assert "**Accounting Cycle**" in opening and "rated it 1" in opening
    assert "cash flow forecasting is a guess" in opening
    with pytest.raises(ValidationFailed):
        coach.start_session(team.alice, aid, theme="9.9.9")


@dataclass
class Hit:  # the shape of documents.search_documents' hits
    document_id: str
    name: str
    page: int | None
    snippet: list[tuple[str, bool]]


def use_document_search(monkeypatch: pytest.MonkeyPatch, search: Callable[..., Any]) -> None:
    """Stand in for the document library's search (its own tests cover it)."""
    fake = types.ModuleType("ninevectors.services.documents")
    fake.search_documents = search  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ninevectors.services.documents", fake)
    monkeypatch.setattr(services_package, "documents", fake, raising=False)


def test_document_passages_ground_the_reply_and_cited_ones_are_linked(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[Any, dict]] = []

    def search(principal: Any, query: dict) -> list[Hit]:
        asked.append((principal, query))
        return [
            Hit("doc_plan", "Strategic Plan 2026.pdf", 4, [("Cash ", False), ("runway", True)]),
            Hit("doc_budget", "Budget.xlsx", None, [("Capex plan", False)]),
        ]

    use_document_search(monkeypatch, search)
    session = coach.start_session(team.alice)
    coach.add_message(team.alice, session.id, "How long is our cash runway?")
    backend = ScriptedBackend(["About 9 months [1]."])
    list(coach.generate_reply(team.alice, session.id, backend))
    assert asked[0][0] == team.alice and asked[0][1]["text"] == "How long is our cash runway?"
    system = backend.seen[0][1]
    assert '[1] "Strategic Plan 2026.pdf", page 4: Cash runway' in system
    assert '[2] "Budget.xlsx": Capex plan' in system
    stored = coach.get_session(team.alice, session.id)
    citations = stored.conversation[-1].citations
    assert [(c.number, c.name, c.page, c.href) for c in citations] == [
        (1, "Strategic Plan 2026.pdf", 4, "/documents?doc=doc_plan")
    ]
    assert stored.insights.resources_provided == ["/documents?doc=doc_plan"]


def test_a_failing_document_search_leaves_the_coach_working(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(principal: Any, query: dict) -> list[Hit]:
        raise RuntimeError("index unavailable")

    use_document_search(monkeypatch, broken)
    session = coach.start_session(team.alice)
    coach.add_message(team.alice, session.id, "Hello")
    assert "".join(coach.generate_reply(team.alice, session.id, ScriptedBackend(["Hi"]))) == "Hi"
