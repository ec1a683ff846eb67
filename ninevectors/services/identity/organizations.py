"""Organizations: plan defaults, the item built at sign-up, scoped reads and settings updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ninevectors.models.identity import OrganizationItem, OrganizationSettings
from ninevectors.models.principal import Principal
from ninevectors.models.tables import Organization
from ninevectors.services.billing import plans
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ConflictError, NotFoundError
from ninevectors.services.identity import _common, clock, roles
from ninevectors.services.identity.schemas import OrganizationUpdate, Plan
from ninevectors.services.store.base import PreconditionFailed


def plan_settings(plan: Plan) -> OrganizationSettings:
    """The limits block a new organization on ``plan`` starts with (``billing/plans.py``)."""
    limits = plans.PLANS[plan]
    return OrganizationSettings(
        max_users=limits.max_users,
        max_assessments=limits.max_assessments,
        features=list(limits.features),
    )


def build_organization(
    name: str,
    *,
    plan: Plan = "starter",
    domain: str | None = None,
    industry: str | None = None,
    size: str | None = None,
    organization_id: str | None = None,
) -> OrganizationItem:
    """A new organization item (not stored yet)."""
    org_id = organization_id or _common.new_id("org")
    return OrganizationItem(
        id=org_id,
        name=name,
        domain=domain,
        plan=plan,
        industry=industry,
        size=size,
        created_at=clock.iso(clock.utcnow()),
        settings=plan_settings(plan),
        partition_key=org_id,
    )


def relational_row(item: OrganizationItem) -> Organization:
    """The relational anchor of an organization (foreign keys of billing, audit, ...)."""
    return Organization(
        id=item.id,
        name=item.name,
        domain=item.domain,
        status=item.status,
        created_at=clock.parse_iso(item.created_at),
    )


def load_organization(organization_id: str) -> OrganizationItem:
    """The organization item, for services acting inside that organization."""
    item = _common.get_item(_common.ORGANIZATIONS, organization_id, organization_id, "Organization")
    return OrganizationItem.model_validate(item)


def get_organization(principal: Principal, organization_id: str | None = None) -> OrganizationItem:
    """The principal's own organization; any other id is not found."""
    if organization_id is not None and organization_id != principal.organization_id:
        raise NotFoundError("Organization not found.")
    return load_organization(principal.organization_id)


def _apply(item: dict[str, Any], changes: OrganizationUpdate) -> dict[str, Any]:
    """The item with the given changes applied, and a summary of what changed."""
    changed: dict[str, Any] = {}
    for field in ("name", "industry", "size"):
        if field in changes.model_fields_set and item.get(field) != getattr(changes, field):
            item[field] = getattr(changes, field)
            changed[field] = item[field]
    if "primary_color" in changes.model_fields_set and changes.primary_color is not None:
        colors = item["settings"]["branding"]["colors"]
        color = changes.primary_color.lower()
        if colors.get("primary") != color:
            colors["primary"] = color
            changed["primaryColor"] = color
    if "mfa_required" in changes.model_fields_set and changes.mfa_required is not None:
        security = item["settings"].setdefault("security", {})
        if security.get("mfaRequired", "off") != changes.mfa_required:
            security["mfaRequired"] = changes.mfa_required
            changed["mfaRequired"] = changes.mfa_required
    return changed


def update_organization(
    principal: Principal, changes: OrganizationUpdate | Mapping[str, Any]
) -> OrganizationItem:
    """Change name, brand colour, industry or size of the principal's organization (admins)."""
    roles.require(principal, roles.ORG_MANAGE)
    update = OrganizationUpdate.parse(changes)
    org_id = principal.organization_id
    item = _common.get_item(_common.ORGANIZATIONS, org_id, org_id, "Organization")
    changed = _apply(item, update)
    if not changed:
        return OrganizationItem.model_validate(item)
    item["updatedAt"] = clock.iso(clock.utcnow())
    try:
        stored = _common.store().replace(_common.ORGANIZATIONS, item, etag=item.get("_etag"))
    except PreconditionFailed:
        raise ConflictError("Someone else changed these settings; reload and try again.") from None
    if "name" in changed:
        _rename_row(org_id, changed["name"])
    _common.record(
        "organization.updated", "organization", principal, resource_id=org_id, details=changed
    )
    return OrganizationItem.model_validate(stored)


def _rename_row(organization_id: str, name: str) -> None:
    with session_scope() as db:
        row = db.get(Organization, organization_id)
        if row is not None:
            row.name = name
            db.add(row)
