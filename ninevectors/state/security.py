"""The profile's security part: two-step sign-in (set up, recovery codes, turn off) and the
person's active sessions (end one, or all but this one)."""

from __future__ import annotations

from datetime import datetime

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import account_sessions, mfa
from ninevectors.state.inputs import MALFORMED_FORM, form_fields, identifier
from ninevectors.state.session import SessionState, friendly_error


def shown_time(moment: datetime | None) -> str:
    return moment.strftime("%d %b %Y, %H:%M UTC") if moment else ""


def _session_row(view: account_sessions.SessionView) -> dict[str, str]:
    return {
        "id": view.id,
        "device": view.device,
        "ip": view.ip_address,
        "signed_in": shown_time(view.signed_in_at),
        "last_seen": shown_time(view.last_seen_at),
        "method": view.method,
        "current": "yes" if view.current else "",
    }


class SecurityState(SessionState):
    mfa_enabled: bool = False
    mfa_required: bool = False
    mfa_enabled_at: str = ""
    recovery_left: int = 0
    enrol_qr: str = ""
    enrol_key: str = ""
    new_codes: list[str] = []
    mfa_message: str = ""
    mfa_error: str = ""
    session_rows: list[dict[str, str]] = []
    sessions_message: str = ""
    sessions_error: str = ""

    async def _refresh(self, principal: Principal) -> None:
        status = await run_blocking(mfa.status, principal)
        self.mfa_enabled, self.mfa_required = status.enabled, status.required
        self.mfa_enabled_at = shown_time(status.enabled_at)
        self.recovery_left = status.recovery_codes_left
        views = await run_blocking(account_sessions.my_sessions, principal, self._session_token())
        self.session_rows = [_session_row(view) for view in views]

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.enrol_qr = self.enrol_key = ""
        self.new_codes = []
        self.mfa_message = self.mfa_error = self.sessions_message = self.sessions_error = ""
        try:
            await self._refresh(outcome)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.mfa_error = friendly_error(error)
        return None

    @rx.event
    async def start_enrolment(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            enrolment = await run_blocking(mfa.start_enrolment, outcome)
        except Exception as error:  # noqa: BLE001
            self.mfa_error, self.mfa_message = friendly_error(error), ""
            return None
        self.enrol_qr, self.enrol_key = enrolment.qr_svg_data_uri, enrolment.secret
        self.mfa_error = self.mfa_message = ""
        return None

    @rx.event
    def cancel_enrolment(self) -> None:
        self.enrol_qr = self.enrol_key = ""
        self.mfa_error = ""

    async def _with_code(self, form_data: object) -> tuple[Principal, object] | None:
        outcome = await self._authorize()
        data = form_fields(form_data)
        if not isinstance(outcome, Principal):
            return None
        if data is None:
            self.mfa_error, self.mfa_message = MALFORMED_FORM, ""
            return None
        return outcome, data.get("code")

    @rx.event
    async def confirm_enrolment(self, form_data: dict) -> None:
        given = await self._with_code(form_data)
        if given is None:
            return
        principal, code = given
        try:
            self.new_codes = await run_blocking(mfa.confirm_enrolment, principal, code)
        except Exception as error:  # noqa: BLE001
            self.mfa_error, self.mfa_message = friendly_error(error), ""
            return
        self.enrol_qr = self.enrol_key = ""
        self.mfa_error, self.mfa_message = "", "Two-step sign-in is on."
        await self._refresh(principal)

    @rx.event
    async def replace_codes(self, form_data: dict) -> None:
        given = await self._with_code(form_data)
        if given is None:
            return
        principal, code = given
        try:
            self.new_codes = await run_blocking(mfa.regenerate_recovery_codes, principal, code)
        except Exception as error:  # noqa: BLE001
            self.mfa_error, self.mfa_message = friendly_error(error), ""
            return
        self.mfa_error, self.mfa_message = "", "New recovery codes: the old ones no longer work."
        await self._refresh(principal)

    @rx.event
    async def turn_off(self, form_data: dict) -> None:
        given = await self._with_code(form_data)
        if given is None:
            return
        principal, code = given
        try:
            await run_blocking(mfa.turn_off, principal, code)
        except Exception as error:  # noqa: BLE001
            self.mfa_error, self.mfa_message = friendly_error(error), ""
            return
        self.new_codes = []
        self.mfa_error, self.mfa_message = "", "Two-step sign-in is off."
        await self._refresh(principal)

    @rx.event
    def hide_codes(self) -> None:
        self.new_codes = []

    @rx.event
    async def end_session(self, session_id: str) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        target = identifier(session_id)
        if target is None:
            self.sessions_error, self.sessions_message = "That session does not exist.", ""
            return None
        try:
            await run_blocking(account_sessions.end_my_session, outcome, target)
        except Exception as error:  # noqa: BLE001
            self.sessions_error, self.sessions_message = friendly_error(error), ""
            return None
        self.sessions_error, self.sessions_message = "", "That session is signed out."
        await self._refresh(outcome)
        return None

    @rx.event
    async def end_other_sessions(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            ended = await run_blocking(
                account_sessions.end_my_other_sessions, outcome, self._session_token()
            )
        except Exception as error:  # noqa: BLE001
            self.sessions_error, self.sessions_message = friendly_error(error), ""
            return None
        noun = "session" if ended == 1 else "sessions"
        self.sessions_error, self.sessions_message = "", f"Signed out {ended} other {noun}."
        await self._refresh(outcome)
        return None
