"""Single sign-on per organization over OpenID Connect: the connection an admin sets up.

An organization has at most one connection (``sso_connections``): the provider's issuer, the
client id and its secret (encrypted with :mod:`ninevectors.services.secret_box`; never
returned once saved, only whether one is set), the e-mail domains it owns (``sso_domains``:
a domain belongs to at most one organization), the role of people who sign in for the first
time, an optional groups claim mapped to roles, "require SSO" and the break-glass admins
who may still sign in with a password then. Only admins (``org.manage``) read or change it;
every change is audited, without the secret.

The sign-in itself is in :mod:`ninevectors.services.identity.sso_login`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import SsoConnection, SsoDomain, UserCredential
from ninevectors.services import secret_box
from ninevectors.services.billing import entitlements
from ninevectors.services.billing.plans import Feature
from ninevectors.services.database import session_scope
from ninevectors.services.errors import NotFoundError, ValidationFailed
from ninevectors.services.identity import _common, auth, clock, roles
from ninevectors.services.identity.roles import Role
from ninevectors.services.identity.schemas import InputModel
from ninevectors.settings import get_settings

SSO_FEATURE: Feature = "sso"

CALLBACK_PATH = "/auth/sso/callback"
MAX_DOMAINS = 50
MAX_GROUPS = 50
MAX_BREAK_GLASS = 20
SSO_REQUIRED_MESSAGE = "Your organization signs in with SSO. Use Continue with SSO."
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CLAIM_PATTERN = re.compile(r"^[A-Za-z0-9_:./-]{1,100}$")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Preset:
    label: str
    issuer: str
    hint: str


PRESETS: dict[str, Preset] = {
    "entra": Preset(
        "Microsoft Entra ID",
        "https://login.microsoftonline.com/{tenant}/v2.0",
        "Replace {tenant} with your directory (tenant) id.",
    ),
    "google": Preset("Google", "https://accounts.google.com", ""),
}


class SsoRequired(auth.AuthenticationError):
    """Password sign-in refused: the organization requires SSO (the person is no break-glass
    admin)."""

    def __init__(self) -> None:
        super().__init__(SSO_REQUIRED_MESSAGE)


@dataclass(frozen=True)
class SsoSettings:
    """What the admin page shows: never the secret, only whether one is set."""

    issuer: str
    client_id: str
    secret_set: bool
    domains: tuple[str, ...]
    jit_role: str
    groups_claim: str
    group_roles: dict[str, str]
    require_sso: bool
    break_glass_user_ids: tuple[str, ...]
    callback_url: str


@dataclass(frozen=True)
class Connection:
    """A stored connection, for the sign-in (holds the decrypted secret: never log it)."""

    organization_id: str
    issuer: str
    client_id: str
    client_secret: str
    domains: tuple[str, ...]
    jit_role: str
    groups_claim: str | None
    group_roles: dict[str, str]
    require_sso: bool
    break_glass_user_ids: tuple[str, ...]


@dataclass(frozen=True)
class DomainHint:
    """What the login page may know about a typed e-mail's domain."""

    domain: str
    sso: bool
    required: bool


# --- input -------------------------------------------------------------------------------------

_LABELS = {
    "issuer": "Issuer",
    "client_id": "Client ID",
    "client_secret": "Client secret",
    "domains": "E-mail domains",
    "jit_role": "Role for new people",
    "groups_claim": "Groups claim",
    "group_roles": "Group to role mapping",
    "require_sso": "Require SSO",
    "break_glass_user_ids": "Break-glass admins",
}


def _lines(value: object) -> object:
    """Text from a form (commas or new lines) as a list; anything else as sent."""
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,\n]", value) if part.strip()]
    return value


def _check_issuer(value: str) -> str:
    if "{" in value or "}" in value:
        raise ValueError("replace the {tenant} placeholder with your tenant id")
    parts = urlsplit(value)
    if not parts.netloc or parts.query or parts.fragment or parts.username:
        raise ValueError("enter the provider's issuer URL, e.g. https://accounts.google.com")
    loopback = parts.hostname in LOOPBACK_HOSTS and get_settings().environment != "production"
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError("the issuer must be an https:// URL")
    return value


