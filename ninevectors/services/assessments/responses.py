"""A participant's response: open, save answers (durably, at once), position, time, submit.

Ratings, confidence and notes are saved by :mod:`.answers` (one conditional write per save,
ordered per browser tab). Evidence, the position and the time spent are atomic store patches
of only the fields given, guarded by the etag read just before: two tabs never clobber each
other, and nothing lands on a response once it is submitted. The response itself keeps the
sub-lens the person was on, so a reload or another device resumes there.

Anonymity: a response of an anonymous assessment stores no user id, its id is an HMAC of
(assessment id, user id) with the secret key, its timestamps are cut to the day, and its
audit entries name neither themes nor the response, so nobody but its author can find it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ninevectors.framework.taxonomy import get_framework
from ninevectors.models.assessment import Answer, AssessmentItem, Participant, ResponseItem
from ninevectors.models.principal import Principal
from ninevectors.services.assessments import _common as c
from ninevectors.services.assessments import answers
from ninevectors.services.assessments.schemas import AnswerChanges
from ninevectors.services.assessments.scoring import (
    Progress,
    breakdown,
    first_unanswered_sub_lens,
    missing_themes,
    progress,
    score_answers,
)
from ninevectors.services.errors import ConflictError, NotFoundError, ValidationFailed
from ninevectors.services.store.base import (
    VERSIONS_FIELD,
    Conflict,
    Item,
    NotFound,
    PatchOperation,
    PreconditionFailed,
)

MAX_TIME_PER_CALL = 300
SUBMITTED = "You have submitted this response; it can no longer change."


class IncompleteResponse(ValidationFailed):
    """Submission refused: ``missing`` maps vector id → unanswered theme ids,
    ``missing_sub_lenses`` sub-lens id → unanswered theme ids."""

    def __init__(self, missing: dict[int, list[str]]) -> None:
        fw = get_framework()
        self.missing = missing
        self.missing_sub_lenses: dict[str, list[str]] = {}
        for theme_ids in missing.values():
            for theme_id in theme_ids:
                self.missing_sub_lenses.setdefault(fw.sub_lens_of(theme_id).id, []).append(theme_id)
        parts = [
            f"{fw.vector(vid).name} ({len(ids)} theme{'s' if len(ids) != 1 else ''})"
            for vid, ids in missing.items()
        ]
        super().__init__(
            "answers",
            f"Some themes are still unanswered: {', '.join(parts)}. "
            "Answer them, or mark them 'not sure', before you submit.",
        )


@dataclass(frozen=True)
class ResponseView:
    assessment_id: str
    status: str  # draft | submitted
    read_only: bool
    anonymous: bool
    answers: dict[str, dict[str, Any]]  # theme id -> {rating, notSure, confidence, notes, ...}
    required_vectors: list[int]
    current_sub_lens_id: str | None
    time_spent: int
    progress: Progress
    completed_at: str | None


@dataclass(frozen=True)
class AnswerSaved:
    theme_id: str
    answer: dict[str, Any]
    progress: Progress
    saved_at: str


def _anonymous(assessment: AssessmentItem) -> bool:
    return assessment.configuration.anonymous_responses


def _stamp(assessment: AssessmentItem) -> str:
    """Now; cut to the day on anonymous responses so times cannot be matched to people."""
    now = c.now_iso()
    return f"{now[:10]}T00:00:00Z" if _anonymous(assessment) else now


def _get(organization_id: str, response_id: str) -> Item | None:
    try:
        return c.store().get(c.RESPONSES, organization_id, response_id)
    except NotFound:
        return None


def _blank_answers(required: list[int]) -> dict[str, Any]:
    fw = get_framework()
    blank = Answer().to_item()
    return {t.id: dict(blank) for vid in required for t in fw.vector(vid).themes}


def _create(principal: Principal, assessment: AssessmentItem, me: Participant) -> Item:
    stamp = _stamp(assessment)
    required = assessment.configuration.required_vectors
    response = ResponseItem(
        id=c.response_id(assessment.id, principal.user_id),
        assessment_id=assessment.id,
        organization_id=principal.organization_id,
        user_id=None if _anonymous(assessment) else principal.user_id,
        respondent_type=me.respondent_type,
        created_at=stamp,
        updated_at=stamp,
        required_vectors=required,
        answers={},
        partition_key=principal.organization_id,
    )
    body = response.to_item()
    body["answers"] = _blank_answers(required)  # every slot exists, so field patches apply
    try:
        created = c.store().create(c.RESPONSES, body)
    except Conflict:  # another tab created it a moment ago
        return c.store().get(c.RESPONSES, principal.organization_id, response.id)
    _mark_started(principal, assessment)
    c.record("response.started", principal, assessment.id)
    return created


def _mark_started(principal: Principal, assessment: AssessmentItem) -> None:
    def change(item: Item) -> None:
        for entry in item.get("participants") or []:
            if entry.get("userId") == principal.user_id and entry.get("status") == "invited":
                entry.update(status="in-progress", startedAt=c.now_iso())

    c.update_item(principal.organization_id, assessment.id, change)


def _valid_sub_lens(assessment: AssessmentItem, sub_lens_id: object) -> str | None:
    if not isinstance(sub_lens_id, str):
        return None
    try:
        vector = get_framework().vector_of(sub_lens_id)
    except KeyError:
        return None
    if sub_lens_id.count(".") != 1 or vector.id not in assessment.configuration.required_vectors:
        return None
    return sub_lens_id


def _position(assessment: AssessmentItem, item: Item) -> str | None:
    stored = item.get("currentSubLensId")
    if _valid_sub_lens(assessment, stored):
        return stored
    required = assessment.configuration.required_vectors
    return first_unanswered_sub_lens(item.get("answers") or {}, required)


def _view(assessment: AssessmentItem, item: Item, sub_lens: str | None) -> ResponseView:
    answers = item.get("answers") or {}
    required = list(item.get("requiredVectors") or assessment.configuration.required_vectors)
    return ResponseView(
        assessment_id=assessment.id,
        status=item["status"],
        read_only=item["status"] != "draft" or assessment.status != "in-progress",
        anonymous=_anonymous(assessment),
        answers={tid: dict(answer) for tid, answer in answers.items()},
        required_vectors=required,
        current_sub_lens_id=sub_lens,
        time_spent=int(item.get("timeSpent") or 0),
        progress=progress(answers, required),
        completed_at=item.get("completedAt"),
    )


def open_response(principal: Principal, assessment_id: str) -> ResponseView:
    """The principal's response, created on first open (while the assessment is in progress);
    a submitted response, or one of an assessment no longer in progress, opens read-only."""
    assessment, me = c.my_participation(principal, assessment_id)
    item = _get(principal.organization_id, c.response_id(assessment.id, principal.user_id))
    if item is None:
        c.require_status(assessment, "in-progress", doing="start answering")
        item = _create(principal, assessment, me)
    return _view(assessment, item, _position(assessment, item))


def _patch_draft(
    principal: Principal,
    assessment: AssessmentItem,
    operations: Callable[[Item], list[PatchOperation]],
) -> Item:
    """Patch the principal's draft response, guarded by the etag just read (re-read and retry
    when another tab wrote in between); refuses once the response is submitted."""
    response_id = c.response_id(assessment.id, principal.user_id)
    for _attempt in range(c.WRITE_ATTEMPTS):
        current = _get(principal.organization_id, response_id)
        if current is None:
            raise NotFoundError("Open the assessment before answering.")
        if current.get("status") != "draft":
            raise ConflictError(SUBMITTED)
        try:
            return c.store().patch(
                c.RESPONSES, principal.organization_id, response_id,
                operations(current), etag=current.get("_etag"),
            )  # fmt: skip
        except PreconditionFailed:
            continue
    raise ConflictError("Your answers are changing too fast to save; try again.")


def _required_theme(assessment: AssessmentItem, theme_id: object) -> str:
    fw = get_framework()
    if not isinstance(theme_id, str) or not fw.has_theme(theme_id):
        raise ValidationFailed("theme_id", f"Unknown theme {str(theme_id)[:40]!r}.")
    vector = fw.vector_of(theme_id)
    if vector.id not in assessment.configuration.required_vectors:
        raise ValidationFailed("theme_id", f"{vector.name} is not part of this assessment.")
    return theme_id


def _answer_operations(
    theme_id: str, fields: dict[str, Any], stamp: str
) -> Callable[[Item], list[PatchOperation]]:
    sub_lens = get_framework().sub_lens_of(theme_id).id
    base = f"/answers/{theme_id}"

    def build(current: Item) -> list[PatchOperation]:
        if theme_id in (current.get("answers") or {}):
            ops = [PatchOperation("set", f"{base}/{name}", value) for name, value in fields.items()]
            ops.append(PatchOperation("set", f"{base}/updatedAt", stamp))
        else:  # a slot the response was created without: write it whole
            merged = {**Answer().to_item(), **fields, "updatedAt": stamp}
            ops = [PatchOperation("set", base, merged)]
        ops.append(PatchOperation("set", "/updatedAt", stamp))
        ops.append(PatchOperation("set", "/currentSubLensId", sub_lens))
        return ops

    return build


def save_answer(
    principal: Principal,
    assessment_id: str,
    theme_id: str,
    changes: AnswerChanges | Mapping[str, Any],
) -> AnswerSaved:
    """Save part of one theme's answer at once (only the fields given change); returns the
    stored answer and the updated progress. For callers without a page (the page sends its
    changes in order through :func:`answers.save_answers`)."""
    form = AnswerChanges.parse(changes)
    fields = form.stored_fields()
    if not fields:
        raise ValidationFailed("changes", "Nothing to save.")
    if not isinstance(theme_id, str) or not get_framework().has_theme(theme_id):
        raise ValidationFailed("theme_id", f"Unknown theme {str(theme_id)[:40]!r}.")
    if "evidence" in fields:
        return _save_evidence(principal, assessment_id, theme_id, fields)
    batch = {
        "assessmentId": assessment_id,
        "writer": answers.SERVER_WRITER,
        "edits": [
            {
                "themeId": theme_id,
                "number": answers.server_number(),
                "changes": form.model_dump(exclude_unset=True),
            }
        ],
    }
    saved = answers.save_answers(principal, batch)
    return AnswerSaved(
        theme_id=theme_id,
        answer=dict(saved.answers.get(theme_id) or {}),
        progress=saved.progress,
        saved_at=saved.saved_at,
    )


def _save_evidence(
    principal: Principal, assessment_id: str, theme_id: str, fields: dict[str, Any]
) -> AnswerSaved:
    """Evidence lists merge with documents cited meanwhile, so they take the read-then-patch
    path (rare: an edit of the evidence box)."""
    assessment, _me = c.my_participation(principal, assessment_id)
    c.require_status(assessment, "in-progress", doing="change answers")
    theme = _required_theme(assessment, theme_id)
    stamp = _stamp(assessment)
    updated = _patch_draft(principal, assessment, _answer_operations(theme, fields, stamp))
    answers.audit_first_save(principal, assessment.id, answers.SERVER_WRITER)
    stored = updated.get("answers") or {}
    return AnswerSaved(
        theme_id=theme,
        answer=dict(stored.get(theme) or {}),
        progress=progress(stored, assessment.configuration.required_vectors),
        saved_at=stamp,
    )


def set_position(principal: Principal, assessment_id: str, sub_lens_id: str) -> None:
    """Remember the sub-lens the person is on (in the response, while it is a draft)."""
    answers.set_position(principal, assessment_id, sub_lens_id)


def _seconds(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationFailed("seconds", "Time spent must be a number of seconds.")
    return max(0, min(MAX_TIME_PER_CALL, int(value)))


def record_time(principal: Principal, assessment_id: str, seconds: int) -> int:
    """Add ``seconds`` (clamped to 0..300 per call) to the time spent; returns the total."""
    amount = _seconds(seconds)
    assessment, _me = c.my_participation(principal, assessment_id)
    c.require_status(assessment, "in-progress", doing="record time")
    if amount == 0:
        current = _get(principal.organization_id, c.response_id(assessment.id, principal.user_id))
        return int((current or {}).get("timeSpent") or 0)
    operation = [PatchOperation("incr", "/timeSpent", amount)]
    updated = _patch_draft(principal, assessment, lambda _current: operation)
    return int(updated.get("timeSpent") or 0)


def _mark_completed(principal: Principal, assessment: AssessmentItem, time_spent: int) -> None:
    """Participant status and the assessment's analytics, in one etag-guarded update."""

    def change(item: Item) -> None:
        people = item.get("participants") or []
        entry = next((p for p in people if p.get("userId") == principal.user_id), None)
        if entry is None or entry.get("status") == "completed":
            return
        now = c.now_iso()
        entry.update(status="completed", completedAt=now)
        analytics = item.setdefault("analytics", {})
        done = sum(1 for p in people if p.get("status") == "completed")
        total_time = int(analytics.get("totalTimeSpent") or 0) + time_spent
        analytics.update(
            completionRate=round(100 * done / len(people), 1),
            totalResponses=int(analytics.get("totalResponses") or 0) + 1,
            totalTimeSpent=total_time,
            avgTimeToComplete=round(total_time / done) if done else None,
            lastUpdated=now,
        )

    c.update_item(principal.organization_id, assessment.id, change)


