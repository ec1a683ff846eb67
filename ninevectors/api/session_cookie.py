"""The session cookie, set and cleared by plain HTTP routes so it can be HttpOnly.

``GET /auth/session?code=…&next=…`` redeems a sign-in's one-time hand-off code (see
:mod:`ninevectors.services.identity.sessions`), sets ``nv_session`` (HttpOnly, SameSite=Strict,
Secure in production) and sends the browser on to ``next``. ``GET /auth/signed-out`` ends the
session the cookie names, clears it and shows the login page.

The page reads nothing from the cookie: the websocket's handshake carries it to the backend,
where :class:`~ninevectors.state.session.SessionState` resolves it on every event.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route as HttpRoute

from ninevectors.routes import Route, safe_next
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import auth, sessions
from ninevectors.settings import get_settings


def _redirect(location: str) -> RedirectResponse:
    response = RedirectResponse(location, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def _set_cookie(response: RedirectResponse, token: str, max_age: int) -> None:
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=get_settings().environment == "production",
        samesite="strict",
    )


async def set_session_cookie(request: Request) -> RedirectResponse:
    token = await run_blocking(sessions.redeem_handoff, request.query_params.get("code"))
    if token is None:
        next_path = safe_next(request.query_params.get("next"))
        return _redirect(f"{Route.LOGIN}?handoff=expired&next={quote(next_path, safe='/')}")
    response = _redirect(safe_next(request.query_params.get("next")))
    _set_cookie(response, token, sessions.SESSION_MAX_AGE)
    return response


async def signed_out(request: Request) -> RedirectResponse:
    token = sessions.token_from_cookie_header(request.headers.get("cookie"))
    if token:
        client = request.client.host if request.client else None
        await run_blocking(auth.logout, token, client, request.headers.get("user-agent"))
    response = _redirect(f"{Route.LOGIN}?signed_out=1")
    response.delete_cookie(sessions.COOKIE_NAME, path="/", samesite="strict", httponly=True)
    return response


routes = [
    HttpRoute(Route.SESSION_COOKIE, set_session_cookie, methods=["GET"]),
    HttpRoute(Route.SIGNED_OUT, signed_out, methods=["GET"]),
]
