"""Responses: open, durable partial saves, resume, time, presence, submit, analytics, bad input
and two tabs writing at once."""

from __future__ import annotations

import threading

import pytest

from ninevectors.services import assessments
from ninevectors.services.assessments import _common as c
from ninevectors.services.backends import get_cache, get_store
from ninevectors.services.cache import keys
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from tests.unit import test_assessment_support as support
from tests.unit.test_assessment_support import Team, audit_actions, running, snapshot

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team


def stored_response(team: Team, aid: str, who: object) -> dict:
    return get_store().get(c.RESPONSES, team.org, c.response_id(aid, who.user_id))  # type: ignore[attr-defined]


def test_open_creates_the_response_once_with_every_required_slot(team: Team) -> None:
    aid = running(team, team.alice, required_vectors=[2, 6])
    view = assessments.open_response(team.alice, aid)
    assert (view.status, view.read_only, view.anonymous) == ("draft", False, False)
    assert view.required_vectors == [2, 6] and len(view.answers) == 16 + 9
    assert view.answers["2.1.1"] == {
        "rating": None, "notSure": False, "confidence": None, "notes": "", "evidence": [],
        "updatedAt": None,
    }  # fmt: skip
    assert view.current_sub_lens_id == "2.1" and view.progress.percent == 0
    assert view.time_spent == 0
    again = assessments.open_response(team.alice, aid)
    assert again.answers == view.answers
    assert len(support.responses_of(aid, team.org)) == 1
    raw = stored_response(team, aid, team.alice)
    assert raw["type"] == "assessment-response" and raw["userId"] == team.alice.user_id
    assert raw["assessmentId"] == aid and raw["partitionKey"] == team.org
    item = assessments.get_assessment(team.manager, aid)
    assert item.participant_of(team.alice.user_id).status == "in-progress"  # type: ignore[union-attr]
    assert audit_actions(team.org).count("response.started") == 1


def test_open_needs_a_participant_of_a_running_assessment(team: Team) -> None:
    draft = support.new_assessment(team.manager).id
    with pytest.raises(ConflictError):
        assessments.open_response(team.manager, draft)
    aid = running(team, team.alice)
    with pytest.raises(NotFoundError):
        assessments.open_response(team.bob, aid)
    with pytest.raises(Forbidden):
        assessments.open_response(team.admin, aid)  # sees it, but does not take part
    with pytest.raises(Forbidden):
        assessments.open_response(team.viewer, aid)
    assert support.responses_of(aid, team.org) == []


def test_save_is_partial_and_durable(team: Team) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    saved = assessments.save_answer(team.alice, aid, "6.1.1", {"rating": 4})
    assert saved.answer["rating"] == 4 and saved.answer["updatedAt"] == "2026-03-01T09:00:00Z"
    assert saved.progress.per_vector == {6: (1, 9)} and saved.progress.percent == 11
    assessments.save_answer(team.alice, aid, "6.1.1", {"confidence": 2, "notes": " Solid "})
    assessments.save_answer(team.alice, aid, "6.1.1", {"evidence": ["doc_1", "", "https://x"]})
    answer = stored_response(team, aid, team.alice)["answers"]["6.1.1"]
    assert answer["rating"] == 4 and answer["confidence"] == 2 and answer["notes"] == "Solid"
    assert answer["evidence"] == ["doc_1", "https://x"]
    # "not sure" clears the rating, a rating clears "not sure"
    cleared = assessments.save_answer(team.alice, aid, "6.1.1", {"not_sure": True})
    assert (cleared.answer["rating"], cleared.answer["notSure"]) == (None, True)
    assert cleared.progress.answered == 1  # still answered
    rated = assessments.save_answer(team.alice, aid, "6.1.1", {"rating": 2})
    assert (rated.answer["rating"], rated.answer["notSure"]) == (2, False)
    unrated = assessments.save_answer(team.alice, aid, "6.1.1", {"rating": None})
    assert unrated.progress.answered == 0 and unrated.answer["confidence"] == 2
    # audited once per response and writer (the first save of a sitting), not per click
    assert audit_actions(team.org).count("response.answers_saved") == 1


def test_resume_on_another_device_where_the_person_was(team: Team) -> None:
    aid = running(team, team.alice, required_vectors=[2, 6])
    assessments.open_response(team.alice, aid)
    assessments.save_answer(team.alice, aid, "6.2.3", {"rating": 5})
    assert assessments.open_response(team.alice, aid).current_sub_lens_id == "6.2"
    assessments.set_position(team.alice, aid, "2.3")
    view = assessments.open_response(team.alice, aid)
    assert view.current_sub_lens_id == "2.3" and view.answers["6.2.3"]["rating"] == 5
    # the position lives in the response itself: nothing in the cache to lose
    get_cache().close()
    assert assessments.open_response(team.alice, aid).current_sub_lens_id == "2.3"
    with pytest.raises(ValidationFailed):
        assessments.set_position(team.alice, aid, "4.1")  # not a required vector
    with pytest.raises(ValidationFailed):
        assessments.set_position(team.alice, aid, "6.1.1")  # a theme, not a sub-lens


