"""Browser tests of the assessment dashboard: a manager sees the nine-axis radar, switches the
group overlay, drills into a vector, downloads the CSV and the PDF; a small group is hidden.

Responses are written through the services into the running app's own database (the app uses
the embedded SQL store in its data folder), which keeps the test short.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from ninevectors.framework import get_framework
from ninevectors.models.principal import Principal
from ninevectors.services import analytics, assessments
from ninevectors.services.backends import get_store
from ninevectors.services.demo import DEMO_ORGANIZATION_ID
from ninevectors.services.identity import users
from ninevectors.services.identity.roles import Role
from tests.ui.helpers import log_in
from tests.unit import test_analytics_support as data

MANAGER = Principal("user_acme_manager", DEMO_ORGANIZATION_ID, Role.MANAGER.value)


@pytest.fixture
def app_data(app_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The running app's data folder."""
    folders = sorted(tmp_path_factory.getbasetemp().glob("app-data*"))
    return next(f for f in folders if (f / "ninevectors.db").exists())


def seed_in(folder: Path, seed: str = "_seed_assessment") -> str:
    """Seed an assessment in a separate process pointed at the app's data (nothing of this
    process holds the app's database), and return its id."""
    env = {**os.environ, "NINEVECTORS_DATA_DIR": str(folder), "NINEVECTORS_DATABASE_URL": "",
           "NINEVECTORS_STORE_BACKEND": "sql", "NINEVECTORS_CACHE_BACKEND": "memory",
           "NINEVECTORS_BLOB_BACKEND": "local"}  # fmt: skip
    code = f"from tests.ui.test_analytics import {seed}; print({seed}())"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def _seed_assessment() -> str:
    """Three peers (visible at threshold 3) and one manager-type respondent (hidden)."""
    tag = uuid.uuid4().hex[:6]
    people = []
    for i in range(4):
        user = users.build_user(DEMO_ORGANIZATION_ID, f"rater{i}-{tag}@acme.com", f"Rater{i}",
                                "Tester", Role.MEMBER)  # fmt: skip
        get_store().create("users", user.to_item())
        people.append(user.id)
    created = assessments.create_assessment(MANAGER, {"name": f"Board review {tag}"})
    for user_id in people:
        assessments.add_participant(MANAGER, created.id, {"user_id": user_id})
    assessments.change_status(MANAGER, created.id, "in-progress")
    analytics.set_threshold(MANAGER, created.id, 3)
    for i, user_id in enumerate(people[:3]):
        data.submitted(DEMO_ORGANIZATION_ID, created.id, user_id, "peer",
                       lambda theme, i=i: 2 + i if theme.startswith("1.") else 4,
                       {"2.1.1": f"peer says {i}"})  # fmt: skip
    data.submitted(DEMO_ORGANIZATION_ID, created.id, people[3], "manager", lambda _t: 1,
                   {"2.1.1": "lonely manager note"})  # fmt: skip
    return created.id


def sign_in(page: Page, app_url: str, email: str) -> None:
    """Log in once the freshly started app has hydrated (its first load can be slow)."""
    page.goto(app_url + "/login")
    page.wait_for_load_state("networkidle")
    log_in(page, app_url, email)


def _seed_rounds() -> str:
    """Round 1 (three peers, all 3s) and round 2 (three peers, all 4s); round 2's id."""
    first = _seed_assessment()
    assessments.change_status(MANAGER, first, "completed")
    second = assessments.start_next_round(MANAGER, first).id
    analytics.set_threshold(MANAGER, second, 3)
    assessments.change_status(MANAGER, second, "in-progress")
    for person in assessments.get_assessment(MANAGER, second).participants[1:4]:
        assert person.user_id
        data.submitted(DEMO_ORGANIZATION_ID, second, person.user_id, "peer", lambda _t: 4)
    return second


