"""The app shell every page plugs into: header, sidebar (a menu on phones), content."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from ninevectors.components.forms import link_button, not_allowed
from ninevectors.framework import get_framework
from ninevectors.routes import Route
from ninevectors.state.session import SessionState


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    icon: str


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", Route.HOME, "home"),
    NavItem("Learn the 9 Vectors", Route.LEARN, "compass"),
    NavItem("Pricing", Route.PRICING, "tag"),
)
SIGNED_IN_ITEMS: tuple[NavItem, ...] = (
    NavItem("Dashboard", Route.DASHBOARD, "layout-dashboard"),
    NavItem("Assessments", Route.ASSESSMENTS, "clipboard-check"),
    NavItem("Coach", Route.COACH, "messages-square"),
    NavItem("Documents", Route.DOCUMENTS, "folder-open"),
    NavItem("Learn the 9 Vectors", Route.LEARN, "compass"),
    NavItem("Profile", Route.PROFILE, "user"),
)
PEOPLE_ITEM = NavItem("People", Route.ADMIN_USERS, "users")
OPERATOR_ITEM = NavItem("Business metrics", Route.ADMIN_BUSINESS, "chart-line")
ADMIN_ITEMS: tuple[NavItem, ...] = (
    NavItem("Organization", Route.ADMIN_ORGANIZATION, "building-2"),
    NavItem("Single sign-on", Route.ADMIN_SSO, "key-round"),
    NavItem("Billing", Route.ADMIN_BILLING, "credit-card"),
    NavItem("Audit log", Route.ADMIN_AUDIT, "scroll-text"),
    NavItem("Outbox", Route.ADMIN_OUTBOX, "mail"),
)


def _brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.box(
                rx.text("9", weight="bold", color="white", size="4"),
                background="linear-gradient(135deg, #10b981, #6366f1)",
                border_radius="8px",
                padding_x="0.55em",
                padding_y="0.1em",
            ),
            rx.text("Vectors", weight="bold", size="5", color=rx.color("gray", 12)),
            spacing="1",
            align="center",
        ),
        href=Route.HOME,
        underline="none",
        aria_label="9Vectors home",
    )


def _nav_link(item: NavItem) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(item.icon, size=18), rx.text(item.label, size="3"), align="center"),
        href=item.href,
        underline="none",
        color=rx.color("gray", 12),
        padding="0.5em 0.75em",
        border_radius="6px",
        width="100%",
        _hover={"background": rx.color("accent", 3)},
    )


def _vector_links() -> rx.Component:
    return rx.vstack(
        rx.text("Vectors", size="1", weight="bold", color=rx.color("gray", 10), padding_x="0.75em"),
        *[
            rx.link(
                rx.hstack(
                    rx.box(width="10px", height="10px", border_radius="50%", background=v.color),
                    rx.text(v.name, size="2"),
                    align="center",
                ),
                href=f"{Route.LEARN}/{v.name.lower()}",
                underline="none",
                color=rx.color("gray", 11),
                padding="0.25em 0.75em",
                width="100%",
            )
            for v in get_framework().vectors
        ],
        spacing="0",
        width="100%",
        padding_top="1em",
    )


def _nav_items() -> rx.Component:
    """What the person's role may use: nothing else is shown."""
    return rx.cond(
        SessionState.is_authenticated,
        rx.vstack(
            *[_nav_link(item) for item in SIGNED_IN_ITEMS],
            rx.cond(SessionState.can_manage_users, _nav_link(PEOPLE_ITEM)),
            rx.cond(
                SessionState.can_manage_organization,
                rx.vstack(*[_nav_link(item) for item in ADMIN_ITEMS], spacing="1", width="100%"),
            ),
            rx.cond(SessionState.platform_operator, _nav_link(OPERATOR_ITEM)),
            spacing="1",
            width="100%",
        ),
        rx.vstack(*[_nav_link(item) for item in NAV_ITEMS], spacing="1", width="100%"),
    )


def sidebar() -> rx.Component:
    return rx.el.nav(
        rx.vstack(_nav_items(), _vector_links(), spacing="1"),
        aria_label="Main navigation",
        width="15em",
        min_width="15em",
        padding="1em 0.5em",
        border_right=f"1px solid {rx.color('gray', 5)}",
        height="calc(100vh - 3.5em)",
        position="sticky",
        top="3.5em",
        overflow_y="auto",
    )