def test_time_spent_is_clamped_and_added(team: Team) -> None:
    aid = running(team, team.alice)
    assessments.open_response(team.alice, aid)
    assert assessments.record_time(team.alice, aid, 45) == 45
    assert assessments.record_time(team.alice, aid, 10_000) == 345  # at most 300 per call
    assert assessments.record_time(team.alice, aid, -50) == 345
    assert assessments.record_time(team.alice, aid, 12.9) == 357
    for bad in ("60", True, float("nan"), None):
        with pytest.raises(ValidationFailed):
            assessments.record_time(team.alice, aid, bad)  # type: ignore[arg-type]
    assert assessments.open_response(team.alice, aid).time_spent == 357


@pytest.mark.parametrize(
    ("theme", "changes", "field"),
    [
        ("6.1.1", {"rating": 0}, "rating"),
        ("6.1.1", {"rating": 6}, "rating"),
        ("6.1.1", {"rating": "4"}, "rating"),
        ("6.1.1", {"rating": 3.5}, "rating"),
        ("6.1.1", {"rating": True}, "rating"),
        ("6.1.1", {"confidence": 9}, "confidence"),
        ("6.1.1", {"rating": 3, "not_sure": True}, "rating"),
        ("6.1.1", {"notes": "x" * 2001}, "notes"),
        ("6.1.1", {"evidence": ["ref"] * 21}, "evidence"),
        ("6.1.1", {"evidence": ["x" * 501]}, "evidence"),
        ("6.1.1", {"evidence": "doc_1"}, "evidence"),
        ("6.1.1", {"userId": "someone"}, "userId"),
        ("6.1.1", {}, "changes"),
        ("6.1.1", "rating=4", "input"),
        ("9.9.9", {"rating": 3}, "theme_id"),
        ("6.1", {"rating": 3}, "theme_id"),
        (None, {"rating": 3}, "theme_id"),
        ("1.1.1", {"rating": 3}, "theme_id"),  # Market is not required
    ],
)
def test_bad_answers_are_refused_and_change_nothing(
    team: Team, theme: object, changes: object, field: str
) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    assessments.save_answer(team.alice, aid, "6.1.1", {"rating": 2})
    before = snapshot(team)
    with pytest.raises(ValidationFailed) as refused:
        assessments.save_answer(team.alice, aid, theme, changes)  # type: ignore[arg-type]
    assert refused.value.field == field and refused.value.message
    assert snapshot(team) == before


def test_writes_outside_a_running_assessment_are_refused(team: Team) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    assessments.save_answer(team.alice, aid, "6.1.1", {"rating": 2})
    for status in ("completed", "archived"):
        assessments.change_status(team.manager, aid, status)
        before = snapshot(team)
        with pytest.raises(ConflictError):
            assessments.save_answer(team.alice, aid, "6.1.2", {"rating": 2})
        with pytest.raises(ConflictError):
            assessments.record_time(team.alice, aid, 30)
        with pytest.raises(ConflictError):
            assessments.submit_response(team.alice, aid)
        assert snapshot(team) == before
        view = assessments.open_response(team.alice, aid)  # still readable
        assert view.read_only and view.answers["6.1.1"]["rating"] == 2


