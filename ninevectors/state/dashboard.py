"""The organization home: active assessments, completion, time to complete, responses this
month, recent activity and the responses-per-day series."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services import analytics, assessments
from ninevectors.services.analytics import HomeSummary
from ninevectors.services.executor import run_blocking
from ninevectors.state.session import SessionState, friendly_error


@dataclass
class ActivityRow:
    when: str
    action: str
    resource: str


@dataclass
class DayBar:
    day: str
    value: int
    percent: int  # bar height, 0..100 of the busiest day


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _home(principal: Principal) -> HomeSummary:
    # People invited by e-mail to an assessment before they had an account join it now.
    assessments.claim_pending_participations(principal)
    return analytics.home_summary(principal)


class DashboardState(SessionState):
    welcome: bool = False
    has_assessments: bool = False
    active_assessments: int = 0
    completion_rate: str = "—"
    avg_time: str = "—"
    responses_this_month: int = 0
    activity: list[ActivityRow] = []
    series: list[DayBar] = []
    summary_error: str = ""

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.welcome = bool(self.router.url.query_parameters.get("welcome"))
        self.summary_error = ""
        try:
            summary = await run_blocking(_home, outcome)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.summary_error = friendly_error(error)
            return None
        self._show(summary)
        return None

    def _show(self, summary: HomeSummary) -> None:
        self.has_assessments = summary.assessments > 0
        self.active_assessments = summary.active_assessments
        rate = summary.completion_rate
        self.completion_rate = "—" if rate is None else f"{rate:.0f}%"
        self.avg_time = _duration(summary.avg_time_to_complete)
        self.responses_this_month = summary.responses_this_month
        self.activity = [
            ActivityRow(a.when.replace("T", " ")[:16], a.action, a.resource)
            for a in summary.activity
        ]
        busiest = max((p.value for p in summary.series), default=0) or 1
        self.series = [
            DayBar(p.day, int(p.value), round(100 * p.value / busiest)) for p in summary.series
        ]
