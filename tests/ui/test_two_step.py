"""Two-step sign-in, sessions and the local mailbox in a real browser: set up MFA from the
profile, sign in with a code and with a recovery code, the organization's requirement at
sign-in, signing out other browsers, and a forgotten password reset through the mailbox."""

from __future__ import annotations

import re
import time
import uuid

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.ui

PASSWORD = "correct horse 42"


def _sign_up(page: Page, app_url: str) -> str:
    email = f"mfa-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(app_url + "/signup")
    page.get_by_label("Organization name").fill("Two Step Ltd")
    page.get_by_label("First name").fill("Tess")
    page.get_by_label("Last name").fill("Step")
    page.get_by_label("Work e-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(r"/dashboard"))
    return email


def _password_step(page: Page, app_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(app_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def _sign_out(page: Page, app_url: str) -> None:
    page.goto(app_url + "/auth/signed-out")
    expect(page.locator("#form-notice")).to_contain_text("You are signed out")


def _next_code(secret: str) -> str:
    """A code of the next 30-second step: the current one may have been used already."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def _scan_key(page: Page) -> str:
    expect(page.get_by_role("img", name="QR code of your two-step sign-in key")).to_be_visible()
    return page.locator("#mfa-key").inner_text().strip()


def _saved_codes(page: Page) -> list[str]:
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    return [text.strip() for text in codes.all_inner_texts()]


def test_mfa_set_up_on_the_profile_then_sign_in_with_a_code_and_a_recovery_code(
    page: Page, app_url: str
) -> None:
    email = _sign_up(page, app_url)
    page.goto(app_url + "/profile")
    page.get_by_role("button", name="Set up two-step sign-in").click()
    secret = _scan_key(page)
    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Turn on", exact=True).click()
    expect(page.locator("#mfa-error")).to_contain_text("That code is not right")
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on", exact=True).click()
    codes = _saved_codes(page)
    page.get_by_role("button", name="I have saved my codes").click()
    expect(page.locator("#mfa-notice")).to_contain_text("Two-step sign-in is on")
    expect(page.get_by_text("10 recovery codes left.")).to_be_visible()

    _sign_out(page, app_url)
    _password_step(page, app_url, email)
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    page.get_by_label("Authentication code").fill(_next_code(secret))
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))

    _sign_out(page, app_url)
    _password_step(page, app_url, email)
    page.get_by_label("Authentication code").fill(codes[0])
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))

    _sign_out(page, app_url)
    _password_step(page, app_url, email)
    page.get_by_label("Authentication code").fill(codes[0])  # used: refused
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.locator("#form-error")).to_contain_text("That code is not right")
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_required_mfa_is_set_up_at_sign_in_before_anything_else(page: Page, app_url: str) -> None:
    email = _sign_up(page, app_url)
    page.goto(app_url + "/admin/organization")
    page.get_by_label("Require two-step sign-in").select_option("admins")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#form-notice")).to_contain_text("Organization settings saved")

    _sign_out(page, app_url)
    _password_step(page, app_url, email)
    expect(page.get_by_text("Your organization requires two-step sign-in")).to_be_visible()
    secret = _scan_key(page)
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on and continue").click()
    _saved_codes(page)
    page.get_by_role("button", name="I have saved my codes — continue").click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    page.goto(app_url + "/profile")
    expect(page.get_by_text("Your organization requires two-step sign-in.")).to_be_visible()


def test_signing_out_the_other_browsers(browser: Browser, page: Page, app_url: str) -> None:
    email = _sign_up(page, app_url)
    other = browser.new_context()
    try:
        elsewhere = other.new_page()
        _password_step(elsewhere, app_url, email)
        expect(elsewhere).to_have_url(re.compile(r"/dashboard/?$"))
        page.goto(app_url + "/profile")
        sessions = page.get_by_role("table", name="Active sessions")
        expect(sessions.get_by_text("This browser")).to_be_visible()
        expect(sessions.get_by_role("button", name=re.compile("^Sign out"))).to_have_count(1)
        page.get_by_role("button", name="Sign out everywhere else").click()
        expect(page.locator("#sessions-notice")).to_contain_text("Signed out 1 other session")
        elsewhere.goto(app_url + "/profile")
        expect(elsewhere).to_have_url(re.compile(r"/login"))
        page.reload()
        expect(page.get_by_role("heading", name="Where you are signed in")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/profile/?$"))
    finally:
        other.close()


def test_a_forgotten_password_is_reset_through_the_local_mailbox(page: Page, app_url: str) -> None:
    email = _sign_up(page, app_url)
    _sign_out(page, app_url)
    _password_step(page, app_url, email, "not my password 1")
    expect(page.locator("#form-error")).to_contain_text("E-mail or password is incorrect")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("#form-notice")).to_be_visible()

    page.goto(app_url + f"/dev/mailbox?to={email}")
    expect(page.get_by_role("heading", name="Local mailbox")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"reset-password\?token=")).first.click()
    page.get_by_label("New password", exact=True).fill("a brand new one 7")
    page.get_by_label("Repeat the new password").fill("a brand new one 7")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()
    _password_step(page, app_url, email, "a brand new one 7")
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
