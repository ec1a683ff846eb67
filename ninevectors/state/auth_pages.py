"""States of the signed-out pages: sign up, log in, forgot/reset password, accept invitation.

Handlers receive form data straight from the browser: it is untrusted, and the identity
services validate it (pydantic) and answer with a specific message. Every service call runs
on the blocking pool (password hashing must not hold the event loop) and gets the client's
address, which the services' rate limits count; a refusal ("Too many attempts — try again
in N s") is shown as is, like every other refusal.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from ninevectors.routes import Route, safe_next
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import auth, invitations, mfa, password_reset, signup, sso
from ninevectors.state.session import SessionState, friendly_error


def _form(form_data: Any) -> dict[str, Any]:
    return dict(form_data) if isinstance(form_data, dict) else {}


def _sign_up_form(form_data: Any) -> dict[str, Any]:
    """A public sign-up always starts on the free plan: paid plans are bought through
    Checkout, and any browser can send a ``plan`` field with the form."""
    return {key: value for key, value in _form(form_data).items() if key != "plan"}


class LoginState(SessionState):
    error: str = ""
    notice: str = ""
    busy: bool = False
    # The second step: "" (password form), "verify", "enrol" or "enrolled" (codes shown).
    mfa_step: str = ""
    mfa_qr: str = ""
    mfa_key: str = ""
    recovery_codes: list[str] = []
    _challenge: str = ""  # backend only: never sent to the page

    def _clear_mfa(self) -> None:
        self.mfa_step = self.mfa_qr = self.mfa_key = self._challenge = ""
        self.recovery_codes = []

    def _next(self) -> str:
        return self.router.url.query_parameters.get("next", "")

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        self.error = ""
        self._clear_mfa()
        params = self.router.url.query_parameters
        if params.get("expired"):
            self.notice = "Your session has expired. Please sign in again."
        elif params.get("handoff"):
            self.notice = "That sign-in link was already used or has expired. Please sign in."
        elif params.get("signed_out"):
            self.notice = "You are signed out."
        else:
            self.notice = ""
        if await self._principal() is not None:
            return rx.redirect(safe_next(params.get("next", "")))
        if params.get("challenge"):
            await self._enter_challenge(params["challenge"])
        return None

    async def _enter_challenge(self, token: str) -> None:
        """Show the step the challenge asks for (the set-up needs a new key)."""
        try:
            kind = await run_blocking(mfa.challenge_kind, token)
            if kind == "enrol":
                enrolment = await run_blocking(mfa.enrol_in_challenge, token)
                self.mfa_qr, self.mfa_key = enrolment.qr_svg_data_uri, enrolment.secret
        except Exception as error:  # noqa: BLE001
            self._clear_mfa()
            self.error = friendly_error(error)
            return
        self._challenge, self.mfa_step = token, kind
        self.notice = ""

    @rx.event
    async def submit(self, form_data: dict) -> rx.event.EventSpec | None:
        data = _form(form_data)
        ip_address, user_agent = self._client()
        try:
            result = await run_blocking(
                auth.login, data.get("email"), data.get("password"), ip_address, user_agent
            )
        except Exception as error:  # noqa: BLE001 — shown to the person, never raised
            self.error = friendly_error(error)
            self.notice = ""
            return None
        self.error = ""
        if isinstance(result, mfa.MfaChallenge):
            await self._enter_challenge(result.token)
            return None
        return self._begin_session(result, self._next())

    @rx.event
    async def submit_code(self, form_data: dict) -> rx.event.EventSpec | None:
        code = _form(form_data).get("code")
        ip_address, user_agent = self._client()
        self.busy = True
        try:
            if self.mfa_step == "enrol":
                self.recovery_codes = await run_blocking(
                    mfa.confirm_in_challenge, self._challenge, code, ip_address
                )
                self.mfa_step, self.mfa_qr, self.mfa_key = "enrolled", "", ""
                self.error = ""
                return None
            result = await run_blocking(
                mfa.verify_challenge, self._challenge, code, ip_address, user_agent
            )
        except Exception as error:  # noqa: BLE001
            self.error = friendly_error(error)
            if error_ends_challenge(error):
                self._clear_mfa()
            return None
        finally:
            self.busy = False
        self.error = ""
        self._clear_mfa()
        return self._begin_session(result, self._next())

    @rx.event
    async def finish_enrolment(self) -> rx.event.EventSpec | None:
        ip_address, user_agent = self._client()
        try:
            result = await run_blocking(
                mfa.finish_enrolled_challenge, self._challenge, ip_address, user_agent
            )
        except Exception as error:  # noqa: BLE001
            self.error = friendly_error(error)
            self._clear_mfa()
            return None
        self._clear_mfa()
        return self._begin_session(result, self._next())

    @rx.event
    def cancel_mfa(self) -> None:
        self._clear_mfa()
        self.error = ""


def error_ends_challenge(error: Exception) -> bool:
    """Whether a refusal means the person must start signing in again."""
    return isinstance(error, mfa.MfaRefused) and str(error) in (
        mfa.CHALLENGE_GONE,
        mfa.TOO_MANY_WRONG_CODES,
    )


class SignUpState(SessionState):
    error: str = ""
    error_field: str = ""

    @rx.event
    async def submit(self, form_data: dict) -> rx.event.EventSpec | None:
        ip_address, user_agent = self._client()
        try:
            result = await run_blocking(
                signup.sign_up, _sign_up_form(form_data), ip_address, user_agent
            )
        except Exception as error:  # noqa: BLE001
            self.error = friendly_error(error)
            self.error_field = str(getattr(error, "field", ""))
            return None
        self.error = self.error_field = ""
        return self._begin_session(result, Route.DASHBOARD + "?welcome=1")


class ForgotPasswordState(SessionState):
    message: str = ""
    error: str = ""

    @rx.event
    async def submit(self, form_data: dict) -> None:
        ip_address, _user_agent = self._client()
        try:
            email = _form(form_data).get("email")
            self.message = await run_blocking(password_reset.request_reset, email, ip_address)
            self.error = ""
        except Exception as error:  # noqa: BLE001
            self.error = friendly_error(error)
            self.message = ""


class ResetPasswordState(SessionState):
    email: str = ""
    error: str = ""
    link_error: str = ""
    done: bool = False

    def _token(self) -> str:
        return self.router.url.query_parameters.get("token", "")

    @rx.event
    async def load(self) -> None:
        self.error = ""
        self.done = False
        try:
            self.email = await run_blocking(password_reset.check_reset_token, self._token())
            self.link_error = ""
        except Exception as error:  # noqa: BLE001
            self.email = ""
            self.link_error = friendly_error(error)

    @rx.event
    async def submit(self, form_data: dict) -> None:
        data = _form(form_data)
        if data.get("new_password") != data.get("confirm_password"):
            self.error = "The two passwords do not match."
            return
        ip_address, _user_agent = self._client()
        try:
            await run_blocking(
                password_reset.reset_password, self._token(), data.get("new_password"), ip_address
            )
        except Exception as error:  # noqa: BLE001
            self.error = friendly_error(error)
            return
        self.error = ""
        self.done = True


class AcceptInviteState(SessionState):
    organization: str = ""
    email: str = ""
    role_label: str = ""
    link_error: str = ""
    error: str = ""
    sso_available: bool = False
    sso_required: bool = False
    sso_url: str = ""

    def _token(self) -> str:
        return self.router.url.query_parameters.get("token", "")

    async def _offer_sso(self, email: str) -> None:
        hint = await run_blocking(sso.hint_for_email, email)
        self.sso_available, self.sso_required = hint.sso, hint.required
        query = urlencode({"invitation": self._token()})
        self.sso_url = f"{Route.SSO_START}?{query}" if hint.sso else ""

    @rx.event
    async def load(self) -> None:
        self.error = ""
        try:
            info = await run_blocking(invitations.describe_invitation, self._token())
        except Exception as error:  # noqa: BLE001
            self.link_error = friendly_error(error)
            return
        self.link_error = ""
        self.organization = info.organization_name
        self.email = info.email
        self.role_label = info.role_label
        await self._offer_sso(info.email)

    @rx.event
    def join_with_sso(self) -> rx.event.EventSpec | None:
        """A real page load: /auth/sso/start is a backend route, not one of the pages."""
        if not self.sso_url:
            return None
        return rx.call_script(f"window.location.assign({json.dumps(self.sso_url)})")

    @rx.event
    async def submit(self, form_data: dict) -> rx.event.EventSpec | None:
        data = _form(form_data)
        ip_address, user_agent = self._client()
        try:
            result = await run_blocking(
                invitations.accept_invitation,
                self._token(),
                data.get("first_name"),
                data.get("last_name"),
                data.get("password"),
                ip_address,
                user_agent,
            )
        except Exception as error:  # noqa: BLE001
            self.error = friendly_error(error)
            return None
        self.error = ""
        return self._begin_session(result, Route.DASHBOARD + "?welcome=1")
