"""The assessment dashboard: everything the page, the CSV and the PDF show, under the role and
anonymity rules.

Who sees what:

* the assessment's owner and roles with ``assessments.view_all`` (managers, admins): the
  aggregates (mode ``aggregate``), with every slice under the anonymity threshold hidden;
* those the assessment's results are shared with (its ``sharedWith``, roles with
  ``assessments.view_shared``: viewers and up): the same aggregates under the same anonymity
  rules (mode ``aggregate``), but sharing grants nothing else (no answering, managing,
  participants' names or e-mails, and no CSV or PDF export without ``reports.export``);
* a participant without those rights (members): their own submitted results (mode ``own``);
* everybody else: nothing (mode ``none``); a viewer is told nothing has been shared with it
  (an assessment not shared with it looks the same as one that does not exist).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ninevectors.framework.taxonomy import get_framework
from ninevectors.models.assessment import AssessmentItem
from ninevectors.models.principal import Principal
from ninevectors.services.analytics import aggregate_cache, alignment, metrics, thresholds
from ninevectors.services.analytics.aggregation import (
    GROUP_LABELS,
    GROUP_ORDER,
    Matrices,
    Respondent,
    Slice,
    Stats,
    framework_index,
    group_key,
    rounded,
    slices,
)
from ninevectors.services.analytics.benchmarks import Benchmark
from ninevectors.services.assessments import _common as c
from ninevectors.services.assessments.scoring import rank_areas
from ninevectors.services.errors import Forbidden, NotFoundError
from ninevectors.services.identity import roles
from ninevectors.services.store.base import Filter, Item, NotFound

Mode = Literal["aggregate", "own", "none"]
NOTHING_SHARED = (
    "Nothing has been shared with you yet. Managers and the assessment's owner see its "
    "results and can share them with you; participants see their own."
)
MAX_ROUNDS = 20


@dataclass(frozen=True)
class GroupView:
    key: str
    label: str
    respondents: int
    visible: bool
    reason: str = ""


@dataclass(frozen=True)
class StatRow:
    """One vector, sub-lens or theme of one slice."""

    id: str
    name: str
    mean: float | None
    spread: float | None
    count: int


@dataclass(frozen=True)
class VectorRow:
    vector_id: int
    name: str
    color: str
    mean: float | None
    spread: float | None
    count: int
    confidence: float | None
    consensus: str
    gap: float | None  # between visible groups
    flagged: bool
    self_gap: float | None  # self minus others (360-reviews)


@dataclass(frozen=True)
class AlignmentFlag:
    id: str  # vector id or theme id
    name: str
    gap: float
    highest: str
    lowest: str


@dataclass(frozen=True)
class Note:
    theme_id: str
    theme_name: str
    group: str
    text: str


@dataclass(frozen=True)
class RoundTrend:
    assessment_id: str
    name: str
    round: int
    vectors: dict[int, float | None]
    change: dict[int, float | None]  # since the previous round
    hidden_reason: str = ""


@dataclass
class AssessmentDashboard:
    assessment_id: str
    name: str
    assessment_type: str
    status: str
    anonymous: bool
    threshold: int
    mode: Mode
    message: str = ""
    respondents: int = 0
    groups: list[GroupView] = field(default_factory=list)
    radar: dict[str, list[float | None]] = field(default_factory=dict)  # group key -> 9 means
    vectors: list[VectorRow] = field(default_factory=list)
    # drill-down: group key -> vector id -> sub-lens rows; group key -> sub-lens id -> themes
    sub_lenses: dict[str, dict[int, list[StatRow]]] = field(default_factory=dict)
    themes: dict[str, dict[str, list[StatRow]]] = field(default_factory=dict)
    strengths: list[int] = field(default_factory=list)
    improvements: list[int] = field(default_factory=list)
    flags: list[AlignmentFlag] = field(default_factory=list)
    trends: list[RoundTrend] = field(default_factory=list)
    benchmarks: list[Benchmark] = field(default_factory=list)
    benchmark_note: str = ""
    notes: list[Note] = field(default_factory=list)

    def vector_name(self, vector_id: int) -> str:
        return get_framework().vector(vector_id).name


# ---- loading ---------------------------------------------------------------------------


def submitted_items(organization_id: str, assessment_id: str) -> list[Item]:
    filters = (Filter("assessmentId", "=", assessment_id), Filter("status", "=", "submitted"))
    return c.query_all(c.RESPONSES, organization_id, filters)


def respondents_of(
    organization_id: str, assessment: AssessmentItem, items: Sequence[Item]
) -> list[Respondent]:
    """Respondents of the submitted response items; departments only when not anonymous."""
    departments: dict[str, str | None] = {}
    anonymous = assessment.configuration.anonymous_responses
    if not anonymous:
        ids = {str(i["userId"]) for i in items if i.get("userId")}
        for user_id, user in c.users_by_id(organization_id, ids).items():
            departments[user_id] = ((user.get("profile") or {}).get("department")) or None
    return [
        Respondent(
            key=str(item["id"]),
            respondent_type=item.get("respondentType"),
            department=None if anonymous else departments.get(str(item.get("userId"))),
            answers=item.get("answers") or {},
            user_id=None if anonymous else item.get("userId"),
        )
        for item in items
    ]


def own_response(principal: Principal, assessment_id: str) -> Item | None:
    try:
        return c.store().get(
            c.RESPONSES, principal.organization_id, c.response_id(assessment_id, principal.user_id)
        )
    except NotFound:
        return None


def raw_assessment(principal: Principal, assessment_id: object) -> tuple[AssessmentItem, Item]:
    """The assessment the principal may see (NotFoundError otherwise) and its raw item."""
    assessment = c.visible(principal, assessment_id)
    return assessment, c.load_item(principal, assessment.id)


def mode_of(principal: Principal, assessment: AssessmentItem) -> Mode:
    if assessment.organization_id != principal.organization_id:
        return "none"
    if c.sees_all(principal) or c.is_owner(principal, assessment):
        return "aggregate"
    if c.is_shared_with(principal, assessment):
        return "aggregate"
    if assessment.participant_of(principal.user_id) is not None:
        return "own"
    return "none"


# ---- building ----------------------------------------------------------------------------


def _stat_rows(stats: Stats, position: dict[str, int], names: dict[str, str]) -> list:
    rows = []
    for item_id, name in names.items():
        mean, spread, count = stats.at(position[item_id])
        rows.append(StatRow(item_id, name, rounded(mean), rounded(spread), count))
    return rows


def _drill_down(
    slice_: Slice, required: Sequence[int]
) -> tuple[dict[int, list[StatRow]], dict[str, list[StatRow]]]:
    fw = get_framework()
    index = framework_index()
    lens_rows: dict[int, list[StatRow]] = {}
    theme_rows: dict[str, list[StatRow]] = {}
    for vid in required:
        vector = fw.vector(vid)
        names = {s.id: s.name for s in vector.sub_lenses}
        lens_rows[vid] = _stat_rows(slice_.sub_lenses, index.lens_position, names)
        for lens in vector.sub_lenses:
            theme_names = {t.id: t.name for t in lens.themes}
            theme_rows[lens.id] = _stat_rows(slice_.themes, index.theme_position, theme_names)
    return lens_rows, theme_rows


def protected_slices(
    respondents: Sequence[Respondent], threshold: int, is_360: bool, by_department: bool
) -> tuple[Matrices, list[GroupView], dict[str, Slice]]:
    """The slices safe to show, and a view (with the reason) of every group.

    Respondents of a hidden respondent group are left out of every other slice as well,
    otherwise "everyone" minus the visible groups would give the hidden group away; for the
    same reason departments are shown only when every department, and the people without
    one, reach the threshold.
    """
    sizes = Counter(group_key(r) for r in respondents)
    views: list[GroupView] = []
    hidden: set[str] = set()
    for key in [g for g in GROUP_ORDER if g in sizes] + sorted(set(sizes) - set(GROUP_ORDER)):
        label = GROUP_LABELS.get(key, key)
        verdict = thresholds.slice_visibility(key, label, sizes[key], threshold, is_360=is_360)
        views.append(GroupView(key, label, sizes[key], verdict.visible, verdict.reason))
        if not verdict.visible:
            hidden.add(key)
    kept = [r for r in respondents if group_key(r) not in hidden]
    departments = Counter(r.department for r in kept) if by_department else Counter()
    departments_ok = all(n >= threshold for n in departments.values())
    matrices, found = slices(kept, by_department=by_department and departments_ok)
    counted = len(kept) if kept else len(respondents)
    everyone = thresholds.slice_visibility("all", GROUP_LABELS["all"], counted, threshold)
    if everyone.visible and not kept and respondents:
        everyone = thresholds.Visibility(
            False,
            f"{GROUP_LABELS['all']}: hidden to protect anonymity, since every group has fewer "
            f"than {threshold} respondents.",
        )
    views.insert(0, GroupView("all", GROUP_LABELS["all"], len(kept), everyone.visible,
                              everyone.reason))  # fmt: skip
    if set(departments) - {None} and not departments_ok:
        reason = (
            f"Departments: hidden, since at least one has fewer than {threshold} "
            "respondents and the others would reveal it."
        )
        views.append(GroupView("departments", "Departments", 0, False, reason))
    shown: dict[str, Slice] = {}
    if views[0].visible:
        shown = {k: sl for k, sl in found.items() if k not in hidden}
        views += [GroupView(k, sl.label, sl.respondents, True) for k, sl in shown.items()
                  if k.startswith("dept:")]  # fmt: skip
    return matrices, views, shown


def _group_means(shown: dict[str, Slice], column: str, i: int) -> dict[str, float | None]:
    """Mean per visible respondent group (not departments, not everyone) at position i."""
    means: dict[str, float | None] = {}
    for key, slice_ in shown.items():
        if key == "all" or key.startswith("dept:"):
            continue
        means[slice_.label] = getattr(slice_, column).at(i)[0]
    return means


def _self_gap(shown: dict[str, Slice], i: int) -> float | None:
    own = shown.get("self")
    others = [
        s.vectors.at(i)[0]
        for k, s in shown.items()
        if k not in ("all", "self") and not k.startswith("dept:")
    ]
    present = [v for v in others if v is not None]
    return alignment.self_vs_others(own.vectors.at(i)[0] if own else None, present)


def _vector_rows(everyone: Slice, shown: dict[str, Slice], required: Sequence[int]) -> list:
    fw = get_framework()
    index = framework_index()
    rows = []
    for vid in required:
        i = index.vector_ids.index(vid)
        mean, spread, count = everyone.vectors.at(i)
        gap = alignment.group_gap(_group_means(shown, "vectors", i))
        vector = fw.vector(vid)
        rows.append(
            VectorRow(
                vector_id=vid,
                name=vector.name,
                color=vector.color,
                mean=rounded(mean),
                spread=rounded(spread),
                count=count,
                confidence=rounded(everyone.confidence.at(i)[0]),
                consensus=alignment.consensus_level(spread),
                gap=gap.gap,
                flagged=gap.flagged,
                self_gap=_self_gap(shown, i),
            )  # fmt: skip
        )
    return rows


def _flags(shown: dict[str, Slice], required: Sequence[int]) -> list[AlignmentFlag]:
    fw = get_framework()
    index = framework_index()
    flags: list[AlignmentFlag] = []
    for vid in required:
        i = index.vector_ids.index(vid)
        gap = alignment.group_gap(_group_means(shown, "vectors", i))
        if gap.flagged and gap.gap is not None:
            flags.append(AlignmentFlag(str(vid), fw.vector(vid).name, gap.gap,
                                       gap.highest or "", gap.lowest or ""))  # fmt: skip
        for theme in fw.vector(vid).themes:
            j = index.theme_position[theme.id]
            tgap = alignment.group_gap(_group_means(shown, "themes", j))
            if tgap.flagged and tgap.gap is not None:
                flags.append(AlignmentFlag(theme.id, theme.name, tgap.gap,
                                           tgap.highest or "", tgap.lowest or ""))  # fmt: skip
    return flags


def _notes(matrices: Matrices, shown: dict[str, Slice]) -> list[Note]:
    """Notes of respondents whose respondent-group slice is visible (never named)."""
    fw = get_framework()
    group_of: dict[int, str] = {}
    for key, slice_ in shown.items():
        if key != "all" and not key.startswith("dept:"):
            group_of.update(dict.fromkeys(slice_.row_positions, slice_.label))
    notes = [
        Note(theme_id, fw.theme(theme_id).name, group_of[row], text.strip())
        for row, theme_id, text in matrices.notes
        if row in group_of and text.strip()
    ]
    notes.sort(key=lambda n: (tuple(int(p) for p in n.theme_id.split(".")), n.group))
    return notes


def build_aggregate(
    dashboard: AssessmentDashboard, respondents: Sequence[Respondent], required: Sequence[int]
) -> AssessmentDashboard:
    """Fill ``dashboard`` (mode aggregate) from the respondents: pure, no I/O."""
    is_360 = dashboard.assessment_type == "360-review"
    matrices, dashboard.groups, shown = protected_slices(
        respondents, dashboard.threshold, is_360, by_department=not dashboard.anonymous
    )
    dashboard.respondents = len(respondents)
    index = framework_index()
    positions = [index.vector_ids.index(v) for v in required]
    for key, slice_ in shown.items():
        dashboard.radar[key] = [rounded(slice_.vectors.at(i)[0]) for i in positions]
        dashboard.sub_lenses[key], dashboard.themes[key] = _drill_down(slice_, required)
    everyone = shown.get("all")
    if everyone is None:
        dashboard.message = next(g.reason for g in dashboard.groups if g.key == "all")
        return dashboard
    dashboard.vectors = _vector_rows(everyone, shown, required)
    means = {row.vector_id: row.mean for row in dashboard.vectors}
    dashboard.strengths, dashboard.improvements = rank_areas(means)
    dashboard.flags = _flags(shown, required)
    dashboard.notes = _notes(matrices, shown)
    return dashboard


def _own(dashboard: AssessmentDashboard, item: Item | None, required: Sequence[int]) -> None:
    if not item or item.get("status") != "submitted":
        dashboard.message = "Your results appear here once you submit your response."
        return
    respondent = Respondent(str(item["id"]), item.get("respondentType"), None,
                            item.get("answers") or {})  # fmt: skip
    _matrices, found = slices([respondent], by_department=False)
    mine = found["all"]
    index = framework_index()
    dashboard.respondents = 1
    dashboard.groups = [GroupView("all", "Your response", 1, True)]
    dashboard.radar["all"] = [rounded(mine.vectors.at(index.vector_ids.index(v))[0])
                              for v in required]  # fmt: skip
    dashboard.sub_lenses["all"], dashboard.themes["all"] = _drill_down(mine, required)
    dashboard.vectors = _vector_rows(mine, {"all": mine}, required)
    means = {row.vector_id: row.mean for row in dashboard.vectors}
    dashboard.strengths, dashboard.improvements = rank_areas(means)
    fw = get_framework()
    dashboard.notes = [
        Note(tid, fw.theme(tid).name, "You", str(a.get("notes")).strip())
        for tid, a in (item.get("answers") or {}).items()
        if isinstance(a, dict) and str(a.get("notes") or "").strip() and fw.has_theme(tid)
    ]


def _round_means(principal: Principal, item: Item) -> tuple[dict[int, float | None], str]:
    assessment = AssessmentItem.model_validate(item)
    items = submitted_items(principal.organization_id, assessment.id)
    threshold = thresholds.threshold_of(item)
    respondents = respondents_of(principal.organization_id, assessment, items)
    is_360 = assessment.assessment_type == "360-review"
    _m, views, shown = protected_slices(respondents, threshold, is_360, by_department=False)
    everyone = shown.get("all")
    if everyone is None:
        return {}, views[0].reason
    index = framework_index()
    return {vid: rounded(everyone.vectors.at(i)[0]) for i, vid in enumerate(index.vector_ids)}, ""


def _round_chain(principal: Principal, item: Item) -> list[Item]:
    """The assessment and its ancestors (parentAssessmentId), oldest first; the chain ends
    at a round whose aggregates the principal may not see (one not shared with a viewer)."""
    chain = [item]
    seen = {item["id"]}
    while len(chain) < MAX_ROUNDS:
        parent_id = chain[-1].get("parentAssessmentId")
        if not parent_id or parent_id in seen:
            break
        try:
            parent = c.load_item(principal, parent_id)
        except Exception:  # noqa: BLE001 — a deleted or foreign parent ends the chain
            break
        if mode_of(principal, AssessmentItem.model_validate(parent)) != "aggregate":
            break
        seen.add(parent["id"])
        chain.append(parent)
    return list(reversed(chain))


def trends_of(
    rounds: Sequence[tuple[Item, dict[int, float | None], str]],
) -> list[RoundTrend]:
    """Per round the vector means and the change since the previous round (pure)."""
    trends: list[RoundTrend] = []
    previous: dict[int, float | None] = {}
    for item, means, reason in rounds:
        change = {
            vid: (round(value - previous[vid], 2)
                  if value is not None and previous.get(vid) is not None else None)  # type: ignore[operator]
            for vid, value in means.items()
        }  # fmt: skip
        trends.append(
            RoundTrend(
                str(item["id"]),
                str(item.get("name", "")),
                int(item.get("round") or 1),
                dict(means),
                change,
                reason,
            )  # fmt: skip
        )
        previous = means if means else previous
    return trends


def _trends(principal: Principal, item: Item, current: dict[int, float | None]) -> list:
    chain = _round_chain(principal, item)
    if len(chain) < 2:
        return []
    rounds = [(r, *_round_means(principal, r)) for r in chain[:-1]]
    rounds.append((item, current, "" if current else "Hidden below the anonymity threshold."))
    return trends_of(rounds)  # type: ignore[arg-type]


def _blank(assessment: AssessmentItem, item: Item, mode: Mode) -> AssessmentDashboard:
    return AssessmentDashboard(
        assessment_id=assessment.id, name=assessment.name,
        assessment_type=assessment.assessment_type, status=assessment.status,
        anonymous=assessment.configuration.anonymous_responses,
        threshold=thresholds.threshold_of(item), mode=mode,
    )  # fmt: skip


def _aggregate(principal: Principal, assessment: AssessmentItem, item: Item) -> AssessmentDashboard:
    def build() -> AssessmentDashboard:
        items = submitted_items(principal.organization_id, assessment.id)
        respondents = respondents_of(principal.organization_id, assessment, items)
        required = sorted(assessment.configuration.required_vectors)
        return build_aggregate(_blank(assessment, item, "aggregate"), respondents, required)

    return aggregate_cache.cached_aggregate(principal.organization_id, item, build)


def assessment_aggregate(principal: Principal, assessment_id: str) -> AssessmentDashboard:
    """Only the aggregates of the dashboard (no trends, benchmarks or view metric), for
    those who see them (Forbidden otherwise): the coach's group comparison."""
    assessment, item = raw_assessment(principal, assessment_id)
    if mode_of(principal, assessment) != "aggregate":
        raise Forbidden(
            "Only managers, the assessment's owner and those it is shared with see its aggregates."
        )
    return _aggregate(principal, assessment, item)


