"""Small helpers the identity services share (ids, token hashes, store look-ups, audit)."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import uuid
from datetime import datetime
from typing import Any

from ninevectors.models.principal import Principal
from ninevectors.services import audit
from ninevectors.services.backends import get_store
from ninevectors.services.errors import NotFoundError
from ninevectors.services.identity import clock
from ninevectors.services.store._common import paused_gc
from ninevectors.services.store.base import (
    DocumentStore,
    Filter,
    Item,
    NotFound,
    PatchOperation,
    Query,
)

ORGANIZATIONS = "organizations"
USERS = "users"
INVITATIONS = "invitations"
MAX_ID_LENGTH = 100


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def new_token() -> str:
    """An opaque random token for sessions, reset and invitation links."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def store() -> DocumentStore:
    return get_store()


def checked_id(value: object, what: str) -> str:
    """``value`` when it can be an id; a malformed id is simply not found."""
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise NotFoundError(f"{what} not found.")
    return value


def get_item(container: str, organization_id: str, item_id: object, what: str) -> Item:
    """One item of the organization's partition, or NotFoundError (never another tenant's)."""
    checked = checked_id(item_id, what)
    try:
        item = store().get(container, organization_id, checked)
    except NotFound:
        raise NotFoundError(f"{what} not found.") from None
    if item.get("partitionKey") != organization_id:
        raise NotFoundError(f"{what} not found.")
    return item


def query_all(container: str, organization_id: str, filters: tuple[Filter, ...] = ()) -> list[Item]:
    """Every item of one partition matching ``filters`` (follows continuation tokens)."""
    items: list[Item] = []
    continuation: str | None = None
    with paused_gc():
        while True:
            page = store().query(
                container,
                organization_id,
                Query(filters=filters, limit=500, continuation=continuation),
            )
            items.extend(page.items)
            continuation = page.continuation
            if not continuation:
                return items


def delete_quietly(container: str, organization_id: str, item_id: str) -> None:
    """Remove an item as compensation for a failed multi-step change."""
    with contextlib.suppress(NotFound):
        store().delete(container, organization_id, item_id)


def touch_last_login(organization_id: str, user_id: str, now: datetime) -> None:
    """Note the sign-in on the user item (a user removed meanwhile is simply skipped)."""
    with contextlib.suppress(NotFound):
        store().patch(
            USERS,
            organization_id,
            user_id,
            [PatchOperation("set", "/auth/lastLogin", clock.iso(now))],
        )


def record(
    action: str,
    resource: str,
    principal: Principal | None,
    *,
    organization_id: str | None = None,
    resource_id: str | None = None,
    details: dict[str, Any] | None = None,
    severity: str = "info",
) -> None:
    audit.record(
        action,
        resource,
        principal=principal,
        organization_id=organization_id,
        resource_id=resource_id,
        details=details,
        severity=severity,
    )
