"""The assessment pages' handlers, driven through Reflex's event processor: an assessment the
person cannot see, and payloads of the wrong type, get a clear message — never an exception —
and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ninevectors.services import assessments
from ninevectors.services.assessments import _common as c
from ninevectors.state.assessments import (
    CANNOT_CREATE,
    AssessmentDetailState,
    AssessmentsState,
)
from ninevectors.state.inputs import MALFORMED_FORM
from tests.unit import test_assessment_support as support
from tests.unit import test_identity_support as identity
from tests.unit.test_state_support import Answer, Browser, Reflex, login_of, run

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team
Team = support.Team

LIST = "/assessments"
DETAIL = "/assessments/[assessment_id]"


def _key_of(team: Team, assessment_id: str, user_id: str) -> str:
    people = assessments.list_participants(team.manager, assessment_id)
    return next(p.key for p in people if p.user_id == user_id)


def _detail_actions(team: Team, assessment_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Every action of the assessment page, with payloads that would work for its manager."""
    bob_key = _key_of(team, assessment_id, team.bob.user_id)
    return [
        ("change_status", {"status": "completed"}),
        ("archive", {}),
        ("add_participant", {"form_data": {"user_id": team.alice.user_id}}),
        ("remove_participant", {"key": bob_key}),
        ("share", {"form_data": {"user_id": team.viewer.user_id}}),
        ("stop_sharing", {"user_id": team.bob.user_id}),
        ("send_reminders", {}),
        ("next_round", {}),
    ]


async def _open_detail(browser: Browser, assessment_id: str) -> Answer:
    return await browser.open(
        DETAIL, AssessmentDetailState.load, params={"assessment_id": assessment_id}
    )


def _assert_refused_everything(reflex_answers: list[tuple[str, Answer, dict[str, Any]]]) -> None:
    for name, answer, shown in reflex_answers:
        assert answer.errors == [], name
        assert answer.redirects() == [], name
        assert shown["not_found"] == c.NOT_FOUND, name
        assert (shown["name"], shown["participants"], shown["people"]) == ("", [], []), name


def _visible(state: AssessmentDetailState) -> dict[str, Any]:
    return {
        "not_found": state.not_found,
        "error": state.error,
        "message": state.message,
        "name": state.name,
        "participants": [p.email for p in state.participants],
        "people": [p.id for p in state.people],
        "shared": [s.user_id for s in state.shared],
    }


def test_actions_on_an_assessment_the_person_cannot_see_answer_not_found(team: Team) -> None:
    assessment_id = support.running(team, team.bob)  # alice takes no part, nothing is shared
    actions = _detail_actions(team, assessment_id)
    before = support.snapshot(team)
    audited = len(support.audit_actions(team.org))
    alice = login_of(team.alice)

    async def scenario(reflex: Reflex) -> list[tuple[str, Answer, dict[str, Any]]]:
        browser = reflex.browser(alice)
        answers = [("load", await _open_detail(browser, assessment_id), {})]
        answers[0] = ("load", answers[0][1], _visible(await browser.state(AssessmentDetailState)))
        for name, payload in actions:
            answer = await browser.send(getattr(AssessmentDetailState, name), **payload)
            answers.append((name, answer, _visible(await browser.state(AssessmentDetailState))))
        return answers

    answers = run(scenario)
    _assert_refused_everything(answers)
    assert [a[2]["error"] for a in answers[1:]] == [c.NOT_FOUND] * len(actions)
    assert support.snapshot(team) == before
    assert len(support.audit_actions(team.org)) == audited
    assert support.outbox_to("bob@alpha.example") == []  # no reminder went out


def test_an_assessment_of_another_organization_is_not_found(team: Team) -> None:
    assessment_id = support.running(team, team.bob)
    actions = _detail_actions(team, assessment_id)
    before = support.snapshot(team)
    stranger = identity.sign_up(email="eve@beta.example", org="Beta Ltd")  # Beta's admin

    async def scenario(reflex: Reflex) -> list[tuple[str, Answer, dict[str, Any]]]:
        browser = reflex.browser(stranger)
        loaded = await _open_detail(browser, assessment_id)
        answers = [("load", loaded, _visible(await browser.state(AssessmentDetailState)))]
        for name, payload in actions:
            answer = await browser.send(getattr(AssessmentDetailState, name), **payload)
            answers.append((name, answer, _visible(await browser.state(AssessmentDetailState))))
        return answers

    _assert_refused_everything(run(scenario))
    assert support.snapshot(team) == before


