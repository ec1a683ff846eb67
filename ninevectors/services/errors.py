"""Errors every service raises; the UI layer turns them into messages and HTTP statuses."""

from __future__ import annotations


class Forbidden(PermissionError):
    """The principal may not do this (wrong role or another organization's data)."""


class NotFoundError(LookupError):
    """The thing asked for does not exist (or is not visible to the principal)."""


class ValidationFailed(ValueError):
    """Input was refused; ``field`` names the offending input, the message is for humans."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ConflictError(Exception):
    """The change clashes with existing data (duplicate e-mail, token already used, ...)."""
