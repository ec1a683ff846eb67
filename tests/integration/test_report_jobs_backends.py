"""The PDF report on the production task queue: Dramatiq's Redis broker carries the job, the
job record lives in Redis, the PDF goes to Azure Blob (Azurite) and downloads by its SAS URL;
a failing render is retried and then dead-lettered in Redis."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import httpx
import pytest
import redis
from pypdf import PdfReader

from ninevectors.services import reports, tasks
from ninevectors.services.cache import keys
from ninevectors.services.errors import NotFoundError
from tests.integration import test_reports_backends as reports_backends
from tests.unit.test_assessment_support import Team
from tests.unit.test_identity_support import sign_up
from tests.unit.test_report_jobs import finished, retried_then_failed, seeded

fake_clock = reports_backends.fake_clock
production = reports_backends.production  # the SQL store, Redis and Azurite


@pytest.fixture
def on_redis(production: Team) -> Iterator[Team]:
    """The production backends, with this test's Redis broker behind the task queue."""
    tasks.shutdown()
    yield production
    tasks.shutdown()


def test_report_job_through_redis_to_azure_blob(on_redis: Team, redis_url: str) -> None:
    team = on_redis
    aid = seeded(team)
    job = reports.request_report(team.manager, aid)
    assert type(tasks.runtime().broker).__name__ == "RedisBroker"
    client = redis.Redis.from_url(redis_url)
    [stored] = client.keys(f"*{keys.report_job(team.org, job.id)}")  # under the cache's prefix
    assert json.loads(client.get(stored) or b"{}")["assessment_id"] == aid
    assert 0 < client.ttl(stored) <= keys.REPORT_JOB_TTL
    done = finished(team.manager, job.id)
    assert done.status == "completed" and done.blob_name.startswith(f"reports/{team.org}/")
    assert "sig=" in done.url and "se=" in done.url  # a SAS with an expiry
    response = httpx.get(done.url, timeout=10)
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == done.pages
    outsider = sign_up("eve@beta.example", "Beta Ltd").principal
    with pytest.raises(NotFoundError):
        reports.report_status(outsider, job.id)


def test_failing_render_is_retried_then_dead_lettered_in_redis(
    on_redis: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    retried_then_failed(on_redis, monkeypatch)