def test_leaving_a_visible_assessment_for_an_invisible_one_shows_nothing_of_either(
    team: Team,
) -> None:
    mine = support.running(team, team.alice)
    hidden = support.running(team, team.bob)
    alice = login_of(team.alice)

    async def scenario(reflex: Reflex) -> tuple[dict[str, Any], dict[str, Any]]:
        browser = reflex.browser(alice)
        await _open_detail(browser, mine)
        first = _visible(await browser.state(AssessmentDetailState))
        answer = await _open_detail(browser, hidden)
        assert answer.errors == []
        return first, _visible(await browser.state(AssessmentDetailState))

    first, then = run(scenario)
    assert first["name"] == "Q1 Strategic Review" and "alice@alpha.example" in first["participants"]
    assert then["not_found"] == c.NOT_FOUND
    assert (then["name"], then["participants"]) == ("", [])


DETAIL_REFUSALS = [
    ("change_status", "status", {"status": "completed"}, "Choose one of the offered status"),
    ("change_status", "status", ["completed"], "Choose one of the offered status"),
    ("change_status", "status", None, "Choose one of the offered status"),
    ("change_status", "status", 3, "Choose one of the offered status"),
    ("change_status", "status", "finished", "Choose one of the offered status"),
    ("add_participant", "form_data", "alice@alpha.example", MALFORMED_FORM),
    ("add_participant", "form_data", None, MALFORMED_FORM),
    ("add_participant", "form_data", ["user_id"], MALFORMED_FORM),
    ("remove_participant", "key", None, "Choose a participant of the list"),
    ("remove_participant", "key", {"key": "p1"}, "Choose a participant of the list"),
    ("remove_participant", "key", 7, "Choose a participant of the list"),
    ("remove_participant", "key", "", "Choose a participant of the list"),
    ("share", "form_data", {"user_id": {"$ne": ""}}, "Choose a person to share"),
    ("share", "form_data", {"user_id": None}, "Choose a person to share"),
    ("share", "form_data", [1], MALFORMED_FORM),
    ("stop_sharing", "user_id", ["someone"], "Choose a person of the list to stop"),
    ("stop_sharing", "user_id", None, "Choose a person of the list to stop"),
]


def test_wrong_payloads_to_the_assessment_page_change_nothing(team: Team) -> None:
    assessment_id = support.running(team, team.bob)
    before = support.snapshot(team)
    manager = login_of(team.manager)

    async def scenario(reflex: Reflex) -> list[tuple[Answer, dict[str, Any]]]:
        browser = reflex.browser(manager)
        await _open_detail(browser, assessment_id)
        results = []
        for name, argument, value, _message in DETAIL_REFUSALS:
            answer = await browser.send(getattr(AssessmentDetailState, name), **{argument: value})
            results.append((answer, _visible(await browser.state(AssessmentDetailState))))
        return results

    for (name, argument, value, message), (answer, shown) in zip(
        DETAIL_REFUSALS, run(scenario), strict=True
    ):
        case = f"{name}({argument}={value!r})"
        assert answer.errors == [], case
        assert shown["error"].startswith(message), case
        assert shown["not_found"] == "" and shown["name"] == "Q1 Strategic Review", case
    assert support.snapshot(team) == before


def test_the_assessment_page_still_acts_for_its_manager(team: Team) -> None:
    assessment_id = support.running(team, team.bob)
    manager = login_of(team.manager)

    async def scenario(reflex: Reflex) -> tuple[Answer, dict[str, Any]]:
        browser = reflex.browser(manager)
        await _open_detail(browser, assessment_id)
        answer = await browser.send(
            AssessmentDetailState.share, form_data={"user_id": team.viewer.user_id}
        )
        return answer, _visible(await browser.state(AssessmentDetailState))

    answer, shown = run(scenario)
    assert answer.errors == []
    assert (shown["message"], shown["error"]) == ("Results shared.", "")
    assert shown["shared"] == [team.viewer.user_id]
    stored = assessments.get_assessment(team.manager, assessment_id)
    assert team.viewer.user_id in stored.shared_with


