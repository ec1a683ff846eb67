"""SSO settings (validation, domains, the secret), the sign-in's state and the rule that
turns password sign-in off."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from ninevectors.models.tables import AuditLog, SsoConnection
from ninevectors.routes import Route
from ninevectors.services.backends import get_cache
from ninevectors.services.cache import memory
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, ValidationFailed
from ninevectors.services.identity import auth, sso, sso_login
from ninevectors.services.identity.roles import Role
from tests.unit import test_identity_support as support
from tests.unit.test_identity_support import PASSWORD, add_user, sign_up

identity_env = support.identity_env

SECRET = "very-secret-client-secret-value"


def form(**changes: object) -> dict[str, object]:
    return {
        "issuer": "https://accounts.google.com",
        "client_id": "client-1",
        "client_secret": SECRET,
        "domains": "alpha.example, Alpha-Labs.example",
        "jit_role": "MEMBER",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"issuer": "http://idp.example"}, "issuer", "Issuer: the issuer must be an https:// URL."),
        (
            {"issuer": sso.PRESETS["entra"].issuer},
            "issuer",
            "Issuer: replace the {tenant} placeholder with your tenant id.",
        ),
        ({"client_id": ""}, "client_id", "Client ID is required."),
        ({"domains": ""}, "domains", "E-mail domains is required."),
        (
            {"domains": "not a domain"},
            "domains",
            "E-mail domains: “not a domain” is not a domain name like example.com.",
        ),
        (
            {"jit_role": "SUPER_ADMIN"},
            "jit_role",
            "Role for new people: SSO cannot give the super admin role.",
        ),  # fmt: skip
        (
            {"group_roles": "admins"},
            "group_roles",
            "Group to role mapping: write each mapping as group = ROLE (“admins”).",
        ),
        ({"require_sso": True}, "break_glass_user_ids", None),
    ],
)
def test_settings_are_validated(
    identity_env: str, changes: dict[str, object], field: str, message: str | None
) -> None:
    admin = sign_up(plan="enterprise").principal
    with pytest.raises(ValidationFailed) as refused:
        sso.save_settings(admin, form(**changes))
    assert refused.value.field == field
    if message:
        assert refused.value.message == message
    assert sso.get_settings_of(admin) is None


def test_the_secret_is_encrypted_and_never_returned(identity_env: str) -> None:
    admin = sign_up(plan="enterprise").principal
    saved = sso.save_settings(admin, form())
    assert saved.secret_set and SECRET not in repr(saved)
    assert saved.domains == ("alpha-labs.example", "alpha.example")
    assert saved.callback_url.endswith(Route.SSO_CALLBACK)
    with session_scope() as db:
        row = db.get(SsoConnection, admin.organization_id)
        audit = " ".join(str(r.details) for r in db.exec(select(AuditLog)).all())
    assert row is not None and SECRET not in row.client_secret_encrypted
    assert SECRET not in audit and "sso.created" not in audit  # details only, no secret
    kept = sso.save_settings(admin, form(client_secret="", client_id="client-2"))
    assert kept.secret_set and kept.client_id == "client-2"
    connection = sso.connection_of(admin.organization_id)
    assert connection is not None and connection.client_secret == SECRET


def test_a_first_save_needs_a_secret(identity_env: str) -> None:
    admin = sign_up(plan="enterprise").principal
    with pytest.raises(ValidationFailed, match="Client secret is required"):
        sso.save_settings(admin, form(client_secret=""))


def test_only_admins_read_or_change_it(identity_env: str) -> None:
    admin = sign_up(plan="enterprise").principal
    manager = add_user(admin, "max@alpha.example", Role.MANAGER).principal
    for call in (
        lambda: sso.get_settings_of(manager),
        lambda: sso.save_settings(manager, form()),
        lambda: sso.remove_settings(manager),
    ):
        with pytest.raises(Forbidden):
            call()


def test_a_domain_belongs_to_one_organization(identity_env: str) -> None:
    alpha = sign_up(plan="enterprise").principal
    sso.save_settings(alpha, form(domains="alpha.example"))
    beta = sign_up("bea@beta.example", "Beta", plan="enterprise").principal
    with pytest.raises(ValidationFailed, match="alpha.example is already used by another"):
        sso.save_settings(beta, form(domains="beta.example, ALPHA.example"))
    with pytest.raises(ValidationFailed, match="beta.example has people in another"):
        sso.save_settings(alpha, form(domains="alpha.example, beta.example"))
    assert sso.organization_for_domain("alpha.example") == alpha.organization_id
    sso.remove_settings(alpha)
    assert sso.organization_for_domain("alpha.example") is None
    with pytest.raises(ValidationFailed, match="alpha.example has people in another"):
        sso.save_settings(beta, form(domains="alpha.example"))


def test_groups_map_to_the_highest_role(identity_env: str) -> None:
    admin = sign_up(plan="enterprise").principal
    sso.save_settings(
        admin,
        form(
            groups_claim="groups", group_roles="staff = VIEWER\nleads = MANAGER", jit_role="MEMBER"
        ),
    )
    connection = sso.connection_of(admin.organization_id)
    assert connection is not None
    assert sso.role_for_groups(connection, {"groups": ["staff", "leads"]}) == "MANAGER"
    assert sso.role_for_groups(connection, {"groups": "staff"}) == "VIEWER"
    assert sso.role_for_groups(connection, {"groups": ["other"]}) == "MEMBER"
    assert sso.role_for_groups(connection, {}) == "MEMBER"


def test_require_sso_turns_password_sign_in_off_except_break_glass(identity_env: str) -> None:
    admin = sign_up(plan="enterprise").principal
    member = add_user(admin, "mia@alpha.example", Role.MEMBER).principal
    sso.save_settings(
        admin, form(require_sso=True, break_glass_user_ids=admin.user_id, domains="alpha.example")
    )
    with pytest.raises(sso.SsoRequired) as refused:
        auth.login("mia@alpha.example", PASSWORD)
    assert refused.value.message == "Your organization signs in with SSO. Use Continue with SSO."
    assert isinstance(refused.value, auth.AuthenticationError)
    assert auth.login("ada@alpha.example", PASSWORD).principal.user_id == admin.user_id
    with pytest.raises(ValidationFailed, match="not an organization admin"):
        sso.save_settings(admin, form(require_sso=True, break_glass_user_ids=member.user_id))
    hint = sso.hint_for_email("someone@ALPHA.example")
    assert (hint.domain, hint.sso, hint.required) == ("alpha.example", True, True)
    assert sso.hint_for_email("x@elsewhere.example").sso is False


def test_state_is_single_use_and_expires(
    identity_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for state in (None, "never-issued"):
        with pytest.raises(sso_login.SsoRefused) as unknown:
            sso_login.complete_login(state, "code")
        assert unknown.value.code == "state"
    pending = {"organizationId": "org_x", "email": "a@x.example", "nonce": "n", "verifier": "v"}
    get_cache().set(sso_login._state_key("issued"), pending, ttl_seconds=sso_login.STATE_TTL)
    later = time.monotonic() + sso_login.STATE_TTL + 1
    monkeypatch.setattr(memory.time, "monotonic", lambda: later)
    with pytest.raises(sso_login.SsoRefused) as expired:
        sso_login.complete_login("issued", "code")
    assert expired.value.code == "state"


def test_amr_says_whether_the_provider_did_mfa() -> None:
    assert sso_login.mfa_done({"amr": ["pwd", "mfa"]})
    assert sso_login.mfa_done({"amr": ["OTP"]})
    assert not sso_login.mfa_done({"amr": ["pwd"]})
    assert not sso_login.mfa_done({"amr": "mfa"})
    assert not sso_login.mfa_done({})


def test_the_callback_path_is_the_route() -> None:
    assert sso.CALLBACK_PATH == Route.SSO_CALLBACK
    assert set(sso_login.MESSAGES) >= {"state", "token", "exchange", "domain", "deactivated"}
