"""The login page's second step and the profile's security part, through Reflex's own event
processing: codes as people type them, payloads as any browser could send them."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest

from ninevectors.services.identity import mfa, sessions
from ninevectors.state.auth_pages import LoginState
from ninevectors.state.inputs import MALFORMED_FORM
from ninevectors.state.security import SecurityState
from tests.unit import test_identity_support as support
from tests.unit.test_state_support import Answer, Reflex, run

identity_env = support.identity_env

EMAIL = "ada@alpha.example"


def _went_to_cookie_route(answer: Answer) -> bool:
    return any("/auth/session?code=" in str(event.payload) for event in answer.events)


def _enrolled() -> tuple[sessions.LoginResult, str]:
    login = support.sign_up()
    enrolment = mfa.start_enrolment(login.principal)
    mfa.confirm_enrolment(login.principal, pyotp.TOTP(enrolment.secret).now())
    return login, enrolment.secret


def test_the_challenge_token_never_reaches_the_page(identity_env: str) -> None:
    _enrolled()

    async def scenario(reflex: Reflex) -> tuple[str, str]:
        tab = reflex.browser(token="signing-in")
        await tab.open("/login", LoginState.load)
        await tab.send(LoginState.submit, form_data={"email": EMAIL, "password": support.PASSWORD})
        state = await tab.state(LoginState)
        return state._challenge, repr(state.dict())

    challenge, sent_to_page = run(scenario)
    assert len(challenge) >= 40
    assert challenge not in sent_to_page


def test_sign_in_with_a_code_through_the_login_page(identity_env: str) -> None:
    _login, secret = _enrolled()
    later = pyotp.TOTP(secret).at(time.time() + mfa.TOTP_STEP)

    async def scenario(reflex: Reflex) -> tuple[Answer, str, Answer, str, Answer]:
        tab = reflex.browser(token="signing-in")
        await tab.open("/login", LoginState.load)
        password = await tab.send(
            LoginState.submit, form_data={"email": EMAIL, "password": support.PASSWORD}
        )
        step = (await tab.state(LoginState)).mfa_step
        wrong = await tab.send(LoginState.submit_code, form_data={"code": "12345x"})
        error = (await tab.state(LoginState)).error
        right = await tab.send(LoginState.submit_code, form_data={"code": later})
        return password, step, wrong, error, right

    password, step, wrong, error, right = run(scenario)
    assert password.errors == [] and not _went_to_cookie_route(password)
    assert step == "verify"
    assert wrong.errors == [] and not _went_to_cookie_route(wrong)
    assert "not right" in error
    assert right.errors == [] and _went_to_cookie_route(right)


@pytest.mark.parametrize("form_data", ["123456", None, ["code"], {"code": ["123456"]}])
def test_wrong_code_payloads_are_refused_clearly(identity_env: str, form_data: Any) -> None:
    _enrolled()

    async def scenario(reflex: Reflex) -> tuple[Answer, str, str]:
        tab = reflex.browser(token="signing-in")
        await tab.open("/login", LoginState.load)
        await tab.send(LoginState.submit, form_data={"email": EMAIL, "password": support.PASSWORD})
        answer = await tab.send(LoginState.submit_code, form_data=form_data)
        state = await tab.state(LoginState)
        return answer, state.error, state.mfa_step

    answer, error, step = run(scenario)
    assert answer.errors == [] and not _went_to_cookie_route(answer)
    assert "6-digit code" in error
    assert step == "verify"  # the person can try again


def test_a_stale_challenge_link_says_so(identity_env: str) -> None:
    async def scenario(reflex: Reflex) -> tuple[Answer, str, str]:
        tab = reflex.browser(token="from-sso")
        answer = await tab.open("/login", LoginState.load, query={"challenge": "forged"})
        state = await tab.state(LoginState)
        return answer, state.error, state.mfa_step

    answer, error, step = run(scenario)
    assert answer.errors == []
    assert error == mfa.CHALLENGE_GONE and step == ""


def test_setting_up_mfa_on_the_profile(identity_env: str) -> None:
    login = support.sign_up()

    async def scenario(reflex: Reflex) -> tuple[str, list[str], bool, Answer, str]:
        tab = reflex.browser(login)
        await tab.open("/profile", SecurityState.load)
        await tab.send(SecurityState.start_enrolment)
        key = (await tab.state(SecurityState)).enrol_key
        await tab.send(SecurityState.confirm_enrolment, form_data={"code": pyotp.TOTP(key).now()})
        state = await tab.state(SecurityState)
        malformed = await tab.send(SecurityState.turn_off, form_data="code")
        return (
            key,
            state.new_codes,
            state.mfa_enabled,
            malformed,
            (await tab.state(SecurityState)).mfa_error,
        )

    key, codes, enabled, malformed, error = run(scenario)
    assert len(key) >= 16 and enabled and len(codes) == mfa.RECOVERY_CODE_COUNT
    assert malformed.errors == [] and error == MALFORMED_FORM
    assert mfa.is_enabled(login.principal.user_id)  # still on


@pytest.mark.parametrize("session_id", [None, 7, "", "x" * 500, "sess_of_nobody"])
def test_ending_a_session_that_is_not_ones_own_changes_nothing(
    identity_env: str, session_id: Any
) -> None:
    login = support.sign_up()

    async def scenario(reflex: Reflex) -> tuple[Answer, str, int]:
        tab = reflex.browser(login)
        await tab.open("/profile", SecurityState.load)
        answer = await tab.send(SecurityState.end_session, session_id=session_id)
        state = await tab.state(SecurityState)
        return answer, state.sessions_error, len(state.session_rows)

    answer, error, shown = run(scenario)
    assert answer.errors == [] and answer.redirects() == []
    assert "not" in error.lower() and shown == 1
    assert sessions.active_session_count(login.principal.user_id) == 1