def test_manager_reads_the_dashboard_and_exports(page: Page, app_url: str, app_data: Path) -> None:
    assessment_id = seed_in(app_data)
    sign_in(page, app_url, "manager@acme.com")
    # the organization home shows the figures
    expect(page.locator("#stat-active")).not_to_have_text("0")
    expect(page.locator("#stat-month")).not_to_have_text("0")
    expect(page.locator("#recent-activity")).to_be_visible()
    page.goto(f"{app_url}/assessments/{assessment_id}/dashboard")
    radar = page.locator("#radar")
    expect(radar.locator(".main-svg").first).to_be_visible(timeout=20_000)
    for vector in get_framework().vectors:
        expect(radar.get_by_text(vector.name, exact=True).first).to_be_attached()
    expect(radar.locator(".angularaxistick")).to_have_count(9)
    # the manager-type respondent is alone: hidden, note included
    expect(page.get_by_text("Managers: hidden to protect anonymity (1 of the 3")).to_be_visible()
    expect(page.get_by_text("peer says 1")).to_be_visible()
    expect(page.get_by_text("lonely manager note")).to_have_count(0)
    expect(page.locator("#overlay option")).to_have_count(2)  # nobody, peers
    # overlay peers: a second trace with its legend entry
    page.locator("#overlay").select_option("peer")
    expect(radar.locator(".legendtext", has_text="Peers")).to_be_visible()
    expect(radar.locator(".scatterpolar, .trace.scatter")).to_have_count(2)
    # drill into Market: five sub-lenses, then the themes of one
    page.get_by_role("button", name="Drill into Market").click()
    expect(page.locator("#lens-table tbody tr")).to_have_count(5)
    page.locator("#lens-table .drill-lens").first.click()
    expect(page.locator("#theme-table tbody tr")).to_have_count(6)
    # CSV
    with page.expect_download() as download_info:
        page.locator("#csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert len(rows) == 3 * 156 and {r["respondent_type"] for r in rows} == {"peer"}
    # PDF: rendered in the background, then a time-limited link
    page.locator("#pdf").click()
    link = page.locator("#pdf-link")
    expect(link).to_be_visible(timeout=30_000)
    response = page.request.get(link.get_attribute("href") or "")
    assert response.ok
    reader = PdfReader(io.BytesIO(response.body()))
    words = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= 3
    assert "Acme Corporation" in words and "Vector summary" in words and "peer says 2" in words
    assert "lonely manager note" not in words


def test_viewer_is_told_nothing_is_shared(page: Page, app_url: str, app_data: Path) -> None:
    assessment_id = seed_in(app_data)
    sign_in(page, app_url, "viewer@acme.com")
    page.goto(f"{app_url}/assessments/{assessment_id}/dashboard")
    expect(page.locator("#dashboard-message")).to_contain_text("Nothing has been shared")
    expect(page.locator("#radar")).to_have_count(0)


def test_trends_across_rounds(page: Page, app_url: str, app_data: Path) -> None:
    assessment_id = seed_in(app_data, "_seed_rounds")
    sign_in(page, app_url, "manager@acme.com")
    page.goto(f"{app_url}/assessments/{assessment_id}/dashboard")
    trends = page.locator("#trends")
    expect(trends.get_by_text("Round 1:")).to_be_visible(timeout=20_000)
    # round 1 shows the three peers only (the lone manager-type respondent is hidden):
    # People 4.00 in both rounds, Market (2 + 3 + 4) / 3 = 3.00 then 4.00
    expect(trends.locator("p", has_text="Round 2:")).to_contain_text(
        "Market 4.00 +1.00, People 4.00 +0.00"
    )
    expect(trends.locator(".scatterlayer .trace")).to_have_count(9)
    # the earlier round is the organization's benchmark, drawn on the radar on request
    radar = page.locator("#radar")
    expect(page.locator("#benchmark-overlay option")).to_have_count(2)  # none, yours
    page.locator("#benchmark-overlay").select_option("Your other assessments")
    expect(
        radar.locator(".legendtext", has_text="Benchmark: Your other assessments")
    ).to_be_visible()
    expect(radar.locator(".scatterpolar, .trace.scatter")).to_have_count(2)


def test_manager_changes_the_anonymity_threshold(page: Page, app_url: str, app_data: Path) -> None:
    assessment_id = seed_in(app_data)
    sign_in(page, app_url, "manager@acme.com")
    page.goto(f"{app_url}/assessments/{assessment_id}/dashboard")
    threshold = page.locator("#threshold")
    expect(threshold).to_have_value("3", timeout=20_000)
    # below the minimum: the form is not sent (the service refuses it too: unit-tested)
    threshold.fill("2")
    page.locator("#save-threshold").click()
    assert threshold.evaluate("input => input.validity.rangeUnderflow")
    expect(page.get_by_text("Saved:")).to_have_count(0)
    expect(page.get_by_text("peer says 1")).to_be_visible()
    # 4: the three peers are hidden too, their notes with them, and the page says why
    threshold.fill("4")
    page.locator("#save-threshold").click()
    expect(page.get_by_text("Saved: groups under 4 respondents are hidden.")).to_be_visible()
    expect(page.locator("#dashboard-message")).to_contain_text("hidden to protect anonymity")
    expect(page.get_by_text("peer says 1")).to_have_count(0)
    expect(page.locator("#radar")).to_have_count(0)
    # and back to 3 from the same form
    page.locator("#threshold").fill("3")
    page.locator("#save-threshold").click()
    expect(page.get_by_text("peer says 1")).to_be_visible()
