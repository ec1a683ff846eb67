"""SSO end to end over HTTP: Authlib against a real OpenID Provider (npm oidc-provider) on
loopback, its login form driven with httpx; the ID token checks against real key sets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pyotp
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors.api import sso as sso_routes
from ninevectors.models.principal import Principal
from ninevectors.models.tables import AuditLog, UserCredential, UserSession
from ninevectors.services.backends import get_cache
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import (
    _common,
    invitations,
    mfa,
    oidc,
    sessions,
    sso,
    sso_login,
    users,
)
from ninevectors.services.identity.roles import Role
from ninevectors.services.identity.sso_login import SsoRefused
from tests.fixtures.oidc_provider import OidcProvider, callback_params
from tests.unit import test_identity_support as support
from tests.unit.test_identity_support import last_link_token, sign_up, token_of

identity_env = support.identity_env
CLIENT = "192.0.2.44"


@pytest.fixture(autouse=True)
def _fresh_provider_cache() -> Iterator[None]:
    oidc.forget_cached()
    yield
    oidc.forget_cached()


def configure(admin: Principal, provider: OidcProvider, **extra: Any) -> sso.SsoSettings:
    form = {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "domains": "sso.example",
        "jit_role": "MEMBER",
        **extra,
    }
    return sso.save_settings(admin, form)


def admin_of_sso_org(provider: OidcProvider, **extra: Any) -> Principal:
    admin = sign_up("ada@sso.example", "SSO Org", plan="enterprise").principal
    configure(admin, provider, **extra)
    return admin


def round_trip(provider: OidcProvider, email: str, login: str | None = None) -> dict[str, str]:
    """Start at our service, sign in at the provider; the callback's query parameters."""
    url = sso_login.start_login(email, "/assessments", CLIENT)
    return callback_params(provider.sign_in(url, login or email))


def complete(params: dict[str, str]) -> sso_login.SsoOutcome:
    return sso_login.complete_login(
        params.get("state"), params.get("code"), params.get("error"), CLIENT, "pytest"
    )


def credential(email: str) -> UserCredential | None:
    with session_scope() as db:
        return db.exec(select(UserCredential).where(UserCredential.email == email)).first()


def session_count() -> int:
    with session_scope() as db:
        return len(db.exec(select(UserSession)).all())


def refused(code: str, params: dict[str, str]) -> None:
    sessions_before = session_count()
    with pytest.raises(SsoRefused) as caught:
        complete(params)
    assert caught.value.code == code, caught.value.message
    assert session_count() == sessions_before


def test_first_sign_in_creates_the_account_and_the_second_reuses_it(
    identity_env: str, oidc_provider: OidcProvider
) -> None:
    admin_of_sso_org(oidc_provider)
    first = complete(round_trip(oidc_provider, "New.Person@SSO.example"))
    assert first.next_path == "/assessments"
    assert isinstance(first.result, sessions.LoginResult)
    principal = first.result.principal
    assert principal.role == Role.MEMBER.value
    row = credential("new.person@sso.example")
    assert row is not None and row.password_hash is None
    assert row.organization_id == principal.organization_id
    assert sessions.resolve_session(token_of(first.result)) is not None
    second = complete(round_trip(oidc_provider, "new.person@sso.example"))
    assert isinstance(second.result, sessions.LoginResult)
    assert second.result.principal.user_id == principal.user_id
    with session_scope() as db:
        rows = db.exec(select(UserSession).where(UserSession.user_id == principal.user_id)).all()
        audit = " ".join(f"{r.action} {r.details}" for r in db.exec(select(AuditLog)).all())
    assert [r.auth_method for r in rows] == ["sso", "sso"]
    assert "user.created" in audit and oidc_provider.client_secret not in audit
    assert first.result.handoff not in audit


def test_groups_claim_maps_to_the_role_of_a_new_person(
    identity_env: str, oidc_provider: OidcProvider
) -> None:
    admin_of_sso_org(oidc_provider, groups_claim="groups", group_roles="9v-managers = MANAGER")
    outcome = complete(round_trip(oidc_provider, "lead@sso.example"))
    assert isinstance(outcome.result, sessions.LoginResult)
    assert outcome.result.principal.role == Role.MANAGER.value
    user = users.get_current_user(outcome.result.principal)
    assert (user.first_name, user.last_name, user.auth.provider) == ("Lea", "Lead", "sso")


