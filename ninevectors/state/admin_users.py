"""Admin: the organization's people — invite, change role, deactivate — and invitations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import account_sessions, invitations, mfa, roles, users
from ninevectors.state.inputs import MALFORMED_FORM, form_fields, identifier, text, whole_number
from ninevectors.state.session import SessionState, friendly_error

PAGE_SIZE = 25
SEARCH_MAX = 100
EMAIL_MAX = 254
ROLE_MAX = 40
NOT_ALLOWED = "Your role cannot manage the organization's people."


@dataclass
class UserRow:
    id: str
    name: str
    email: str
    role: str
    role_label: str
    status: str
    manageable: bool  # the viewer may change this person's role and status
    has_mfa: bool = False


@dataclass
class InvitationRow:
    id: str
    email: str
    role_label: str
    expires_at: str


@dataclass
class RoleOption:
    value: str
    label: str


@dataclass
class _People:
    """What the page shows, read in one go."""

    rows: list[UserRow]
    pending: list[InvitationRow]
    role_options: list[RoleOption]
    total: int
    page_count: int
    can_change_roles: bool


def _read_people(principal: Principal, search: str, page: int) -> _People:
    listing = users.list_users(
        principal, {"search": search or None, "page": page, "page_size": PAGE_SIZE}
    )
    can_change_roles = roles.has_permission(principal.role, roles.USERS_MANAGE)
    with_mfa = mfa.enrolled_user_ids(principal) if can_change_roles else set()
    rows = [
        UserRow(
            id=u.id,
            name=u.full_name,
            email=u.email,
            role=u.role,
            role_label=roles.Role.parse(u.role).label,
            status=u.status,
            manageable=can_change_roles
            and u.id != principal.user_id
            and roles.can_grant(principal.role, u.role),
            has_mfa=u.id in with_mfa,
        )
        for u in listing.items
    ]
    pending = [
        InvitationRow(i.id, i.email, roles.Role.parse(i.role).label, i.expires_at[:10])
        for i in invitations.list_invitations(principal)
    ]
    # Lowest role first, so the invitation form's default is the least privilege.
    options = [
        RoleOption(r.value, r.label) for r in reversed(roles.grantable_roles(principal.role))
    ]
    return _People(rows, pending, options, listing.total, listing.page_count, can_change_roles)


@dataclass
class _Outcome:
    failure: Exception | None = None
    people: _People | None = None
    unreadable: Exception | None = None


def _act_and_read(
    principal: Principal, search: str, page: int, action: Callable[..., Any] | None, *args: Any
) -> _Outcome:
    """Run ``action(principal, *args)`` (when given), then read the page again."""
    outcome = _Outcome()
    if action is not None:
        try:
            action(principal, *args)
        except Exception as error:  # noqa: BLE001 — the handler shows it
            outcome.failure = error
    try:
        outcome.people = _read_people(principal, search, page)
    except Exception as error:  # noqa: BLE001 — the handler shows it
        outcome.unreadable = error
    return outcome


class AdminUsersState(SessionState):
    rows: list[UserRow] = []
    pending: list[InvitationRow] = []
    role_options: list[RoleOption] = []
    total: int = 0
    page: int = 1
    page_count: int = 1
    search: str = ""
    message: str = ""
    error: str = ""
    can_change_roles: bool = False

    def _show(self, people: _People) -> None:
        self.rows, self.pending, self.role_options = (
            people.rows,
            people.pending,
            people.role_options,
        )
        self.total, self.page_count = people.total, people.page_count
        self.can_change_roles = people.can_change_roles

    async def _run(
        self, success: str, action: Callable[..., Any] | None = None, *args: Any
    ) -> rx.event.EventSpec | None:
        """Run ``action(principal, *args)`` and read the page again, in one trip off the
        event loop; a refusal is shown, never raised."""
        outcome = await self._authorize(roles.USERS_INVITE)
        if not isinstance(outcome, Principal):
            return outcome
        if not self.allowed:
            self.error, self.message = NOT_ALLOWED, ""  # the page says "not allowed"
            return None
        done = await run_blocking(_act_and_read, outcome, self.search, self.page, action, *args)
        if done.failure is not None:
            self.error, self.message = friendly_error(done.failure), ""
        else:
            self.error, self.message = "", success
        if done.unreadable is not None:
            self.error, self.message = friendly_error(done.unreadable), ""
        elif done.people is not None:
            self._show(done.people)
        return None

    def _refuse(self, reason: str) -> None:
        self.error, self.message = reason, ""

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        self.page = 1
        return await self._run("")

    @rx.event
    async def invite(self, form_data: dict) -> rx.event.EventSpec | None:
        data = form_fields(form_data)
        if data is None:
            self._refuse(MALFORMED_FORM)
            return None
        email = text(data.get("email", ""), EMAIL_MAX)
        role = text(data.get("role", ""), ROLE_MAX)
        if email is None or role is None:
            self._refuse("Enter an e-mail address and choose one of the offered roles.")
            return None
        return await self._run(f"Invitation sent to {email}.", invitations.invite, email, role)

    @rx.event
    async def change_role(self, user_id: str, role: str) -> rx.event.EventSpec | None:
        person, chosen = identifier(user_id), text(role, ROLE_MAX)
        if person is None or chosen is None:
            self._refuse("Choose a person of the list and one of the offered roles.")
            return None
        return await self._run("Role changed.", users.change_role, person, chosen)

    @rx.event
    async def deactivate(self, user_id: str) -> rx.event.EventSpec | None:
        person = identifier(user_id)
        if person is None:
            self._refuse("Choose a person of the list to deactivate.")
            return None
        return await self._run("User deactivated.", users.deactivate_user, person)

    @rx.event
    async def reactivate(self, user_id: str) -> rx.event.EventSpec | None:
        person = identifier(user_id)
        if person is None:
            self._refuse("Choose a person of the list to reactivate.")
            return None
        return await self._run("User reactivated.", users.reactivate_user, person)

    @rx.event
    async def revoke(self, invitation_id: str) -> rx.event.EventSpec | None:
        invitation = identifier(invitation_id)
        if invitation is None:
            self._refuse("Choose an invitation of the list to revoke.")
            return None
        return await self._run("Invitation revoked.", invitations.revoke_invitation, invitation)

    @rx.event
    async def set_search(self, value: str) -> rx.event.EventSpec | None:
        if not isinstance(value, str):
            self._refuse("The search must be text.")
            return None
        self.search, self.page = value[:SEARCH_MAX], 1
        return await self._run("")

    @rx.event
    async def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        number = whole_number(page)
        if number is None or not 1 <= number <= self.page_count:
            self._refuse("That page does not exist.")
            return None
        self.page = number
        return await self._run("")

    @rx.event
    async def reset_mfa(self, user_id: str) -> rx.event.EventSpec | None:
        person = identifier(user_id)
        if person is None:
            self._refuse("Choose a person of the list.")
            return None
        return await self._run(
            "Two-step sign-in reset: they set it up again at their next sign-in.",
            mfa.reset_for_user,
            person,
        )

    @rx.event
    async def sign_out_everywhere(self, user_id: str) -> rx.event.EventSpec | None:
        person = identifier(user_id)
        if person is None:
            self._refuse("Choose a person of the list.")
            return None
        return await self._run(
            "Signed out everywhere.", account_sessions.sign_out_everywhere, person
        )
