"""Accounts in a real browser: sign-up, invitations, roles, wrong passwords, expired sessions."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.ui.helpers import log_in

pytestmark = pytest.mark.ui


def _unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def test_sign_up_lands_on_an_empty_dashboard(page: Page, app_url: str) -> None:
    page.goto(app_url + "/signup")
    page.get_by_label("Organization name").fill("Globex Ltd")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Work e-mail").fill(_unique_email("grace"))
    page.get_by_label("Password").fill("correct horse 42")
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(r"/dashboard/?\?welcome=1$"))
    expect(page.locator("#dashboard-org")).to_have_text("Globex Ltd")
    expect(page.locator(".empty-state")).to_contain_text("No assessments yet")
    expect(page.get_by_role("button", name="Account menu")).to_contain_text("Grace Hopper")


def test_sign_up_with_a_weak_password_says_what_to_fix(page: Page, app_url: str) -> None:
    page.goto(app_url + "/signup")
    page.get_by_label("Organization name").fill("Weak Co")
    page.get_by_label("First name").fill("Wes")
    page.get_by_label("Last name").fill("Weak")
    page.get_by_label("Work e-mail").fill(_unique_email("weak"))
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create organization").click()
    expect(page.locator("#form-error")).to_contain_text("at least 10 characters")
    expect(page).to_have_url(re.compile(r"/signup/?$"))


def test_admin_invites_a_member_who_accepts_and_logs_in(
    browser: Browser, page: Page, app_url: str
) -> None:
    invitee = _unique_email("newcomer")
    log_in(page, app_url, "admin@acme.com")
    page.goto(app_url + "/admin/users")
    page.get_by_label("E-mail to invite").fill(invitee)
    page.locator("#invite-role").select_option("MEMBER")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#form-notice")).to_contain_text(f"Invitation sent to {invitee}")
    expect(page.locator(".invitation-row", has_text=invitee)).to_contain_text("Member")

    page.goto(app_url + "/admin/outbox")
    message = page.locator(".outbox-message", has_text=invitee).first
    expect(message).to_be_visible()
    link = re.search(r"https?://\S+/accept-invite\?token=\S+", message.inner_text())
    assert link, message.inner_text()

    newcomer = browser.new_context().new_page()
    newcomer.goto(link.group(0))
    expect(newcomer.locator("#invitation-summary")).to_contain_text("Acme Corporation")
    newcomer.get_by_label("First name").fill("Nia")
    newcomer.get_by_label("Last name").fill("Newcomer")
    newcomer.get_by_label("Password").fill("a fresh start 77")
    newcomer.get_by_role("button", name="Join").click()
    expect(newcomer).to_have_url(re.compile(r"/dashboard/?\?welcome=1$"))
    newcomer.get_by_role("button", name="Account menu").click()
    newcomer.get_by_role("menuitem", name="Sign out").click()
    expect(newcomer).to_have_url(re.compile(r"/login/?\?signed_out=1$"))

    log_in(newcomer, app_url, invitee, "a fresh start 77")
    expect(newcomer.locator("#dashboard-org")).to_have_text("Acme Corporation")
    # A member sees no admin navigation.
    expect(newcomer.get_by_role("link", name="Audit log")).to_have_count(0)

    # The link is single-use.
    newcomer.goto(link.group(0))
    expect(newcomer.locator("#link-error")).to_be_visible()


def test_a_viewer_cannot_open_admin_pages(page: Page, app_url: str) -> None:
    log_in(page, app_url, "viewer@acme.com")
    expect(page.locator("a[href='/admin/users']")).to_have_count(0)
    for path in ("/admin/users", "/admin/organization", "/admin/audit", "/admin/outbox"):
        page.goto(app_url + path)
        expect(page.locator("#not-allowed")).to_be_visible()
        expect(page.locator(".user-row")).to_have_count(0)
        expect(page.locator(".audit-row")).to_have_count(0)
        expect(page.locator(".outbox-message")).to_have_count(0)


def test_a_wrong_password_shows_an_error(page: Page, app_url: str) -> None:
    page.goto(app_url + "/login")
    page.get_by_label("E-mail").fill("member@acme.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#form-error")).to_contain_text("E-mail or password is incorrect")
    expect(page).to_have_url(re.compile(r"/login/?$"))


def test_an_expired_session_sends_the_user_back_to_log_in(page: Page, app_url: str) -> None:
    log_in(page, app_url, "manager@acme.com")
    # The server no longer knows the session the browser holds (as after its TTL runs out).
    page.context.add_cookies(
        [{"name": "nv_session", "value": "expired-" + uuid.uuid4().hex, "url": app_url}]
    )
    page.goto(app_url + "/profile")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/profile.*expired=1"))
    expect(page.locator("#form-notice")).to_contain_text("Your session has expired")
    page.get_by_label("E-mail").fill("manager@acme.com")
    page.get_by_label("Password").fill("NineVectors!2026")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/profile/?$"))


def test_signed_out_visitors_are_sent_to_log_in(page: Page, app_url: str) -> None:
    page.goto(app_url + "/admin/audit")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/admin/audit"))


def test_admin_changes_the_brand_colour(page: Page, app_url: str) -> None:
    log_in(page, app_url, "superadmin@acme.com")
    page.goto(app_url + "/admin/organization")
    page.locator("#org-color").fill("#ff5500")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#form-notice")).to_contain_text("saved")
    expect(page.locator("#app-header")).to_have_css("border-bottom-color", "rgb(255, 85, 0)")
    page.goto(app_url + "/admin/audit")
    expect(page.locator(".audit-row", has_text="organization.updated").first).to_be_visible()
