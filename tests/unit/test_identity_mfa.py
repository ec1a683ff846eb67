"""Two-step sign-in: enrolment, the code step at log-in, recovery codes, the organization's
policy, an administrator's reset, throttling; and the stored secrets' encryption."""

from __future__ import annotations

import pyotp
import pytest
from sqlmodel import col, func, select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import AuditLog, MfaRecoveryCode, UserMfa, UserSession
from ninevectors.services import ratelimit, secret_box
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import auth, mfa, organizations, signup
from ninevectors.services.identity.roles import Role
from ninevectors.services.identity.sessions import LoginResult
from ninevectors.settings import get_settings
from tests.unit import test_identity_support as support
from tests.unit.test_identity_support import PASSWORD, add_user, sign_up, token_of

identity_env = support.identity_env

EMAIL = "ada@alpha.example"


def _enrol(principal: Principal) -> tuple[str, list[str]]:
    """Turn MFA on for ``principal``; its TOTP secret and recovery codes."""
    enrolment = mfa.start_enrolment(principal)
    codes = mfa.confirm_enrolment(principal, pyotp.TOTP(enrolment.secret).now())
    return enrolment.secret, codes


def _later_code(secret: str) -> str:
    """A code of the next 30-second step (the current one was just used)."""
    import time

    return pyotp.TOTP(secret).at(time.time() + mfa.TOTP_STEP)


def _session_count() -> int:
    with session_scope() as db:
        return int(db.exec(select(func.count()).select_from(UserSession)).one())


def _audit_actions() -> list[str]:
    with session_scope() as db:
        return list(db.exec(select(AuditLog.action).order_by(col(AuditLog.log_id))).all())


def _challenge(email: str = EMAIL) -> mfa.MfaChallenge:
    result = auth.login(email, PASSWORD, "192.0.2.10", "browser")
    assert isinstance(result, mfa.MfaChallenge)
    return result


def test_enrolment_needs_a_right_first_code_and_stores_nothing_readable(identity_env: str) -> None:
    admin = sign_up().principal
    enrolment = mfa.start_enrolment(admin)
    assert enrolment.otpauth_uri.startswith("otpauth://totp/")
    assert enrolment.qr_svg_data_uri.startswith("data:image/svg+xml")
    with pytest.raises(mfa.MfaRefused):
        mfa.confirm_enrolment(
            admin, "000000" if pyotp.TOTP(enrolment.secret).now() != "000000" else "111111"
        )
    assert not mfa.is_enabled(admin.user_id)
    codes = mfa.confirm_enrolment(admin, pyotp.TOTP(enrolment.secret).now())
    assert len(codes) == mfa.RECOVERY_CODE_COUNT == len(set(codes))
    assert mfa.is_enabled(admin.user_id)
    with session_scope() as db:
        row = db.get(UserMfa, admin.user_id)
        hashes = set(db.exec(select(MfaRecoveryCode.code_hash)).all())
    assert row is not None and enrolment.secret not in row.secret_encrypted
    assert secret_box.decrypt(row.secret_encrypted) == enrolment.secret
    assert not hashes & set(codes)
    assert "mfa.enabled" in _audit_actions()
    with pytest.raises(ConflictError):
        mfa.start_enrolment(admin)  # an active factor is never silently replaced


def test_login_asks_for_the_code_and_a_right_one_starts_the_session(identity_env: str) -> None:
    admin = sign_up().principal
    secret, _codes = _enrol(admin)
    before = _session_count()
    challenge = _challenge()
    assert challenge.kind == "verify" and mfa.challenge_kind(challenge.token) == "verify"
    assert _session_count() == before  # no session before the second factor
    result = mfa.verify_challenge(challenge.token, _later_code(secret), "192.0.2.10", "browser")
    assert isinstance(result, LoginResult) and result.principal.user_id == admin.user_id
    assert token_of(result)
    assert _session_count() == before + 1
    with pytest.raises(mfa.MfaRefused, match="expired"):  # the challenge is used up
        mfa.verify_challenge(challenge.token, _later_code(secret))


def test_a_code_is_accepted_only_once(identity_env: str) -> None:
    admin = sign_up().principal
    secret, _codes = _enrol(admin)
    code = _later_code(secret)
    mfa.verify_challenge(_challenge().token, code)
    with pytest.raises(mfa.MfaRefused, match="not right"):
        mfa.verify_challenge(_challenge().token, code)


