"""Answer saves at the framework's speed: one conditional write per save, none reordered.

The wizard page keeps every change a person makes in an outbox (in the browser, so reloads
and lost connections keep it) and sends it here in order, batched while a save is in flight.
Each change carries its *writer* (the browser tab) and a number that only grows within that
writer. :func:`save_answers` turns a batch into one ``patch_versioned`` of the response: a
single UPDATE on the SQL store, with no read before it. A change numbered below what the
response holds for that writer and field is ignored, so a slow or repeated delivery can never
overwrite a newer choice; changes of other tabs or devices are never blocked (last wins).

What does not change between clicks is worked out once per sitting, not per click: the
participation check (assessment visible, in progress, the person a participant) is kept for
``_common.PARTICIPATION_TTL`` seconds per process (every change of the assessment in this
process drops it at once). The response's own status is checked in the write
itself, so nothing lands on a submitted response. Saves are audited once per response and
writer (the first save of a sitting), not per click.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cachetools import TTLCache
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from ninevectors.framework.taxonomy import get_framework
from ninevectors.models.principal import Principal
from ninevectors.services.assessments import _common as c
from ninevectors.services.assessments.schemas import AnswerChanges
from ninevectors.services.assessments.scoring import Progress
from ninevectors.services.cache.base import CacheUnavailable
from ninevectors.services.errors import ConflictError, NotFoundError, ValidationFailed
from ninevectors.services.store._common import version_key
from ninevectors.services.store.base import (
    VERSIONS_FIELD,
    Filter,
    Item,
    NotFound,
    PatchOperation,
    PreconditionFailed,
    VersionedSet,
)

log = logging.getLogger(__name__)

SITTING_AUDIT_TTL = 86400
MAX_EDITS = 50
WRITER_PATTERN = r"^[A-Za-z0-9_-]{6,40}$"
SUBMITTED = "You have submitted this response; it can no longer change."
SERVER_WRITER = "server"  # saves made without a page (API, scripts): ordered by clock

_lock = threading.Lock()
_audited: TTLCache[str, bool] = TTLCache(maxsize=50_000, ttl=SITTING_AUDIT_TTL)


@dataclass(frozen=True)
class Participation:
    """What a save needs to know about the person's part in the assessment."""

    assessment_id: str
    response_id: str
    required_vectors: tuple[int, ...]
    anonymous: bool


class AnswerEdit(BaseModel):
    """One change from the page: some fields of one theme's answer."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    theme_id: str = Field(alias="themeId", min_length=1, max_length=20)
    number: StrictInt = Field(ge=0, lt=2**53)
    changes: dict[str, Any]


class AnswerBatch(BaseModel):
    """What the page sends: the changes of one writer, oldest first."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    assessment_id: str = Field(alias="assessmentId", min_length=1, max_length=100)
    writer: str = Field(pattern=WRITER_PATTERN)
    edits: list[AnswerEdit] = Field(min_length=1, max_length=MAX_EDITS)

    @classmethod
    def parse(cls, data: object) -> AnswerBatch:
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "body"
            raise ValidationFailed(where, f"{where}: {first['msg']}") from None


@dataclass(frozen=True)
class AnswersSaved:
    saved: int  # edits accepted (applied, or superseded by a newer one already stored)
    fields: int  # answer fields those edits set (a rating also clears "not sure")
    superseded: int  # of those fields, ones a newer write of the same tab already held
    answers: dict[str, Any]  # theme id -> the stored answer, after the write
    progress: Progress
    per_sub_lens: dict[str, int]  # sub-lens id -> answered themes
    saved_at: str


# --- the sitting -------------------------------------------------------------------------------


