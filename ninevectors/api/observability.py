"""The HTTP and Reflex side of observability: request ids, access lines, latency metrics.

:class:`RequestObserver` wraps the whole ASGI app (an ``api_transformer``). Each HTTP request
gets an id (a sane incoming ``X-Request-ID`` or a new one) that every log line of the request
carries and the response returns; when the request ends it is timed by route template and
status class and logged in one line. A websocket (Reflex's event socket) counts as an open
connection while it lasts; what Reflex logs about the connection carries its request id.

:class:`EventObserver` is a Reflex middleware: before a handler runs (the state is held) it
binds an event id, the handler's name and the signed-in principal to the event's task, and
when the task ends it times the handler by name and outcome and logs one line.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import TYPE_CHECKING, Any

from reflex.middleware import Middleware
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ninevectors.services.observability import context
from ninevectors.services.observability import metrics as nv_metrics

if TYPE_CHECKING:
    from reflex.app import App
    from reflex.state import BaseState, StateUpdate
    from reflex_base.event import Event

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED_ROUTE = "unmatched"
# Probes and scrapes answer every few seconds: their lines are DEBUG, not INFO.
QUIET_ROUTES = frozenset({"/health", "/ready", "/metrics", "/ping", "/_health"})

http_log = logging.getLogger("ninevectors.http")
event_log = logging.getLogger("ninevectors.events")


def route_template(scope: Scope, status: int, outer_route: object = None) -> str:
    """The template of the innermost route that matched (``/files/{name:path}``), never
    the raw path: a label and a log field must not carry ids or tokens. ``outer_route`` is
    the route that led to this middleware (Reflex mounts it): still there means no match;
    so does a mount (Reflex's API, the static pages) that found nothing."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    is_mount = isinstance(route, Mount)
    if path is None or route is outer_route or (is_mount and status == 404):
        return UNMATCHED_ROUTE
    return f"{path}/*" if is_mount else path or "/"


def request_id_of(scope: Scope) -> str:
    return context.accepted_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER)) or (
        context.new_request_id()
    )


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = request_id_of(scope)
        outer_route = scope.get("route")
        status = 500  # if the app fails before it answers
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                if REQUEST_ID_HEADER not in headers:
                    headers.append(REQUEST_ID_HEADER, request_id)
            await send(message)

        with context.bound(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = route_template(scope, status, outer_route)
                _finish_request(scope, route, status, time.perf_counter() - started)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        nv_metrics.websocket_opened()
        try:
            with context.bound(request_id=request_id_of(scope)):
                await self.app(scope, receive, send)
        finally:
            nv_metrics.websocket_closed()


def _finish_request(scope: Scope, route: str, status: int, seconds: float) -> None:
    nv_metrics.record_http_request(route, status, seconds)
    level = logging.WARNING if status >= 500 else logging.INFO
    if route in QUIET_ROUTES and status < 500:
        level = logging.DEBUG
    method = scope.get("method", "")
    http_log.log(
        level,
        "%s %s %s",
        method,
        route,
        status,
        extra={"route": route, "method": method, "status": status, "latency_ms": _ms(seconds)},
    )


# ---- Reflex events -------------------------------------------------------------------------


def handler_label(event_name: str) -> str:
    """``reflex___state____state.ninevectors___state___wizard____wizard_state.save`` →
    ``wizard_state.save``: the state's own name and the handler's."""
    state_path, _, handler = event_name.rpartition(".")
    state = state_path.rpartition(".")[2].rpartition("____")[2]
    return f"{state}.{handler}" if state else handler


def principal_fields(state: Any) -> dict[str, str]:
    """User id, organization id and role from the session state already in memory (never
    loaded for this: a log field is not worth a state read)."""
    from ninevectors.state.session import SessionState

    root = state
    while getattr(root, "parent_state", None) is not None:
        root = root.parent_state
    session = getattr(root, "substates", {}).get(SessionState.get_name())
    if session is None:
        return {}
    fields = {name: getattr(session, name, "") for name in ("user_id", "organization_id", "role")}
    return {name: value for name, value in fields.items() if isinstance(value, str) and value}


def _event_id() -> str:
    from reflex_base.event.context import EventContext

    try:
        return EventContext.get().txid  # Reflex's own id of this event
    except LookupError:
        return context.new_request_id()[:12]


class EventObserver(Middleware):
    """Add with ``app.add_middleware(EventObserver(), index=0)``: first, so it also sees the
    events another middleware answers (hydration)."""

    async def preprocess(self, app: App, state: BaseState, event: Event) -> StateUpdate | None:
        task = asyncio.current_task()
        handler = handler_label(event.name)
        context.bind(event_id=_event_id(), handler=handler, **principal_fields(state))
        if task is not None:  # the event's own task: the binding ends with it
            started = time.perf_counter()
            task.add_done_callback(functools.partial(_finish_event, handler, started))
        return None


def _finish_event(handler: str, started: float, task: asyncio.Task[Any]) -> None:
    seconds = time.perf_counter() - started
    if task.cancelled():
        outcome = "cancelled"
    elif task.exception() is not None:
        outcome = "error"
    else:
        outcome = "ok"
    nv_metrics.record_event(handler, outcome, seconds)
    event_log.log(
        logging.WARNING if outcome == "error" else logging.INFO,
        "%s %s",
        handler,
        outcome,
        extra={"outcome": outcome, "latency_ms": _ms(seconds)},
    )


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
