"""Analytics: aggregation, alignment, thresholds, trends and the benchmark publication rule
with worked numbers; the dashboard service's role rules and anonymity."""

from __future__ import annotations

import math

import pytest

from ninevectors.models.principal import Principal
from ninevectors.services import analytics, assessments
from ninevectors.services.analytics import alignment, benchmarks, thresholds
from ninevectors.services.analytics.aggregation import Respondent, slices
from ninevectors.services.analytics.dashboard import (
    AssessmentDashboard,
    build_aggregate,
    trends_of,
)
from ninevectors.services.backends import get_store
from ninevectors.services.errors import NotFoundError, ValidationFailed
from ninevectors.services.identity import organizations as organization
from ninevectors.services.store.base import PatchOperation
from tests.unit import test_analytics_support as data
from tests.unit import test_assessment_support as support
from tests.unit import test_identity_support as identity_support
from tests.unit.test_assessment_support import Team

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team

VECTORS = tuple(range(1, 10))


def rated(value: int, overrides: dict[str, int | None] | None = None) -> Respondent:
    answers = {}
    for theme_id, rating in data.answers_for(lambda _t: value).items():
        answers[theme_id] = rating
    for theme_id, rating in (overrides or {}).items():
        answers[theme_id] = {"rating": rating, "notSure": rating is None, "confidence": 2}
    return Respondent(key=f"r{value}", respondent_type="peer", department=None, answers=answers)


# ---- aggregation -------------------------------------------------------------------------


def test_everyone_slice_has_mean_spread_and_count_per_vector() -> None:
    # three people rate everything 5, 3 and 1: mean 3, spread sqrt((4 + 0 + 4) / 3) = 1.633
    _m, found = slices([rated(5), rated(3), rated(1)])
    everyone = found["all"]
    mean, spread, count = everyone.vectors.at(0)
    assert (mean, count) == (3.0, 3)
    assert spread == pytest.approx(math.sqrt(8 / 3))
    assert everyone.themes.at(0)[0] == 3.0 and everyone.respondents == 3


def test_sub_lenses_weigh_the_same_in_a_vector_and_not_sure_is_left_out() -> None:
    # Execution (6) has sub-lenses 6.1 (5 themes) and 6.2 (4 themes). Rate 6.1 all 5 except one
    # "not sure", 6.2 all 2: sub-lens means 5 and 2, vector mean (5 + 2) / 2 = 3.5.
    overrides: dict[str, int | None] = {f"6.1.{n}": 5 for n in range(1, 6)}
    overrides["6.1.5"] = None
    overrides.update({f"6.2.{n}": 2 for n in range(1, 5)})
    _m, found = slices([rated(4, overrides)])
    everyone = found["all"]
    assert everyone.vectors.at(5)[0] == 3.5
    theme_65 = 4  # 6.1.5 is the fifth Execution theme; 28+16+22+18+14 = 98 themes before
    assert everyone.themes.at(98 + theme_65) == (None, None, 0)
    assert everyone.confidence.at(0)[0] == 4.0


def test_groups_and_departments_get_their_own_slices() -> None:
    people = [
        Respondent("a", "self", "Sales", data.answers_for(lambda _t: 5)),
        Respondent("b", "peer", "Sales", data.answers_for(lambda _t: 2)),
        Respondent("c", "peer", None, data.answers_for(lambda _t: 3)),
    ]
    _m, found = slices(people)
    assert list(found) == ["all", "self", "peer", "dept:Sales"]
    assert found["peer"].vectors.at(0)[:2] == (2.5, 0.5)
    assert found["dept:Sales"].vectors.at(8)[0] == 3.5
    assert found["dept:Sales"].label == "Sales"


def test_malformed_or_missing_answers_count_as_unanswered() -> None:
    good = data.answers_for(lambda _t: 4)
    odd = {k: dict(v) for k, v in good.items() if not k.startswith("9.")}  # Entity missing
    odd["1.1.1"] = {"rating": "5", "notes": 7}
    odd["1.1.2"] = {"rating": 9, "confidence": 0}
    odd["1.1.3"] = {"rating": 2, "notSure": True}
    odd["1.1.4"] = "junk"  # type: ignore[assignment]
    _m, found = slices([Respondent("a", None, None, good), Respondent("b", None, None, odd)])
    everyone = found["all"]
    assert everyone.themes.at(0) == (4.0, 0.0, 1) and everyone.themes.at(4) == (4.0, 0.0, 2)
    assert everyone.vectors.at(8)[2] == 1 and everyone.vectors.at(0)[2] == 2
    assert _m.notes == []


