"""Reports: the CSV export of raw answers and the PDF report of an assessment (both under the
anonymity rules; reports.export). The PDF is rendered on the task queue: request_report, then
report_status until it is completed."""

from __future__ import annotations

from ninevectors.services.reports.csv_export import ExportFile, export_responses_csv
from ninevectors.services.reports.jobs import ReportJob, report_status, request_report
from ninevectors.services.reports.pdf import ReportFile, generate_report, render_report

__all__ = [
    "ExportFile",
    "ReportFile",
    "ReportJob",
    "export_responses_csv",
    "generate_report",
    "render_report",
    "report_status",
    "request_report",
]
