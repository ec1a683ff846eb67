"""Reports on the production backends: the PDF stored in Azure Blob (Azurite) and fetched
through its time-limited SAS URL; the dashboard and metrics on PostgreSQL with Redis."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
from pypdf import PdfReader

from ninevectors.services import analytics, reports
from ninevectors.services.backends import get_blob_storage, reset_backends
from ninevectors.services.blob.azure import AzureBlobStorage
from ninevectors.services.identity import passwords
from tests.production_backends import use_production_backends
from tests.unit import test_analytics_support as data
from tests.unit import test_identity_support as identity_support
from tests.unit.test_assessment_support import Team, build_team
from tests.unit.test_identity_support import CHEAP_HASHER, FakeClock

fake_clock = identity_support.fake_clock


@pytest.fixture
def production(
    temp_database: str,
    redis_url: str,
    azurite_connection_string: str,
    monkeypatch: pytest.MonkeyPatch,
    fake_clock: FakeClock,
) -> Iterator[Team]:
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    use_production_backends(monkeypatch, redis_url, azurite_connection_string, "reports")
    yield build_team(fake_clock)
    storage = get_blob_storage()
    assert isinstance(storage, AzureBlobStorage)
    storage._container.delete_container()
    reset_backends()


def test_pdf_report_goes_to_azure_blob_and_downloads_by_sas(production: Team) -> None:
    team = production
    crowd = data.people(team, 3)
    aid = data.assessment_with(team, crowd)
    analytics.set_threshold(team.manager, aid, 3)
    for i, person in enumerate(crowd):
        data.submitted(team.org, aid, person.user_id, "peer", lambda _t, i=i: 2 + i,
                       {"3.1.1": f"cash note {i}"})  # fmt: skip
    report = reports.generate_report(team.manager, aid)
    assert report.blob_name.startswith(f"reports/{team.org}/assessments/{aid}/")
    assert "sig=" in report.url and "se=" in report.url  # a SAS with an expiry
    response = httpx.get(report.url, timeout=10)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    words = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == report.pages and "cash note 2" in words
    board = analytics.assessment_dashboard(team.manager, aid)
    assert board.radar["all"][0] == 3.0
    series = analytics.metric_series(team.manager, "report-generated", 1)
    assert series[0].value == 1.0
