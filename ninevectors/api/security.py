"""The security headers on every answer of the app, and the origins CORS accepts.

:class:`SecurityHeaders` is an ASGI middleware. :class:`SecuredApp` puts it around the whole
ASGI app Reflex builds: Reflex mounts every ``api_transformer`` *inside* a top-level Starlette
app of its own, whose CORS middleware answers preflight requests itself, so only a wrapper
of ``App.__call__`` sees every response (pages, static assets, ``/_upload``, our routes,
404s, CORS preflights, the websocket handshake's acceptance; Granian does not pass headers
on with a websocket's 101 answer).

The Content-Security-Policy is what the production build needs, found by loading its pages
in Chromium under a stricter report-only policy: inline scripts only by hash, eval for
``rx.call_script``, inline styles, data: images (plotly), our own origin and websocket.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import reflex as rx
from reflex.utils import prerequisites
from reflex_base import constants
from reflex_base.config import get_config
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ninevectors.settings import Settings, get_settings

# Features no page of ours uses: a script injected into a page cannot use them either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "browsing-topics",
    )
)
HSTS = "max-age=63072000; includeSubDomains"  # two years, production (HTTPS) only


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _websocket_origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def allowed_origins(settings: Settings) -> list[str]:
    """The origins whose pages may call the backend with credentials: the app's own and,
    outside production, the frontend of ``make dev`` (which is served on ``port``)."""
    origins = [_origin(settings.public_url)]
    if settings.environment != "production":
        origins.append(f"http://localhost:{settings.port}")
    return list(dict.fromkeys(origins))


class _InlineScripts(HTMLParser):
    """Collects the text of a page's inline ``<script>`` elements (those without ``src``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def inline_script_hashes(pages: Iterable[Path]) -> list[str]:
    """CSP hash sources (``'sha256-…'``) of every inline script in the given HTML files."""
    hashes: dict[str, None] = {}
    for page in pages:
        parser = _InlineScripts()
        parser.feed(page.read_text(encoding="utf-8"))
        for script in parser.scripts:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            hashes[f"'sha256-{digest}'"] = None
    return list(hashes)


def content_security_policy(settings: Settings, script_hashes: Iterable[str] = ()) -> str:
    """The policy every answer carries (``script_hashes``: the prerendered pages' inline
    scripts, see :func:`inline_script_hashes`)."""
    connect = ["'self'", _websocket_origin(settings.public_url)]
    if _origin(settings.api_url) != _origin(settings.public_url):
        connect += [_origin(settings.api_url), _websocket_origin(settings.api_url)]
    directives = {
        "default-src": ["'self'"],
        # Inline scripts by hash only: React Router's hydration data and Reflex's theme and
        # scroll-restoration snippets in the prerendered pages. 'unsafe-eval': Reflex runs
        # the code of a backend-sent `rx.call_script` (sign-in navigation) with eval().
        "script-src": ["'self'", "'unsafe-eval'", *script_hashes],
        # Emotion (Reflex's CSS-in-JS) and plotly write <style> elements at run time.
        "style-src": ["'self'", "'unsafe-inline'"],
        # plotly draws its modebar icons and PNG exports through data: images.
        "img-src": ["'self'", "data:"],
        "connect-src": list(dict.fromkeys(connect)),
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def security_headers(settings: Settings, script_hashes: Iterable[str] = ()) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(settings, script_hashes),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.environment == "production":
        headers["Strict-Transport-Security"] = HSTS
    return headers


def _encoded(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


# The ASGI messages that start an answer: an HTTP response, a websocket handshake's
# acceptance, or its refusal as an HTTP response.
_STARTS = ("http.response.start", "websocket.accept", "websocket.http.response.start")


class SecurityHeaders:
    """Adds the security headers to every response; a header the route set itself is kept
    (so a route can be stricter, e.g. a download's own policy). Answers of another type than
    HTML leave out the pages' script hashes (some 2 KB that scripts, styles and JSON have no
    use for)."""

    def __init__(self, app: ASGIApp, settings: Settings, script_hashes: Iterable[str] = ()) -> None:
        self.app = app
        self.headers = _encoded(security_headers(settings))
        self.page_headers = _encoded(security_headers(settings, script_hashes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] in _STARTS:
                message = {**message, "headers": self._merged(message.get("headers") or [])}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _merged(self, headers: Any) -> list[tuple[bytes, bytes]]:
        present = {bytes(name).lower(): bytes(value) for name, value in headers}
        # No content type counts as a page: a 304 carries none, and its headers replace
        # those of the cached page.
        is_page = present.get(b"content-type", b"text/html").startswith(b"text/html")
        ours = self.page_headers if is_page else self.headers
        return [*headers, *((name, value) for name, value in ours if name not in present)]


def prerendered_pages() -> list[Path]:
    """The HTML files of the built frontend this process serves (under ``make dev`` the
    frontend's own server answers for pages; a leftover build only adds hashes)."""
    config = get_config()
    folder = prerequisites.get_web_dir() / constants.Dirs.STATIC / config.frontend_path.strip("/")
    return sorted(folder.rglob("*.html")) if folder.is_dir() else []


class SecuredApp(rx.App):
    """The Reflex app with :class:`SecurityHeaders` around everything it serves."""

    def __call__(self) -> ASGIApp:
        asgi_app = super().__call__()  # `reflex run` builds the frontend before this
        hashes = inline_script_hashes(prerendered_pages())
        return SecurityHeaders(asgi_app, get_settings(), hashes)
