"""The acting principal every service call takes: who acts, for which organization, as what."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    user_id: str
    organization_id: str
    role: str  # one of ninevectors.services.identity.roles.Role values
    ip_address: str | None = None
    user_agent: str | None = None
