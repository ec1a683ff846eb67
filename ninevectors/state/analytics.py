"""The assessment dashboard page: radar with group overlay, drill-down, alignment, trends,
benchmarks, notes, CSV download and the PDF report rendered in the background.

The state keeps only what the page shows: display rows and one small figure. The per-group
drill-down rows live in backend-only vars (never sent to the browser).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import reflex as rx

from ninevectors.components.radar import radar_figure, trend_figure
from ninevectors.models.principal import Principal
from ninevectors.services import analytics, assessments, reports
from ninevectors.services.analytics.bands import band_of
from ninevectors.services.analytics.dashboard import AssessmentDashboard
from ninevectors.services.analytics.thresholds import MAXIMUM_THRESHOLD, MINIMUM_THRESHOLD
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import roles
from ninevectors.state.inputs import MALFORMED_FORM, form_fields, whole_number
from ninevectors.state.session import SessionState, friendly_error

MAX_NOTES_SHOWN = 200
MAX_FLAGS_SHOWN = 50
PDF_POLL_SECONDS = 0.4
PDF_TIMEOUT_SECONDS = 120
PDF_TOO_SLOW = "The report is taking longer than expected. Please try again in a few minutes."
THRESHOLD_RANGE = (
    f"The threshold must be a whole number from {MINIMUM_THRESHOLD} to {MAXIMUM_THRESHOLD}."
)


def _f(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _delta(value: float | None) -> str:
    return "" if value is None else f"{value:+.2f}"


@dataclass
class GroupRow:
    key: str
    label: str
    respondents: int
    visible: bool
    reason: str


@dataclass
class VectorLine:
    id: int
    name: str
    color: str
    mean: str
    spread: str
    count: int
    confidence: str
    consensus: str
    gap: str
    flagged: bool
    self_gap: str
    percent: int  # bar width: 0..100 of 5
    band: str
    band_scheme: str


@dataclass
class StatLine:
    id: str
    name: str
    mean: str
    spread: str
    count: int
    percent: int
    band: str
    band_scheme: str


@dataclass
class FlagLine:
    id: str
    name: str
    gap: str
    between: str


@dataclass
class TrendLine:
    round: int
    name: str
    summary: str  # "Market 3.50 +0.25, ..."


@dataclass
class NoteLine:
    theme: str
    group: str
    text: str


def _percent(value: float | None) -> int:
    return 0 if value is None else max(0, min(100, round(value / 5 * 100)))


def _stat_lines(rows: list[Any]) -> list[StatLine]:
    lines = []
    for r in rows:
        band = band_of(r.mean)
        lines.append(StatLine(r.id, r.name, _f(r.mean), _f(r.spread), r.count, _percent(r.mean),
                              band.name, band.scheme))  # fmt: skip
    return lines


class AnalyticsState(SessionState):
    loaded: bool = False
    error: str = ""
    mode: str = ""
    message: str = ""
    title: str = ""
    threshold: int = 5
    respondents: int = 0
    can_export: bool = False
    can_set_threshold: bool = False
    threshold_error: str = ""
    threshold_saved: str = ""
    groups: list[GroupRow] = []
    overlay: str = ""  # group key drawn over everyone, "" for none
    figure: go.Figure = go.Figure()
    vectors: list[VectorLine] = []
    selected_vector: int = 0
    selected_vector_name: str = ""
    lens_rows: list[StatLine] = []
    selected_lens: str = ""
    theme_rows: list[StatLine] = []
    strengths: list[str] = []
    improvements: list[str] = []
    flags: list[FlagLine] = []
    trends: list[TrendLine] = []
    trend_chart: go.Figure = go.Figure()
    benchmarks: list[str] = []
    benchmark_note: str = ""
    benchmark_options: list[str] = []
    benchmark_overlay: str = ""  # a benchmark's label drawn on the radar, "" for none
    notes: list[NoteLine] = []
    pdf_busy: bool = False
    pdf_progress: int = 0
    pdf_status: str = ""
    pdf_url: str = ""
    pdf_error: str = ""
    # backend-only: the report job being followed, the drill-down rows of every visible
    # group, and radar values
    _pdf_job: str = ""
    _radar: dict[str, list[float | None]] = {}
    _lenses: dict[str, dict[int, list[Any]]] = {}
    _themes: dict[str, dict[str, list[Any]]] = {}
    _axes: list[str] = []
    _labels: dict[str, str] = {}
    _benchmark_radar: dict[str, list[float | None]] = {}

    def _id(self) -> str:
        value = self.router.page.params.get("assessment_id")  # whatever the browser sent
        return value if isinstance(value, str) else ""

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.loaded, self.error, self.pdf_url, self.pdf_error, self.pdf_status = (
            False, "", "", "", "",
        )  # fmt: skip
        self.pdf_busy, self.pdf_progress, self._pdf_job = False, 0, ""
        self.vectors, self.message, self.title = [], "", ""
        return AnalyticsState.compute

    @rx.event(background=True)
    async def compute(self) -> None:
        """Aggregate outside the event lock (a large assessment takes a moment to read)."""
        async with self:
            principal = await self._principal()
            assessment_id = self._id()
        if principal is None:
            return
        try:
            board, manages = await run_blocking(_dashboard, principal, assessment_id)
        except Exception as error:  # noqa: BLE001
            async with self:
                self.error, self.loaded = friendly_error(error), True
            return
        async with self:
            if self._id() != assessment_id:  # the person moved on to another assessment
                return
            self._show(board)
            self.can_set_threshold = manages and board.mode == "aggregate"
            self.can_export = board.mode == "aggregate" and roles.has_permission(
                principal.role, roles.REPORTS_EXPORT
            )
            self.loaded = True

    def _show(self, board: AssessmentDashboard) -> None:
        self.mode, self.message, self.title = board.mode, board.message, board.name
        self.threshold, self.respondents = board.threshold, board.respondents
        self.groups = [
            GroupRow(g.key, g.label, g.respondents, g.visible, g.reason) for g in board.groups
        ]
        self._labels = {g.key: g.label for g in board.groups}
        self._radar, self._lenses, self._themes = board.radar, board.sub_lenses, board.themes
        self._axes = [row.name for row in board.vectors]
        self.vectors = [
            VectorLine(
                r.vector_id,
                r.name,
                r.color,
                _f(r.mean),
                _f(r.spread),
                r.count,
                _f(r.confidence),
                r.consensus,
                _f(r.gap),
                r.flagged,
                _f(r.self_gap),
                _percent(r.mean),
                band_of(r.mean).name,
                band_of(r.mean).scheme,
            )  # fmt: skip
            for r in board.vectors
        ]
        names = {r.vector_id: r.name for r in board.vectors}
        self.strengths = [names[v] for v in board.strengths]
        self.improvements = [names[v] for v in board.improvements]
        self.flags = [
            FlagLine(f.id, f.name, f"{f.gap:.2f}", f"{f.highest} vs {f.lowest}")
            for f in board.flags[:MAX_FLAGS_SHOWN]
        ]
        self.trends = [
            TrendLine(
                t.round,
                t.name,
                t.hidden_reason
                or ", ".join(
                    f"{names.get(v, v)} {_f(m)} {_delta(t.change.get(v))}".strip()
                    for v, m in t.vectors.items()
                    if v in names
                ),
            )
            for t in board.trends
        ]
        self.trend_chart = trend_figure(
            [f"Round {t.round}" for t in board.trends],
            [
                (r.name, r.color, [t.vectors.get(r.vector_id) for t in board.trends])
                for r in board.vectors
            ],
        )
        self.benchmarks = [
            f"{b.label}: "
            + ", ".join(
                f"{names.get(v, v)} {_f(m)}" for v, m in b.vectors.items() if v in names
            )  # fmt: skip
            for b in board.benchmarks
        ]
        self.benchmark_note = board.benchmark_note
        self._benchmark_radar = {
            b.label: [b.vectors.get(r.vector_id) for r in board.vectors] for b in board.benchmarks
        }
        self.benchmark_options = list(self._benchmark_radar)
        self.benchmark_overlay = ""
        self.notes = [
            NoteLine(f"{n.theme_id} {n.theme_name}", n.group, n.text[:2000])
            for n in board.notes[:MAX_NOTES_SHOWN]
        ]
        self.overlay = ""
        self.selected_vector, self.selected_vector_name = 0, ""
        self.lens_rows, self.theme_rows, self.selected_lens = [], [], ""
        self._draw()

    def _draw(self) -> None:
        series: list[tuple[str, list[float | None]]] = []
        if "all" in self._radar:
            series.append((self._labels.get("all", "Everyone"), self._radar["all"]))
        if self.overlay and self.overlay in self._radar:
            series.append((self._labels.get(self.overlay, self.overlay), self._radar[self.overlay]))
        benchmark = self._benchmark_radar.get(self.benchmark_overlay)
        if series and benchmark is not None:
            series.append((f"Benchmark: {self.benchmark_overlay}", benchmark))
        self.figure = radar_figure(self._axes, series) if series else go.Figure()

    @rx.var(cache=True)
    def overlay_options(self) -> list[GroupRow]:
        return [g for g in self.groups if g.visible and g.key != "all"]

    @rx.var(cache=True)
    def hidden_groups(self) -> list[GroupRow]:
        return [g for g in self.groups if not g.visible]

    @rx.event
    async def set_overlay(self, key: Any) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if key != "" and (not isinstance(key, str) or key == "all" or key not in self._radar):
            self.error = "Choose one of the offered groups to compare."
            return None
        self.overlay = key
        self._draw()
        self._refresh_drill()
        return None

    @rx.event
    async def set_benchmark_overlay(self, label: Any) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if label != "" and (not isinstance(label, str) or label not in self._benchmark_radar):
            self.error = "Choose one of the offered benchmarks."
            return None
        self.benchmark_overlay = label
        self._draw()
        return None

    @rx.event
    async def save_threshold(self, form: dict[str, Any]) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.threshold_saved = ""
        data = form_fields(form)
        if data is None:
            self.threshold_error = MALFORMED_FORM
            return None
        value = _threshold_of(data.get("threshold"))
        if value is None:
            self.threshold_error = THRESHOLD_RANGE
            return None
        try:
            value = await run_blocking(analytics.set_threshold, outcome, self._id(), value)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.threshold_error = friendly_error(error)
            return None
        self.threshold_error = ""
        self.threshold_saved = f"Saved: groups under {value} respondents are hidden."
        return AnalyticsState.compute

    def _group(self) -> str:
        return self.overlay or "all"

    def _refresh_drill(self) -> None:
        if self.selected_vector:
            rows = self._lenses.get(self._group(), {}).get(self.selected_vector, [])
            self.lens_rows = _stat_lines(rows)
        if self.selected_lens:
            self.theme_rows = _stat_lines(
                self._themes.get(self._group(), {}).get(self.selected_lens, [])
            )

    @rx.event
    async def select_vector(self, vector_id: Any) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        known = {v.id: v.name for v in self.vectors}
        chosen = whole_number(vector_id)
        if chosen is None or chosen not in known:
            self.error = "Choose one of the vectors shown."
            return None
        self.selected_vector, self.selected_vector_name = chosen, known[chosen]
        self.selected_lens, self.theme_rows = "", []
        self._refresh_drill()
        return None

    @rx.event
    async def select_lens(self, lens_id: Any) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if not isinstance(lens_id, str) or lens_id not in {r.id for r in self.lens_rows}:
            self.error = "Choose one of the sub-lenses shown."
            return None
        self.selected_lens = lens_id
        self._refresh_drill()
        return None

    @rx.event
    async def download_csv(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            export = await run_blocking(reports.export_responses_csv, outcome, self._id())
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.pdf_error = friendly_error(error)
            return None
        self.pdf_error = ""
        return rx.download(data=export.content, filename=export.filename)

    @rx.event
    async def start_pdf(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if self.pdf_busy or not self.can_export:
            return None
        self.pdf_url, self.pdf_error = "", ""
        try:
            job = await run_blocking(reports.request_report, outcome, self._id())
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.pdf_error = friendly_error(error)
            return None
        self._pdf_job, self.pdf_busy = job.id, True
        self._show_pdf_job(job)
        return AnalyticsState.follow_pdf

    @rx.event(background=True)
    async def follow_pdf(self) -> None:
        """Poll the queued report's job until it is ready, failed or too slow."""
        async with self:
            principal, job_id = await self._principal(), self._pdf_job
            if principal is None:
                self._pdf_failed("")
                return
        deadline = time.monotonic() + PDF_TIMEOUT_SECONDS
        while True:
            await asyncio.sleep(PDF_POLL_SECONDS)
            try:
                job = await run_blocking(reports.report_status, principal, job_id)
            except Exception as error:  # noqa: BLE001
                async with self:
                    if self._pdf_job == job_id:
                        self._pdf_failed(friendly_error(error))
                return
            async with self:
                if self._pdf_job != job_id:  # the page moved on (another load, another job)
                    return
                self._show_pdf_job(job)
                if job.status in reports.jobs.FINISHED:
                    return
                if time.monotonic() > deadline:
                    self._pdf_failed(PDF_TOO_SLOW)
                    return

    def _show_pdf_job(self, job: reports.ReportJob) -> None:
        if job.status == reports.jobs.FAILED:
            self._pdf_failed(job.reason)
            return
        self.pdf_progress = job.progress
        if job.status == reports.jobs.COMPLETED:
            self.pdf_busy, self.pdf_url, self._pdf_job = False, job.url, ""
            minutes = reports.pdf.URL_SECONDS // 60
            self.pdf_status = (
                f"Report ready ({job.pages} pages). The link works for {minutes} minutes."
            )
        else:
            self.pdf_status = "Queued…" if job.status == reports.jobs.QUEUED else "Rendering…"

    def _pdf_failed(self, message: str) -> None:
        self.pdf_busy, self.pdf_progress, self.pdf_status, self._pdf_job = False, 0, "", ""
        self.pdf_error = message


def _threshold_of(raw: object) -> int | None:
    """The threshold typed in the form (text of digits, or a number), when in range."""
    if isinstance(raw, str):
        raw = raw.strip()
        raw = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else None
    value = whole_number(raw)
    return value if value is not None and MINIMUM_THRESHOLD <= value <= MAXIMUM_THRESHOLD else None


def _dashboard(principal: Principal, assessment_id: str) -> tuple[AssessmentDashboard, bool]:
    """The dashboard, and whether the principal may change the assessment's threshold."""
    board = analytics.assessment_dashboard(principal, assessment_id)
    if board.mode != "aggregate":
        return board, False
    assessment = assessments.get_assessment(principal, board.assessment_id)
    return board, assessments.can_manage(principal, assessment)
