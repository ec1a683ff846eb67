"""The "Continue with SSO" part of the login page.

The typed work e-mail is checked against the SSO domains (is there SSO, is it required: then
the password form is not offered); continuing is a full page load of ``/auth/sso/start``,
which redirects to the provider (a navigation, not a form post: the CSP's form-action
allows only our own origin). A refusal comes back as ``/login?sso_error=<code>``.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import reflex as rx

from ninevectors.routes import Route
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import sso, sso_login
from ninevectors.state.inputs import form_fields, text
from ninevectors.state.session import SessionState

NO_SSO = "Single sign-on is not set up for this e-mail domain. Sign in with your password."
# A copy taken at import: the messages are constants, reading them needs no service call.
SSO_ERRORS = dict(sso_login.MESSAGES)


class SsoState(SessionState):
    sso_error: str = ""
    domain: str = ""
    available: bool = False
    required: bool = False

    @rx.event
    def load(self) -> None:
        code = self.router.url.query_parameters.get("sso_error", "")
        self.sso_error = SSO_ERRORS.get(code, "") if isinstance(code, str) else ""
        self.domain, self.available, self.required = "", False, False

    @rx.event
    async def check_email(self, value: object) -> None:
        email = text(value, 254)
        hint = await run_blocking(sso.hint_for_email, email or "")
        self.domain, self.available, self.required = hint.domain, hint.sso, hint.required

    @rx.event
    async def start(self, form_data: dict) -> rx.event.EventSpec | None:
        email = text((form_fields(form_data) or {}).get("sso_email"), 254) or ""
        hint = await run_blocking(sso.hint_for_email, email)
        self.domain, self.available, self.required = hint.domain, hint.sso, hint.required
        if not hint.sso:
            self.sso_error = NO_SSO
            return None
        self.sso_error = ""
        query = {"email": email, "next": self.router.url.query_parameters.get("next", "")}
        url = f"{Route.SSO_START}?{urlencode(query)}"
        return rx.call_script(f"window.location.assign({json.dumps(url)})")

    @rx.var(cache=True)
    def password_offered(self) -> bool:
        return not self.required