def test_a_recovery_code_signs_in_once(identity_env: str) -> None:
    admin = sign_up().principal
    _secret, codes = _enrol(admin)
    result = mfa.verify_challenge(_challenge().token, f"  {codes[3].upper()} ")
    assert result.principal.user_id == admin.user_id
    with pytest.raises(mfa.MfaRefused, match="not right"):
        mfa.verify_challenge(_challenge().token, codes[3])
    assert mfa.status(admin).recovery_codes_left == mfa.RECOVERY_CODE_COUNT - 1


def test_five_wrong_codes_end_the_challenge_and_start_nothing(identity_env: str) -> None:
    admin = sign_up().principal
    _enrol(admin)
    challenge = _challenge()
    before = _session_count()
    for _ in range(mfa.MAX_CHALLENGE_FAILURES - 1):
        with pytest.raises(mfa.MfaRefused, match="not right"):
            mfa.verify_challenge(challenge.token, "abcde-fghij")
    with pytest.raises(mfa.MfaRefused, match="Too many wrong codes"):
        mfa.verify_challenge(challenge.token, "abcde-fghij")
    with pytest.raises(mfa.MfaRefused, match="expired"):
        mfa.verify_challenge(challenge.token, "abcde-fghij")
    assert _session_count() == before
    assert _audit_actions().count("auth.mfa_failed") == mfa.MAX_CHALLENGE_FAILURES


def test_codes_for_one_account_are_throttled_across_challenges(identity_env: str) -> None:
    admin = sign_up().principal
    _enrol(admin)
    refusals: list[mfa.MfaRefused] = []
    while not (refusals and isinstance(refusals[-1], mfa.MfaThrottled)) and len(refusals) < 50:
        challenge = _challenge()
        for _ in range(mfa.MAX_CHALLENGE_FAILURES - 1):
            try:
                mfa.verify_challenge(challenge.token, "999999")
            except mfa.MfaRefused as error:
                refusals.append(error)
                if isinstance(error, mfa.MfaThrottled):
                    break
    assert isinstance(refusals[-1], mfa.MfaThrottled)
    # The enrolment's right code was given back: ``limit`` wrong codes, then the refusal.
    assert len(refusals) == ratelimit.MFA_PER_ACCOUNT.limit + 1
    assert refusals[-1].retry_after > 0


def _signed_up_from(email: str, ip_address: str) -> Principal:
    data = {"organization_name": email, "email": email, "password": PASSWORD}
    names = {"first_name": "Pat", "last_name": "Person"}
    return signup.sign_up({**data, **names}, ip_address=ip_address).principal


def test_right_codes_are_given_back_so_an_office_behind_one_address_signs_in(
    identity_env: str,
) -> None:
    office = "198.51.100.1"
    for n in range(ratelimit.MFA_PER_CLIENT.limit + 3):
        person = _signed_up_from(f"p{n}@org{n}.example", f"10.1.0.{n}")
        secret, _codes = _enrol(person)
        result = auth.login(f"p{n}@org{n}.example", PASSWORD, office)
        assert isinstance(result, mfa.MfaChallenge)
        assert mfa.verify_challenge(result.token, _later_code(secret), office).principal == (
            person.__class__(person.user_id, person.organization_id, person.role, office)
        )


@pytest.mark.parametrize("code", [None, 123456, "", "x" * 50, ["123456"]])
def test_malformed_codes_are_refused_clearly(identity_env: str, code: object) -> None:
    admin = sign_up().principal
    _enrol(admin)
    with pytest.raises(ValidationFailed, match="6-digit code"):
        mfa.verify_challenge(_challenge().token, code)


@pytest.mark.parametrize("token", ["", "forged", None, "x" * 500])
def test_an_unknown_challenge_is_refused(identity_env: str, token: object) -> None:
    with pytest.raises(mfa.MfaRefused, match="expired"):
        mfa.verify_challenge(token, "123456")


