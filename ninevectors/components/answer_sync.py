"""The wizard's answer outbox on the page (``assets/answer_sync.jsx``), wrapped for Reflex.

Rating, confidence and notes inputs are uncontrolled: they start from :func:`answer_value`
(the person's latest choice on this page, else the stored one) and hand every change to
:func:`save_answer`, which keeps it on the device and sends it in order to the backend.
The components show what the server confirmed: :class:`SaveStatus`, :class:`AnsweredCount`
and :class:`WizardProgress`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.utils.imports import ImportVar
from reflex_base.vars import VarData
from reflex_base.vars.base import Var
from reflex_base.vars.function import ArgsFunctionOperation, FunctionStringVar

LIBRARY = "$/public/answer_sync.jsx"


def _imported(name: str) -> FunctionStringVar:
    data = VarData(imports={LIBRARY: [ImportVar(tag=name)]})
    return FunctionStringVar.create(name, _var_data=data)


def save_answer(theme_id: Var[str] | str, field: str) -> Var[Any]:
    """An event handler for an input's change: ``(value) => saveAnswer(theme, field, value)``."""
    call = _imported("saveAnswer").call(theme_id, field, Var("value"))
    return ArgsFunctionOperation.create(("value",), call)


def answer_value(
    assessment_id: Var[str], user_id: Var[str], theme_id: Var[str] | str, field: str,
    stored: Var[Any],
) -> Var[Any]:  # fmt: skip
    """The value an input starts from: this page's latest choice, else a change still
    waiting on this device, else ``stored``."""
    return _imported("answerValue").call(assessment_id, user_id, theme_id, field, stored)


def after_saving(event: Any) -> rx.event.EventSpec:
    """Run ``event`` once every change on the page is saved (or after 10 s of trying)."""
    return rx.call_function(_imported("whenSaved"), callback=event)


class _Outbox(rx.Component):
    library = LIBRARY


class AnswerSync(_Outbox):
    """Binds the outbox to the assessment on the page; renders nothing."""

    tag = "AnswerSync"
    assessment_id: rx.Var[str]
    user_id: rx.Var[str]
    read_only: rx.Var[bool]


class SaveStatus(_Outbox):
    """ "Saving…", "All changes saved", or what is waiting and why (a live region)."""

    tag = "SaveStatus"


class AnsweredCount(_Outbox):
    """Answered themes the server confirmed: ``scope`` is "all", "vector:<id>" or
    "subLens:<id>"; ``initial`` is the count the page loaded with."""

    tag = "AnsweredCount"
    scope: rx.Var[str]
    initial: rx.Var[int]


class WizardProgress(_Outbox):
    """The overall progress bar and "N of M themes answered"."""

    tag = "WizardProgress"
    initial: rx.Var[int]
    total: rx.Var[int]


answer_sync = AnswerSync.create
save_status = SaveStatus.create
answered_count = AnsweredCount.create
wizard_progress = WizardProgress.create