def _check_domain(value: str) -> str:
    domain = value.strip().lower().lstrip("@")
    if not DOMAIN_PATTERN.match(domain):
        raise ValueError(f"“{value[:60]}” is not a domain name like example.com")
    return domain


def _check_role(value: str) -> str:
    try:
        role = Role.parse(value)
    except ValueError:
        raise ValueError(f"“{value[:30]}” is not one of the roles") from None
    if role is Role.SUPER_ADMIN:
        raise ValueError("SSO cannot give the super admin role")
    return role.value


def _group_pairs(value: object) -> object:
    """``group = ROLE`` lines (or a mapping) as a mapping."""
    if not isinstance(value, str):
        return value
    pairs: dict[str, str] = {}
    for line in _lines(value) or []:  # type: ignore[union-attr]
        group, sign, role = str(line).rpartition("=")
        if not sign or not group.strip():
            raise ValueError(f"write each mapping as group = ROLE (“{str(line)[:40]}”)")
        pairs[group.strip()] = role.strip()
    return pairs


class SsoSettingsInput(InputModel):
    issuer: str = Field(min_length=1, max_length=500)
    client_id: str = Field(min_length=1, max_length=255)
    client_secret: str | None = Field(default=None, max_length=2000)  # None/"": keep the one set
    domains: list[str] = Field(min_length=1, max_length=MAX_DOMAINS)
    jit_role: str = Role.MEMBER.value
    groups_claim: str | None = Field(default=None, max_length=100)
    group_roles: dict[str, str] = Field(default_factory=dict, max_length=MAX_GROUPS)
    require_sso: bool = False
    break_glass_user_ids: list[str] = Field(default_factory=list, max_length=MAX_BREAK_GLASS)

    _issuer = field_validator("issuer")(_check_issuer)
    _split_domains = field_validator("domains", "break_glass_user_ids", mode="before")(_lines)
    _jit_role = field_validator("jit_role")(_check_role)
    _pairs = field_validator("group_roles", mode="before")(_group_pairs)

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_check_domain(domain) for domain in value))

    @field_validator("groups_claim")
    @classmethod
    def _claim(cls, value: str | None) -> str | None:
        if value and not CLAIM_PATTERN.match(value):
            raise ValueError("use letters, digits and _ : . / - only, e.g. groups")
        return value or None

    @field_validator("group_roles")
    @classmethod
    def _roles(cls, value: dict[str, str]) -> dict[str, str]:
        for group in value:
            if len(group) > 200:
                raise ValueError("a group name is at most 200 characters")
        return {group: _check_role(role) for group, role in value.items()}


def _message(field: str, error: Mapping[str, Any]) -> str:
    label = _LABELS.get(field, field)
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    if kind == "missing" or (kind.endswith("too_short") and ctx.get("min_length") == 1):
        return f"{label} is required."
    if kind.endswith("too_long"):
        return f"{label} allows at most {ctx.get('max_length')}."
    if kind == "value_error":
        return f"{label}: {ctx.get('error')}."
    if kind.startswith("bool"):
        return f"{label} must be on or off."
    return f"{label}: {error.get('msg', 'invalid value')}."


def parse_settings(data: SsoSettingsInput | Mapping[str, Any]) -> SsoSettingsInput:
    """``data`` validated; ValidationFailed naming the field and what to fix otherwise."""
    if isinstance(data, SsoSettingsInput):
        return data
    if not isinstance(data, Mapping):
        raise ValidationFailed("input", "The form data is missing or malformed.")
    try:
        return SsoSettingsInput.model_validate(dict(data))
    except ValidationError as error:
        first = error.errors()[0]
        field = str((first.get("loc") or ("input",))[0])
        raise ValidationFailed(field, _message(field, first)) from None


# --- reading -----------------------------------------------------------------------------------


def callback_url() -> str:
    """The redirect URI to register at the provider."""
    return get_settings().api_url.rstrip("/") + CALLBACK_PATH


def _row(organization_id: str) -> SsoConnection | None:
    with session_scope() as db:
        return db.get(SsoConnection, organization_id)


def _domains_of(organization_id: str) -> tuple[str, ...]:
    with session_scope() as db:
        rows = db.exec(select(SsoDomain).where(SsoDomain.organization_id == organization_id))
        return tuple(sorted(row.domain for row in rows))


