"""The signed-in person, re-checked on every page load and every handler that touches data.

The browser keeps only an opaque session token in an HttpOnly cookie; who it belongs to, their
role and its expiry live server-side (see services/identity/sessions.py). Page states inherit
from :class:`SessionState` and ``await self._authorize()`` before any data. Every blocking
service call goes through :func:`~ninevectors.services.executor.run_blocking`.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote, urlencode

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.routes import Route, safe_next
from ninevectors.services.billing import business as billing_business
from ninevectors.services.billing import overview as billing_overview
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import auth, organizations, roles, sessions, users
from ninevectors.services.observability import context as observability_context

log = logging.getLogger(__name__)

DEFAULT_BRAND_COLOR = "#0d9488"


def friendly_error(error: Exception) -> str:
    """What a person is told about a refused action: never a stack trace."""
    if isinstance(error, ValidationFailed | Forbidden | NotFoundError | ConflictError):
        return str(error)
    log.exception("unexpected error in a page handler", exc_info=error)
    return "Something went wrong on our side. Please try again."


def _full_navigation(url: str) -> rx.event.EventSpec:
    """A real page load (not the single-page router): backend routes set the cookie."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


class SessionState(rx.State):
    """The browser holds only the HttpOnly ``nv_session`` cookie, set by a backend route;
    the websocket's handshake carries it here, so no script on the page can read it."""

    user_id: str = ""
    user_name: str = ""
    user_email: str = ""
    role: str = ""
    organization_id: str = ""
    organization_name: str = ""
    brand_color: str = DEFAULT_BRAND_COLOR
    permissions: list[str] = []
    # False while a protected page checks access; True when the person may see it.
    allowed: bool = False
    # The dunning banner billing admins see on every page (read once per page load).
    billing_banner: str = ""
    billing_read_only: bool = False
    platform_operator: bool = False  # sees the business metrics (settings only, no read)

    def _client(self) -> tuple[str | None, str | None]:
        ip_address = self.router.session.client_ip or None
        user_agent = self.router.headers.user_agent or None
        return ip_address, (user_agent[:500] if user_agent else None)

    def _session_token(self) -> str:
        return sessions.token_from_cookie_header(self.router.headers.cookie)

    def _forget(self) -> None:
        self.user_id = self.user_name = self.user_email = self.role = ""
        self.organization_id = self.organization_name = ""
        self.brand_color = DEFAULT_BRAND_COLOR
        self.permissions = []
        self.allowed = False
        self.billing_banner = ""
        self.billing_read_only = False
        self.platform_operator = False

    async def _remember(self, principal: Principal) -> None:
        if (principal.user_id, principal.role) == (self.user_id, self.role):
            return
        user = await run_blocking(users.get_current_user, principal)
        organization = await run_blocking(organizations.get_organization, principal)
        self.user_id = principal.user_id
        self.role = principal.role
        self.user_name = user.full_name
        self.user_email = user.email
        self.organization_id = principal.organization_id
        self.organization_name = organization.name
        self.brand_color = organization.settings.branding.colors.primary or DEFAULT_BRAND_COLOR
        self.permissions = sorted(roles.permissions_of(principal.role))
        self.platform_operator = billing_business.is_operator(principal)

    async def _principal(self) -> Principal | None:
        """The live session's principal (its expiry pushed back), or None."""
        token = self._session_token()
        if not token:
            self._forget()
            return None
        ip_address, user_agent = self._client()
        principal = await run_blocking(sessions.resolve_session, token, ip_address, user_agent)
        if principal is None:
            self._forget()
            return None
        observability_context.bind_principal(principal)  # who acts, in this event's logs
        await self._remember(principal)
        return principal

    def _login_redirect(self) -> rx.event.EventSpec:
        expired = "&expired=1" if self._session_token() else ""
        path = self.router.url.path or Route.DASHBOARD
        return rx.redirect(f"{Route.LOGIN}?next={quote(path, safe='/')}{expired}")

    async def _authorize(self, permission: str | None = None) -> Principal | rx.event.EventSpec:
        """The principal when signed in (and holding ``permission``), else the redirect to
        return. A signed-in person without the permission stays on the page, which then shows
        "not allowed" (``allowed`` is False) and no data."""
        principal = await self._principal()
        if principal is None:
            return self._login_redirect()
        self.allowed = permission is None or roles.has_permission(principal.role, permission)
        return principal

    def _begin_session(self, result: sessions.LoginResult, next_path: str) -> rx.event.EventSpec:
        """Send the browser to the route that sets the cookie, then on to ``next_path``."""
        self.user_id = self.role = ""  # the next page load remembers the new principal
        query = urlencode({"code": result.handoff, "next": safe_next(next_path)})
        return _full_navigation(f"{Route.SESSION_COOKIE}?{query}")

    @rx.event
    async def load_session(self) -> None:
        """on_load of public pages: only refreshes the header's view of the session."""
        await self._principal()

    @rx.event
    async def load_billing_banner(self) -> None:
        """on_load of every page, after the page's own: the dunning banner for billing admins.
        Once per page load, never per click; anyone else costs nothing (no session read)."""
        if roles.BILLING_MANAGE not in self.permissions:
            self.billing_banner, self.billing_read_only = "", False
            return
        principal = await self._principal()
        if principal is None or not roles.has_permission(principal.role, roles.BILLING_MANAGE):
            self.billing_banner, self.billing_read_only = "", False
            return
        try:
            banner = await run_blocking(billing_overview.dunning_banner, principal)
        except Exception:  # noqa: BLE001 — the banner must never break a page
            log.exception("could not read the billing standing for the banner")
            return
        self.billing_banner, self.billing_read_only = banner.message, banner.read_only

    @rx.event
    async def log_out(self) -> rx.event.EventSpec:
        ip_address, user_agent = self._client()
        token = self._session_token()
        if token:
            await run_blocking(auth.logout, token, ip_address, user_agent)
        self._forget()
        return _full_navigation(Route.SIGNED_OUT)

    @rx.var(cache=True)
    def is_authenticated(self) -> bool:
        return bool(self.user_id)

    @rx.var(cache=True)
    def can_manage_users(self) -> bool:
        return roles.USERS_MANAGE in self.permissions or roles.USERS_INVITE in self.permissions

    @rx.var(cache=True)
    def can_manage_organization(self) -> bool:
        return roles.ORG_MANAGE in self.permissions

    @rx.var(cache=True)
    def can_manage_billing(self) -> bool:
        return roles.BILLING_MANAGE in self.permissions

    @rx.var(cache=True)
    def initials(self) -> str:
        parts = [p for p in self.user_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"
