"""Invitations: who may invite whom, limits, expiry, reuse, revocation, acceptance."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import OneTimeToken, OutboxEmail
from ninevectors.services import audit, ratelimit
from ninevectors.services.backends import get_store
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import auth, invitations, sessions
from ninevectors.services.identity.roles import Role
from ninevectors.services.ratelimit import TooManyAttempts
from tests.unit import test_identity_support as support
from tests.unit.test_identity_support import (
    PASSWORD,
    FakeClock,
    add_user,
    last_link_token,
    sign_up,
    token_of,
)

# Shared fixtures (defined in test_identity_support).
fake_clock = support.fake_clock
identity_env = support.identity_env

GUEST = "gus@guest.example"
OFFICE = "192.0.2.20"
ATTACKER = "203.0.113.66"


@pytest.fixture
def admin(identity_env: str) -> Principal:
    return sign_up().principal


def test_invite_emails_a_link_and_stores_only_the_hash(admin: Principal) -> None:
    item = invitations.invite(admin, " Gus@Guest.example ", "member")
    assert (item.email, item.role, item.status) == (GUEST, "MEMBER", "pending")
    token = last_link_token(GUEST, "accept-invite")
    with session_scope() as db:
        mail = db.exec(select(OutboxEmail).where(OutboxEmail.to_address == GUEST)).one()
        rows = db.exec(select(OneTimeToken)).all()
    assert "http://localhost:3000/accept-invite?token=" in mail.text_body
    assert "Alpha Ltd" in mail.subject
    assert [row.token_hash for row in rows] == [item.token_hash]
    assert token not in item.token_hash
    info = invitations.describe_invitation(token)
    assert (info.organization_name, info.email, info.role) == ("Alpha Ltd", GUEST, "MEMBER")


def test_accept_creates_the_user_and_logs_in(admin: Principal) -> None:
    invitations.invite(admin, GUEST, Role.MANAGER)
    token = last_link_token(GUEST, "accept-invite")
    result = invitations.accept_invitation(token, "Gus", "Guest", PASSWORD, "1.2.3.4", "ua")
    assert result.principal.organization_id == admin.organization_id
    assert result.principal.role == "MANAGER"
    assert sessions.resolve_session(token_of(result)) is not None
    assert auth.login(GUEST, PASSWORD).principal.user_id == result.principal.user_id
    [done] = invitations.list_invitations(admin, include_closed=True)
    assert done.status == "accepted" and done.accepted_user_id == result.principal.user_id
    assert invitations.list_invitations(admin) == []
    actions = {e["action"] for e in audit.list_entries(admin, page_size=100)[0]}
    assert {"invitation.created", "invitation.accepted"} <= actions


def test_an_invitation_is_single_use(admin: Principal) -> None:
    invitations.invite(admin, GUEST, Role.MEMBER)
    token = last_link_token(GUEST, "accept-invite")
    invitations.accept_invitation(token, "Gus", "Guest", PASSWORD)
    with pytest.raises(ValidationFailed) as caught:
        invitations.accept_invitation(token, "Gus", "Again", PASSWORD)
    assert "already been used" in caught.value.message
    with pytest.raises(ValidationFailed):
        invitations.describe_invitation(token)
    assert get_store().count("users", admin.organization_id) == 2


def test_expired_invitation(admin: Principal, fake_clock: FakeClock) -> None:
    invitations.invite(admin, GUEST, Role.MEMBER)
    token = last_link_token(GUEST, "accept-invite")
    fake_clock.advance(days=2, hours=23)
    assert invitations.describe_invitation(token).email == GUEST
    fake_clock.advance(hours=1)
    with pytest.raises(ValidationFailed) as caught:
        invitations.describe_invitation(token)
    assert "expired" in caught.value.message
    with pytest.raises(ValidationFailed):
        invitations.accept_invitation(token, "Gus", "Guest", PASSWORD)
    assert get_store().count("users", admin.organization_id) == 1
    invitations.invite(admin, GUEST, Role.MEMBER)  # an expired one no longer blocks a new one


def test_failed_acceptances_are_limited_per_client(admin: Principal, fake_clock: FakeClock) -> None:
    invitations.invite(admin, GUEST, Role.MEMBER)
    token = last_link_token(GUEST, "accept-invite")
    for _attempt in range(ratelimit.ACCEPT_INVITATION_PER_CLIENT.limit):
        with pytest.raises(ValidationFailed):
            invitations.accept_invitation("guessed", "Eve", "Evil", PASSWORD, ATTACKER)
    with pytest.raises(TooManyAttempts) as caught:
        invitations.accept_invitation(token, "Eve", "Evil", PASSWORD, ATTACKER)
    assert "Too many attempts — try again in" in str(caught.value)
    assert get_store().count("users", admin.organization_id) == 1
    result = invitations.accept_invitation(token, "Gus", "Guest", PASSWORD, OFFICE)
    assert result.principal.role == "MEMBER"


def test_accepted_invitations_do_not_use_up_the_clients_limit(
    admin: Principal, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole team joins from the office's one address."""
    monkeypatch.setattr(
        ratelimit, "ACCEPT_INVITATION_PER_CLIENT", ratelimit.Rule("accept-test", 2, 900)
    )
    for number in range(3):
        email = f"team{number}@alpha.example"
        invitations.invite(admin, email, Role.MEMBER)
        token = last_link_token(email, "accept-invite")
        invitations.accept_invitation(token, "Team", str(number), PASSWORD, OFFICE)
    for _attempt in range(2):
        with pytest.raises(ValidationFailed):
            invitations.accept_invitation("guessed", "Eve", "Evil", PASSWORD, OFFICE)
    with pytest.raises(TooManyAttempts):
        invitations.accept_invitation("guessed", "Eve", "Evil", PASSWORD, OFFICE)


