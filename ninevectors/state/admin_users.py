"""Admin: the organization's people — invite, change role, deactivate — and invitations."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services.identity import invitations, roles, users
from ninevectors.state.session import SessionState, friendly_error

PAGE_SIZE = 25


@dataclass
class UserRow:
    id: str
    name: str
    email: str
    role: str
    role_label: str
    status: str
    manageable: bool  # the viewer may change this person's role and status


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

    def _refresh(self, principal: Principal) -> None:
        listing = users.list_users(
            principal, {"search": self.search or None, "page": self.page, "page_size": PAGE_SIZE}
        )
        self.total, self.page_count = listing.total, listing.page_count
        self.can_change_roles = roles.has_permission(principal.role, roles.USERS_MANAGE)
        self.rows = [
            UserRow(
                id=u.id,
                name=u.full_name,
                email=u.email,
                role=u.role,
                role_label=roles.Role.parse(u.role).label,
                status=u.status,
                manageable=self.can_change_roles
                and u.id != principal.user_id
                and roles.can_grant(principal.role, u.role),
            )
            for u in listing.items
        ]
        self.pending = [
            InvitationRow(i.id, i.email, roles.Role.parse(i.role).label, i.expires_at[:10])
            for i in invitations.list_invitations(principal)
        ]
        # Lowest role first, so the invitation form's default is the least privilege.
        self.role_options = [
            RoleOption(r.value, r.label) for r in reversed(roles.grantable_roles(principal.role))
        ]

    def _act(self) -> Principal | rx.event.EventSpec | None:
        """The principal for an action, or the redirect; None when not allowed here."""
        outcome = self._authorize(roles.USERS_INVITE)
        if isinstance(outcome, Principal) and not self.allowed:
            return None
        return outcome

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        outcome = self._act()
        if not isinstance(outcome, Principal):
            return outcome
        self.message = self.error = ""
        self.page = 1
        self._refresh(outcome)
        return None

    def _run(self, action, success: str) -> rx.event.EventSpec | None:  # noqa: ANN001
        outcome = self._act()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            action(outcome)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error, self.message = friendly_error(error), ""
        else:
            self.error, self.message = "", success
        self._refresh(outcome)
        return None

    @rx.event
    def invite(self, form_data: dict) -> rx.event.EventSpec | None:
        data = form_data if isinstance(form_data, dict) else {}
        email = str(data.get("email", ""))[:254]
        return self._run(
            lambda p: invitations.invite(p, email, str(data.get("role", ""))),
            f"Invitation sent to {email}.",
        )

    @rx.event
    def change_role(self, user_id: str, role: str) -> rx.event.EventSpec | None:
        return self._run(lambda p: users.change_role(p, str(user_id), str(role)), "Role changed.")

    @rx.event
    def deactivate(self, user_id: str) -> rx.event.EventSpec | None:
        return self._run(lambda p: users.deactivate_user(p, str(user_id)), "User deactivated.")

    @rx.event
    def reactivate(self, user_id: str) -> rx.event.EventSpec | None:
        return self._run(lambda p: users.reactivate_user(p, str(user_id)), "User reactivated.")

    @rx.event
    def revoke(self, invitation_id: str) -> rx.event.EventSpec | None:
        return self._run(
            lambda p: invitations.revoke_invitation(p, str(invitation_id)), "Invitation revoked."
        )

    @rx.event
    def set_search(self, value: str) -> rx.event.EventSpec | None:
        self.search = value[:100] if isinstance(value, str) else ""
        self.page = 1
        return self._run(lambda p: None, "")

    @rx.event
    def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        if isinstance(page, int) and 1 <= page <= self.page_count:
            self.page = page
        return self._run(lambda p: None, "")