def assessment_dashboard(principal: Principal, assessment_id: str) -> AssessmentDashboard:
    """What the dashboard of one assessment shows to the principal (see module docstring)."""
    from ninevectors.services.analytics import benchmarks_service

    try:
        assessment, item = raw_assessment(principal, assessment_id)
    except NotFoundError:
        if roles.has_permission(principal.role, roles.ASSESSMENTS_VIEW_OWN):
            raise
        assessment = item = None  # a viewer learns nothing, not even that it exists
    if assessment is None or item is None:
        return AssessmentDashboard("", "", "", "", False, thresholds.DEFAULT_THRESHOLD, "none",
                                   message=NOTHING_SHARED)  # fmt: skip
    mode = mode_of(principal, assessment)
    if mode == "none":
        dashboard = _blank(assessment, item, mode)
        dashboard.message = NOTHING_SHARED
        return dashboard
    if mode == "own":
        dashboard = _blank(assessment, item, mode)
        _own(dashboard, own_response(principal, assessment.id),
             sorted(assessment.configuration.required_vectors))  # fmt: skip
        return dashboard
    dashboard = _aggregate(principal, assessment, item)
    metrics.record_metric(principal.organization_id, "dashboard-viewed", 1)
    current = {row.vector_id: row.mean for row in dashboard.vectors}
    dashboard.trends = _trends(principal, item, current)
    if not (c.sees_all(principal) or c.is_owner(principal, assessment)):
        # shared with them: the organization's other assessments were not
        dashboard.benchmark_note = "Benchmarks are shown to the assessment's managers."
        return dashboard
    dashboard.benchmarks, dashboard.benchmark_note = benchmarks_service.benchmarks_for(
        principal, assessment, dashboard.threshold
    )
    return dashboard