# ---- thresholds, alignment, trends, benchmarks --------------------------------------------


def test_threshold_defaults_to_five_and_never_goes_below_three() -> None:
    assert thresholds.threshold_of({}) == 5
    assert thresholds.threshold_of({"configuration": {"anonymityThreshold": 2}}) == 3
    assert thresholds.threshold_of({"configuration": {"anonymityThreshold": 7}}) == 7
    assert thresholds.threshold_of({"configuration": {"anonymityThreshold": "9"}}) == 5


def test_a_slice_under_the_threshold_is_hidden_with_a_reason() -> None:
    hidden = thresholds.slice_visibility("peer", "Peers", 2, 3)
    assert not hidden.visible and "2 of the 3" in hidden.reason
    assert thresholds.slice_visibility("peer", "Peers", 3, 3).visible
    assert not thresholds.slice_visibility("self", "Self", 1, 3).visible
    assert thresholds.slice_visibility("self", "Self", 1, 3, is_360=True).visible


def test_groups_two_points_apart_are_flagged() -> None:
    gap = alignment.group_gap({"Self": 4.5, "Peers": 2.5, "Managers": None})
    assert (gap.gap, gap.highest, gap.lowest, gap.flagged) == (2.0, "Self", "Peers", True)
    assert not alignment.group_gap({"Self": 4.49, "Peers": 2.5}).flagged
    assert alignment.group_gap({"Self": 4.0}).gap is None


def test_consensus_comes_from_the_spread() -> None:
    assert [alignment.consensus_level(s) for s in (0.0, 0.49, 0.5, 0.99, 1.0, None)] == [
        "high", "high", "moderate", "moderate", "low", "n/a",
    ]  # fmt: skip
    assert alignment.self_vs_others(4.0, [3.0, 2.0]) == 1.5
    assert alignment.self_vs_others(None, [3.0]) is None


def test_trends_give_the_change_since_the_previous_round() -> None:
    rounds = [
        ({"id": "a1", "name": "R1", "round": 1}, {1: 3.0, 2: 2.5}, ""),
        ({"id": "a2", "name": "R2", "round": 2}, {1: 3.5, 2: None}, ""),
        ({"id": "a3", "name": "R3", "round": 3}, {1: 3.25, 2: 4.0}, ""),
    ]
    trends = trends_of(rounds)
    assert [t.change for t in trends] == [
        {1: None, 2: None}, {1: 0.5, 2: None}, {1: -0.25, 2: None},
    ]  # fmt: skip


def test_industry_benchmark_needs_five_organizations_and_hides_each() -> None:
    four = {f"org{i}": {1: float(i), 2: 3.0} for i in range(1, 5)}
    assert benchmarks.industry_benchmark("Retail", four, (1, 2)) is None
    five = {**four, "org5": {1: 5.0, 2: None}}
    published = benchmarks.industry_benchmark("Retail", five, (1, 2))
    assert published is not None and published.contributors == 5
    # vector 1: (1 + 2 + 3 + 4 + 5) / 5 = 3; vector 2: only four organizations rated it
    assert published.vectors == {1: 3.0, 2: None}
    assert "org" not in repr(published.vectors)


def test_organization_benchmark_weighs_each_assessment_the_same() -> None:
    found = benchmarks.organization_benchmark({"a": {1: 2.0}, "b": {1: 4.5}}, (1,))
    assert found is not None and found.vectors == {1: 3.25} and found.contributors == 2
    assert benchmarks.organization_benchmark({}, (1,)) is None


# ---- the dashboard service ----------------------------------------------------------------


