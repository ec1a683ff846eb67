"""The dashboard page's handlers, driven through Reflex's event processor (its background
aggregation included): a threshold or a selection of the wrong type gets a clear message,
never an exception, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ninevectors.services.assessments import _common as c
from ninevectors.state.analytics import THRESHOLD_RANGE, AnalyticsState
from ninevectors.state.inputs import MALFORMED_FORM
from tests.unit import test_analytics_support as analytics_support
from tests.unit import test_assessment_support as support
from tests.unit.test_state_support import Answer, Browser, Reflex, login_of, run

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team
Team = support.Team

DASHBOARD = "/assessments/[assessment_id]/dashboard"


def _threshold(team: Team, assessment_id: str) -> Any:
    (item,) = support.store_items(c.ASSESSMENTS, team.org, id=assessment_id)
    return (item.get("configuration") or {}).get("anonymityThreshold")


def _with_answers(team: Team) -> str:
    """An assessment of the manager with five submitted responses (the default threshold)."""
    people = analytics_support.people(team, 5)
    assessment_id = analytics_support.assessment_with(team, people)
    for person in people:
        analytics_support.submitted(team.org, assessment_id, person.user_id, None, lambda _: 4)
    return assessment_id


async def _open(browser: Browser, assessment_id: str) -> Answer:
    return await browser.open(
        DASHBOARD, AnalyticsState.load, params={"assessment_id": assessment_id}
    )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ("7", MALFORMED_FORM),
        (None, MALFORMED_FORM),
        (["threshold", "7"], MALFORMED_FORM),
        ({"threshold": {"value": 7}}, THRESHOLD_RANGE),
        ({"threshold": ["7"]}, THRESHOLD_RANGE),
        ({"threshold": "seven"}, THRESHOLD_RANGE),
        ({"threshold": "²"}, THRESHOLD_RANGE),  # a digit to str.isdigit, not to int()
        ({"threshold": "9" * 5000}, THRESHOLD_RANGE),
        ({"threshold": "2"}, THRESHOLD_RANGE),
        ({"threshold": 51}, THRESHOLD_RANGE),
        ({"threshold": True}, THRESHOLD_RANGE),
        ({}, THRESHOLD_RANGE),
    ],
)
def test_wrong_thresholds_change_nothing(team: Team, form: Any, message: str) -> None:
    assessment_id = _with_answers(team)
    manager = login_of(team.manager)

    async def scenario(reflex: Reflex) -> tuple[Answer, Answer, AnalyticsState]:
        browser = reflex.browser(manager)
        loaded = await _open(browser, assessment_id)
        answer = await browser.send(AnalyticsState.save_threshold, form=form)
        return loaded, answer, await browser.state(AnalyticsState)

    loaded, answer, state = run(scenario)
    assert loaded.errors == [] and state.can_set_threshold and state.vectors
    assert answer.errors == []
    assert (state.threshold_error, state.threshold_saved) == (message, "")
    assert (state.threshold, _threshold(team, assessment_id)) == (5, None)


def test_a_threshold_is_still_saved_and_the_dashboard_computed_again(team: Team) -> None:
    assessment_id = _with_answers(team)
    manager = login_of(team.manager)

    async def scenario(reflex: Reflex) -> tuple[Answer, AnalyticsState]:
        browser = reflex.browser(manager)
        await _open(browser, assessment_id)
        answer = await browser.send(AnalyticsState.save_threshold, form={"threshold": " 7 "})
        return answer, await browser.state(AnalyticsState)

    answer, state = run(scenario)
    assert answer.errors == []
    assert state.threshold_error == ""
    assert state.threshold_saved == "Saved: groups under 7 respondents are hidden."
    assert (state.threshold, _threshold(team, assessment_id)) == (7, 7)
    assert state.vectors == []  # 5 respondents are under the new threshold


def test_a_member_cannot_set_the_threshold(team: Team) -> None:
    assessment_id = _with_answers(team)
    support.running(team, team.alice)  # alice is a member of the organization, not a manager
    alice = login_of(team.alice)

    async def scenario(reflex: Reflex) -> tuple[Answer, AnalyticsState]:
        browser = reflex.browser(alice)
        await _open(browser, assessment_id)
        answer = await browser.send(AnalyticsState.save_threshold, form={"threshold": "3"})
        return answer, await browser.state(AnalyticsState)

    answer, state = run(scenario)
    assert answer.errors == []
    assert state.threshold_error != "" and state.threshold_saved == ""
    assert _threshold(team, assessment_id) is None


SELECTIONS = [
    ("set_overlay", "key", {"key": "all"}, "Choose one of the offered groups to compare."),
    ("set_overlay", "key", "all", "Choose one of the offered groups to compare."),
    ("set_overlay", "key", "nobody", "Choose one of the offered groups to compare."),
    ("set_benchmark_overlay", "label", ["x"], "Choose one of the offered benchmarks."),
    ("select_vector", "vector_id", "1", "Choose one of the vectors shown."),
    ("select_vector", "vector_id", True, "Choose one of the vectors shown."),
    ("select_vector", "vector_id", 10, "Choose one of the vectors shown."),
    ("select_lens", "lens_id", {"id": "1.1"}, "Choose one of the sub-lenses shown."),
]


def test_wrong_selections_change_nothing(team: Team) -> None:
    assessment_id = _with_answers(team)
    manager = login_of(team.manager)

    def shown(state: AnalyticsState) -> tuple[Any, ...]:
        return (state.overlay, state.benchmark_overlay, state.selected_vector, state.selected_lens)

    async def scenario(reflex: Reflex) -> list[tuple[Answer, str, tuple[Any, ...]]]:
        browser = reflex.browser(manager)
        await _open(browser, assessment_id)
        await browser.send(AnalyticsState.select_vector, vector_id=1)
        results = []
        for handler, argument, value, _message in SELECTIONS:
            answer = await browser.send(getattr(AnalyticsState, handler), **{argument: value})
            state = await browser.state(AnalyticsState)
            results.append((answer, state.error, shown(state)))
        return results

    for (handler, _argument, value, message), (answer, error, selection) in zip(
        SELECTIONS, run(scenario), strict=True
    ):
        assert answer.errors == [], (handler, value)
        assert error == message, (handler, value)
        assert selection == ("", "", 1, ""), (handler, value)
