"""CSV export of an assessment's raw answers under the anonymity rules.

One row per respondent and theme: a pseudonym (R001, ...; never a name or id), respondent
type, department (only when the assessment is not anonymous and that department's slice is
visible), vector, sub-lens, theme, rating, not sure, confidence and notes. Respondents whose
respondent-group slice is under the threshold are left out entirely, notes included; when
everyone together is under it, only the header is written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ninevectors.framework.taxonomy import get_framework
from ninevectors.models.principal import Principal
from ninevectors.services.analytics import dashboard as board
from ninevectors.services.analytics import metrics, thresholds
from ninevectors.services.analytics.aggregation import Respondent, group_key
from ninevectors.services.assessments import _common as c
from ninevectors.services.blob.layout import sanitize_filename
from ninevectors.services.errors import Forbidden
from ninevectors.services.identity import roles

COLUMNS = (
    "respondent", "respondent_type", "department", "vector_id", "vector", "sub_lens_id",
    "sub_lens", "theme_id", "theme", "rating", "not_sure", "confidence", "notes",
)  # fmt: skip


def _cell(value: object) -> str:
    """Text for one cell; formula-like text is defused for spreadsheet programs."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: str
    rows: int


def require_export(principal: Principal, assessment_id: object) -> tuple:
    """The assessment and raw item when the principal may export its results."""
    roles.require(principal, roles.REPORTS_EXPORT)
    assessment, item = board.raw_assessment(principal, assessment_id)
    if board.mode_of(principal, assessment) != "aggregate":
        raise Forbidden("Only managers, admins and the owner can export these results.")
    return assessment, item


def _exportable(respondents: list[Respondent], threshold: int, is_360: bool) -> set[str]:
    """The keys of the slices the dashboard shows (the same anonymity rules)."""
    _m, _views, shown = board.protected_slices(respondents, threshold, is_360, by_department=True)
    return set(shown)


def _rows(respondents: list[Respondent], visible: set[str], anonymous: bool) -> list[list]:
    fw = get_framework()
    rows: list[list] = []
    if "all" not in visible:
        return rows
    kept = [r for r in respondents if group_key(r) in visible]
    kept.sort(key=lambda r: r.key)
    for number, respondent in enumerate(kept, start=1):
        department = respondent.department or ""
        if anonymous or f"dept:{department}" not in visible:
            department = ""
        for theme in fw.themes:
            answer = respondent.answers.get(theme.id)
            if not isinstance(answer, dict):
                continue
            lens, vector = fw.sub_lens_of(theme.id), fw.vector_of(theme.id)
            rows.append([
                f"R{number:03d}", respondent.respondent_type or "", department, vector.id,
                vector.name, lens.id, lens.name, theme.id, theme.name,
                answer.get("rating") if not answer.get("notSure") else "",
                "yes" if answer.get("notSure") else "", answer.get("confidence") or "",
                str(answer.get("notes") or ""),
            ])  # fmt: skip
    return rows


def export_responses_csv(principal: Principal, assessment_id: str) -> ExportFile:
    """The CSV export (reports.export; managers, admins)."""
    assessment, item = require_export(principal, assessment_id)
    items = board.submitted_items(principal.organization_id, assessment.id)
    respondents = board.respondents_of(principal.organization_id, assessment, items)
    anonymous = assessment.configuration.anonymous_responses
    visible = _exportable(
        respondents, thresholds.threshold_of(item), assessment.assessment_type == "360-review"
    )
    rows = _rows(respondents, visible, anonymous)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(cell) for cell in row])
    c.record("report.csv_exported", principal, assessment.id, {"rows": len(rows)})
    metrics.record_metric(principal.organization_id, "report-exported", 1, {"format": "csv"})
    filename = sanitize_filename(f"{assessment.name}-responses.csv", "responses.csv")
    return ExportFile(filename, buffer.getvalue(), len(rows))
