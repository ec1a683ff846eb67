"""HTTP hardening of the production build: the security headers on real routes, CORS and the
websocket limited to our own origin, ``/_upload`` refusals, and pages that render in Chromium
with no Content-Security-Policy violation."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from ninevectors.state.documents import DocumentsState
from tests.fixtures.claude_server import ClaudeServer, Reply
from tests.ui.helpers import DEMO_PASSWORD
from tests.ui.test_analytics import seed_in

pytestmark = pytest.mark.ui

FOREIGN = "https://evil.example"
UPLOAD_HANDLER = f"{DocumentsState.get_full_name()}.handle_upload"
MB = 1024 * 1024
HYDRATED = "() => Object.keys(document).some((key) => key.startsWith('_reactListening'))"
# Reports every violation to the test as it happens (a navigation would lose a page's list).
LISTEN = """document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolation(`${e.disposition} ${e.effectiveDirective} ${e.blockedURI}`));"""


@pytest.fixture
def app_data(app_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The running app's data folder."""
    folders = sorted(tmp_path_factory.getbasetemp().glob("app-data*"))
    return next(f for f in folders if (f / "ninevectors.db").exists())


@pytest.fixture
def http(app_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app_url, timeout=30) as client:
        yield client


def assert_secured(headers: httpx.Headers) -> None:
    policy = headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ):
        assert directive in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert "strict-transport-security" not in headers  # the test app is not "production"


def test_real_routes_carry_the_security_headers(http: httpx.Client) -> None:
    home = http.get("/")
    asset = re.search(r'/assets/[^"]+\.js', home.text)
    assert asset is not None
    answers = {
        "/": (home, 200),
        "/login": (http.get("/login"), 307),
        "/login/": (http.get("/login/"), 200),
        asset.group(0): (http.get(asset.group(0)), 200),
        "/_upload": (http.post("/_upload"), 401),
        "/health": (http.get("/health"), 200),
        "/ready": (http.get("/ready"), 200),
        "/auth/session": (http.get("/auth/session?code=unknown"), 303),
        "/no-such-page": (http.get("/no-such-page"), 404),
    }
    for path, (response, status) in answers.items():
        assert response.status_code == status, path
        assert_secured(response.headers)
    # pages carry the hashes of their inline scripts; nothing else needs them
    assert "'sha256-" in home.headers["content-security-policy"]
    assert "'sha256-" not in answers["/health"][0].headers["content-security-policy"]
    # ... also when a page is revalidated: a 304's headers replace the cached page's
    revalidated = http.get("/", headers={"If-None-Match": home.headers["etag"]})
    assert revalidated.status_code == 304
    assert "'sha256-" in revalidated.headers["content-security-policy"]