def participation(principal: Principal, assessment_id: str) -> Participation:
    """The person's participation, checked at most once per ``PARTICIPATION_TTL`` seconds."""
    key = (principal.organization_id, principal.user_id, principal.role, assessment_id)
    known = c.remembered_participation(key)
    if isinstance(known, Participation):
        return known
    if not isinstance(assessment_id, str):
        raise NotFoundError(c.NOT_FOUND)
    assessment, _me = c.participant_in(principal, c.shared_assessment(principal, assessment_id))
    c.require_status(assessment, "in-progress", doing="change answers")
    found = Participation(
        assessment_id=assessment.id,
        response_id=c.response_id(assessment.id, principal.user_id),
        required_vectors=tuple(assessment.configuration.required_vectors),
        anonymous=assessment.configuration.anonymous_responses,
    )
    c.remember_participation(key, found)
    return found


def audit_first_save(principal: Principal, assessment_id: str, writer: str) -> None:
    """Audit a save made outside :func:`save_answers` (the evidence editor) the same way."""
    _audit_sitting(principal, participation(principal, assessment_id), writer)


def _audit_sitting(principal: Principal, facts: Participation, writer: str) -> None:
    """One audit entry for the first save of each writer (tab) on a response."""
    marker = f"{facts.response_id}:{writer}"
    with _lock:
        if marker in _audited:
            return
        _audited[marker] = True
    try:
        first = c.cache().incr(f"audit:answers:{marker}", 1, SITTING_AUDIT_TTL) == 1
    except CacheUnavailable:
        first = True  # better a second entry than none
    if first:
        details = None if facts.anonymous else {"writer": writer}
        c.record("response.answers_saved", principal, facts.assessment_id, details)


# --- saving ------------------------------------------------------------------------------------


def _stamp(facts: Participation) -> str:
    now = c.now_iso()
    return f"{now[:10]}T00:00:00Z" if facts.anonymous else now


def _theme(facts: Participation, theme_id: str) -> str:
    fw = get_framework()
    if not fw.has_theme(theme_id):
        raise ValidationFailed("theme_id", f"Unknown theme {theme_id[:20]!r}.")
    vector = fw.vector_of(theme_id)
    if vector.id not in facts.required_vectors:
        raise ValidationFailed("theme_id", f"{vector.name} is not part of this assessment.")
    return theme_id


def _sets(facts: Participation, batch: AnswerBatch) -> list[VersionedSet]:
    """The stored fields of every edit; the newest edit of a field wins within the batch."""
    latest: dict[str, VersionedSet] = {}
    for edit in batch.edits:
        theme = _theme(facts, edit.theme_id)
        fields = AnswerChanges.parse(edit.changes).stored_fields()
        if "evidence" in fields:
            raise ValidationFailed("changes", "Evidence is saved with the evidence editor.")
        if not fields:
            raise ValidationFailed("changes", "Nothing to save.")
        for name, value in fields.items():
            field = f"{theme}:{name}"
            previous = latest.get(field)
            if previous is None or previous.number <= edit.number:
                path = f"/answers/{theme}/{name}"
                latest[field] = VersionedSet(path, value, field, batch.writer, edit.number)
    return sorted(latest.values(), key=lambda change: change.number)


def _is_answered(answer: Any) -> bool:
    """``scoring.is_answered`` for a stored answer, inlined: it runs 156 times per save."""
    if not isinstance(answer, dict):
        return False
    return bool(answer.get("notSure")) or type(answer.get("rating")) is int


@lru_cache(maxsize=64)
def _layout(
    required: tuple[int, ...],
) -> tuple[tuple[int, int, tuple[tuple[str, frozenset[str]], ...]], ...]:
    """(vector id, theme count, ((sub-lens id, its theme ids), ...)) per required vector."""
    fw = get_framework()
    return tuple(
        (
            vector_id,
            len(fw.vector(vector_id).themes),
            tuple(
                (s.id, frozenset(t.id for t in s.themes)) for s in fw.vector(vector_id).sub_lenses
            ),
        )
        for vector_id in sorted(set(required))
    )


