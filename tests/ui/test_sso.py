"""Single sign-on in a real browser: an admin sets it up on /admin/sso against a real OpenID
Provider on loopback (npm oidc-provider); people of the domain sign in and join through the
provider's own login form.

Each test signs up its own organization on a fresh domain: the app is shared with every other
browser test, so the demo organization's password sign-in must stay as it is.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.app_server import RunningApp
from tests.fixtures.oidc_provider import OidcProvider, start_oidc_provider
from tests.servers import stop_process
from tests.ui.helpers import set_plan_of

pytestmark = pytest.mark.ui

PASSWORD = "single sign 2026"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory, app_url: str) -> Iterator[OidcProvider]:
    callback = app_url + "/auth/sso/callback"
    started = start_oidc_provider(tmp_path_factory.mktemp("oidc-ui"), [callback])
    try:
        yield started
    finally:
        stop_process(started.process)


def _new_domain() -> str:
    return f"sso-{uuid.uuid4().hex[:8]}.example"


def _sign_up(page: Page, app_url: str, domain: str, app: RunningApp) -> None:
    """A new organization (Starter), moved to Enterprise, the plan with single sign-on."""
    page.goto(app_url + "/signup")
    page.get_by_label("Organization name").fill("Single Sign Ltd")
    page.get_by_label("First name").fill("Sid")
    page.get_by_label("Last name").fill("Admin")
    page.get_by_label("Work e-mail").fill(f"sid@{domain}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(r"/dashboard"))
    set_plan_of(app.env, f"sid@{domain}", "enterprise")


def _configure(
    page: Page, app_url: str, provider: OidcProvider, domain: str, *, require: bool = False
) -> None:
    page.get_by_role("link", name="Single sign-on").first.click()
    expect(page.get_by_role("heading", name="Single sign-on", level=1)).to_be_visible()
    expect(page.get_by_label("Redirect URI")).to_have_value(app_url + "/auth/sso/callback")
    page.get_by_role("button", name="Google").click()
    issuer = page.get_by_label("Issuer URL")
    expect(issuer).to_have_value("https://accounts.google.com")
    issuer.fill(provider.issuer)
    page.get_by_label("Client ID").fill(provider.client_id)
    page.get_by_label("Client secret").fill(provider.client_secret)
    page.get_by_label("E-mail domains").fill(domain)
    page.get_by_label("Role for new people").select_option("MANAGER")
    if require:
        page.get_by_label("Require SSO").check()
        page.get_by_label(f"Sid Admin <sid@{domain}>").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#form-notice")).to_have_text("Single sign-on saved.")
    expect(page.get_by_text("A secret is saved; leave blank to keep it.")).to_be_visible()
    expect(page.get_by_label("Client secret")).to_have_value("")


def _through_the_provider(page: Page, login: str) -> None:
    """The provider's own login form (it accepts any password for a known login)."""
    expect(page.get_by_placeholder("Enter any login")).to_have_value(login)
    page.get_by_placeholder("and password").fill("any-password")
    page.get_by_role("button", name="Sign-in").click()


def test_a_new_person_signs_in_with_sso_and_gets_the_role_for_new_people(
    browser: Browser,
    page: Page,
    app_url: str,
    provider: OidcProvider,
    running_app: RunningApp,
) -> None:
    domain = _new_domain()
    _sign_up(page, app_url, domain, running_app)
    _configure(page, app_url, provider, domain)

    person = browser.new_context().new_page()
    person.goto(app_url + "/login")
    person.get_by_label("Work email for single sign-on").fill(f"nora@{domain}")
    person.get_by_role("button", name="Continue with SSO").click()
    expect(person).to_have_url(re.compile(re.escape(provider.issuer)))
    _through_the_provider(person, f"nora@{domain}")
    expect(person).to_have_url(re.compile(r"/dashboard/?$"))
    expect(person.locator("#header-organization")).to_have_text("Single Sign Ltd")

    page.goto(app_url + "/admin/users")
    expect(page.locator(".user-row", has_text=f"nora@{domain}")).to_contain_text("Manager")


def test_required_sso_offers_no_password_form_and_invitees_join_with_sso(
    browser: Browser,
    page: Page,
    app_url: str,
    provider: OidcProvider,
    running_app: RunningApp,
) -> None:
    domain = _new_domain()
    _sign_up(page, app_url, domain, running_app)
    _configure(page, app_url, provider, domain, require=True)
    invitee = f"ivy@{domain}"
    page.goto(app_url + "/admin/users")
    page.get_by_label("E-mail to invite").fill(invitee)
    page.locator("#invite-role").select_option("VIEWER")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#form-notice")).to_contain_text(f"Invitation sent to {invitee}")
    page.goto(app_url + "/admin/outbox")
    message = page.locator(".outbox-message", has_text=invitee).first
    link = re.search(r"https?://\S+/accept-invite\?token=\S+", message.inner_text())
    assert link, message.inner_text()

    person = browser.new_context().new_page()
    person.goto(app_url + "/login")
    expect(person.get_by_label("Password")).to_be_visible()
    person.get_by_label("Work email for single sign-on").fill(f"someone@{domain}")
    expect(person.locator("#sso-required")).to_contain_text(domain)
    expect(person.get_by_label("Password")).to_have_count(0)
    expect(person.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)

    person.goto(link.group(0))
    expect(person.locator("#invitation-summary")).to_contain_text("Single Sign Ltd")
    expect(person.get_by_label("Password")).to_have_count(0)
    person.get_by_role("button", name="Join with SSO").click()
    _through_the_provider(person, invitee)
    expect(person).to_have_url(re.compile(r"/dashboard/?$"))
    page.goto(app_url + "/admin/users")
    expect(page.locator(".user-row", has_text=invitee)).to_contain_text("Viewer")