def _seeded(team: Team, peers: int = 3, threshold: int = 3, **extra: object) -> str:
    crowd = data.people(team, peers)
    aid = data.assessment_with(team, [team.alice, *crowd], **extra)
    analytics.set_threshold(team.manager, aid, threshold)
    for i, person in enumerate(crowd):
        notes = {"1.1.1": f"peer note {i}"}
        data.submitted(team.org, aid, person.user_id, "peer", lambda _t, i=i: 2 + i, notes)
    data.submitted(team.org, aid, team.alice.user_id, "manager", lambda _t: 5,
                   {"1.1.1": "alice alone"})  # fmt: skip
    return aid


def test_manager_sees_aggregates_and_a_small_group_is_hidden(team: Team) -> None:
    aid = _seeded(team)
    board = analytics.assessment_dashboard(team.manager, aid)
    assert board.mode == "aggregate" and board.respondents == 4 and board.threshold == 3
    groups = {g.key: g for g in board.groups}
    assert groups["peer"].visible and not groups["manager"].visible
    assert "1 of the 3" in groups["manager"].reason
    assert set(board.radar) == {"all", "peer"} and len(board.radar["all"]) == 9
    # the lone manager-type respondent is left out of everyone too (else everyone minus peers
    # would reveal the rating): everyone = peers = (2 + 3 + 4) / 3 = 3.0
    assert board.radar["all"][0] == 3.0 and board.radar["peer"][0] == 3.0
    assert groups["all"].respondents == 3
    assert sorted(n.text for n in board.notes) == ["peer note 0", "peer note 1", "peer note 2"]
    assert "alice alone" not in repr(board)
    assert board.vectors[0].count == 3 and board.vectors[0].consensus == "moderate"
    assert len(board.sub_lenses["all"][1]) == 5 and len(board.themes["peer"]["1.1"]) == 6


def test_everything_is_hidden_below_the_threshold(team: Team) -> None:
    aid = data.assessment_with(team, [team.alice])
    data.submitted(team.org, aid, team.alice.user_id, None, lambda _t: 4)
    board = analytics.assessment_dashboard(team.manager, aid)
    assert board.threshold == 5 and board.radar == {} and board.vectors == []
    assert "1 of the 5" in board.message


def test_member_sees_own_results_and_viewer_sees_nothing(team: Team) -> None:
    aid = _seeded(team)
    mine = analytics.assessment_dashboard(team.alice, aid)
    assert mine.mode == "own" and mine.radar["all"] == [5.0] * 9
    assert [n.text for n in mine.notes] == ["alice alone"]
    assessments.add_participant(team.manager, aid, {"user_id": team.bob.user_id})
    pending = analytics.assessment_dashboard(team.bob, aid)
    assert pending.mode == "own" and pending.radar == {} and "submit" in pending.message
    shared = analytics.assessment_dashboard(team.viewer, aid)
    assert shared.mode == "none" and shared.name == "" and "shared" in shared.message
    with pytest.raises(NotFoundError):
        analytics.assessment_dashboard(team.bob, "assessment_nope")


def test_alignment_flags_and_self_gap_in_a_360(team: Team) -> None:
    crowd = data.people(team, 3)
    aid = support.new_assessment(
        team.manager, type="360-review", subject_user_id=team.alice.user_id
    ).id
    for person in crowd:
        assessments.add_participant(team.manager, aid, {"user_id": person.user_id,
                                                        "respondent_type": "peer"})  # fmt: skip
    analytics.set_threshold(team.manager, aid, 3)
    data.submitted(team.org, aid, team.alice.user_id, "self", lambda _t: 5)
    for person in crowd:
        data.submitted(team.org, aid, person.user_id, "peer", lambda _t: 2)
    board = analytics.assessment_dashboard(team.manager, aid)
    assert {g.key for g in board.groups if g.visible} == {"all", "self", "peer"}
    row = board.vectors[0]
    assert (row.gap, row.flagged, row.self_gap) == (3.0, True, 3.0)
    assert board.flags[0].id == "1" and board.flags[0].highest == "Self"
    assert len(board.flags) == 9 + 156


