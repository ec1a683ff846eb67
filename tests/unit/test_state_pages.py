"""The coach, documents, profile and results pages' handlers, driven through Reflex's event
processor: payloads of the wrong type and ids the person cannot see get a clear message,
never an exception, and change nothing; the coach's reply still streams in (and stops)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ninevectors.services import coach
from ninevectors.services.assessments import _common as assessments_common
from ninevectors.services.coach import Usage
from ninevectors.services.coach import sessions as coach_sessions
from ninevectors.services.identity import users
from ninevectors.state.coach import CoachState
from ninevectors.state.documents import DocumentsState
from ninevectors.state.inputs import MALFORMED_FORM
from ninevectors.state.profile import ProfileState
from ninevectors.state.results import ResultsState
from tests.unit import test_assessment_support as support
from tests.unit.test_coach_support import submitted
from tests.unit.test_state_support import Answer, Browser, Reflex, login_of, run

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team
Team = support.Team

CONVERSATION = "/coach/[session_id]"


# --- profile ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "form_data", "message"),
    [
        ("save_profile", "Alice", MALFORMED_FORM),
        ("save_profile", None, MALFORMED_FORM),
        ("save_profile", {"first_name": {"name": "Eve"}}, "First name has the wrong type."),
        ("change_password", "new-password", MALFORMED_FORM),
        ("change_password", ["new_password"], MALFORMED_FORM),
    ],
)
def test_wrong_profile_forms_change_nothing(
    team: Team, handler: str, form_data: Any, message: str
) -> None:
    alice = login_of(team.alice)

    async def scenario(reflex: Reflex) -> tuple[Answer, str, str, Answer]:
        browser = reflex.browser(alice)
        await browser.open("/profile", ProfileState.load)
        answer = await browser.send(getattr(ProfileState, handler), form_data=form_data)
        state = await browser.state(ProfileState)
        error = state.profile_error if handler == "save_profile" else state.password_error
        shown = state.first_name
        again = await browser.send(ProfileState.load)  # the session still works
        return answer, error, shown, again

    answer, error, shown, again = run(scenario)
    assert answer.errors == [] and answer.redirects() == []
    assert message.lower() in error.lower()
    assert shown == "Alice"
    assert users.get_current_user(team.alice).first_name == "Alice"
    assert again.errors == [] and again.redirects() == []


# --- results ---------------------------------------------------------------------------------


def test_results_of_an_assessment_one_cannot_see_are_not_found(team: Team) -> None:
    hidden = support.running(team, team.bob)
    alice = login_of(team.alice)

    async def scenario(reflex: Reflex) -> tuple[Answer, ResultsState]:
        browser = reflex.browser(alice)
        answer = await browser.open(
            "/assessments/[assessment_id]/results",
            ResultsState.load,
            params={"assessment_id": hidden},
        )
        return answer, await browser.state(ResultsState)

    answer, state = run(scenario)
    assert answer.errors == []
    assert (state.error, state.assessment_name, state.vectors) == (
        assessments_common.NOT_FOUND,
        "",
        [],
    )


# --- documents -------------------------------------------------------------------------------

DOCUMENT_REFUSALS = [
    ("select", {"document_id": {"id": "doc_1"}}, "Choose a document of the list."),
    ("select", {"document_id": None}, "Choose a document of the list."),
    ("select", {"document_id": "doc_" + "x" * 100}, "Choose a document of the list."),
    ("select", {"document_id": "doc_of_nobody"}, "not found"),
    ("download", {"document_id": ["doc_1"]}, "Choose a document of the list."),
    ("download", {"document_id": "doc_of_nobody"}, "not found"),
    ("retry_failed", {"message_id": 42}, "Choose a failed document of the list."),
    ("search", {"form_data": "strategy"}, MALFORMED_FORM),
    ("save_details", {"form_data": None}, MALFORMED_FORM),
    ("save_details", {"form_data": {"category": "strategy"}}, "not found"),  # nothing open
    ("set_upload_category", {"value": ["strategy"]}, "Choose one of the offered categories."),
    ("set_upload_category", {"value": "secret"}, "Choose one of the offered categories."),
    ("set_upload_visibility", {"value": {"v": "private"}}, "Choose one of the offered"),
    ("start_upload", {"picked": "report.pdf"}, "The list of files to upload is malformed."),
]


def test_wrong_payloads_to_the_library_change_nothing(team: Team) -> None:
    admin = login_of(team.admin)

    def shown(state: DocumentsState) -> dict[str, Any]:
        return {
            "error": state.error,
            "selected_id": state.selected_id,
            "upload_category": state.upload_category,
            "upload_visibility": state.upload_visibility,
            "upload_rows": list(state.upload_rows),
        }

    async def scenario(reflex: Reflex) -> list[tuple[Answer, dict[str, Any]]]:
        browser = reflex.browser(admin)
        await browser.open("/documents")
        results = []
        for handler, payload, _message in DOCUMENT_REFUSALS:
            answer = await browser.send(getattr(DocumentsState, handler), **payload)
            results.append((answer, shown(await browser.state(DocumentsState))))
        return results

    for (handler, payload, message), (answer, after) in zip(
        DOCUMENT_REFUSALS, run(scenario), strict=True
    ):
        case = (handler, payload)
        assert answer.errors == [] and answer.redirects() == [], case
        assert message.lower() in after.pop("error").lower(), case
        assert after == {
            "selected_id": "",
            "upload_category": "other",
            "upload_visibility": "organization",
            "upload_rows": [],
        }, case


# --- coach -----------------------------------------------------------------------------------


async def _conversation(browser: Browser, session_id: str) -> Answer:
    return await browser.open(
        CONVERSATION, CoachState.load_conversation, params={"session_id": session_id}
    )


def test_wrong_payloads_to_the_coach_change_nothing(team: Team) -> None:
    mine = coach.start_session(team.alice)
    others = coach.start_session(team.bob)
    alice = login_of(team.alice)

    def shown(state: CoachState) -> tuple[str, int]:
        return state.error, len(state.messages)

    async def scenario(reflex: Reflex) -> list[tuple[Answer, tuple[str, int]]]:
        browser = reflex.browser(alice)
        foreign = await _conversation(browser, others.id)
        results = [(foreign, shown(await browser.state(CoachState)))]
        await _conversation(browser, mine.id)
        for handler, payload in [
            (CoachState.send, {"form": "hello"}),
            (CoachState.send, {"form": {"message": {"text": "hello"}}}),
            (CoachState.new_session, {"question": {"q": "hello"}}),
        ]:
            answer = await browser.send(handler, **payload)
            results.append((answer, shown(await browser.state(CoachState))))
        return results

    (foreign, on_foreign), *refusals = run(scenario)
    assert foreign.errors == []
    assert on_foreign == (coach_sessions.NOT_FOUND, 0)
    assert [a.errors for a, _ in refusals] == [[], [], []]
    assert not any(a.redirects() for a, _ in refusals)
    errors = [error for _, (error, _count) in refusals]
    assert errors[0] == MALFORMED_FORM and errors[2] == "The question must be text."
    assert errors[1] != ""  # the service says what a message must be
    assert [s.id for s in coach.list_sessions(team.alice)] == [mine.id]
    assert coach.get_session(team.alice, mine.id).conversation == mine.conversation


def test_the_offline_coach_reply_streams_into_the_conversation(team: Team) -> None:
    assessment_id = submitted(team)
    alice = login_of(team.alice)

    async def scenario(reflex: Reflex) -> tuple[Answer, Answer, CoachState]:
        browser = reflex.browser(alice)
        started = await browser.open(
            "/coach", CoachState.load_index, query={"vector": "6", "assessment": assessment_id}
        )
        (target,) = started.redirects()
        await _conversation(browser, target.removeprefix("/coach/"))
        sent = await browser.send(CoachState.send, form={"message": "Where do I start?"})
        return started, sent, await browser.state(CoachState)

    started, sent, state = run(scenario)
    assert started.errors == [] and sent.errors == []
    assert [m.role for m in state.messages][-2:] == ["user", "assistant"]
    assert state.messages[-1].content.startswith("### Execution")
    assert (state.generating, state.reply, state.error) == (False, "", "")


class SlowBackend:
    """A stand-in language model that streams 100 words, one every 50 ms (Claude itself is
    tested against the local Messages API server in tests/integration)."""

    model = "slow-model"
    offline = False
    words = [f"word{i} " for i in range(100)]

    def stream_reply(self, messages, system, *, context=None, max_tokens=1024) -> Iterator:  # noqa: ANN001
        for word in self.words:
            time.sleep(0.05)
            yield word
        yield Usage(30, 12)


def test_stop_ends_the_reply_and_keeps_what_arrived(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coach_sessions, "get_backend", SlowBackend)
    session = coach.start_session(team.alice)
    alice = login_of(team.alice)

    async def scenario(reflex: Reflex) -> tuple[str, tuple[bool, str, str], list[BaseException]]:
        browser = reflex.browser(alice)
        await _conversation(browser, session.id)
        sending = await browser.start(CoachState.send, form={"message": "Tell me everything"})
        for _ in range(250):  # the reply shows while it streams in
            await asyncio.sleep(0.02)
            if (await browser.state(CoachState)).reply:
                break
        streaming = (await browser.state(CoachState)).reply
        stopped = await browser.send(CoachState.stop)
        sent = await sending
        state = await browser.state(CoachState)
        shown = (state.generating, state.reply, state.messages[-1].content)
        return streaming, shown, [*stopped.errors, *sent.errors]

    streaming, (generating, reply, last_shown), errors = run(scenario)
    assert errors == []
    assert streaming.startswith("word0 ")
    last = coach.get_session(team.alice, session.id).conversation[-1]
    assert last.role == "assistant" and last.content.startswith(streaming)
    assert last.content.endswith("_(stopped)_") and "word99" not in last.content
    assert (generating, reply, last_shown) == (False, "", last.content)
