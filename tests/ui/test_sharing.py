"""Sharing an assessment's results in a real browser: the manager shares it with the viewer
on the assessment page; the viewer finds it in the list and reads the dashboard's radar (the
hidden group stays hidden, no export, no participants); unsharing takes it away again."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.ui.test_analytics import app_data, seed_in, sign_in

__all__ = ["app_data"]  # the fixture, used by name

VIEWER_OPTION = "Vic Viewer <viewer@acme.com>"


def test_manager_shares_results_with_the_viewer(
    browser: Browser, page: Page, app_url: str, app_data: Path
) -> None:
    assessment_id = seed_in(app_data)
    sign_in(page, app_url, "manager@acme.com")
    page.goto(f"{app_url}/assessments/{assessment_id}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Board review "))
    name = heading.inner_text()
    expect(page.locator("#shared-with-nobody")).to_be_visible()
    page.get_by_label("Share the results with").select_option(label=VIEWER_OPTION)
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_text("Results shared.")).to_be_visible()
    stop = page.get_by_role("button", name="Stop sharing with Vic Viewer")
    expect(stop).to_be_visible()
    expect(page.locator("#share-user option", has_text="viewer@acme.com")).to_have_count(0)

    viewer = browser.new_context().new_page()
    sign_in(viewer, app_url, "viewer@acme.com")
    viewer.goto(f"{app_url}/assessments")
    row = viewer.locator(".assessment-row", has_text=name)
    expect(row).to_be_visible()
    row.get_by_role("link", name=f"Dashboard of {name}").click()
    expect(viewer).to_have_url(re.compile(rf"/assessments/{assessment_id}/dashboard/?$"))
    radar = viewer.locator("#radar")
    expect(radar.locator(".main-svg").first).to_be_visible(timeout=20_000)
    expect(radar.locator(".angularaxistick")).to_have_count(9)
    expect(viewer.get_by_text("peer says 1")).to_be_visible()
    expect(viewer.get_by_text("lonely manager note")).to_have_count(0)
    expect(viewer.locator("#csv")).to_have_count(0)
    # the assessment's page: its name and the dashboard, not who took part
    viewer.goto(f"{app_url}/assessments/{assessment_id}")
    expect(viewer.get_by_role("heading", level=1)).to_have_text(name)
    expect(viewer.locator("#open-shared-dashboard")).to_be_visible()
    expect(viewer.get_by_role("heading", name="Participants")).to_have_count(0)
    expect(viewer.get_by_text("@acme.com")).to_have_count(0)

    # stop sharing: the viewer is told nothing is shared again
    stop.click()
    expect(page.locator("#shared-with-nobody")).to_be_visible()
    viewer.goto(f"{app_url}/assessments/{assessment_id}/dashboard")
    expect(viewer.locator("#dashboard-message")).to_contain_text("Nothing has been shared")
    expect(viewer.locator("#radar")).to_have_count(0)