def _progress(
    answers: Mapping[str, Any], required: tuple[int, ...]
) -> tuple[Progress, dict[str, int]]:
    """Progress per vector and sub-lens (the same as ``scoring.progress``, in one pass)."""
    answered = {theme for theme, answer in answers.items() if _is_answered(answer)}
    per_sub_lens: dict[str, int] = {}
    per_vector: dict[int, tuple[int, int]] = {}
    for vector_id, size, sub_lenses in _layout(required):
        done = 0
        for sub_lens_id, theme_ids in sub_lenses:
            per_sub_lens[sub_lens_id] = len(theme_ids & answered)
            done += per_sub_lens[sub_lens_id]
        per_vector[vector_id] = (done, size)
    count = sum(done for done, _ in per_vector.values())
    total = sum(size for _, size in per_vector.values())
    percent = (100 * count) // total if total else 0
    return Progress(per_vector, count, total, percent), per_sub_lens


def _version_key(change: VersionedSet) -> str:
    return version_key(change.field, change.writer)


def _write(
    facts: Participation, sets: list[VersionedSet], stamp: str, principal: Principal
) -> Item:
    themes = list(dict.fromkeys(change.field.split(":")[0] for change in sets))
    sub_lens = get_framework().sub_lens_of(themes[-1]).id
    always = [PatchOperation("set", f"/answers/{theme}/updatedAt", stamp) for theme in themes]
    always += [
        PatchOperation("set", "/updatedAt", stamp),
        PatchOperation("set", "/currentSubLensId", sub_lens),
    ]
    try:
        return c.store().patch_versioned(
            c.RESPONSES, principal.organization_id, facts.response_id, sets, always,
            require=(Filter("status", "=", "draft"),),
        )  # fmt: skip
    except NotFound:
        raise NotFoundError("Open the assessment before answering.") from None
    except PreconditionFailed:
        raise ConflictError(SUBMITTED) from None


def save_answers(principal: Principal, data: AnswerBatch | Mapping[str, Any]) -> AnswersSaved:
    """Save a batch of the page's changes in one write; returns the new progress."""
    batch = data if isinstance(data, AnswerBatch) else AnswerBatch.parse(data)
    facts = participation(principal, batch.assessment_id)
    sets = _sets(facts, batch)
    stamp = _stamp(facts)
    stored = _write(facts, sets, stamp, principal)
    _audit_sitting(principal, facts, batch.writer)
    answers = stored.get("answers") or {}
    progress, per_sub_lens = _progress(answers, facts.required_vectors)
    versions = stored.get(VERSIONS_FIELD) or {}
    applied = sum(1 for change in sets if versions.get(_version_key(change)) == change.number)
    return AnswersSaved(
        saved=len(batch.edits),
        fields=len(sets),
        superseded=len(sets) - applied,
        answers=answers,
        progress=progress,
        per_sub_lens=per_sub_lens,
        saved_at=stamp,
    )


def set_position(principal: Principal, assessment_id: str, sub_lens_id: object) -> None:
    """Remember the sub-lens the person is on, in the response (one write); nothing happens
    once the response is submitted or the assessment is no longer open."""
    try:
        facts = participation(principal, assessment_id)
    except ConflictError:
        return
    fw = get_framework()
    if (
        not isinstance(sub_lens_id, str)
        or sub_lens_id.count(".") != 1
        or not fw.has_sub_lens(sub_lens_id)
        or fw.vector_of(sub_lens_id).id not in facts.required_vectors
    ):
        raise ValidationFailed("sub_lens_id", "Choose a sub-lens of this assessment.")
    position = [PatchOperation("set", "/currentSubLensId", sub_lens_id)]
    try:
        c.store().patch_versioned(
            c.RESPONSES, principal.organization_id, facts.response_id, [], position,
            require=(Filter("status", "=", "draft"),),
        )  # fmt: skip
    except NotFound:
        raise NotFoundError("Open the assessment first.") from None
    except PreconditionFailed:
        return


def server_number() -> int:
    """A number for saves made without a page: microseconds, so later saves win."""
    return time.time_ns() // 1000