def test_trends_follow_the_round_chain(team: Team) -> None:
    aid = _seeded(team)
    assessments.change_status(team.manager, aid, "completed")
    second = assessments.start_next_round(team.manager, aid).id
    analytics.set_threshold(team.manager, second, 3)
    assessments.change_status(team.manager, second, "in-progress")
    for i, person in enumerate(data.people(team, 3)[:3]):
        data.submitted(team.org, second, person.user_id, "peer", lambda _t, i=i: 3 + i)
    board = analytics.assessment_dashboard(team.manager, second)
    assert [t.round for t in board.trends] == [1, 2]
    # round 1: peers only, 3.0; round 2: (3 + 4 + 5) / 3 = 4.0
    assert board.trends[0].vectors[1] == 3.0 and board.trends[1].change[1] == 1.0
    assert board.benchmarks and board.benchmarks[0].vectors[1] == 3.0


def test_threshold_input_is_checked_and_changes_nothing(team: Team) -> None:
    aid = data.assessment_with(team, [team.alice])
    for bad in (2, 51, "5", True, None):
        with pytest.raises(ValidationFailed):
            analytics.set_threshold(team.manager, aid, bad)
    assert analytics.assessment_dashboard(team.manager, aid).threshold == 5
    with pytest.raises(Exception):  # noqa: B017 — Forbidden for a member
        analytics.set_threshold(team.alice, aid, 4)


def test_metrics_are_daily_items_with_aggregations(team: Team) -> None:
    first = analytics.record_metric(team.org, "assessment-time-to-complete", 600, {"a": "x"})
    second = analytics.record_metric(team.org, "assessment-time-to-complete", 1200, {"a": "x"})
    assert first["id"] == second["id"] and second["ttl"] == 90 * 24 * 3600
    assert second["aggregations"] == {
        "count": 2, "sum": 1800.0, "avg": 900.0, "min": 600.0, "max": 1200.0,
    }  # fmt: skip
    assert second["period"] == "daily" and second["timestamp"] == "2026-03-01T00:00:00Z"
    analytics.record_metric(team.org, "assessment-response-submitted")
    series = analytics.metric_series(team.manager, "assessment-response-submitted", 7)
    assert len(series) == 7 and series[-1].value == 1.0 and series[0].value == 0.0
    with pytest.raises(ValidationFailed):
        analytics.record_metric(team.org, "made-up", 1)
    with pytest.raises(ValidationFailed):
        analytics.record_metric(team.org, "dashboard-viewed", float("nan"))


def test_home_summary_counts_what_the_principal_sees(team: Team) -> None:
    _seeded(team)
    summary = analytics.home_summary(team.manager)
    assert summary.active_assessments == 1 and summary.responses_this_month == 4
    assert summary.activity and summary.activity[0].action
    member = analytics.home_summary(team.bob)
    assert member.active_assessments == 0 and member.series == []
    assert all(a.action for a in analytics.home_summary(team.alice).activity)
    analytics.assessment_dashboard(team.manager, _seeded_again(team))
    assert analytics.metric_series(team.manager, "dashboard-viewed", 1)[0].value == 1.0


def _seeded_again(team: Team) -> str:
    return data.assessment_with(team, [team.bob])


def _industry_org(n: int, industry: str, rating: int) -> Principal:
    """An organization of ``industry`` with one benchmarking assessment of five responses."""
    admin = identity_support.sign_up(f"boss{n}@org{n}.example", f"Org {n}", industry=industry)
    principal = admin.principal
    aid = assessments.create_assessment(
        principal, {"name": f"Review {n}", "enable_benchmarking": True}
    ).id
    for i in range(5):
        data.submitted(principal.organization_id, aid, f"user_{n}_{i}", None, lambda _t: rating)
    return principal


def test_industry_benchmark_appears_with_five_organizations(team: Team) -> None:
    others = [_industry_org(n, "Retail", 1 + n) for n in range(4)]  # ratings 1, 2, 3, 4
    organization.update_organization(team.admin, {"industry": "Retail"})
    crowd = data.people(team, 5)
    aid = data.assessment_with(team, crowd, enable_benchmarking=True)
    for person in crowd:
        data.submitted(team.org, aid, person.user_id, None, lambda _t: 5)
    board = analytics.assessment_dashboard(team.manager, aid)
    industry = [b for b in board.benchmarks if "Retail" in b.label]
    # five organizations: (1 + 2 + 3 + 4 + 5) / 5 = 3.0 on every vector
    assert industry and industry[0].contributors == 5 and industry[0].vectors[1] == 3.0
    assert not any(o.organization_id in repr(board) for o in others)
    assert "Org 1" not in repr(board)
    # a plan without the benchmarking feature: withheld, and the page says why
    starter = [PatchOperation("set", "/settings/features", ["ai-coaching"])]
    get_store().patch("organizations", team.org, team.org, starter)
    board = analytics.assessment_dashboard(team.manager, aid)
    assert not [b for b in board.benchmarks if "Retail" in b.label]
    assert "part of the Enterprise plan" in board.benchmark_note


