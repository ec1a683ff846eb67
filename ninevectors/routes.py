"""URLs of the app's pages, defined once."""

from __future__ import annotations


class Route:
    HOME = "/"
    LEARN = "/learn"
    LOGIN = "/login"
    LOGOUT = "/logout"
    SIGN_UP = "/signup"
    FORGOT_PASSWORD = "/forgot-password"
    RESET_PASSWORD = "/reset-password"
    ACCEPT_INVITE = "/accept-invite"
    DASHBOARD = "/dashboard"
    PROFILE = "/profile"
    ADMIN_USERS = "/admin/users"
    ADMIN_ORGANIZATION = "/admin/organization"
    ADMIN_AUDIT = "/admin/audit"
    ADMIN_OUTBOX = "/admin/outbox"
