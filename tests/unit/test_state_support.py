"""Drive page states through Reflex's own event machinery (imported by the state tests).

A :class:`Browser` is one signed-in tab: its client token, the ``nv_session`` cookie its
websocket handshake carries, the page it is on. ``send`` puts an event on Reflex's real
event processor (``BaseStateEventProcessor`` with the in-memory state manager), exactly as a
websocket message would arrive — payload as sent, no type checks — waits for it and every
event it chained (background ones too), and returns what Reflex would have sent back to the
browser and any exception a handler raised. Tests are synchronous: :func:`run` drives one
scenario on a fresh event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from reflex.event import Event, EventHandler
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.state import BaseState, State
from reflex_base.constants import RouteArgType
from reflex_base.event.processor.base_state_processor import BaseStateEventProcessor
from reflex_base.utils.format import format_event_handler

from ninevectors.models.principal import Principal
from ninevectors.services.identity import sessions
from tests.unit import test_identity_support as support

identity_env = support.identity_env

T = TypeVar("T")
S = TypeVar("S", bound=BaseState)

# The dynamic route args of the app's pages (the app installs them when it adds the pages).
State.setup_dynamic_args({"assessment_id": RouteArgType.SINGLE, "session_id": RouteArgType.SINGLE})


@dataclass
class Answer:
    """What Reflex sent back for one event (and the events it chained)."""

    events: list[Event] = field(default_factory=list)  # frontend events: redirect, download
    errors: list[BaseException] = field(default_factory=list)  # raised by a handler

    def names(self) -> list[str]:
        return [e.name for e in self.events]

    def redirects(self) -> list[str]:
        return [str(e.payload.get("path")) for e in self.events if e.name == "_redirect"]


class _Frontend:
    """Stands in for the websocket namespace: records what would be sent to the browser."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def emit_update(self, update: Any, token: str) -> None:
        self.events.extend(update.events)


class Reflex:
    """One event processor, as a Reflex worker runs it."""

    def __init__(self) -> None:
        self.frontend = _Frontend()
        self.errors: list[BaseException] = []
        self.processor = BaseStateEventProcessor(backend_exception_handler=self._record).configure(
            state_manager=StateManagerMemory(), event_namespace=self.frontend
        )

    def _record(self, error: Exception) -> None:
        self.errors.append(error)

    async def __aenter__(self) -> Reflex:
        await self.processor.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.processor.stop()

    def browser(self, login: sessions.LoginResult | None = None, token: str = "tab-1") -> Browser:
        cookie = f"{sessions.COOKIE_NAME}={support.token_of(login)}" if login else ""
        return Browser(self, token, cookie)


class Browser:
    """One browser tab of a person (or of nobody signed in)."""

    def __init__(self, reflex: Reflex, token: str, cookie: str) -> None:
        self.reflex, self.token, self.cookie = reflex, token, cookie
        self.router_data: dict[str, Any] = {}

    def _page(self, route: str, params: Mapping[str, Any], query: Mapping[str, str]) -> None:
        path = route
        for name, value in params.items():
            path = path.replace(f"[{name}]", str(value))
        if query:
            path += "?" + urlencode(query)
        self.router_data = {
            "pathname": route,
            "asPath": path,
            "query": {**query, **params},
            "headers": {
                "origin": "http://localhost:3000",
                "cookie": self.cookie,
                "user-agent": "pytest",
            },
            "ip": "127.0.0.1",
            "token": self.token,
            "sid": f"sid-{self.token}",
        }

    async def open(
        self,
        route: str,
        on_load: EventHandler | None = None,
        params: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Answer:
        """Navigate to ``route`` (dynamic ``params`` filled in), then run its on_load."""
        self._page(route, params or {}, query or {})
        hydrate = await self._send(format_event_handler(State.event_handlers["hydrate"]), {})
        if hydrate.errors or on_load is None:
            return hydrate
        return await self.send(on_load)

    async def send(self, handler: EventHandler, **payload: Any) -> Answer:
        """Send the event of ``handler`` with ``payload`` (any values) from this page."""
        return await self._send(format_event_handler(handler), payload)

    async def start(self, handler: EventHandler, **payload: Any) -> Awaitable[Answer]:
        """Send the event without waiting: await the result for its answer (the events of
        other tabs or handlers that ran meanwhile are in it too)."""
        return await self._enqueue(format_event_handler(handler), payload)

    async def _send(self, name: str, payload: dict[str, Any]) -> Answer:
        return await (await self._enqueue(name, payload))

    async def _enqueue(self, name: str, payload: dict[str, Any]) -> Awaitable[Answer]:
        reflex = self.reflex
        sent, raised = len(reflex.frontend.events), len(reflex.errors)
        event = Event(name=name, payload=payload, router_data=self.router_data)
        future = await reflex.processor.enqueue(self.token, event)

        async def answer() -> Answer:
            try:
                await future.wait_all()
            except Exception as error:  # noqa: BLE001 — the test asserts there is none
                reflex.errors.append(error)
            return Answer(reflex.frontend.events[sent:], reflex.errors[raised:])

        return answer()

    async def state(self, cls: type[S]) -> S:
        """The tab's state of ``cls``, as stored between events."""
        manager = self.reflex.processor._root_context.state_manager  # type: ignore[union-attr]
        root = await manager.get_state(BaseStateToken(ident=self.token, cls=cls))
        return await root.get_state(cls)


def run(scenario: Callable[[Reflex], Awaitable[T]]) -> T:
    """Run ``scenario`` against a fresh Reflex event processor on a fresh event loop."""

    async def main() -> T:
        async with Reflex() as reflex:
            return await scenario(reflex)

    return asyncio.run(main())


def login_of(principal: Principal) -> sessions.LoginResult:
    """A live session of ``principal`` (users written straight to the store included)."""
    return sessions.begin_session(
        principal.user_id, principal.organization_id, principal.role, "127.0.0.1", "pytest"
    )


def test_an_event_runs_through_reflex_and_its_answer_is_recorded(identity_env: str) -> None:
    from ninevectors.state.dashboard import DashboardState

    async def scenario(reflex: Reflex) -> tuple[Answer, Answer, str]:
        anonymous = reflex.browser(token="anonymous")
        refused = await anonymous.open("/dashboard", DashboardState.load)
        admin = reflex.browser(support.sign_up(), token="admin")
        shown = await admin.open("/dashboard", DashboardState.load)
        return refused, shown, (await admin.state(DashboardState)).user_email

    refused, shown, email = run(scenario)
    assert refused.errors == [] and refused.redirects() == ["/login?next=/dashboard"]
    assert shown.errors == [] and shown.redirects() == []
    assert email == "ada@alpha.example"