def _freeze(assessment: AssessmentItem, current: Item) -> Item:
    answers = current.get("answers") or {}
    required = assessment.configuration.required_vectors
    missing = missing_themes(answers, required)
    if missing:
        raise IncompleteResponse(missing)
    # Imported here: the coach reads assessments, so a module-level import would be circular.
    from ninevectors.services.coach.insights import insights_for_response

    scores = score_answers(answers, required)
    stamp = _stamp(assessment)
    # The version numbers only order the saves of a draft: a frozen response needs none.
    unversioned = {k: v for k, v in current.items() if k != VERSIONS_FIELD}
    frozen = {
        **unversioned,
        "status": "submitted",
        "completedAt": stamp,
        "updatedAt": stamp,
        "responses": breakdown(answers, required, scores),
    }
    frozen["aiInsights"] = insights_for_response(frozen).to_item()
    return frozen


def _record_submit_metrics(organization_id: str, assessment_id: str, time_spent: int) -> None:
    """The metrics time series the home dashboard reads (daily items with a 90-day TTL)."""
    from ninevectors.services.analytics.metrics import record_metric  # analytics reads us

    dimensions = {"assessmentId": assessment_id}
    record_metric(organization_id, "assessment-response-submitted", 1, dimensions)
    record_metric(organization_id, "assessment-time-to-complete", time_spent, dimensions)