def test_nobody_writes_another_persons_response(team: Team) -> None:
    aid = running(team, team.alice, team.bob, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    assessments.save_answer(team.alice, aid, "6.1.1", {"rating": 5})
    before = snapshot(team)
    with pytest.raises(NotFoundError):  # Bob has not opened his own; Alice's is out of reach
        assessments.save_answer(team.bob, aid, "6.1.1", {"rating": 1})
    for outsider in (team.admin, team.manager):  # not participants / has no response
        with pytest.raises((Forbidden, NotFoundError)):
            assessments.save_answer(outsider, aid, "6.1.1", {"rating": 1})
    assert snapshot(team) == before
    assessments.open_response(team.bob, aid)
    assessments.save_answer(team.bob, aid, "6.1.1", {"rating": 1})
    assert stored_response(team, aid, team.alice)["answers"]["6.1.1"]["rating"] == 5


def test_submit_says_exactly_what_is_missing(team: Team) -> None:
    aid = running(team, team.alice, required_vectors=[2, 6])
    support.answer_all(team.alice, aid, vectors=[6])
    assessments.save_answer(team.alice, aid, "2.1.1", {"rating": 3})
    assessments.save_answer(team.alice, aid, "2.1.2", {"not_sure": True})
    before = snapshot(team)
    with pytest.raises(assessments.IncompleteResponse) as refused:
        assessments.submit_response(team.alice, aid)
    missing = refused.value.missing
    assert list(missing) == [2] and len(missing[2]) == 14
    assert missing[2][:3] == ["2.1.3", "2.1.4", "2.2.1"]
    assert refused.value.missing_sub_lenses["2.1"] == ["2.1.3", "2.1.4"]
    assert set(refused.value.missing_sub_lenses) == {"2.1", "2.2", "2.3", "2.4"}
    assert "People (14 themes)" in refused.value.message and refused.value.field == "answers"
    assert isinstance(refused.value, ValidationFailed)
    assert snapshot(team) == before


def test_submit_freezes_scores_and_updates_analytics(team: Team) -> None:
    aid = running(team, team.alice, team.bob, required_vectors=[2, 6])
    assessments.open_response(team.alice, aid)
    assessments.record_time(team.alice, aid, 300)
    assessments.record_time(team.alice, aid, 300)
    support.answer_all(team.alice, aid, rating=4, vectors=[2])
    support.answer_all(team.alice, aid, rating=2, vectors=[6])
    team.clock.advance(hours=1)
    result = assessments.submit_response(team.alice, aid)
    assert result.status == "submitted" and result.completed_at == "2026-03-01T10:00:00Z"
    assert result.responses is not None
    assert result.responses.overall_score == 3.0  # (4 + 2) / 2
    assert [v.overall_score for v in result.responses.vectors] == [4.0, 2.0]
    assert result.responses.strength_areas == [2] and result.responses.improvement_areas == [6]
    theme = result.responses.vectors[0].sub_lenses[0].themes[0]
    assert (theme.theme_id, theme.theme_name, theme.rating) == ("2.1.1", theme.theme_name, 4)
    item = assessments.get_assessment(team.manager, aid)
    me = item.participant_of(team.alice.user_id)
    assert me.status == "completed" and me.completed_at == "2026-03-01T10:00:00Z"  # type: ignore[union-attr]
    analytics = item.analytics
    assert analytics.completion_rate == 33.3  # 1 of 3 participants
    assert (analytics.total_responses, analytics.avg_time_to_complete) == (1, 600)
    assert analytics.last_updated == "2026-03-01T10:00:00Z"
    assert "fieldVersions" not in stored_response(team, aid, team.alice)  # ordering is done
    assert assessments.get_my_response(team.alice, aid).status == "submitted"  # type: ignore[union-attr]

    support.answer_all(team.bob, aid, rating=5)
    assessments.record_time(team.bob, aid, 200)
    assessments.submit_response(team.bob, aid)
    analytics = assessments.get_assessment(team.manager, aid).analytics
    assert (analytics.completion_rate, analytics.total_responses) == (66.7, 2)
    assert analytics.avg_time_to_complete == 400  # (600 + 200) / 2
    assert audit_actions(team.org).count("response.submitted") == 2


def test_a_submitted_response_is_frozen(team: Team) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    support.answer_all(team.alice, aid)
    assessments.submit_response(team.alice, aid)
    before = snapshot(team)
    with pytest.raises(ConflictError):
        assessments.save_answer(team.alice, aid, "6.1.1", {"rating": 1})
    with pytest.raises(ConflictError):
        assessments.record_time(team.alice, aid, 20)
    with pytest.raises(ConflictError):
        assessments.submit_response(team.alice, aid)
    assert snapshot(team) == before
    view = assessments.open_response(team.alice, aid)
    assert view.read_only and view.status == "submitted" and view.progress.percent == 100


def test_submit_finishes_bookkeeping_after_a_crash(team: Team) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    support.answer_all(team.alice, aid)
    real = c.update_item
    calls = {"n": 0}

    def crash_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("process died")
        return real(*args, **kwargs)

    c.update_item = crash_once  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError):
            assessments.submit_response(team.alice, aid)
    finally:
        c.update_item = real  # type: ignore[assignment]
    assert stored_response(team, aid, team.alice)["status"] == "submitted"
    assessments.submit_response(team.alice, aid)  # the retry completes the participant
    item = assessments.get_assessment(team.manager, aid)
    assert item.participant_of(team.alice.user_id).status == "completed"  # type: ignore[union-attr]
    assert item.analytics.total_responses == 1