def _settings_of(row: SsoConnection) -> SsoSettings:
    return SsoSettings(
        issuer=row.issuer,
        client_id=row.client_id,
        secret_set=bool(row.client_secret_encrypted),
        domains=_domains_of(row.organization_id),
        jit_role=row.jit_role,
        groups_claim=row.groups_claim or "",
        group_roles=json.loads(row.group_roles or "{}"),
        require_sso=row.require_sso,
        break_glass_user_ids=tuple(json.loads(row.break_glass_user_ids or "[]")),
        callback_url=callback_url(),
    )


def get_settings_of(principal: Principal) -> SsoSettings | None:
    """The organization's connection as admins see it (no secret), None when not set up."""
    roles.require(principal, roles.ORG_MANAGE)
    row = _row(principal.organization_id)
    return _settings_of(row) if row is not None else None


def connection_of(organization_id: str) -> Connection | None:
    """The stored connection with its secret decrypted, for the sign-in (internal)."""
    row = _row(organization_id)
    if row is None:
        return None
    return Connection(
        organization_id=row.organization_id,
        issuer=row.issuer,
        client_id=row.client_id,
        client_secret=secret_box.decrypt(row.client_secret_encrypted),
        domains=_domains_of(organization_id),
        jit_role=row.jit_role,
        groups_claim=row.groups_claim,
        group_roles=json.loads(row.group_roles or "{}"),
        require_sso=row.require_sso,
        break_glass_user_ids=tuple(json.loads(row.break_glass_user_ids or "[]")),
    )


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def organization_for_domain(domain: str) -> str | None:
    """The organization whose SSO owns ``domain``, if any."""
    with session_scope() as db:
        row = db.get(SsoDomain, domain.lower())
    return row.organization_id if row is not None else None


def hint_for_email(email: object) -> DomainHint:
    """Whether the typed e-mail's domain signs in with SSO (and must), for the login page."""
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        return DomainHint("", False, False)
    domain = domain_of(email)
    organization_id = organization_for_domain(domain) if DOMAIN_PATTERN.match(domain) else None
    if organization_id is None:
        return DomainHint(domain, False, False)
    row = _row(organization_id)
    return DomainHint(domain, row is not None, bool(row and row.require_sso))


def check_password_login_allowed(organization_id: str, user_id: str) -> None:
    """Raise SsoRequired when the organization requires SSO and the person is not one of
    its break-glass admins (called by password sign-in once the password is right)."""
    row = _row(organization_id)
    if row is None or not row.require_sso:
        return
    if user_id in json.loads(row.break_glass_user_ids or "[]"):
        return
    _common.record(
        "auth.login_failed",
        "session",
        Principal(user_id, organization_id, ""),
        resource_id=user_id,
        details={"reason": "sso-required"},
        severity="warning",
    )
    raise SsoRequired()


# --- changing ----------------------------------------------------------------------------------


def _check_domains_free(organization_id: str, domains: list[str]) -> None:
    """A domain another organization owns, or where another organization has people, is
    refused (its people must not be signed in through this organization's provider)."""
    with session_scope() as db:
        taken = db.exec(
            select(SsoDomain).where(
                col(SsoDomain.domain).in_(domains), SsoDomain.organization_id != organization_id
            )
        ).first()
        if taken is not None:
            raise ValidationFailed(
                "domains", f"{taken.domain} is already used by another organization."
            )
        for domain in domains:
            other = db.exec(
                select(UserCredential.user_id).where(
                    col(UserCredential.email).endswith(f"@{domain}"),
                    UserCredential.organization_id != organization_id,
                )
            ).first()
            if other is not None:
                raise ValidationFailed(
                    "domains", f"{domain} has people in another organization; it cannot be used."
                )


def _check_grantable(principal: Principal, form: SsoSettingsInput) -> None:
    for role in (form.jit_role, *form.group_roles.values()):
        if not roles.can_grant(principal.role, role):
            raise ValidationFailed("jit_role", "You can only give roles at or below your own.")