def test_cors_answers_only_our_own_origin(http: httpx.Client, app_url: str) -> None:
    foreign = http.get("/health", headers={"Origin": FOREIGN})
    assert "access-control-allow-origin" not in foreign.headers
    preflight = http.options(
        "/_upload", headers={"Origin": FOREIGN, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert_secured(preflight.headers)
    ours = http.get("/health", headers={"Origin": app_url})
    assert ours.headers["access-control-allow-origin"] == app_url


def status_of_raw_request(app_url: str, head: str) -> int:
    """Send a request's head only (no body, whatever it announces); the answer's status."""
    parts = urlsplit(app_url)
    assert parts.hostname and parts.port
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        status_line = connection.recv(1024).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


def websocket_status(app_url: str, origin: str) -> int:
    """The status of a websocket handshake to the event endpoint sent from ``origin``."""
    return status_of_raw_request(
        app_url,
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1\n"
        f"Host: {urlsplit(app_url).netloc}\nConnection: Upgrade\nUpgrade: websocket\n"
        "Sec-WebSocket-Version: 13\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
        f"Origin: {origin}\n",
    )


def announced_upload_status(app_url: str, megabytes: int, cookie: str = "") -> int:
    """POST /_upload announcing ``megabytes`` of body and sending none of it."""
    return status_of_raw_request(
        app_url,
        f"POST /_upload HTTP/1.1\nHost: {urlsplit(app_url).netloc}\n"
        f"Content-Length: {megabytes * MB}\nReflex-Client-Token: tab\n"
        f"Reflex-Event-Handler: {UPLOAD_HANDLER}\nCookie: nv_session={cookie}\n",
    )


def test_the_websocket_refuses_a_foreign_origin(app_url: str) -> None:
    assert websocket_status(app_url, app_url) == 101
    assert websocket_status(app_url, FOREIGN) == 403


def test_uploads_are_refused_before_the_body_is_read(
    http: httpx.Client, page: Page, app_url: str
) -> None:
    # answered at once: the 200 MB announced are never sent
    assert announced_upload_status(app_url, 200) == 401
    session = signed_in_cookie(page, app_url)
    assert announced_upload_status(app_url, 200, session) == 413
    headers = {
        "Reflex-Client-Token": "tab",
        "Reflex-Event-Handler": f"{DocumentsState.get_full_name()}.start_upload",
    }
    headers["Cookie"] = f"nv_session={session}"
    named = http.post("/_upload", headers=headers, files={"files": b"x"})
    assert named.status_code == 400
    assert "not an upload handler" in named.json()["detail"]
    assert http.get("/_upload").status_code == 405


def test_a_chunked_upload_is_cut_off_past_the_limit(
    http: httpx.Client, page: Page, app_url: str
) -> None:
    session = signed_in_cookie(page, app_url)

    def body() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b"--b\r\nContent-Disposition: form-data; name=files; filename=big.txt\r\n\r\n"
        for _ in range(120):
            yield b"x" * MB

    response = http.post(
        "/_upload",
        headers={
            "Reflex-Client-Token": "tab",
            "Reflex-Event-Handler": UPLOAD_HANDLER,
            "Content-Type": "multipart/form-data; boundary=b",
            "Cookie": f"nv_session={session}",
        },
        content=body(),
    )
    assert response.status_code == 413


def signed_in_cookie(page: Page, app_url: str) -> str:
    sign_in(page, app_url, "admin@acme.com")
    cookies = {c["name"]: c["value"] for c in page.context.cookies(app_url)}
    return cookies["nv_session"]


def sign_in(page: Page, app_url: str, email: str) -> None:
    with page.expect_websocket() as socket_opened:
        page.goto(app_url + "/login")
    # The page's state has arrived: typing before would be reset by it, and a click before
    # React hydrates would submit the bare form.
    socket_opened.value.wait_for_event("framereceived", lambda frame: "delta" in str(frame))
    page.wait_for_function(HYDRATED)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))


def watch_violations(page: Page) -> list[str]:
    """Every violation on the page from now on (printed too: shown when a step fails)."""
    violations: list[str] = []

    def record(text: str) -> None:
        print("CSP violation:", text)
        violations.append(text)

    page.expose_function("__cspViolation", record)
    page.add_init_script(LISTEN)
    page.on("console", lambda m: record(m.text) if "Content Security Policy" in m.text else None)
    return violations


def test_pages_render_with_no_policy_violation(
    page: Page, app_url: str, app_data: Path, claude_for_app: ClaudeServer, tmp_path: Path
) -> None:
    assessment_id = seed_in(app_data)
    violations = watch_violations(page)
    sign_in(page, app_url, "admin@acme.com")
    # the assessment dashboard draws its plotly radar
    page.goto(f"{app_url}/assessments/{assessment_id}/dashboard")
    radar = page.locator("#radar")
    expect(radar.locator(".main-svg").first).to_be_visible(timeout=20_000)
    expect(radar.locator(".angularaxistick")).to_have_count(9)
    # the coach renders its markdown reply (before the upload, whose analysis also asks
    # the Messages API server)
    claude_for_app.reset()
    claude_for_app.script(Reply(chunks=["**Start** with a ", "13-week cash forecast."]))
    page.goto(app_url + "/coach?vector=3")
    expect(page).to_have_url(re.compile(r"/coach/coaching_[0-9a-f]+/?$"))
    expect(page.locator("#coach-title")).to_contain_text("Financial")
    page.get_by_label("Message to the coach").fill("Where do I start?")
    page.locator("#coach-send").click()
    expect(page.locator(".chat-coach strong").last).to_have_text("Start")
    # documents: a real upload goes through the guard
    page.goto(app_url + "/documents")
    (tmp_path / "note.txt").write_text("Our pricing strategy, in short.")
    page.locator("input[type=file]").first.set_input_files(tmp_path / "note.txt")
    page.locator("#upload-button").click()
    expect(page.locator("#upload-rows")).to_contain_text("Stored", timeout=30_000)
    page.goto(app_url + "/dashboard")
    page.wait_for_load_state("networkidle")
    assert violations == []