def test_a_required_policy_sends_people_without_mfa_to_enrolment_first(identity_env: str) -> None:
    admin = sign_up().principal
    member = add_user(admin, "sam@alpha.example", Role.MEMBER).principal
    organizations.update_organization(admin, {"mfa_required": "admins"})
    assert isinstance(auth.login("sam@alpha.example", PASSWORD), LoginResult)  # not an admin
    challenge = _challenge()
    assert challenge.kind == "enrol"
    with pytest.raises(mfa.MfaRefused):
        mfa.verify_challenge(challenge.token, "123456")  # a set-up, not a code step
    enrolment = mfa.enrol_in_challenge(challenge.token)
    codes = mfa.confirm_in_challenge(challenge.token, pyotp.TOTP(enrolment.secret).now())
    assert len(codes) == mfa.RECOVERY_CODE_COUNT
    assert mfa.challenge_kind(challenge.token) == "enrolled"
    result = mfa.finish_enrolled_challenge(challenge.token)
    assert result.principal.user_id == admin.user_id
    with pytest.raises(mfa.MfaRefused):
        mfa.finish_enrolled_challenge(challenge.token)
    organizations.update_organization(admin, {"mfa_required": "everyone"})
    assert _challenge("sam@alpha.example").kind == "enrol"
    assert not mfa.is_enabled(member.user_id)


def test_a_wrong_policy_value_is_refused_and_changes_nothing(identity_env: str) -> None:
    admin = sign_up().principal
    with pytest.raises(ValidationFailed, match="Two-step sign-in requirement must be one of"):
        organizations.update_organization(admin, {"mfa_required": "sometimes"})
    assert mfa.policy_of(admin.organization_id) == "off"


def test_mfa_cannot_be_turned_off_where_it_is_required(identity_env: str) -> None:
    admin = sign_up().principal
    secret, _codes = _enrol(admin)
    organizations.update_organization(admin, {"mfa_required": "everyone"})
    with pytest.raises(Forbidden, match="requires"):
        mfa.turn_off(admin, _later_code(secret))
    organizations.update_organization(admin, {"mfa_required": "off"})
    mfa.turn_off(admin, _later_code(secret))
    assert not mfa.is_enabled(admin.user_id)
    assert isinstance(auth.login(EMAIL, PASSWORD), LoginResult)


def test_an_admin_resets_a_persons_mfa_and_others_cannot(identity_env: str) -> None:
    admin = sign_up().principal
    manager = add_user(admin, "max@alpha.example", Role.MANAGER).principal
    member = add_user(admin, "sam@alpha.example", Role.MEMBER).principal
    _enrol(member)
    assert mfa.enrolled_user_ids(admin) == {member.user_id}
    with pytest.raises(Forbidden):
        mfa.reset_for_user(manager, member.user_id)
    outsider = sign_up("eve@beta.example", "Beta Ltd").principal
    with pytest.raises(NotFoundError):
        mfa.reset_for_user(outsider, member.user_id)
    assert mfa.is_enabled(member.user_id)
    mfa.reset_for_user(admin, member.user_id)
    assert not mfa.is_enabled(member.user_id)
    assert "mfa.reset" in _audit_actions()
    assert isinstance(auth.login("sam@alpha.example", PASSWORD), LoginResult)
    with pytest.raises(NotFoundError):
        mfa.reset_for_user(admin, member.user_id)  # nothing left to reset


def test_recovery_codes_are_replaced_with_a_current_code(identity_env: str) -> None:
    admin = sign_up().principal
    secret, old_codes = _enrol(admin)
    with pytest.raises(mfa.MfaRefused):
        mfa.regenerate_recovery_codes(admin, old_codes[0])  # a recovery code is not enough
    new_codes = mfa.regenerate_recovery_codes(admin, _later_code(secret))
    assert not set(new_codes) & set(old_codes)
    with pytest.raises(mfa.MfaRefused):
        mfa.verify_challenge(_challenge().token, old_codes[1])


def test_secrets_survive_key_rotation_and_a_lost_key_is_said(
    identity_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_key, new_key = (secret_box.Fernet.generate_key().decode() for _ in range(2))
    monkeypatch.setenv("NINEVECTORS_ENCRYPTION_KEYS", old_key)
    get_settings.cache_clear()
    stored = secret_box.encrypt("client-secret-1")
    monkeypatch.setenv("NINEVECTORS_ENCRYPTION_KEYS", f"{new_key},{old_key}")
    get_settings.cache_clear()
    assert secret_box.decrypt(stored) == "client-secret-1"
    assert secret_box.decrypt(secret_box.encrypt("x")) == "x"
    monkeypatch.setenv("NINEVECTORS_ENCRYPTION_KEYS", new_key)
    get_settings.cache_clear()
    with pytest.raises(secret_box.SecretUnreadable):
        secret_box.decrypt(stored)
    get_settings.cache_clear()
