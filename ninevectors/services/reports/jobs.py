"""The PDF report rendered on the task queue: request it, then follow the job to its link.

:func:`request_report` checks access at once (a refused request queues nothing), records a
job in the cache for an hour and queues it on ``report-rendering`` (message TTL 1 h, at most
3 deliveries with backoff, a time limit per delivery). The worker renders it with
:func:`~ninevectors.services.reports.pdf.generate_report` as the requesting principal (sent
as plain fields: a message crosses processes), moving the job queued → rendering →
completed, or failed with a reason once access is gone or the last delivery failed.
:func:`report_status` shows the job to its organization's requester or exporters, with a
fresh time-limited download URL once it is completed.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from dataclasses import dataclass
from typing import Any

from dramatiq.middleware import Interrupt

from ninevectors.models.principal import Principal
from ninevectors.services import tasks
from ninevectors.services.backends import get_blob_storage, get_cache
from ninevectors.services.cache import keys
from ninevectors.services.errors import Forbidden, NotFoundError
from ninevectors.services.identity import clock
from ninevectors.services.reports import pdf
from ninevectors.services.reports.csv_export import require_export

QUEUE_NAME = "report-rendering"
ACTOR_NAME = "render_report"
MESSAGE_TTL_MS = 60 * 60 * 1000
MAX_DELIVERIES = 3
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 10_000
TIME_LIMIT_MS = 60 * 1000

QUEUED, RENDERING, COMPLETED, FAILED = "queued", "rendering", "completed", "failed"
FINISHED = (COMPLETED, FAILED)
QUEUED_PROGRESS, RENDERING_PROGRESS = 10, 40
GAVE_UP = (
    f"The report could not be rendered ({MAX_DELIVERIES} attempts). "
    "Please try again in a few minutes."
)
_JOB_ID = re.compile(r"^rpt_[0-9a-f]{24}$")


@dataclass(frozen=True)
class ReportJob:
    id: str
    organization_id: str
    assessment_id: str
    requested_by: str
    status: str  # queued → rendering → completed | failed
    progress: int  # percent
    reason: str
    pages: int
    blob_name: str
    filename: str
    created_at: str
    updated_at: str
    url: str = ""  # completed jobs, in report_status only: a fresh time-limited link


def _save(job: ReportJob) -> ReportJob:
    saved = dataclasses.replace(job, updated_at=clock.iso(clock.utcnow()), url="")
    record = dataclasses.asdict(saved)
    get_cache().set(keys.report_job(job.organization_id, job.id), record, keys.REPORT_JOB_TTL)
    return saved


def _load(organization_id: str, job_id: object) -> ReportJob | None:
    if not isinstance(job_id, str) or not _JOB_ID.match(job_id):
        return None
    record = get_cache().get(keys.report_job(organization_id, job_id))
    return ReportJob(**record) if isinstance(record, dict) else None


def request_report(principal: Principal, assessment_id: str) -> ReportJob:
    """Queue the assessment's PDF report (reports.export; managers, admins) and return its
    job; a refusal is raised here and queues nothing."""
    assessment, _item = require_export(principal, assessment_id)
    now = clock.iso(clock.utcnow())
    job = _save(
        ReportJob(
            id=f"rpt_{secrets.token_hex(12)}",
            organization_id=principal.organization_id,
            assessment_id=assessment.id,
            requested_by=principal.user_id,
            status=QUEUED,
            progress=QUEUED_PROGRESS,
            reason="",
            pages=0,
            blob_name="",
            filename="",
            created_at=now,
            updated_at=now,
        )
    )
    try:
        tasks.send(ACTOR_NAME, dataclasses.asdict(principal), job.id)
    except Exception:
        get_cache().delete(keys.report_job(job.organization_id, job.id))
        raise
    return job


def report_status(principal: Principal, job_id: str) -> ReportJob:
    """The report job, to its requester or anyone who may export the assessment, with a
    download URL valid for 15 minutes once the report is ready."""
    job = _load(principal.organization_id, job_id)
    if job is None:
        raise NotFoundError("That report is not available any more. Please create it again.")
    if job.requested_by != principal.user_id:
        require_export(principal, job.assessment_id)
    if job.status != COMPLETED:
        return job
    url = get_blob_storage().download_url(job.blob_name, pdf.URL_SECONDS, job.filename)
    return dataclasses.replace(job, url=url)


def _render(principal_fields: dict[str, Any], job_id: str) -> None:
    """The actor: render the job's report as the principal who requested it."""
    principal = Principal(**principal_fields)
    job = _load(principal.organization_id, job_id)
    if job is None or job.status in FINISHED:
        return  # expired, or finished by an earlier delivery of this message
    job = _save(dataclasses.replace(job, status=RENDERING, progress=RENDERING_PROGRESS))
    try:
        report = pdf.generate_report(principal, job.assessment_id)
    except (Forbidden, NotFoundError) as refused:  # access lost meanwhile: retrying cannot help
        _save(dataclasses.replace(job, status=FAILED, progress=0, reason=str(refused)))
        return
    except (Exception, Interrupt):  # Interrupt: the time limit ran out
        _save(_after_failure(job, tasks.is_final_delivery()))
        raise
    _save(dataclasses.replace(job, status=COMPLETED, progress=100, reason="",
                              pages=report.pages, blob_name=report.blob_name,
                              filename=report.filename))  # fmt: skip


def _after_failure(job: ReportJob, final: bool) -> ReportJob:
    if final:
        return dataclasses.replace(job, status=FAILED, progress=0, reason=GAVE_UP)
    return dataclasses.replace(job, status=QUEUED, progress=QUEUED_PROGRESS)


def _delivery() -> tasks.Delivery:
    return tasks.Delivery(
        MESSAGE_TTL_MS, MAX_DELIVERIES, MIN_BACKOFF_MS, MAX_BACKOFF_MS, TIME_LIMIT_MS
    )


tasks.register(tasks.Task(ACTOR_NAME, QUEUE_NAME, _render, _delivery))