def _mobile_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(rx.icon("menu"), variant="ghost", aria_label="Open navigation menu"),
        ),
        rx.menu.content(
            rx.cond(
                SessionState.is_authenticated,
                rx.fragment(
                    *[rx.menu.item(rx.link(i.label, href=i.href)) for i in SIGNED_IN_ITEMS],
                    rx.cond(
                        SessionState.can_manage_users,
                        rx.menu.item(rx.link(PEOPLE_ITEM.label, href=PEOPLE_ITEM.href)),
                    ),
                    rx.cond(
                        SessionState.can_manage_organization,
                        rx.fragment(
                            *[rx.menu.item(rx.link(i.label, href=i.href)) for i in ADMIN_ITEMS]
                        ),
                    ),
                    rx.cond(
                        SessionState.platform_operator,
                        rx.menu.item(rx.link(OPERATOR_ITEM.label, href=OPERATOR_ITEM.href)),
                    ),
                ),
                rx.fragment(*[rx.menu.item(rx.link(i.label, href=i.href)) for i in NAV_ITEMS]),
            ),
        ),
    )


def _sign_in_links() -> rx.Component:
    return rx.hstack(
        link_button("Sign in", Route.LOGIN, variant="soft", id="header-sign-in"),
        rx.desktop_only(link_button("Start free", Route.SIGN_UP)),
    )


def _user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(fallback=SessionState.initials, size="1", radius="full"),
                rx.desktop_only(rx.text(SessionState.user_name, size="2")),
                variant="ghost",
                aria_label="Account menu",
                id="account-menu",
            ),
        ),
        rx.menu.content(
            rx.text(
                SessionState.user_email, size="1", color=rx.color("gray", 10), padding_x="0.75em"
            ),
            rx.menu.item(rx.link("Profile", href=Route.PROFILE)),
            rx.menu.separator(),
            rx.menu.item("Sign out", on_click=SessionState.log_out, id="sign-out"),
        ),
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.mobile_and_tablet(_mobile_menu()),
            _brand(),
            rx.cond(
                SessionState.is_authenticated,
                rx.desktop_only(
                    rx.text(
                        SessionState.organization_name,
                        size="2",
                        color=rx.color("gray", 11),
                        id="header-organization",
                    )
                ),
            ),
            rx.spacer(),
            rx.cond(SessionState.is_authenticated, _user_menu(), _sign_in_links()),
            align="center",
            width="100%",
            padding_x="1em",
            height="3.5em",
        ),
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1),
        border_bottom="3px solid " + SessionState.brand_color.to(str),
        width="100%",
        id="app-header",
    )


def dunning_banner() -> rx.Component:
    """Billing admins, while a payment is overdue: what happens and where to fix it."""
    return rx.cond(
        SessionState.billing_banner != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle_alert")),
            rx.callout.text(
                SessionState.billing_banner,
                " ",
                rx.link("Go to Billing", href=Route.ADMIN_BILLING, id="dunning-billing-link"),
            ),
            color_scheme=rx.cond(SessionState.billing_read_only, "red", "amber"),
            role="status",
            id="dunning-banner",
            margin_bottom="1em",
        ),
    )


def app_shell(*content: rx.Component) -> rx.Component:
    """Wrap a page's content in the header and sidebar."""
    return rx.box(
        rx.el.a("Skip to content", href="#main", class_name="skip-link"),
        header(),
        rx.hstack(
            rx.desktop_only(sidebar()),
            rx.el.main(
                rx.container(
                    dunning_banner(), *content, size="4", padding_y="1.5em", padding_x="1em"
                ),
                id="main",
                width="100%",
                min_width="0",
            ),
            spacing="0",
            align="start",
            width="100%",
        ),
        width="100%",
    )


def guarded_shell(state: type[SessionState], *content: rx.Component) -> rx.Component:
    """A page for those ``state`` allows: a spinner while the session is checked, then the
    content or "not allowed" (the state loads no data for the latter)."""
    return app_shell(
        rx.cond(
            SessionState.is_authenticated,
            rx.cond(state.allowed, rx.fragment(*content), not_allowed()),
            rx.spinner(aria_label="Loading"),
        )
    )
