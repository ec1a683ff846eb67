"""The request observer around the ASGI app: request ids, access lines, HTTP and websocket
metrics; and the Reflex event hook: event ids, handler timing, outcome."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY
from reflex.state import State
from reflex_base.event import Event
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from ninevectors.api.observability import (
    EventObserver,
    RequestObserver,
    handler_label,
    principal_fields,
)
from ninevectors.services.observability import context
from ninevectors.services.observability.logs import build_handler
from ninevectors.state.session import SessionState

HTTP_COUNT = "ninevectors_http_request_duration_seconds_count"
EVENT_COUNT = "ninevectors_event_handler_duration_seconds_count"


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def item(request: Request) -> JSONResponse:
    logging.getLogger("ninevectors.test.route").info("loading the item")
    return JSONResponse({"id": request.path_params["item_id"]})


async def broken(_request: Request) -> PlainTextResponse:
    raise RuntimeError("boom")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.receive_text()
    await websocket.send_text(str(REGISTRY.get_sample_value("ninevectors_websocket_connections")))
    await websocket.close()


@pytest.fixture
def client() -> TestClient:
    # Shaped like Reflex's: a top app mounts the transformed app, which holds our routes and
    # mounts Reflex's own API.
    reflex_api = Starlette(routes=[Route("/ping", lambda _request: PlainTextResponse("pong"))])
    routes = [
        Route("/items/{item_id}", item),
        Route("/broken", broken),
        WebSocketRoute("/_event", socket),
        Mount("", app=reflex_api),
    ]
    top = Starlette(routes=[Mount("", app=RequestObserver(Starlette(routes=routes)))])
    return TestClient(top, raise_server_exceptions=False)


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """What the observer and the routes log, as parsed JSON lines."""
    stream = io.StringIO()
    handler = build_handler("json", stream)
    names = ("ninevectors.http", "ninevectors.events", "ninevectors.test.route")
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)


def test_a_request_gets_an_id_every_line_carries_and_the_response_returns(
    client: TestClient, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    response = client.get("/items/42?token=secret")
    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    lines = log_lines()
    route_line, access_line = lines
    assert route_line["message"] == "loading the item"
    assert route_line["request_id"] == request_id
    assert access_line["logger"] == "ninevectors.http"
    assert access_line["message"] == "GET /items/{item_id} 200"
    assert access_line["route"] == "/items/{item_id}"
    assert access_line["status"] == 200 and access_line["method"] == "GET"
    assert access_line["request_id"] == request_id
    assert isinstance(access_line["latency_ms"], float)
    assert "secret" not in json.dumps(lines) and "/items/42" not in json.dumps(lines)


def test_a_sane_incoming_request_id_is_kept_an_insane_one_replaced(client: TestClient) -> None:
    kept = client.get("/items/1", headers={"X-Request-ID": "edge-7f3a.1"})
    assert kept.headers["X-Request-ID"] == "edge-7f3a.1"
    replaced = client.get("/items/1", headers={"X-Request-ID": "<script>"})
    assert replaced.headers["X-Request-ID"] != "<script>"
    assert len(replaced.headers["X-Request-ID"]) == 32


def test_latency_is_recorded_by_route_template_and_status_class(client: TestClient) -> None:
    ok_before = _sample(HTTP_COUNT, route="/items/{item_id}", status_class="2xx")
    error_before = _sample(HTTP_COUNT, route="/broken", status_class="5xx")
    missing_before = _sample(HTTP_COUNT, route="unmatched", status_class="4xx")
    ping_before = _sample(HTTP_COUNT, route="/ping", status_class="2xx")
    assert client.get("/ping").text == "pong"
    client.get("/items/1")
    client.get("/items/2")
    assert client.get("/broken").status_code == 500
    assert client.get("/no/such/page").status_code == 404
    assert _sample(HTTP_COUNT, route="/items/{item_id}", status_class="2xx") == ok_before + 2
    assert _sample(HTTP_COUNT, route="/broken", status_class="5xx") == error_before + 1
    assert _sample(HTTP_COUNT, route="unmatched", status_class="4xx") == missing_before + 1
    assert _sample(HTTP_COUNT, route="/ping", status_class="2xx") == ping_before + 1
    assert _sample(HTTP_COUNT, route="/items/1", status_class="2xx") == 0  # never raw paths


def test_open_websockets_are_counted_while_they_last(client: TestClient) -> None:
    before = _sample("ninevectors_websocket_connections")
    with client.websocket_connect("/_event") as websocket:
        websocket.send_text("hello")
        assert float(websocket.receive_text()) == before + 1
    assert _sample("ninevectors_websocket_connections") == before


# ---- Reflex events -------------------------------------------------------------------------

EVENT_NAME = "reflex___state____state.ninevectors___state___wizard____wizard_state.save_answer"


def test_handler_label_is_the_state_and_handler_name() -> None:
    assert handler_label(EVENT_NAME) == "wizard_state.save_answer"
    assert handler_label("reflex___state____state.hydrate") == "state.hydrate"


def _session_state(**fields: str) -> Any:
    """A real Reflex state tree; the session state as a sign-in leaves it."""
    root = State(_reflex_internal_init=True)
    session = root.substates[SessionState.get_name()]
    session.user_email = "a@b.com"
    for name, value in fields.items():
        setattr(session, name, value)
    return session


def test_principal_comes_from_the_loaded_session_state_without_the_email() -> None:
    state = _session_state(user_id="u1", organization_id="o1", role="manager")
    assert principal_fields(state) == {"user_id": "u1", "organization_id": "o1", "role": "manager"}
    assert principal_fields(state.parent_state) == principal_fields(state)  # from the root too
    assert principal_fields(_session_state()) == {}


def _run_event(handler_body: Any) -> dict[str, str]:
    """Run one event the way Reflex does: its own task, the middleware first, then the
    handler; return the log context the handler saw."""
    seen: dict[str, str] = {}
    state = _session_state(user_id="u1", organization_id="o1", role="staff")

    async def event_task() -> None:
        await EventObserver().preprocess(app=None, state=state, event=Event(name=EVENT_NAME))  # type: ignore[arg-type]
        seen.update(context.current())
        await handler_body()

    async def main() -> None:
        task = asyncio.create_task(event_task())
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0)  # done callbacks run on the next loop turn

    asyncio.run(main())
    return seen


def test_an_event_is_timed_by_handler_and_outcome(
    log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    labels = {"handler": "wizard_state.save_answer"}
    ok_before = _sample(EVENT_COUNT, **labels, outcome="ok")
    error_before = _sample(EVENT_COUNT, **labels, outcome="error")

    async def fine() -> None:
        await asyncio.sleep(0.01)

    async def failing() -> None:
        raise ValueError("bad payload")

    seen = _run_event(fine)
    _run_event(failing)
    assert _sample(EVENT_COUNT, **labels, outcome="ok") == ok_before + 1
    assert _sample(EVENT_COUNT, **labels, outcome="error") == error_before + 1
    assert len(seen["event_id"]) == 12
    assert seen["handler"] == "wizard_state.save_answer"
    assert (seen["user_id"], seen["organization_id"], seen["role"]) == ("u1", "o1", "staff")
    lines = log_lines()
    ok_line, error_line = lines
    assert ok_line["message"] == "wizard_state.save_answer ok"
    assert ok_line["event_id"] == seen["event_id"] and ok_line["user_id"] == "u1"
    assert ok_line["outcome"] == "ok" and ok_line["latency_ms"] >= 10
    assert error_line["level"] == "warning" and error_line["outcome"] == "error"
    assert "a@b.com" not in json.dumps(lines)
