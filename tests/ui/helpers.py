"""Steps shared by browser tests."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from ninevectors.framework import get_framework

DEMO_PASSWORD = "NineVectors!2026"


def log_in(page: Page, app_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(app_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))


def create_assessment(
    page: Page,
    app_url: str,
    name: str,
    *,
    kind: str = "single",
    vectors: tuple[int, ...] | None = None,
    subject: str | None = None,
) -> str:
    page.goto(app_url + "/assessments")
    page.get_by_role("button", name="New assessment").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Type").select_option(kind)
    if subject:
        dialog.get_by_label("Subject (360 review only)").select_option(label=subject)
    if vectors is not None:
        for vector in get_framework().vectors:
            box = dialog.get_by_role("checkbox", name=vector.name, exact=True)
            box.set_checked(vector.id in vectors)
    dialog.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(r"/assessments/[^/]+/?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def open_for_answers(page: Page) -> None:
    page.get_by_role("button", name="Open for answers").click()
    expect(page.locator(".status-badge").first).to_have_text("in-progress")
