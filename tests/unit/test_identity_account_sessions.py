"""Where a person is signed in (their sessions, ending them; an admin's sign-out everywhere)
and the local mailbox of an installation without SMTP (operator only; no admin sees another
person's reset link)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors.api import mailbox
from ninevectors.services import email as mail
from ninevectors.services.errors import Forbidden, NotFoundError
from ninevectors.services.identity import account_sessions, auth, password_reset, sessions
from ninevectors.services.identity.roles import Role
from ninevectors.settings import get_settings
from tests.unit import test_identity_support as support
from tests.unit.test_identity_support import PASSWORD, add_user, sign_up, token_of

identity_env = support.identity_env

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _signed_in(email: str, ip: str, agent: str) -> str:
    result = auth.login(email, PASSWORD, ip, agent)
    assert isinstance(result, sessions.LoginResult)
    return token_of(result)


def test_a_person_sees_their_sessions_with_this_browser_marked(identity_env: str) -> None:
    admin = sign_up().principal
    here = _signed_in("ada@alpha.example", "192.0.2.1", CHROME_ON_WINDOWS)
    _signed_in("ada@alpha.example", "192.0.2.2", FIREFOX_ON_LINUX)
    views = account_sessions.my_sessions(admin, here)
    by_ip = {view.ip_address: view for view in views}
    assert by_ip["192.0.2.1"].device == "Chrome on Windows" and by_ip["192.0.2.1"].current
    assert by_ip["192.0.2.2"].device == "Firefox on Linux" and not by_ip["192.0.2.2"].current
    assert sum(view.current for view in views) == 1


def test_ending_one_session_and_all_the_others(identity_env: str) -> None:
    admin = sign_up().principal
    here = _signed_in("ada@alpha.example", "192.0.2.1", CHROME_ON_WINDOWS)
    there = _signed_in("ada@alpha.example", "192.0.2.2", FIREFOX_ON_LINUX)
    third = _signed_in("ada@alpha.example", "192.0.2.3", FIREFOX_ON_LINUX)
    target = next(
        v for v in account_sessions.my_sessions(admin, here) if v.ip_address.endswith(".2")
    )
    account_sessions.end_my_session(admin, target.id)
    assert sessions.resolve_session(there) is None
    assert sessions.resolve_session(here) is not None
    assert account_sessions.end_my_other_sessions(admin, here) >= 2  # third and sign-up's
    assert sessions.resolve_session(third) is None
    assert sessions.resolve_session(here) is not None


def test_another_persons_session_cannot_be_ended(identity_env: str) -> None:
    admin = sign_up().principal
    member = add_user(admin, "sam@alpha.example", Role.MEMBER).principal
    theirs = _signed_in("sam@alpha.example", "192.0.2.9", FIREFOX_ON_LINUX)
    their_id = sessions.session_id_of_token(theirs)
    with pytest.raises(NotFoundError):
        account_sessions.end_my_session(admin, their_id)
    for bad in (None, "", 42, "x" * 500):
        with pytest.raises(NotFoundError):
            account_sessions.end_my_session(member, bad)
    assert sessions.resolve_session(theirs) is not None


def test_an_admin_signs_a_person_out_everywhere_and_nobody_else_can(identity_env: str) -> None:
    admin = sign_up().principal
    manager = add_user(admin, "max@alpha.example", Role.MANAGER).principal
    member = add_user(admin, "sam@alpha.example", Role.MEMBER).principal
    theirs = _signed_in("sam@alpha.example", "192.0.2.9", FIREFOX_ON_LINUX)
    with pytest.raises(Forbidden):
        account_sessions.sign_out_everywhere(manager, member.user_id)
    outsider = sign_up("eve@beta.example", "Beta Ltd").principal
    with pytest.raises(NotFoundError):
        account_sessions.sign_out_everywhere(outsider, member.user_id)
    assert sessions.resolve_session(theirs) is not None
    assert account_sessions.sign_out_everywhere(admin, member.user_id) >= 1
    assert sessions.resolve_session(theirs) is None
    assert sessions.active_session_count(member.user_id) == 0


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (None, "Unknown device"),
        ("", "Unknown device"),
        ("curl/8.5.0", "curl"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1", "Safari on iPhone"),
    ],
)
def test_devices_are_named_plainly(agent: str | None, device: str) -> None:
    assert account_sessions.describe_device(agent) == device


# --- the local mailbox -----------------------------------------------------------------------


def _mailbox_client(ip: str) -> TestClient:
    return TestClient(Starlette(routes=mailbox.routes), client=(ip, 50000))


def test_a_reset_link_reaches_the_operator_but_never_an_admin(identity_env: str) -> None:
    admin = sign_up().principal
    add_user(admin, "sam@alpha.example", Role.MEMBER)
    password_reset.request_reset("sam@alpha.example", "192.0.2.5")
    admin_view, _total = mail.list_outbox(admin)
    assert all("reset-password" not in row["text_body"] for row in admin_view)
    operator_view = mail.mailbox(10, "SAM@alpha.example")
    assert any("/reset-password?token=" in row.text_body for row in operator_view)
    page = _mailbox_client("127.0.0.1").get(mailbox.PATH, params={"to": "sam@alpha.example"})
    assert page.status_code == 200
    assert '<a href="http://localhost:3000/reset-password?token=' in page.text
    assert "Cache-Control" in page.headers and page.headers["Cache-Control"] == "no-store"


def test_the_mailbox_is_hidden_from_other_machines_and_in_production(
    identity_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_up()
    assert _mailbox_client("203.0.113.7").get(mailbox.PATH).status_code == 404
    assert _mailbox_client("::1").get(mailbox.PATH).status_code == 200
    monkeypatch.setattr(get_settings(), "environment", "production")
    assert _mailbox_client("127.0.0.1").get(mailbox.PATH).status_code == 404


def test_the_mailbox_escapes_what_it_shows(identity_env: str) -> None:
    mail.send_email("x@alpha.example", "<script>alert(1)</script>", "<b>hi</b> https://a.example/")
    page = _mailbox_client("127.0.0.1").get(mailbox.PATH)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text and "&lt;b&gt;hi&lt;/b&gt;" in page.text


def test_development_prints_the_link_for_the_operator(
    identity_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(get_settings(), "environment", "development")
    mail.send_email("x@alpha.example", "Reset", "Open https://app.example/reset?token=abc now")
    printed = capsys.readouterr().err
    assert "[mailbox] to x@alpha.example: Reset -> https://app.example/reset?token=abc" in printed
