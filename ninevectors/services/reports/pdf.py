"""The assessment PDF report, drawn with fpdf2 (pure Python: no browser, no image export).

Cover with the organization's name and brand colour, the radar drawn with the PDF's own
vector graphics, per-vector summaries, strengths and improvements, alignment flags, trends,
benchmarks, hidden slices with their reasons, and notes. ``render_report`` is pure (data in,
bytes out); ``generate_report`` checks access, renders, stores the file in blob storage under
``reports/{org}/assessments/{id}/`` and returns a time-limited download URL.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from fpdf import FPDF

from ninevectors.models.principal import Principal
from ninevectors.services.analytics import dashboard as board
from ninevectors.services.analytics import metrics
from ninevectors.services.analytics.bands import band_of
from ninevectors.services.analytics.dashboard import AssessmentDashboard
from ninevectors.services.assessments import _common as c
from ninevectors.services.backends import get_blob_storage
from ninevectors.services.blob import layout
from ninevectors.services.identity import clock
from ninevectors.services.identity.organizations import load_organization
from ninevectors.services.reports.csv_export import require_export

URL_SECONDS = 900
MAX_NOTES = 300
MAX_FLAGS = 40
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
GROUP_COLOURS = ["#0d9488", "#7c3aed", "#ea580c", "#2563eb", "#db2777", "#65a30d", "#64748b"]


@dataclass(frozen=True)
class ReportFile:
    blob_name: str
    filename: str
    url: str
    pages: int
    size: int


def _rgb(colour: str, fallback: str = "#0d9488") -> tuple[int, int, int]:
    value = colour if _HEX.match(colour or "") else fallback
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def text(value: object) -> str:
    """Text the PDF's core fonts can show (Latin-1); other characters are simplified."""
    plain = unicodedata.normalize("NFKD", str(value))
    plain = plain.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    return plain.encode("latin-1", "replace").decode("latin-1")


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