def _refresh_gaps(organization_id: str, assessment_id: str, response_id: str) -> None:
    from ninevectors.services.coach.gaps import refresh_after_submit  # the coach reads us

    refresh_after_submit(organization_id, assessment_id, response_id)


def submit_response(principal: Principal, assessment_id: str) -> ResponseItem:
    """Check every theme of the required vectors is answered (IncompleteResponse says which
    are not), then freeze the response with its scores and update the assessment's analytics."""
    assessment, me = c.my_participation(principal, assessment_id)
    c.require_status(assessment, "in-progress", doing="submit")
    response_id = c.response_id(assessment.id, principal.user_id)
    for _attempt in range(c.WRITE_ATTEMPTS):
        current = _get(principal.organization_id, response_id)
        if current is None:
            raise NotFoundError("Open the assessment and answer it before submitting.")
        if current.get("status") == "submitted":
            if me.status == "completed":
                raise ConflictError("You have already submitted this response.")
            stored = current  # submitted before a crash; finish the bookkeeping below
            break
        try:
            stored = c.store().replace(
                c.RESPONSES, _freeze(assessment, current), etag=current.get("_etag")
            )
        except PreconditionFailed:
            continue
        break
    else:
        raise ConflictError("Your answers are changing too fast to submit; try again.")
    time_spent = int(stored.get("timeSpent") or 0)
    _mark_completed(principal, assessment, time_spent)
    _refresh_gaps(principal.organization_id, assessment.id, response_id)
    _record_submit_metrics(principal.organization_id, assessment.id, time_spent)
    details = (
        None if _anonymous(assessment) else {"overallScore": stored["responses"]["overallScore"]}
    )
    c.record("response.submitted", principal, assessment.id, details)
    return ResponseItem.model_validate(stored)


def get_my_response(principal: Principal, assessment_id: str) -> ResponseItem | None:
    """The principal's own response to the assessment, or None when not started."""
    assessment = c.visible(principal, assessment_id)
    item = _get(principal.organization_id, c.response_id(assessment.id, principal.user_id))
    return ResponseItem.model_validate(item) if item else None
