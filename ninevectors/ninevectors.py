"""Builds the Reflex app: pages, theme and the HTTP routes served beside it."""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable, Iterator

import reflex as rx
from starlette.applications import Starlette

from ninevectors.api import answers, downloads, health, mailbox, metrics, session_cookie, sso
from ninevectors.api import billing as billing_api
from ninevectors.api.observability import EventObserver, RequestObserver
from ninevectors.api.security import SecuredApp
from ninevectors.api.uploads import guard_uploads
from ninevectors.framework import get_framework
from ninevectors.pages import account, admin, admin_sso, assessments, auth, home, wizard
from ninevectors.pages.explorer import learn, vector_page, vector_route
from ninevectors.pages.landing import landing
from ninevectors.pages.not_found import not_found
from ninevectors.pages.registry import PageSpec
from ninevectors.routes import Route
from ninevectors.services.observability.logs import configure_from_settings
from ninevectors.settings import get_settings
from ninevectors.state.admin_audit import AdminAuditState, AdminOutboxState
from ninevectors.state.admin_organization import AdminOrganizationState
from ninevectors.state.admin_sso import AdminSsoState
from ninevectors.state.admin_users import AdminUsersState
from ninevectors.state.assessments import AssessmentDetailState, AssessmentsState
from ninevectors.state.auth_pages import AcceptInviteState, LoginState, ResetPasswordState
from ninevectors.state.dashboard import DashboardState
from ninevectors.state.failures import backend_exception_handler
from ninevectors.state.profile import ProfileState
from ninevectors.state.results import ResultsState
from ninevectors.state.security import SecurityState
from ninevectors.state.session import SessionState
from ninevectors.state.wizard import WizardState

STYLESHEETS = ["/styles.css"]
# Feature page modules that declare their pages in a PAGES list.
FEATURE_PAGE_MODULES = ("analytics", "coach", "documents", "billing", "pricing", "business")


def _api() -> Starlette:
    routes = [*health.routes, *downloads.routes, *session_cookie.routes, *answers.routes]
    routes += metrics.routes + mailbox.routes
    routes += sso.routes + billing_api.routes
    return Starlette(routes=routes)


def _pages() -> list[tuple[Callable[[], rx.Component], str, str, object]]:
    """(page, route, title, on_load) of every page but the per-vector ones."""
    public = SessionState.load_session
    return [
        (landing, Route.HOME, "Strategic assessment", public),
        (learn, Route.LEARN, "Learn the 9 Vectors", public),
        (auth.login, Route.LOGIN, "Sign in", LoginState.load),
        (auth.sign_up, Route.SIGN_UP, "Create your organization", public),
        (auth.forgot_password, Route.FORGOT_PASSWORD, "Reset your password", public),
        (
            auth.reset_password,
            Route.RESET_PASSWORD,
            "Choose a new password",
            ResetPasswordState.load,
        ),
        (auth.accept_invite, Route.ACCEPT_INVITE, "Join your team", AcceptInviteState.load),
        (home.dashboard, Route.DASHBOARD, "Dashboard", DashboardState.load),
        (account.profile, Route.PROFILE, "Your profile", [ProfileState.load, SecurityState.load]),
        (assessments.assessment_list, Route.ASSESSMENTS, "Assessments", AssessmentsState.load),
        (assessments.assessment_detail, Route.ASSESSMENT, "Assessment", AssessmentDetailState.load),
        (wizard.wizard, Route.ASSESSMENT_TAKE, "Take the assessment", WizardState.load),
        (assessments.results, Route.ASSESSMENT_RESULTS, "Your results", ResultsState.load),
        (admin.admin_users, Route.ADMIN_USERS, "People", AdminUsersState.load),
        (
            admin.admin_organization,
            Route.ADMIN_ORGANIZATION,
            "Organization settings",
            AdminOrganizationState.load,
        ),
        (admin_sso.admin_sso, Route.ADMIN_SSO, "Single sign-on", AdminSsoState.load),
        (admin.admin_audit, Route.ADMIN_AUDIT, "Audit log", AdminAuditState.load),
        (admin.admin_outbox, Route.ADMIN_OUTBOX, "E-mail outbox", AdminOutboxState.load),
    ]


def _feature_pages() -> Iterator[PageSpec]:
    for name in FEATURE_PAGE_MODULES:
        yield from importlib.import_module(f"ninevectors.pages.{name}").PAGES


def _with_banner(on_load: object) -> list[object]:
    """The page's own on_load first (it re-checks the session), then the dunning banner."""
    own = on_load if isinstance(on_load, list) else [on_load] if on_load else []
    return [*own, SessionState.load_billing_banner]


def _freeze_startup_objects() -> None:
    """The compiled pages, states and components live as long as the worker: moving them out
    of the cyclic collector's generations spares every full collection from walking them all
    (full collections took 0.2-0.8 s under an answer-saving load before this)."""
    gc.collect()
    gc.freeze()


def build_app() -> rx.App:
    configure_from_settings()
    name = get_settings().app_name
    # RequestObserver wraps every route: request ids, access lines, HTTP metrics.
    # SecuredApp sets the security headers on every answer; guard_uploads refuses bad
    # /_upload requests before Reflex reads their body.
    app = SecuredApp(
        stylesheets=STYLESHEETS,
        api_transformer=[guard_uploads, _api(), RequestObserver],
        backend_exception_handler=backend_exception_handler,
    )
    app.add_middleware(EventObserver(), index=0)
    app.register_lifespan_task(_freeze_startup_objects)
    for page, route, title, on_load in [*_pages(), *_feature_pages()]:
        app.add_page(page, route=route, title=f"{title} · {name}", on_load=_with_banner(on_load))
    for vector in get_framework().vectors:
        app.add_page(
            lambda v=vector: vector_page(v),
            route=vector_route(vector),
            title=f"{vector.name} · Learn the 9 Vectors · {name}",
            on_load=SessionState.load_session,
        )
    app.add_page(
        not_found, route="404", title=f"Page not found · {name}", on_load=SessionState.load_session
    )
    return app


app = build_app()