def test_wrong_or_reused_state_is_refused(identity_env: str, oidc_provider: OidcProvider) -> None:
    admin_of_sso_org(oidc_provider)
    params = round_trip(oidc_provider, "state.person@sso.example")
    refused("state", {**params, "state": "forged-state"})
    complete(params)
    refused("state", params)  # the same answer once more: the state is used up


def test_a_replayed_code_is_refused(identity_env: str, oidc_provider: OidcProvider) -> None:
    admin_of_sso_org(oidc_provider)
    used = round_trip(oidc_provider, "replay@sso.example")
    complete(used)
    fresh = round_trip(oidc_provider, "replay@sso.example")
    refused("exchange", {**fresh, "code": used["code"]})


def test_the_provider_saying_no_is_refused(identity_env: str, oidc_provider: OidcProvider) -> None:
    admin_of_sso_org(oidc_provider)
    url = sso_login.start_login("nobody@sso.example", "", CLIENT)
    state = callback_params(url)["state"]
    refused("denied", {"state": state, "error": "access_denied"})
    assert credential("nobody@sso.example") is None


def test_an_address_outside_the_domains_or_unverified_is_refused(
    identity_env: str, oidc_provider: OidcProvider
) -> None:
    admin_of_sso_org(oidc_provider)
    refused("domain", round_trip(oidc_provider, "x@sso.example", "stranger@elsewhere.example"))
    refused("unverified", round_trip(oidc_provider, "unverified@sso.example"))
    assert credential("stranger@elsewhere.example") is None
    assert credential("unverified@sso.example") is None


def test_a_person_of_another_organization_is_refused(
    identity_env: str, oidc_provider: OidcProvider
) -> None:
    admin_of_sso_org(oidc_provider)
    other = sign_up("boss@beta.example", "Beta", plan="enterprise").principal
    with pytest.raises(ValidationFailed) as taken:
        configure(other, oidc_provider)
    assert taken.value.message == "sso.example is already used by another organization."
    invitations.invite(other, "bob@sso.example", Role.MEMBER)  # B may still invite there
    token = last_link_token("bob@sso.example", "accept-invite")
    invitations.accept_invitation(token, "Bob", "B", support.PASSWORD)
    refused("other_org", round_trip(oidc_provider, "bob@sso.example"))


def test_a_deactivated_person_is_signed_out_and_refused(
    identity_env: str, oidc_provider: OidcProvider
) -> None:
    admin = admin_of_sso_org(oidc_provider)
    outcome = complete(round_trip(oidc_provider, "leaver@sso.example"))
    assert isinstance(outcome.result, sessions.LoginResult)
    token = token_of(outcome.result)
    users.deactivate_user(admin, outcome.result.principal.user_id)
    assert sessions.resolve_session(token) is None
    refused("deactivated", round_trip(oidc_provider, "leaver@sso.example"))


def test_an_invited_person_joins_through_sso(
    identity_env: str, oidc_provider: OidcProvider
) -> None:
    admin = admin_of_sso_org(oidc_provider)
    invitations.invite(admin, "invitee@sso.example", Role.MANAGER)
    token = last_link_token("invitee@sso.example", "accept-invite")
    url = sso_login.start_login(None, "", CLIENT, invitation_token=token)
    wrong = callback_params(oidc_provider.sign_in(url, "other.person@sso.example"))
    refused("invitation", wrong)
    assert invitations.list_invitations(admin)[0].status == "pending"
    url = sso_login.start_login(None, "", CLIENT, invitation_token=token)
    outcome = complete(callback_params(oidc_provider.sign_in(url, "invitee@sso.example")))
    assert isinstance(outcome.result, sessions.LoginResult)
    assert outcome.result.principal.role == Role.MANAGER.value
    assert invitations.list_invitations(admin) == []


