"""The PDF report on the task queue (in-process broker): a job goes queued → completed with a
working time-limited link, a refused request queues nothing, another organization cannot read
the job, and a failing render is retried, then the job fails with a reason."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors.api import downloads
from ninevectors.models.principal import Principal
from ninevectors.services import analytics, reports, tasks
from ninevectors.services.backends import get_cache
from ninevectors.services.cache import keys
from ninevectors.services.errors import Forbidden, NotFoundError
from ninevectors.services.reports import jobs, pdf
from ninevectors.services.reports.jobs import ReportJob
from tests.unit import test_analytics_support as data
from tests.unit import test_assessment_support as support
from tests.unit.test_assessment_support import Team
from tests.unit.test_identity_support import sign_up

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team


@pytest.fixture
def queue_team(team: Team) -> Iterator[Team]:
    """The team, with a fresh in-process task queue for this test."""
    tasks.shutdown()
    yield team
    tasks.shutdown()


def seeded(team: Team) -> str:
    """An in-progress assessment with three submitted peer responses (shown at threshold 3)."""
    crowd = data.people(team, 3)
    aid = data.assessment_with(team, crowd)
    analytics.set_threshold(team.manager, aid, 3)
    for i, person in enumerate(crowd):
        data.submitted(team.org, aid, person.user_id, "peer", lambda _t, i=i: 2 + i,
                       {"2.1.1": f"peer note {i}"})  # fmt: skip
    return aid


def finished(principal: Principal, job_id: str, timeout: float = 60) -> ReportJob:
    """Poll the job until it is completed or failed."""
    deadline = time.monotonic() + timeout
    while True:
        job = reports.report_status(principal, job_id)
        if job.status in jobs.FINISHED:
            return job
        assert time.monotonic() < deadline, f"job still {job.status} after {timeout} s"
        time.sleep(0.05)


def report_dead_letters(expected: int, timeout: float = 30) -> list[tuple[str, Any]]:
    """Poll the report queue's dead letters until ``expected`` are there (a failed message is
    dead-lettered just after its last delivery ends)."""
    deadline = time.monotonic() + timeout
    while len(letters := tasks.dead_letters(jobs.QUEUE_NAME, jobs.ACTOR_NAME)) < expected:
        assert time.monotonic() < deadline, f"{len(letters)} dead letters after {timeout} s"
        time.sleep(0.05)
    return letters


def fetch(url: str) -> bytes:
    """GET a local blob's signed link through the app's /files route."""
    parts = urlsplit(url)
    response = TestClient(Starlette(routes=downloads.routes)).get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200, response.text
    return response.content


@dataclass
class Watch:
    renders: int = 0
    statuses: list[str] = field(default_factory=list)  # every status a job was saved with


def watch(
    monkeypatch: pytest.MonkeyPatch,
    failures: int = 0,
    error: Exception | None = None,
) -> Watch:
    """Short retry backoff; counts the renders (the first ``failures`` of them raise
    ``error``) and records the status of every job saved."""
    monkeypatch.setattr(jobs, "MIN_BACKOFF_MS", 10)
    monkeypatch.setattr(jobs, "MAX_BACKOFF_MS", 20)
    seen = Watch()
    real_render, real_save = pdf.generate_report, jobs._save

    def render(principal: Principal, assessment_id: str) -> pdf.ReportFile:
        seen.renders += 1
        if seen.renders <= failures:
            raise error or OSError("blob storage unavailable")
        return real_render(principal, assessment_id)

    def save(job: ReportJob) -> ReportJob:
        seen.statuses.append(job.status)
        return real_save(job)

    monkeypatch.setattr(pdf, "generate_report", render)
    monkeypatch.setattr(jobs, "_save", save)
    return seen


def test_job_goes_from_queued_to_completed_and_its_link_downloads(
    queue_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = queue_team
    aid = seeded(team)
    seen = watch(monkeypatch)
    job = reports.request_report(team.manager, aid)
    assert (job.status, job.progress, job.url) == ("queued", jobs.QUEUED_PROGRESS, "")
    assert (job.organization_id, job.assessment_id) == (team.org, aid)
    assert job.requested_by == team.manager.user_id
    done = finished(team.manager, job.id)
    assert seen.statuses == ["queued", "rendering", "completed"] and seen.renders == 1
    assert done.status == "completed" and done.progress == 100 and done.reason == ""
    assert done.blob_name.startswith(f"reports/{team.org}/assessments/{aid}/")
    reader = PdfReader(io.BytesIO(fetch(done.url)))
    assert len(reader.pages) == done.pages >= 3
    assert "peer note 1" in "\n".join(page.extract_text() for page in reader.pages)
    left = get_cache().ttl(keys.report_job(team.org, job.id))
    assert left is not None and 0 < left <= keys.REPORT_JOB_TTL


def test_refused_request_raises_at_once_and_queues_nothing(
    queue_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = queue_team
    aid = seeded(team)
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks, "send", lambda *args, **_: sent.append(args))
    seen = watch(monkeypatch)
    with pytest.raises(Forbidden):
        reports.request_report(team.alice, aid)  # a member may not export
    with pytest.raises(NotFoundError):
        reports.request_report(team.manager, "as_does_not_exist")
    outsider = sign_up("eve@beta.example", "Beta Ltd").principal
    with pytest.raises(NotFoundError):
        reports.request_report(outsider, aid)  # another organization's assessment
    assert sent == [] and seen.statuses == []


def test_job_is_shown_to_its_organization_only(queue_team: Team) -> None:
    team = queue_team
    aid = seeded(team)
    job = finished(team.manager, reports.request_report(team.manager, aid).id)
    assert reports.report_status(team.admin, job.id).status == "completed"  # may export
    with pytest.raises(Forbidden):
        reports.report_status(team.alice, job.id)  # same organization, may not export
    outsider = sign_up("eve@beta.example", "Beta Ltd").principal
    with pytest.raises(NotFoundError):
        reports.report_status(outsider, job.id)
    with pytest.raises(NotFoundError):
        reports.report_status(team.manager, {"id": job.id})  # type: ignore[arg-type]


def retried_then_failed(team: Team, monkeypatch: pytest.MonkeyPatch) -> Watch:
    """A render that always fails: delivered MAX_DELIVERIES times, then the job is failed
    with a reason and the message dead-lettered (checked on either broker)."""
    seen = watch(monkeypatch, failures=jobs.MAX_DELIVERIES)
    job_id = reports.request_report(team.manager, seeded(team)).id
    done = finished(team.manager, job_id)
    assert (done.status, done.progress, done.reason) == ("failed", 0, jobs.GAVE_UP)
    assert seen.renders == jobs.MAX_DELIVERIES
    [(_id, letter)] = report_dead_letters(1)
    assert letter.args[1] == job_id
    assert "blob storage unavailable" in tasks.failure_reason(letter)
    return seen


def test_failing_render_is_retried_then_the_job_fails_with_a_reason(
    queue_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = retried_then_failed(queue_team, monkeypatch)
    assert seen.statuses == ["queued", "rendering", "queued", "rendering", "queued", "rendering",
                             "failed"]  # fmt: skip


def test_a_render_that_fails_once_completes_on_the_next_delivery(
    queue_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = queue_team
    seen = watch(monkeypatch, failures=1)
    done = finished(team.manager, reports.request_report(team.manager, seeded(team)).id)
    assert done.status == "completed" and done.pages >= 3 and seen.renders == 2


def test_access_lost_before_rendering_fails_the_job_without_retrying(
    queue_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = queue_team
    refusal = Forbidden("Only managers, admins and the owner can export these results.")
    seen = watch(monkeypatch, failures=jobs.MAX_DELIVERIES, error=refusal)
    done = finished(team.manager, reports.request_report(team.manager, seeded(team)).id)
    assert (done.status, done.reason, seen.renders) == ("failed", str(refusal), 1)
    assert seen.statuses == ["queued", "rendering", "failed"]
    tasks.join(jobs.QUEUE_NAME, 30)  # the message is done with: acknowledged, not dead
    assert report_dead_letters(0) == []
