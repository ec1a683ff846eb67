"""The security headers on every kind of answer, and CORS limited to the app's own origin."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from reflex.app import App
from reflex_base.config import get_config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from ninevectors.api.security import (
    SecurityHeaders,
    allowed_origins,
    content_security_policy,
    inline_script_hashes,
    security_headers,
)
from ninevectors.settings import Settings, get_settings

OURS = "http://localhost:3000"
FOREIGN = "https://evil.example"
PAGE_HASH = "'sha256-of-a-page-script'"
EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}


def settings(**values: str) -> Settings:
    return Settings(**{"public_url": OURS, **values})  # type: ignore[arg-type]


async def page(_request: Request) -> Response:
    return HTMLResponse("<h1>page</h1>")


async def download(_request: Request) -> Response:
    # a route with its own, stricter policy
    return PlainTextResponse("x", headers={"Content-Security-Policy": "sandbox"})


async def broken(_request: Request) -> Response:
    raise RuntimeError("boom")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


def reflex_like_app(static: Path) -> Starlette:
    """The layers Reflex builds: its routes (websocket, static frontend) inside our Starlette
    api_transformer, inside a top-level app, each with the CORS middleware Reflex adds."""
    inner = Starlette(
        routes=[
            WebSocketRoute("/_event", socket),
            Route("/broken", broken),
            Mount("/", StaticFiles(directory=static, html=True)),
        ]
    )
    App._add_cors(inner)
    ours = Starlette(routes=[Route("/page", page), Route("/download", download)])
    App._add_cors(ours)
    ours.mount("", inner)
    top = Starlette()
    top.mount("", ours)
    App._add_cors(top)
    return top


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    (tmp_path / "index.html").write_text("<html><script>var a = 1;</script></html>")
    (tmp_path / "app.js").write_text("console.log(1)")
    wrapped = SecurityHeaders(reflex_like_app(tmp_path), settings(), [PAGE_HASH])
    return TestClient(wrapped, base_url=OURS, raise_server_exceptions=False)


def assert_secured(headers: dict[str, str] | object) -> None:
    for name, value in EXPECTED.items():
        assert headers[name] == value, name  # type: ignore[index]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]  # type: ignore[index]
    assert "camera=()" in headers["permissions-policy"]  # type: ignore[index]
    assert "strict-transport-security" not in headers  # type: ignore[operator]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),  # the prerendered page
        ("GET", "/app.js", 200),  # a static asset
        ("GET", "/page", 200),  # one of our routes
        ("GET", "/nowhere.js", 404),
        ("POST", "/page", 405),
        ("GET", "/broken", 500),
    ],
)
def test_every_kind_of_answer_is_secured(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert_secured(response.headers)


def test_a_cors_preflight_answered_by_the_outer_layer_is_secured(client: TestClient) -> None:
    response = client.options(
        "/page", headers={"Origin": OURS, "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 200
    assert_secured(response.headers)


def test_the_websocket_handshake_is_secured(client: TestClient) -> None:
    with client.websocket_connect("/_event", headers={"Origin": OURS}) as connection:
        assert connection.receive_text() == "hello"
        accepted = {name.decode(): value.decode() for name, value in connection.extra_headers}
    assert_secured(accepted)


def test_only_pages_carry_the_script_hashes(client: TestClient) -> None:
    for path in ("/", "/page"):
        assert PAGE_HASH in client.get(path).headers["content-security-policy"]
    for path in ("/app.js", "/download-free/nowhere"):
        policy = client.get(path).headers["content-security-policy"]
        assert PAGE_HASH not in policy and "script-src 'self' 'unsafe-eval';" in policy


def test_a_revalidated_page_keeps_its_script_hashes(client: TestClient) -> None:
    etag = client.get("/").headers["etag"]
    revalidated = client.get("/", headers={"If-None-Match": etag})
    assert revalidated.status_code == 304  # its headers replace the cached page's
    assert PAGE_HASH in revalidated.headers["content-security-policy"]


def test_a_routes_own_header_is_kept_and_not_doubled(client: TestClient) -> None:
    response = client.get("/download")
    assert response.headers.get_list("content-security-policy") == ["sandbox"]
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]


def test_hsts_only_in_production() -> None:
    production = security_headers(settings(environment="production"))
    assert production["Strict-Transport-Security"].startswith("max-age=63072000")
    for environment in ("development", "test"):
        assert "Strict-Transport-Security" not in security_headers(
            settings(environment=environment)
        )


def test_the_policy_is_strict_beyond_what_the_frontend_needs() -> None:
    policy = dict(
        directive.split(" ", 1) for directive in content_security_policy(settings()).split("; ")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self' 'unsafe-eval'"  # no 'unsafe-inline'
    assert policy["connect-src"] == "'self' ws://localhost:3000"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"


def test_a_separate_backend_is_reachable_from_the_page() -> None:
    policy = content_security_policy(settings(api_url="https://api.example.com"))
    assert (
        "connect-src 'self' ws://localhost:3000 https://api.example.com wss://api.example.com"
        in (policy)
    )


def test_inline_scripts_of_the_pages_are_allowed_by_hash(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        '<html><script>window.a = "<b>";</script><script src="/x.js"></script>'
        '<script type="module">import "/y.js";</script></html>'
    )
    (tmp_path / "b.html").write_text('<script>window.a = "<b>";</script>')

    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    hashes = inline_script_hashes([tmp_path / "a.html", tmp_path / "b.html"])
    assert hashes == [sha('window.a = "<b>";'), sha('import "/y.js";')]
    policy = content_security_policy(settings(), hashes)
    assert f"script-src 'self' 'unsafe-eval' {hashes[0]} {hashes[1]};" in policy


# ---- CORS -------------------------------------------------------------------------------


def test_cors_origins_are_the_apps_own() -> None:
    assert list(get_config().cors_allowed_origins) == allowed_origins(get_settings())
    assert allowed_origins(settings(environment="production")) == [OURS]
    dev = settings(public_url="http://127.0.0.1:3000", environment="development")
    assert allowed_origins(dev) == ["http://127.0.0.1:3000", "http://localhost:3000"]


def test_a_foreign_origin_is_not_echoed(client: TestClient) -> None:
    response = client.get("/page", headers={"Origin": FOREIGN})
    # (Starlette still sends allow-credentials; without allow-origin the browser refuses.)
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/page", headers={"Origin": FOREIGN, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert_secured(preflight.headers)


def test_our_own_origin_is_allowed_with_credentials(client: TestClient) -> None:
    response = client.get("/page", headers={"Origin": OURS})
    assert response.headers["access-control-allow-origin"] == OURS
    assert response.headers["access-control-allow-credentials"] == "true"