def _issued_token(provider: OidcProvider, email: str) -> tuple[str, str, oidc.ProviderMetadata]:
    """A real ID token of the provider (and its nonce), exchanged as the callback would."""
    url = sso_login.start_login(email, "", CLIENT)
    params = callback_params(provider.sign_in(url, email))
    pending = get_cache().get(f"sso:state:{_common.token_hash(params['state'])}")
    metadata = oidc.discover(provider.issuer)
    answer = oidc.exchange_code(
        metadata, provider.client_id, provider.client_secret, sso.callback_url(),
        code=params["code"], code_verifier=pending["verifier"],
    )  # fmt: skip
    return answer["id_token"], pending["nonce"], metadata


def test_wrong_audience_or_nonce_is_refused(identity_env: str, oidc_provider: OidcProvider) -> None:
    admin_of_sso_org(oidc_provider)
    id_token, nonce, metadata = _issued_token(oidc_provider, "aud@sso.example")
    claims = oidc.validate_id_token(id_token, metadata, oidc_provider.client_id, nonce)
    assert claims["email"] == "aud@sso.example"
    with pytest.raises(oidc.OidcError, match="'aud'"):
        oidc.validate_id_token(id_token, metadata, "another-client", nonce)
    with pytest.raises(oidc.OidcError, match="'nonce'"):
        oidc.validate_id_token(id_token, metadata, oidc_provider.client_id, "another-nonce")
    later = int(time.time()) + 3600
    with pytest.raises(oidc.OidcError, match="expired"):
        oidc.validate_id_token(id_token, metadata, oidc_provider.client_id, nonce, now=later)


# --- signatures and key rotation against a key set served over HTTP ----------------------------


