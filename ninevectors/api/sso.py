"""SSO over plain HTTP: ``GET /auth/sso/start`` sends the browser to the organization's
provider, ``GET /auth/sso/callback`` takes the provider's answer.

A started session goes on to the cookie route (``/auth/session?code=…``); an MFA challenge
to ``/login?challenge=…``; a refusal to ``/login?sso_error=<code>``, where the login page
says what happened (:data:`ninevectors.services.identity.sso_login.MESSAGES`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route as HttpRoute

from ninevectors.routes import Route, safe_next
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import mfa, sso_login


def _redirect(location: str) -> RedirectResponse:
    response = RedirectResponse(location, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the code and state stay here
    return response


def _refused(code: str) -> RedirectResponse:
    return _redirect(f"{Route.LOGIN}?{urlencode({'sso_error': code})}")


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


async def start(request: Request) -> RedirectResponse:
    params = request.query_params
    try:
        url = await run_blocking(
            sso_login.start_login,
            params.get("email"),
            params.get("next", ""),
            _client(request),
            params.get("invitation"),
        )
    except sso_login.SsoRefused as refused:
        return _refused(refused.code)
    return _redirect(url)


async def callback(request: Request) -> RedirectResponse:
    params = request.query_params
    try:
        outcome = await run_blocking(
            sso_login.complete_login,
            params.get("state"),
            params.get("code"),
            params.get("error"),
            _client(request),
            request.headers.get("user-agent"),
        )
    except sso_login.SsoRefused as refused:
        return _refused(refused.code)
    if isinstance(outcome.result, mfa.MfaChallenge):
        return _redirect(f"{Route.LOGIN}?{urlencode({'challenge': outcome.result.token})}")
    query = urlencode({"code": outcome.result.handoff, "next": safe_next(outcome.next_path)})
    return _redirect(f"{Route.SESSION_COOKIE}?{query}")


routes = [
    HttpRoute(Route.SSO_START, start, methods=["GET"]),
    HttpRoute(Route.SSO_CALLBACK, callback, methods=["GET"]),
]