def _check_break_glass(principal: Principal, form: SsoSettingsInput) -> None:
    for user_id in form.break_glass_user_ids:
        try:
            user = _common.get_item(_common.USERS, principal.organization_id, user_id, "User")
        except NotFoundError:
            raise ValidationFailed(
                "break_glass_user_ids", "A break-glass admin is not a person of this organization."
            ) from None
        if user.get("role") not in (Role.ORG_ADMIN.value, Role.SUPER_ADMIN.value):
            raise ValidationFailed(
                "break_glass_user_ids", f"{user.get('email')} is not an organization admin."
            )
    if form.require_sso and not form.break_glass_user_ids:
        raise ValidationFailed(
            "break_glass_user_ids",
            "Choose at least one break-glass admin who can still sign in with a password "
            "when SSO is required (in case the provider is down).",
        )


def _secret_for(form: SsoSettingsInput, existing: SsoConnection | None) -> str:
    if form.client_secret:
        return secret_box.encrypt(form.client_secret)
    if existing is None:
        raise ValidationFailed("client_secret", "Client secret is required.")
    return existing.client_secret_encrypted


def _store(organization_id: str, form: SsoSettingsInput, secret_encrypted: str) -> None:
    now = clock.utcnow()
    try:
        with session_scope() as db:
            row = db.get(SsoConnection, organization_id) or SsoConnection(
                organization_id=organization_id,
                issuer="",
                client_id="",
                client_secret_encrypted="",
                jit_role="",
                created_at=now,
            )
            row.issuer, row.client_id = form.issuer, form.client_id
            row.client_secret_encrypted = secret_encrypted
            row.jit_role, row.groups_claim = form.jit_role, form.groups_claim
            row.group_roles = json.dumps(form.group_roles, sort_keys=True)
            row.require_sso = form.require_sso
            row.break_glass_user_ids = json.dumps(form.break_glass_user_ids)
            row.updated_at = now
            db.add(row)
            db.exec(delete(SsoDomain).where(col(SsoDomain.organization_id) == organization_id))
            db.flush()
            for domain in form.domains:
                db.add(SsoDomain(domain=domain, organization_id=organization_id, created_at=now))
    except IntegrityError:
        # another organization claimed one of the domains between the check and the write
        raise ValidationFailed("domains", "One of the domains is already used.") from None


def save_settings(principal: Principal, data: SsoSettingsInput | Mapping[str, Any]) -> SsoSettings:
    """Create or change the organization's connection (admins, on a plan with SSO). A blank
    secret keeps the one set; the first save needs one. A connection saved before a downgrade
    keeps signing people in (nobody is locked out) and can still be removed."""
    roles.require(principal, roles.ORG_MANAGE)
    standing = entitlements.standing_of(principal.organization_id)
    entitlements.require_feature(standing, SSO_FEATURE, "issuer")
    form = parse_settings(data)
    _check_grantable(principal, form)
    _check_break_glass(principal, form)
    _check_domains_free(principal.organization_id, form.domains)
    existing = _row(principal.organization_id)
    _store(principal.organization_id, form, _secret_for(form, existing))
    details = form.model_dump(exclude={"client_secret"})
    details["secretReplaced"] = bool(form.client_secret)
    _common.record(
        "sso.updated" if existing else "sso.created",
        "sso_connection",
        principal,
        resource_id=principal.organization_id,
        details=details,
    )
    saved = _row(principal.organization_id)
    assert saved is not None
    return _settings_of(saved)


def remove_settings(principal: Principal) -> None:
    """Switch SSO off for the organization: the connection and its domains go."""
    roles.require(principal, roles.ORG_MANAGE)
    organization_id = principal.organization_id
    with session_scope() as db:
        row = db.get(SsoConnection, organization_id)
        if row is None:
            return
        db.delete(row)
        db.exec(delete(SsoDomain).where(col(SsoDomain.organization_id) == organization_id))
    _common.record("sso.removed", "sso_connection", principal, resource_id=organization_id)


def role_for_groups(connection: Connection, claims: Mapping[str, Any]) -> str:
    """The role a first sign-in gets: the highest role mapped from the token's groups,
    else the connection's role for new people."""
    if not connection.groups_claim:
        return connection.jit_role
    groups = claims.get(connection.groups_claim)
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        return connection.jit_role
    mapped = [Role.parse(connection.group_roles[g]) for g in groups if g in connection.group_roles]
    if not mapped:
        return connection.jit_role
    return max(mapped, key=lambda role: role.level).value
