"""The document library in a real browser: upload a PDF beside a disguised file (one row, one
progress bar and one verdict per file), watch the PDF complete, see its vector
relevance and that Claude analysed it (the session's app is pointed at the local Messages API
server by tests/ui/conftest.py), find it by a phrase and by meaning, download it, delete it."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from ninevectors.framework import get_framework
from tests.fixtures import documents as samples
from tests.fixtures.claude_server import SAMPLE_ANALYSIS, ClaudeServer
from tests.ui.helpers import create_assessment, log_in, open_for_answers

pytestmark = pytest.mark.ui

PLAN_TEXT = (
    "Zephyr logistics strategy {marker}. We will open distribution hubs in three new regions "
    "to win customers from competitors and grow market share. The board must approve the "
    "capital budget for warehouse automation."
)


def test_upload_process_search_download_delete(
    page: Page, app_url: str, claude_for_app: ClaudeServer
) -> None:
    claude_for_app.reset()  # answers the analysis with its default tool call
    marker = uuid.uuid4().hex[:8]
    name = f"zephyr-plan-{marker}.pdf"
    log_in(page, app_url, "manager@acme.com")
    page.goto(app_url + "/documents")
    expect(page.get_by_role("heading", name="Documents", level=1)).to_be_visible()
    disguised = f"disguised-{marker}.pdf"  # a binary file that only claims to be a PDF
    page.locator(".document-dropzone input[type=file]").set_input_files(
        files=[
            {
                "name": name,
                "mimeType": "application/pdf",
                "buffer": samples.pdf_bytes([PLAN_TEXT.format(marker=marker)]),
            },
            {"name": disguised, "mimeType": "application/pdf", "buffer": bytes(range(256)) * 4},
        ]
    )
    picked = page.get_by_role("list", name="Selected files").get_by_role("listitem")
    expect(picked).to_have_count(2)
    expect(picked.nth(0)).to_contain_text(name)
    expect(picked.nth(1)).to_contain_text(f"{disguised} · 1 KB")
    page.locator("#upload-button").click()

    # one row per file, in order, each with its own progress bar and its own verdict
    uploads = page.get_by_role("list", name="Uploads").get_by_role("listitem")
    expect(uploads).to_have_count(2)
    stored, rejected = uploads.nth(0), uploads.nth(1)
    expect(stored.locator(".upload-name")).to_have_text(name)
    expect(rejected.locator(".upload-name")).to_have_text(disguised)
    expect(stored).to_have_attribute("data-status", "stored", timeout=30_000)
    expect(stored.locator(".upload-status")).to_have_text("Stored — processing")
    expect(rejected).to_have_attribute("data-status", "rejected")
    expect(rejected.locator(".upload-status")).to_contain_text("This file type is not supported")
    for file_name, item in ((name, stored), (disguised, rejected)):
        bar = item.get_by_role("progressbar", name=f"Upload of {file_name}")
        expect(bar).to_have_count(1)
        expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_role("list", name="Selected files").get_by_role("listitem")).to_have_count(0)
    expect(page.locator(".document-row", has_text=disguised)).to_have_count(0)
    row = page.locator(".document-row", has_text=name)
    expect(row).to_have_attribute("data-status", "completed", timeout=60_000)

    row.get_by_text(name).click()
    details = page.locator("#document-details")
    # the first details/search in a fresh server loads the embedding model and the index
    expect(details.get_by_role("heading", name="Vector relevance")).to_be_visible(timeout=30_000)
    for vector in get_framework().vectors:
        expect(details).to_contain_text(f"{vector.id}. {vector.name}")
    expect(details.locator("#analysis-method")).to_have_text(
        "Analysed by Claude (claude-sonnet-5-5)"
    )
    expect(details.locator("#analysis-summary")).to_have_text(SAMPLE_ANALYSIS["summary"])
    expect(details).to_contain_text("distribution hubs, market share, warehouse automation")
    expect(details.locator("#analysis-fallback")).to_have_count(0)
    assert any(marker in r.body["messages"][0]["content"] for r in claude_for_app.requests)

    page.locator("#document-search").fill("distribution hubs in three new regions")
    page.locator("#search-button").click()
    first_hit = page.locator(".search-hit").first
    expect(first_hit).to_contain_text(name, timeout=30_000)
    expect(first_hit.locator("mark").first).to_be_visible()

    page.locator("#document-search").fill("storage buildings for moving goods to shoppers")
    page.locator("#search-button").click()
    expect(page.locator(".search-hit", has_text=name)).to_be_visible()

    with page.expect_download() as download_info:
        details.locator("#download-button").click()
    assert download_info.value.suggested_filename.endswith(".pdf")

    # Cite it as evidence in the wizard; the document shows where it is cited.
    assessment = f"Evidence {marker}"
    create_assessment(page, app_url, assessment, vectors=(1,))
    open_for_answers(page)
    page.get_by_role("link", name="Start").click()
    page.get_by_role("button", name="Attach a library document as evidence for Market Size").click()
    page.get_by_label("Search the document library").fill(marker)
    page.get_by_role("button", name=f"Attach {name}").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    market_size = page.locator("#theme-card-1\\.1\\.1")
    expect(market_size.locator(".cited-document")).to_contain_text(name)
    page.reload()
    expect(page.locator("#theme-card-1\\.1\\.1 .cited-document")).to_contain_text(name)
    cited = page.locator("#theme-card-1\\.1\\.1 .cited-document a")
    expect(cited).to_have_attribute("href", re.compile(r"/documents\?doc="))
    cited.click()
    details = page.locator("#document-details")
    expect(details).to_contain_text(assessment, timeout=30_000)

    details.locator("#delete-button").click()
    page.locator("#confirm-delete").click()
    expect(page.locator("#documents-notice")).to_contain_text("Deleted")
    expect(page.locator(".document-row", has_text=name)).to_have_count(0)
