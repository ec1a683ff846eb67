"""Assessments: configuration and lifecycle, participants, sharing the results, reminders,
durable answers, presence, submission and scoring.

The UI calls the functions re-exported here. Every function that acts for someone takes the
acting :class:`~ninevectors.models.principal.Principal` first and touches only that
principal's organization; ``send_scheduled_reminders`` is the one system job (no principal).
"""

from __future__ import annotations

from ninevectors.services.assessments.assessments import (
    TRANSITIONS,
    AssessmentPage,
    can_manage,
    change_status,
    create_assessment,
    get_assessment,
    list_assessments,
    start_next_round,
    update_assessment,
)
from ninevectors.services.assessments.participants import (
    ParticipantView,
    add_participant,
    claim_pending_participations,
    list_participants,
    remove_participant,
)
from ninevectors.services.assessments.presence import leave_presence, touch_presence
from ninevectors.services.assessments.reminders import (
    REMINDER_OFFSETS,
    reminder_offset,
    send_reminders,
    send_scheduled_reminders,
)
from ninevectors.services.assessments.responses import (
    AnswerSaved,
    IncompleteResponse,
    ResponseView,
    get_my_response,
    open_response,
    record_time,
    save_answer,
    set_position,
    submit_response,
)
from ninevectors.services.assessments.schemas import (
    AnswerChanges,
    AssessmentCreate,
    AssessmentListQuery,
    AssessmentUpdate,
    NextRoundInput,
    ParticipantInput,
)
from ninevectors.services.assessments.scoring import Progress, Scores, progress, score_answers
from ninevectors.services.assessments.sharing import (
    SharedPerson,
    list_shared_with,
    share_assessment,
    unshare_assessment,
)

__all__ = [
    "REMINDER_OFFSETS",
    "TRANSITIONS",
    "AnswerChanges",
    "AnswerSaved",
    "AssessmentCreate",
    "AssessmentListQuery",
    "AssessmentPage",
    "AssessmentUpdate",
    "IncompleteResponse",
    "NextRoundInput",
    "ParticipantInput",
    "ParticipantView",
    "Progress",
    "ResponseView",
    "Scores",
    "SharedPerson",
    "add_participant",
    "can_manage",
    "change_status",
    "claim_pending_participations",
    "create_assessment",
    "get_assessment",
    "get_my_response",
    "leave_presence",
    "list_assessments",
    "list_participants",
    "list_shared_with",
    "open_response",
    "progress",
    "record_time",
    "reminder_offset",
    "remove_participant",
    "save_answer",
    "score_answers",
    "send_reminders",
    "send_scheduled_reminders",
    "set_position",
    "share_assessment",
    "start_next_round",
    "submit_response",
    "touch_presence",
    "unshare_assessment",
    "update_assessment",
]