def test_industry_benchmark_is_withheld_below_five(team: Team) -> None:
    for n in range(3):
        _industry_org(n, "Retail", 2)
    organization.update_organization(team.admin, {"industry": "Retail"})
    crowd = data.people(team, 5)
    aid = data.assessment_with(team, crowd, enable_benchmarking=True)
    for person in crowd:
        data.submitted(team.org, aid, person.user_id, None, lambda _t: 5)
    board = analytics.assessment_dashboard(team.manager, aid)
    assert [b.label for b in board.benchmarks] == []
    assert "at least 5 organizations" in board.benchmark_note


def test_score_bands_have_fixed_edges() -> None:
    from ninevectors.services.analytics.bands import band_of

    names = [band_of(s).name for s in (1.0, 1.99, 2.0, 2.99, 3.0, 3.99, 4.0, 5.0, None)]
    assert names == [
        "critical", "critical", "needs attention", "needs attention", "adequate", "adequate",
        "strong", "strong", "no score",
    ]  # fmt: skip


def test_departments_show_only_when_every_department_reaches_the_threshold(team: Team) -> None:
    people = [
        Respondent(f"s{i}", "peer", "Sales", data.answers_for(lambda _t: 4)) for i in range(3)
    ]
    people += [Respondent("f0", "peer", "Finance", data.answers_for(lambda _t: 1))]
    board = AssessmentDashboard("a", "A", "multi-participant", "completed", False, 3, "aggregate")
    build_aggregate(board, people, list(VECTORS))
    assert board.radar["all"][0] == 3.25 and "dept:Sales" not in board.radar
    assert any(g.key == "departments" and not g.visible for g in board.groups)
    people += [Respondent(f"f{i}", "peer", "Finance", data.answers_for(lambda _t: 1))
               for i in (1, 2)]  # fmt: skip
    board = AssessmentDashboard("a", "A", "multi-participant", "completed", False, 3, "aggregate")
    build_aggregate(board, people, list(VECTORS))
    assert board.radar["dept:Sales"][0] == 4.0 and board.radar["dept:Finance"][0] == 1.0


def test_when_every_group_is_under_the_threshold_everyone_is_hidden_and_says_why() -> None:
    people = [Respondent(f"p{i}", "peer", None, data.answers_for(lambda _t: 4)) for i in range(3)]
    people += [Respondent("m0", "manager", None, data.answers_for(lambda _t: 1))]
    # four respondents reach a threshold of 4, but neither group does on its own
    board = AssessmentDashboard("a", "A", "360-review", "completed", False, 4, "aggregate")
    build_aggregate(board, people, list(VECTORS))
    assert board.radar == {} and board.vectors == [] and board.notes == []
    assert "every group has fewer than 4 respondents" in board.message


def test_a_cached_aggregate_is_never_stale(team: Team) -> None:
    aid = _seeded(team)
    first = analytics.assessment_dashboard(team.manager, aid)
    assert first.respondents == 4 and analytics.assessment_dashboard(team.manager, aid) == first
    # a new response (the count changes) and a new threshold (the item's etag changes)
    extra = data.people(team, 1)[0]
    data.submitted(team.org, aid, extra.user_id, "manager", lambda _t: 1)
    board = analytics.assessment_dashboard(team.manager, aid)
    assert board.respondents == 5 and not {g.key: g for g in board.groups}["manager"].visible
    analytics.set_threshold(team.manager, aid, 4)
    board = analytics.assessment_dashboard(team.manager, aid)
    assert board.threshold == 4 and "peer" not in board.radar  # three peers: under 4 now