# --- the list --------------------------------------------------------------------------------


def _listed(state: AssessmentsState) -> dict[str, Any]:
    return {
        "rows": [r.id for r in state.rows],
        "status_filter": state.status_filter,
        "search": state.search,
        "page": state.page,
        "create_error": state.create_error,
        "create_open": state.create_open,
    }


@pytest.mark.parametrize(
    ("handler", "argument", "value", "message"),
    [
        ("set_status_filter", "value", {"status": "draft"}, "Choose one of the offered statuses."),
        ("set_status_filter", "value", ["draft"], "Choose one of the offered statuses."),
        ("set_status_filter", "value", None, "Choose one of the offered statuses."),
        ("set_status_filter", "value", 1, "Choose one of the offered statuses."),
        ("set_status_filter", "value", "finished", "Choose one of the offered statuses."),
        ("set_search", "value", {"q": "Q1"}, "The search must be text."),
        ("set_search", "value", None, "The search must be text."),
        ("go_to_page", "page", "two", "That page does not exist."),
        ("go_to_page", "page", True, "That page does not exist."),
        ("go_to_page", "page", 99, "That page does not exist."),
        ("go_to_page", "page", [1], "That page does not exist."),
        ("create", "form_data", "Q2 review", MALFORMED_FORM),
        ("create", "form_data", None, MALFORMED_FORM),
    ],
)
def test_wrong_payloads_to_the_list_change_nothing(
    team: Team, handler: str, argument: str, value: Any, message: str
) -> None:
    support.new_assessment(team.manager)
    support.running(team, team.bob)
    before = support.snapshot(team)
    manager = login_of(team.manager)

    async def scenario(reflex: Reflex) -> tuple[dict[str, Any], Answer, dict[str, Any]]:
        browser = reflex.browser(manager)
        await browser.open(LIST, AssessmentsState.load)
        shown = _listed(await browser.state(AssessmentsState))
        answer = await browser.send(getattr(AssessmentsState, handler), **{argument: value})
        return shown, answer, _listed(await browser.state(AssessmentsState))

    shown, answer, after = run(scenario)
    assert answer.errors == [] and answer.redirects() == []
    assert after == {**shown, "create_error": message}
    assert len(shown["rows"]) == 2
    assert support.snapshot(team) == before


def test_the_status_filter_still_filters(team: Team) -> None:
    draft = support.new_assessment(team.manager).id
    support.running(team, team.bob)
    manager = login_of(team.manager)

    async def scenario(reflex: Reflex) -> dict[str, Any]:
        browser = reflex.browser(manager)
        await browser.open(LIST, AssessmentsState.load)
        answer = await browser.send(AssessmentsState.set_status_filter, value="draft")
        assert answer.errors == []
        return _listed(await browser.state(AssessmentsState))

    shown = run(scenario)
    assert (shown["rows"], shown["status_filter"], shown["create_error"]) == ([draft], "draft", "")


def test_a_viewer_is_told_it_cannot_create(team: Team) -> None:
    before = support.snapshot(team)
    viewer = login_of(team.viewer)

    async def scenario(reflex: Reflex) -> list[tuple[Answer, dict[str, Any]]]:
        browser = reflex.browser(viewer)
        await browser.open(LIST, AssessmentsState.load)
        results = []
        for handler, payload in [
            (AssessmentsState.open_create, {}),
            (AssessmentsState.create, {"form_data": {"name": "Sneaky"}}),
            (AssessmentsState.set_create_open, {"value": True}),
        ]:
            answer = await browser.send(handler, **payload)
            results.append((answer, _listed(await browser.state(AssessmentsState))))
        return results

    for answer, shown in run(scenario):
        assert answer.errors == [] and answer.redirects() == []
        assert (shown["create_error"], shown["create_open"]) == (CANNOT_CREATE, False)
    assert support.snapshot(team) == before