class KeySetServer:
    """Serves a JWKS document we control (and counts the fetches)."""

    def __init__(self) -> None:
        self.keys: list[RSAKey] = []
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 — the http.server interface
                server.fetches += 1
                body = json.dumps(KeySet(server.keys).as_dict(private=False)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/jwks"


@pytest.fixture
def key_server() -> Iterator[KeySetServer]:
    server = KeySetServer()
    yield server
    server.http.shutdown()


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


def signed(key: RSAKey, **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": "https://idp.example", "aud": "client-1", "sub": "u1", "nonce": "n-1",
              "iat": now, "exp": now + 300, "email": "a@sso.example", **changes}  # fmt: skip
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def metadata_for(server: KeySetServer) -> oidc.ProviderMetadata:
    return oidc.ProviderMetadata("https://idp.example", "", "", server.url, ("RS256",))


def test_expired_or_wrongly_signed_tokens_are_refused(key_server: KeySetServer) -> None:
    key = new_key("k1")
    key_server.keys = [key]
    metadata = metadata_for(key_server)
    assert oidc.validate_id_token(signed(key), metadata, "client-1", "n-1")["sub"] == "u1"
    foreign = new_key("k1")  # same key id, another key: a forged signature
    with pytest.raises(oidc.OidcError, match="wrongly signed"):
        oidc.validate_id_token(signed(foreign), metadata, "client-1", "n-1")
    with pytest.raises(oidc.OidcError, match="expired"):
        stale = signed(key, iat=int(time.time()) - 900, exp=int(time.time()) - 600)
        oidc.validate_id_token(stale, metadata, "client-1", "n-1")
    with pytest.raises(oidc.OidcError, match="'iss'"):
        oidc.validate_id_token(signed(key, iss="https://evil.example"), metadata, "client-1", "n-1")
    with pytest.raises(oidc.OidcError):
        oidc.validate_id_token("not.a.token", metadata, "client-1", "n-1")


def test_key_rotation_fetches_the_key_set_once_more(key_server: KeySetServer) -> None:
    old, rotated = new_key("old"), new_key("rotated")
    key_server.keys = [old]
    metadata = metadata_for(key_server)
    oidc.validate_id_token(signed(old), metadata, "client-1", "n-1")
    assert key_server.fetches == 1
    key_server.keys = [rotated]
    oidc.validate_id_token(signed(rotated), metadata, "client-1", "n-1")
    assert key_server.fetches == 2  # the unknown key id made one fresh fetch
    oidc.validate_id_token(signed(rotated), metadata, "client-1", "n-1")
    assert key_server.fetches == 2  # and the fresh set is kept
    with pytest.raises(oidc.OidcError, match="not signed"):
        oidc.validate_id_token(signed(new_key("unknown")), metadata, "client-1", "n-1")
    assert key_server.fetches == 3  # one more try, no more


def test_a_stale_key_set_of_the_real_provider_is_refreshed(
    identity_env: str, oidc_provider: OidcProvider, key_server: KeySetServer
) -> None:
    admin_of_sso_org(oidc_provider)
    metadata = oidc.discover(oidc_provider.issuer)
    key_server.keys = [new_key("retired")]
    oidc._key_sets[metadata.jwks_uri] = oidc._Kept(  # what a process kept before a rotation
        oidc.key_set(key_server.url), time.monotonic()
    )
    outcome = complete(round_trip(oidc_provider, "rotation@sso.example"))
    assert isinstance(outcome.result, sessions.LoginResult)


# --- the HTTP routes ---------------------------------------------------------------------------


def test_the_routes_send_the_browser_around(identity_env: str, oidc_provider: OidcProvider) -> None:
    admin_of_sso_org(oidc_provider)
    app = TestClient(Starlette(routes=sso_routes.routes), follow_redirects=False)
    started = app.get("/auth/sso/start", params={"email": "web@sso.example", "next": "/coach"})
    assert started.status_code == 303
    assert started.headers["location"].startswith(oidc_provider.issuer + "/auth?")
    back = callback_params(oidc_provider.sign_in(started.headers["location"], "web@sso.example"))
    landed = app.get("/auth/sso/callback", params=back)
    assert landed.status_code == 303
    assert landed.headers["location"].startswith("/auth/session?code=")
    assert landed.headers["location"].endswith("next=%2Fcoach")
    again = app.get("/auth/sso/callback", params=back)
    assert again.headers["location"] == "/login?sso_error=state"
    unknown = app.get("/auth/sso/start", params={"email": "a@nosso.example"})
    assert unknown.headers["location"] == "/login?sso_error=no_sso"


# --- SSO and two-step sign-in -----------------------------------------------------------------


def _turn_on_mfa(principal: Principal) -> str:
    enrolment = mfa.start_enrolment(principal)
    mfa.confirm_enrolment(principal, pyotp.TOTP(enrolment.secret).now())
    return enrolment.secret


def test_sso_without_mfa_at_the_provider_asks_for_the_code(
    identity_env: str, oidc_provider: OidcProvider
) -> None:
    admin = admin_of_sso_org(oidc_provider)
    secret = _turn_on_mfa(admin)
    with session_scope() as db:
        before = len(db.exec(select(UserSession)).all())
    outcome = complete(round_trip(oidc_provider, "ada@sso.example"))
    assert isinstance(outcome.result, mfa.MfaChallenge)
    with session_scope() as db:
        assert len(db.exec(select(UserSession)).all()) == before  # no session before the code
    # The callback route sends the browser to the login page's code step.
    url = sso_login.start_login("ada@sso.example", "", CLIENT)
    params = callback_params(oidc_provider.sign_in(url, "ada@sso.example"))
    answer = TestClient(Starlette(routes=sso_routes.routes), client=(CLIENT, 5000)).get(
        "/auth/sso/callback", params=params, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?challenge=")
    code = pyotp.TOTP(secret).at(time.time() + mfa.TOTP_STEP)
    result = mfa.verify_challenge(outcome.result.token, code, CLIENT)
    assert result.principal.user_id == admin.user_id
    with session_scope() as db:
        row = db.exec(select(UserSession).where(UserSession.id == result.session_id)).one()
    assert row.auth_method == "sso"


def test_sso_whose_token_says_mfa_was_done_is_not_asked_again(
    identity_env: str, oidc_provider: OidcProvider
) -> None:
    admin_of_sso_org(oidc_provider)
    first = complete(round_trip(oidc_provider, "mfa.person@sso.example"))
    assert isinstance(first.result, sessions.LoginResult)
    _turn_on_mfa(first.result.principal)
    again = complete(round_trip(oidc_provider, "mfa.person@sso.example"))
    assert isinstance(again.result, sessions.LoginResult)  # amr: ["pwd", "mfa"]
