"""Shared helpers of the documents package: loading, visibility, time, index versions."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ninevectors.models.document import CHUNK_TYPE, DOCUMENT_TYPE, DocumentItem
from ninevectors.models.principal import Principal
from ninevectors.services import audit
from ninevectors.services.backends import get_cache, get_store
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError
from ninevectors.services.store.base import Filter, NotFound, PreconditionFailed, Query

CONTAINER = "documents"
ADMIN_ROLES = frozenset({"ORG_ADMIN", "SUPER_ADMIN"})
_DOCUMENT_ID = re.compile(r"^doc_[a-f0-9]{24}$")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_document_id() -> str:
    return "doc_" + secrets.token_hex(12)


def is_admin(principal: Principal) -> bool:
    return principal.role in ADMIN_ROLES


def department_of(principal: Principal) -> str | None:
    """The principal's department (what "team" visibility compares), or None."""
    try:
        item = get_store().get("users", principal.organization_id, principal.user_id)
    except NotFound:
        return None
    department = (item.get("profile") or {}).get("department")
    return (
        department.strip().lower() if isinstance(department, str) and department.strip() else None
    )


def can_see(principal: Principal, item: dict[str, Any], department: str | None) -> bool:
    """Visibility rules: organization → everyone in it; team → the uploader, admins and the
    uploader's department; private → the uploader only."""
    if item.get("partitionKey") != principal.organization_id:
        return False
    if item.get("uploadedBy") == principal.user_id:
        return True
    visibility = item.get("visibility")
    if visibility == "organization":
        return True
    if visibility == "team":
        return is_admin(principal) or (department is not None and item.get("team") == department)
    return False


def raw_item(organization_id: str, document_id: object) -> dict[str, Any]:
    if not isinstance(document_id, str) or not _DOCUMENT_ID.match(document_id):
        raise NotFoundError("Document not found.")
    try:
        item = get_store().get(CONTAINER, organization_id, document_id)
    except NotFound:
        raise NotFoundError("Document not found.") from None
    if item.get("type") != DOCUMENT_TYPE:
        raise NotFoundError("Document not found.")
    return item


def visible_item(principal: Principal, document_id: object) -> dict[str, Any]:
    """The document item if the principal may see it, else NotFoundError (never Forbidden,
    so ids of others' private documents reveal nothing)."""
    item = raw_item(principal.organization_id, document_id)
    if not can_see(principal, item, department_of(principal)):
        raise NotFoundError("Document not found.")
    return item


def editable_item(principal: Principal, document_id: object) -> dict[str, Any]:
    """The document item if the principal may change it (uploader or admin)."""
    item = visible_item(principal, document_id)
    if item.get("uploadedBy") != principal.user_id and not is_admin(principal):
        raise Forbidden("Only the person who uploaded a document or an admin can change it.")
    return item


def to_document(item: dict[str, Any]) -> DocumentItem:
    return DocumentItem.model_validate(item)


def document_filters() -> tuple[Filter, ...]:
    return (Filter("type", "=", DOCUMENT_TYPE),)


def all_items(organization_id: str | None, filters: tuple[Filter, ...]) -> list[dict[str, Any]]:
    """Every item matching ``filters`` in one organization (or all, for system work)."""
    store = get_store()
    items: list[dict[str, Any]] = []
    continuation: str | None = None
    while True:
        page = store.query(
            CONTAINER, organization_id, Query(filters, limit=1000, continuation=continuation)
        )
        items.extend(page.items)
        continuation = page.continuation
        if not continuation:
            return items


def chunk_filters(document_id: str | None = None) -> tuple[Filter, ...]:
    base = (Filter("type", "=", CHUNK_TYPE),)
    return base + ((Filter("documentId", "=", document_id),) if document_id else ())


def index_version_key(organization_id: str) -> str:
    return f"documents:index-version:{organization_id}"


def bump_index(organization_id: str) -> None:
    """Tell every process that this organization's search index changed."""
    get_cache().incr(index_version_key(organization_id))


def index_version(organization_id: str) -> int:
    value = get_cache().get(index_version_key(organization_id))
    return int(value) if value is not None else 0


def record(action: str, principal: Principal | None, document_id: str, **details: Any) -> None:
    audit.record(
        action,
        "document",
        principal=principal,
        resource_id=document_id,
        details=details or None,
    )


WRITE_ATTEMPTS = 5


def update_item(
    organization_id: str, document_id: str, change: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Read, change and replace the document item guarded by its etag, re-reading when the
    worker (or anyone) wrote in between."""
    for _attempt in range(WRITE_ATTEMPTS):
        item = raw_item(organization_id, document_id)
        change(item)
        try:
            return get_store().replace(CONTAINER, item, etag=item.get("_etag"))
        except PreconditionFailed:
            continue
    raise ConflictError("The document is changing too fast to save; try again.")