class _Report(FPDF):
    def __init__(self, brand: tuple[int, int, int], title: str) -> None:
        super().__init__(format="A4")
        self.brand = brand
        self.title_text = title
        self.set_auto_page_break(True, margin=18)
        self.set_title(title)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 6, text(f"{self.title_text} - page {self.page_no()}"), align="C")

    def heading(self, label: str) -> None:
        if self.get_y() > 250:
            self.add_page()
        self.ln(4)
        self.set_font("Helvetica", "B", 14)
        self.set_text_color(*self.brand)
        self.cell(0, 9, text(label), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(20, 20, 20)
        self.set_font("Helvetica", size=10)

    def line_text(self, value: str, size: int = 10, bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, 5.5, text(value), new_x="LMARGIN", new_y="NEXT")

    def row(self, cells: list[str], widths: list[float], bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", 9)
        for value, width in zip(cells, widths, strict=True):
            self.cell(width, 6, text(value)[:60], border="B")
        self.ln(6)


def _cover(pdf: _Report, org_name: str, data: AssessmentDashboard) -> None:
    pdf.add_page()
    pdf.set_fill_color(*pdf.brand)
    pdf.rect(0, 0, 210, 70, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(15, 22)
    pdf.set_font("Helvetica", "B", 24)
    pdf.cell(0, 12, text(org_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(15)
    pdf.set_font("Helvetica", size=16)
    pdf.cell(0, 10, text(data.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(20, 20, 20)
    pdf.set_xy(15, 80)
    pdf.line_text("9 Vectors assessment report", 14, bold=True)
    pdf.line_text(f"Generated {clock.iso(clock.utcnow())[:10]}")
    pdf.line_text(
        f"{data.respondents} submitted responses; groups of fewer than {data.threshold} "
        "respondents are not shown, to protect anonymity."
    )
    if data.message:
        pdf.line_text(data.message)
    _radar(pdf, data, 105, 175, 55)


def _radar(pdf: _Report, data: AssessmentDashboard, cx: float, cy: float, r: float) -> None:
    names = [row.name for row in data.vectors]
    n = len(names)
    if n < 3:
        return
    angle = [(-math.pi / 2) + 2 * math.pi * i / n for i in range(n)]
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.2)
    for level in range(1, 6):
        ring = [(cx + r * level / 5 * math.cos(a), cy + r * level / 5 * math.sin(a)) for a in angle]
        pdf.polygon(ring, style="D")
    pdf.set_font("Helvetica", size=8)
    pdf.set_text_color(60, 60, 60)
    for a, name in zip(angle, names, strict=True):
        pdf.line(cx, cy, cx + r * math.cos(a), cy + r * math.sin(a))
        x, y = cx + (r + 8) * math.cos(a), cy + (r + 6) * math.sin(a)
        pdf.set_xy(x - 15, y - 2)
        pdf.cell(30, 4, text(name), align="C")
    legend_y = cy + r + 14
    for i, (key, values) in enumerate(data.radar.items()):
        colour = _rgb(GROUP_COLOURS[i % len(GROUP_COLOURS)])
        points = [
            (cx + r * (v or 0) / 5 * math.cos(a), cy + r * (v or 0) / 5 * math.sin(a))
            for a, v in zip(angle, values, strict=True)
        ]
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.6)
        pdf.polygon(points, style="D")
        label = next((g.label for g in data.groups if g.key == key), key)
        pdf.set_fill_color(*colour)
        pdf.rect(30 + 50 * (i % 3), legend_y + 6 * (i // 3), 4, 4, style="F")
        pdf.set_xy(36 + 50 * (i % 3), legend_y - 0.5 + 6 * (i // 3))
        pdf.cell(40, 5, text(label))
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)


def _vectors(pdf: _Report, data: AssessmentDashboard) -> None:
    pdf.add_page()
    pdf.heading("Vector summary")
    widths = [38.0, 18, 18, 16, 24, 24, 20, 22]
    pdf.row(["Vector", "Mean", "Spread", "Count", "Confidence", "Consensus", "Gap", "Self gap"],
            widths, bold=True)  # fmt: skip
    for row in data.vectors:
        pdf.set_text_color(*_rgb(band_of(row.mean).hex))
        pdf.row([row.name, _score(row.mean), _score(row.spread), str(row.count),
                 _score(row.confidence), row.consensus, _score(row.gap),
                 _score(row.self_gap)], widths)  # fmt: skip
    pdf.set_text_color(20, 20, 20)
    pdf.line_text(
        "Colour bands: below 2 critical, below 3 needs attention, below 4 adequate, 4+ strong.", 8
    )

    for row in data.vectors:
        lenses = data.sub_lenses.get("all", {}).get(row.vector_id, [])
        summary = ", ".join(f"{s.name} {_score(s.mean)}" for s in lenses)
        pdf.ln(1)
        pdf.line_text(f"{row.name}: {_score(row.mean)}", 10, bold=True)
        pdf.line_text(summary, 9)
    pdf.heading("Strengths and improvements")
    names = {row.vector_id: row.name for row in data.vectors}
    means = {row.vector_id: row.mean for row in data.vectors}
    for label, ids in (("Strengths", data.strengths), ("Improvements", data.improvements)):
        listed = ", ".join(f"{names[v]} ({_score(means[v])})" for v in ids) or "none yet"
        pdf.line_text(f"{label}: {listed}")


def _alignment(pdf: _Report, data: AssessmentDashboard) -> None:
    pdf.heading("Alignment between groups")
    hidden = [g for g in data.groups if not g.visible]
    for group in hidden:
        pdf.line_text(group.reason, 9)
    if not data.flags:
        pdf.line_text("No vector or theme where visible groups differ by 2 points or more.")
    for flag in data.flags[:MAX_FLAGS]:
        pdf.line_text(
            f"{flag.id} {flag.name}: {flag.highest} vs {flag.lowest}, gap {flag.gap:.2f}", 9
        )
    if len(data.flags) > MAX_FLAGS:
        pdf.line_text(f"... and {len(data.flags) - MAX_FLAGS} more.", 9)


def _trends(pdf: _Report, data: AssessmentDashboard) -> None:
    pdf.heading("Trends across rounds")
    if not data.trends:
        pdf.line_text("This is the first round of this assessment.")
    names = {row.vector_id: row.name for row in data.vectors}
    for trend in data.trends:
        pdf.line_text(f"Round {trend.round}: {trend.name}", 10, bold=True)
        if trend.hidden_reason:
            pdf.line_text(f"Hidden: {trend.hidden_reason}", 9)
            continue
        parts = []
        for vid, name in names.items():
            change = trend.change.get(vid)
            delta = "" if change is None else f" ({change:+.2f})"
            parts.append(f"{name} {_score(trend.vectors.get(vid))}{delta}")
        pdf.line_text(", ".join(parts), 9)
    pdf.heading("Benchmarks")
    for bench in data.benchmarks:
        values = ", ".join(f"{names.get(v, v)} {_score(m)}" for v, m in bench.vectors.items())
        pdf.line_text(f"{bench.label}: {values}", 9)
    if data.benchmark_note:
        pdf.line_text(data.benchmark_note, 9)


def _notes(pdf: _Report, data: AssessmentDashboard) -> None:
    pdf.heading("Notes")
    if not data.notes:
        pdf.line_text("No notes in the groups shown.")
    for note in data.notes[:MAX_NOTES]:
        pdf.line_text(f"{note.theme_id} {note.theme_name} ({note.group}): {note.text[:1000]}", 9)


def render_report(data: AssessmentDashboard, org_name: str, brand_color: str) -> bytes:
    """The PDF bytes of one dashboard (pure)."""
    pdf = _Report(_rgb(brand_color), f"{org_name} - {data.name}")
    _cover(pdf, org_name, data)
    if data.vectors:
        _vectors(pdf, data)
        _alignment(pdf, data)
        _trends(pdf, data)
        _notes(pdf, data)
    return bytes(pdf.output())


def generate_report(principal: Principal, assessment_id: str) -> ReportFile:
    """Render the assessment's PDF, store it under reports/{org}/assessments/{id}/ and return
    a download URL valid for 15 minutes (reports.export; managers, admins)."""
    assessment, _item = require_export(principal, assessment_id)
    data = board.assessment_dashboard(principal, assessment.id)
    organization = load_organization(principal.organization_id)
    content = render_report(data, organization.name, organization.settings.branding.colors.primary)
    stamp = clock.utcnow().strftime("%Y%m%d-%H%M%S")
    filename = layout.sanitize_filename(f"{assessment.name}-report.pdf", "report.pdf")
    blob_name = layout.report_assessment(
        principal.organization_id, assessment.id, f"{stamp}-{filename}"
    )
    storage = get_blob_storage()
    storage.put(blob_name, content, "application/pdf", {"assessment_id": assessment.id})
    url = storage.download_url(blob_name, URL_SECONDS, filename)
    c.record("report.pdf_generated", principal, assessment.id, {"blob": blob_name})
    metrics.record_metric(principal.organization_id, "report-generated", 1, {"format": "pdf"})
    pages = content.count(b"/Type /Page\n") or content.count(b"/Type /Page")
    return ReportFile(blob_name, filename, url, pages, len(content))