def test_bad_tokens_are_clear_errors(admin: Principal) -> None:
    for token in ("nope", "", None, 12, "x" * 1000):
        with pytest.raises(ValidationFailed) as caught:
            invitations.describe_invitation(token)
        assert caught.value.field == "token"


def test_weak_password_or_long_names_change_nothing(admin: Principal) -> None:
    invitations.invite(admin, GUEST, Role.MEMBER)
    token = last_link_token(GUEST, "accept-invite")
    with pytest.raises(ValidationFailed) as weak:
        invitations.accept_invitation(token, "Gus", "Guest", "weakweak")
    assert weak.value.field == "password"
    with pytest.raises(ValidationFailed) as long_name:
        invitations.accept_invitation(token, "G" * 101, "Guest", PASSWORD)
    assert long_name.value.field == "first_name"
    with pytest.raises(ValidationFailed) as same:
        invitations.accept_invitation(token, "Gus", "Guest", GUEST)
    assert same.value.field == "password"
    assert get_store().count("users", admin.organization_id) == 1
    assert invitations.describe_invitation(token).email == GUEST  # still usable


def test_only_managers_and_up_invite_and_only_at_or_below(admin: Principal) -> None:
    manager = add_user(admin, "max@alpha.example", Role.MANAGER).principal
    member = add_user(admin, "mia@alpha.example", Role.MEMBER).principal
    with pytest.raises(Forbidden):
        invitations.invite(member, GUEST, Role.VIEWER)
    with pytest.raises(ValidationFailed) as caught:
        invitations.invite(manager, GUEST, Role.ORG_ADMIN)
    assert caught.value.field == "role"
    with pytest.raises(ValidationFailed):
        invitations.invite(admin, GUEST, Role.SUPER_ADMIN)
    with pytest.raises(ValidationFailed):
        invitations.invite(admin, GUEST, "OWNER")
    assert invitations.invite(manager, GUEST, Role.MANAGER).role == "MANAGER"


@pytest.mark.parametrize("email", ["ada@alpha.example", "bob@beta.example", "BOB@beta.example"])
def test_existing_account_in_any_organization_is_refused(admin: Principal, email: str) -> None:
    sign_up("bob@beta.example", "Beta Secret Project")
    with pytest.raises(ValidationFailed) as caught:
        invitations.invite(admin, email, Role.MEMBER)
    assert caught.value.message == "This e-mail address already has an account."
    assert "Beta" not in caught.value.message


def test_account_created_elsewhere_after_inviting(admin: Principal) -> None:
    invitations.invite(admin, GUEST, Role.MEMBER)
    token = last_link_token(GUEST, "accept-invite")
    sign_up(GUEST, "Guest Co")
    with pytest.raises(ValidationFailed) as caught:
        invitations.accept_invitation(token, "Gus", "Guest", PASSWORD)
    assert caught.value.field == "email"
    assert get_store().count("users", admin.organization_id) == 1


def test_duplicate_pending_invitation_and_bad_email(admin: Principal) -> None:
    invitations.invite(admin, GUEST, Role.MEMBER)
    with pytest.raises(ValidationFailed) as twice:
        invitations.invite(admin, GUEST, Role.VIEWER)
    assert "already pending" in twice.value.message
    for bad in ("not-an-email", "a" * 250 + "@x.example", None):
        with pytest.raises(ValidationFailed) as caught:
            invitations.invite(admin, bad, Role.MEMBER)  # type: ignore[arg-type]
        assert caught.value.field == "email"


def test_plan_user_limit(admin: Principal) -> None:
    org_id = admin.organization_id
    item = get_store().get("organizations", org_id, org_id)
    item["settings"]["maxUsers"] = 2
    get_store().replace("organizations", item)
    invitations.invite(admin, GUEST, Role.MEMBER)  # 1 user + 1 pending = 2
    with pytest.raises(ValidationFailed) as caught:
        invitations.invite(admin, "two@guest.example", Role.MEMBER)
    assert "plan allows 2 users" in caught.value.message
    assert len(invitations.list_invitations(admin)) == 1


def test_revoke(admin: Principal) -> None:
    item = invitations.invite(admin, GUEST, Role.MEMBER)
    token = last_link_token(GUEST, "accept-invite")
    revoked = invitations.revoke_invitation(admin, item.id)
    assert revoked.status == "revoked"
    with pytest.raises(ValidationFailed) as caught:
        invitations.accept_invitation(token, "Gus", "Guest", PASSWORD)
    assert "withdrawn" in caught.value.message
    with pytest.raises(ValidationFailed):
        invitations.revoke_invitation(admin, item.id)
    with pytest.raises(NotFoundError):
        invitations.revoke_invitation(admin, "inv_missing")
    assert invitations.list_invitations(admin) == []
    assert len(invitations.list_invitations(admin, include_closed=True)) == 1


def test_other_organizations_invitations_are_invisible(admin: Principal) -> None:
    other = sign_up("bob@beta.example", "Beta").principal
    theirs = invitations.invite(other, GUEST, Role.MEMBER)
    assert invitations.list_invitations(admin, include_closed=True) == []
    with pytest.raises(NotFoundError):
        invitations.revoke_invitation(admin, theirs.id)
    assert invitations.list_invitations(other)[0].status == "pending"
