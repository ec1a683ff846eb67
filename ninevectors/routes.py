"""URLs of the app's pages, defined once."""

from __future__ import annotations


class Route:
    HOME = "/"
    LEARN = "/learn"
    PRICING = "/pricing"
    LOGIN = "/login"
    LOGOUT = "/logout"
    SIGN_UP = "/signup"
    FORGOT_PASSWORD = "/forgot-password"
    RESET_PASSWORD = "/reset-password"
    ACCEPT_INVITE = "/accept-invite"
    DASHBOARD = "/dashboard"
    ASSESSMENTS = "/assessments"
    ASSESSMENT = "/assessments/[assessment_id]"
    ASSESSMENT_TAKE = "/assessments/[assessment_id]/take"
    ASSESSMENT_RESULTS = "/assessments/[assessment_id]/results"
    ASSESSMENT_DASHBOARD = "/assessments/[assessment_id]/dashboard"
    COACH = "/coach"
    DOCUMENTS = "/documents"
    PROFILE = "/profile"
    ADMIN_USERS = "/admin/users"
    ADMIN_ORGANIZATION = "/admin/organization"
    ADMIN_AUDIT = "/admin/audit"
    ADMIN_OUTBOX = "/admin/outbox"
    ADMIN_SSO = "/admin/sso"
    ADMIN_BILLING = "/admin/billing"
    ADMIN_BUSINESS = "/admin/business"
    # Backend routes (not pages): the session cookie is set and cleared over plain HTTP.
    SESSION_COOKIE = "/auth/session"
    SIGNED_OUT = "/auth/signed-out"
    SSO_START = "/auth/sso/start"
    SSO_CALLBACK = "/auth/sso/callback"


def safe_next(value: str | None, default: str = Route.DASHBOARD) -> str:
    """Only same-site paths: an attacker's ?next=https://evil.example must not redirect."""
    from urllib.parse import unquote

    path = unquote(value or "")
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    if path.startswith((Route.LOGIN, Route.LOGOUT, Route.SIGN_UP, "/auth/")):
        return default
    return path
