"""The public pages in a real browser: landing, the 9 Vectors explorer, 404."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.ui

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}


def test_landing_page_renders(page: Page, app_url: str) -> None:
    page.goto(app_url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("nine lenses")
    for category in ("Assets", "Processes", "Structures"):
        expect(page.locator(".category-card", has_text=category)).to_be_visible()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def test_explorer_shows_nine_vectors_in_three_categories(page: Page, app_url: str) -> None:
    page.goto(app_url + "/learn")
    expect(page.locator(".category-section")).to_have_count(3)
    expect(page.locator(".vector-card")).to_have_count(9)
    assets = page.locator(".category-section", has_text="Assets")
    expect(assets.locator(".vector-card")).to_have_text(
        [re.compile("^Market"), re.compile("^People"), re.compile("^Financial")]
    )


def test_opening_a_vector_shows_its_sub_lenses_and_themes(page: Page, app_url: str) -> None:
    page.goto(app_url + "/learn")
    page.get_by_role("link", name="Market vector").click()
    expect(page).to_have_url(re.compile(r"/learn/market/?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Market")
    expect(page.locator(".sub-lens")).to_have_count(5)
    expect(page.locator(".theme")).to_have_count(28)
    expect(page.locator("#theme-1\\.1\\.1")).to_contain_text("Market Size")


def test_filter_finds_market_size(page: Page, app_url: str) -> None:
    page.goto(app_url + "/learn")
    page.get_by_label("Filter themes by name").fill("market size")
    results = page.locator("#filter-results .theme-match")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Market Size")
    expect(results.first).to_contain_text("1.1.1")
    page.get_by_label("Filter themes by name").fill("zzz-no-such-theme")
    expect(page.locator("#no-matches")).to_be_visible()


def test_repeated_theme_names_are_listed_once_per_sub_lens(page: Page, app_url: str) -> None:
    page.goto(app_url + "/learn")
    page.get_by_label("Filter themes by name").fill("Adoption Curve")
    expect(page.locator("#filter-results .theme-match")).to_have_count(2)


def test_unknown_url_shows_the_404_page(page: Page, app_url: str) -> None:
    page.goto(app_url + "/no/such/page")
    expect(page.locator("#not-found-heading")).to_have_text("Page not found")


def test_no_request_leaves_localhost(page: Page, app_url: str) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or ""))
    page.on("websocket", lambda ws: hosts.add(urlparse(ws.url).hostname or ""))
    for path in ("/", "/learn/people/", "/learn"):
        page.goto(app_url + path)
        page.wait_for_load_state("networkidle")
    page.get_by_label("Filter themes by name").fill("risk")  # a websocket round trip
    expect(page.locator("#filter-results")).to_be_visible()
    assert hosts, "the page made no requests at all"
    assert hosts <= LOCAL_HOSTS, f"requests left localhost: {sorted(hosts - LOCAL_HOSTS)}"