def test_saves_of_another_tab_landing_in_between_keep_every_answer(team: Team) -> None:
    """Tab B's saves land while tab A's save is on its way: each write sets only its own
    fields in one statement, so both tabs' answers survive."""
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    store = get_store()
    real_patch = store.patch_versioned
    interleaved = {"done": False}

    def other_tab_first(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if not interleaved["done"]:
            interleaved["done"] = True
            assessments.save_answer(team.alice, aid, "6.1.1", {"notes": "from tab B"})
            assessments.save_answer(team.alice, aid, "6.2.1", {"rating": 1})
        return real_patch(*args, **kwargs)

    store.patch_versioned = other_tab_first  # type: ignore[method-assign]
    try:
        assessments.save_answer(team.alice, aid, "6.1.1", {"rating": 5})  # tab A
    finally:
        store.patch_versioned = real_patch  # type: ignore[method-assign]
    answers = stored_response(team, aid, team.alice)["answers"]
    assert answers["6.1.1"]["rating"] == 5 and answers["6.1.1"]["notes"] == "from tab B"
    assert answers["6.2.1"]["rating"] == 1


def test_a_save_racing_a_submit_is_refused(team: Team) -> None:
    """The submit lands just before the save's write: the write's own condition (a draft
    response) refuses it, and the frozen response is untouched."""
    aid = running(team, team.alice, required_vectors=[6])
    support.answer_all(team.alice, aid, rating=3)
    store = get_store()
    real_patch = store.patch_versioned
    raced = {"done": False}

    def submit_first(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if not raced["done"]:
            raced["done"] = True
            assessments.submit_response(team.alice, aid)
        return real_patch(*args, **kwargs)

    store.patch_versioned = submit_first  # type: ignore[method-assign]
    try:
        with pytest.raises(ConflictError):
            assessments.save_answer(team.alice, aid, "6.1.1", {"rating": 1})
    finally:
        store.patch_versioned = real_patch  # type: ignore[method-assign]
    frozen = stored_response(team, aid, team.alice)
    assert frozen["status"] == "submitted" and frozen["answers"]["6.1.1"]["rating"] == 3
    assert frozen["responses"]["overallScore"] == 3.0


def test_two_tabs_in_threads_lose_nothing(team: Team) -> None:
    aid = running(team, team.alice, required_vectors=[6, 8])
    view = assessments.open_response(team.alice, aid)
    themes = sorted(view.answers)
    errors: list[BaseException] = []

    def tab(field: str) -> None:
        try:
            for index, theme in enumerate(themes):
                value = {"rating": 1 + index % 5} if field == "rating" else {field: f"n{index}"}
                assessments.save_answer(team.alice, aid, theme, value)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=tab, args=(f,)) for f in ("rating", "notes")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    answers = stored_response(team, aid, team.alice)["answers"]
    for index, theme in enumerate(themes):
        assert answers[theme]["rating"] == 1 + index % 5
        assert answers[theme]["notes"] == f"n{index}"


def test_presence_lists_the_others_for_five_minutes(team: Team) -> None:
    aid = running(team, team.alice, team.bob)
    assert assessments.touch_presence(team.alice, aid) == []
    assert assessments.touch_presence(team.bob, aid) == ["Alice Able"]
    assert assessments.touch_presence(team.manager, aid) == ["Alice Able", "Bob Baker"]
    team.clock.advance(minutes=4)
    assert assessments.touch_presence(team.bob, aid) == ["Alice Able", "Max Manager"]
    team.clock.advance(minutes=2)  # Alice and Max quiet for 6 and 6 minutes
    assert assessments.touch_presence(team.bob, aid) == []
    assessments.touch_presence(team.alice, aid)
    assessments.leave_presence(team.alice, aid)
    assert assessments.touch_presence(team.bob, aid) == []
    assert 0 < get_cache().ttl(keys.presence(aid)) <= 300
    with pytest.raises(NotFoundError):
        assessments.touch_presence(team.viewer, aid)


def test_submit_writes_the_metrics_time_series(team: Team) -> None:
    from ninevectors.services.store.base import Filter, Query

    aid = running(team, team.alice, team.bob, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    assessments.record_time(team.alice, aid, 120)
    support.answer_all(team.alice, aid, rating=3, vectors=[6])
    assessments.submit_response(team.alice, aid)
    metrics = (
        get_store()
        .query("metrics", team.org, Query(filters=(Filter("type", "=", "metric"),), limit=50))
        .items
    )
    by_type = {m["metricType"]: m for m in metrics}
    assert by_type["assessment-response-submitted"]["value"] == 1
    assert by_type["assessment-time-to-complete"]["value"] == 120
    assert by_type["assessment-response-submitted"]["dimensions"] == {"assessmentId": aid}
