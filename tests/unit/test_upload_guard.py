"""The guard in front of Reflex's ``/_upload``: refusals come from the headers alone, before a
byte of the body is read, and a body running past the limit is cut off with 413.

Behind the guard runs Reflex's own upload endpoint; only Reflex's event processor (which
would run the handler) is replaced by a recorder of the events it is handed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import pytest
from reflex.app import App, upload
from reflex_base.registry import RegistrationContext
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Message

from ninevectors.api.uploads import UploadGuard, upload_handler_names
from ninevectors.services.database import reset_engine
from ninevectors.services.identity import sessions
from ninevectors.settings import get_settings
from ninevectors.state.documents import DocumentsState
from tests.unit import test_identity_support as support

identity_env = support.identity_env

HANDLER = f"{DocumentsState.get_full_name()}.handle_upload"
NOT_AN_UPLOAD_HANDLER = f"{DocumentsState.get_full_name()}.start_upload"
LIMIT = 4000
BOUNDARY = "nv-test-boundary"


@dataclass
class Processor:
    """Stands in for Reflex's event processor: records each upload event and its files."""

    files: list[tuple[str, bytes]] = field(default_factory=list)

    async def enqueue_stream_delta(self, _token: str, event: Any) -> AsyncIterator[dict]:
        self.files += [(str(f.filename), f.file.read()) for f in event.payload["files"]]
        yield {}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    chunks_read: int


def multipart(*files: tuple[str, bytes]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        f"Content-Type: text/plain\r\n\r\n".encode()
        + data
        + b"\r\n"
        for name, data in files
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def guarded(processor: Processor) -> UploadGuard:
    reflex_routes = Starlette(
        routes=[
            Route(
                "/_upload",
                upload(cast(App, SimpleNamespace(event_processor=processor))),
                methods=["POST"],
            )
        ]
    )
    handlers = upload_handler_names(RegistrationContext.ensure_context().event_handlers)
    return UploadGuard(reflex_routes, handlers, max_request_bytes=LIMIT)


async def _call(app: UploadGuard, scope: dict[str, Any], chunks: Sequence[bytes]) -> Answer:
    context = RegistrationContext.ensure_context()
    RegistrationContext.set(context)  # as Reflex's own middleware does for each request
    pending = list(chunks)
    read = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal read
        if not pending:  # the client waits for the answer (it never goes away here)
            await asyncio.Event().wait()
        read += 1
        return {"type": "http.request", "body": pending.pop(0), "more_body": bool(pending)}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return Answer(start["status"], headers, body, read)


def call(
    app: UploadGuard,
    *,
    token: str | None,
    chunks: Sequence[bytes] = (),
    method: str = "POST",
    path: str = "/_upload",
    handler: str = HANDLER,
    client_token: str | None = "tab-token",
    length: int | None | str = "auto",
) -> Answer:
    """One request to the guard; ``length`` "auto" declares the body's length, None none."""
    headers = {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
        "reflex-event-handler": handler,
    }
    if client_token is not None:
        headers["reflex-client-token"] = client_token
    if token is not None:
        headers["cookie"] = f"{sessions.COOKIE_NAME}={token}"
    if length == "auto":
        headers["content-length"] = str(sum(len(c) for c in chunks))
    elif length is not None:
        headers["content-length"] = str(length)
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 3000),
        "scheme": "http",
        "http_version": "1.1",
    }
    return asyncio.run(_call(app, scope, chunks))


@pytest.fixture
def processor() -> Processor:
    return Processor()


@pytest.fixture
def app(processor: Processor) -> UploadGuard:
    return guarded(processor)


@pytest.fixture
def token(identity_env: str) -> Iterator[str]:
    started = sessions.begin_session("user_uploader", "org_uploads", "member")
    redeemed = sessions.redeem_handoff(started.handoff)
    assert redeemed is not None
    yield redeemed


def test_only_handlers_taking_files_are_upload_handlers() -> None:
    names = upload_handler_names(RegistrationContext.ensure_context().event_handlers)
    assert HANDLER in names
    assert NOT_AN_UPLOAD_HANDLER not in names


def test_a_signed_in_upload_reaches_reflex_intact(
    app: UploadGuard, processor: Processor, token: str
) -> None:
    body = multipart(("a.txt", b"alpha"), ("b.txt", b"beta"))
    answer = call(app, token=token, chunks=[body[:50], body[50:]])
    assert answer.status == 200
    assert processor.files == [("a.txt", b"alpha"), ("b.txt", b"beta")]


@pytest.mark.parametrize("cookie", [None, "not-a-session"])
def test_without_a_session_nothing_is_read(
    app: UploadGuard, processor: Processor, identity_env: str, cookie: str | None
) -> None:
    answer = call(app, token=cookie, chunks=[multipart(("a.txt", b"alpha"))])
    assert (answer.status, answer.chunks_read) == (401, 0)
    assert b"Sign in" in answer.body
    assert answer.headers["cache-control"] == "no-store"
    assert processor.files == []


def test_a_session_that_cannot_be_checked_is_a_503_not_a_500(
    app: UploadGuard, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A PostgreSQL URL on a port where nothing listens.
    monkeypatch.setenv("NINEVECTORS_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    reset_engine()
    try:
        answer = call(app, token="some-token", chunks=[b"x"])
    finally:
        reset_engine()
        get_settings.cache_clear()
    assert (answer.status, answer.chunks_read) == (503, 0)
    assert b"Traceback" not in answer.body


@pytest.mark.parametrize(
    ("handler", "named"),
    [(NOT_AN_UPLOAD_HANDLER, b"start_upload"), ("state.nothing_here", b"nothing_here")],
)
def test_a_handler_that_takes_no_files_is_a_400(
    app: UploadGuard, processor: Processor, token: str, handler: str, named: bytes
) -> None:
    answer = call(app, token=token, handler=handler, chunks=[multipart(("a.txt", b"a"))])
    assert (answer.status, answer.chunks_read) == (400, 0)
    assert named in answer.body and b"not an upload handler" in answer.body
    assert processor.files == []


def test_a_declared_length_over_the_limit_is_refused_unread(
    app: UploadGuard, processor: Processor, token: str
) -> None:
    answer = call(app, token=token, chunks=[b"x" * 100], length=LIMIT + 1)
    assert (answer.status, answer.chunks_read) == (413, 0)
    assert b"Uploads are limited to" in answer.body
    assert processor.files == []


def test_a_chunked_body_is_cut_off_once_past_the_limit(
    app: UploadGuard, processor: Processor, token: str
) -> None:
    body = multipart(("big.txt", b"x" * (3 * LIMIT)))
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    answer = call(app, token=token, chunks=chunks, length=None)
    assert answer.status == 413
    assert answer.chunks_read == LIMIT // 1000 + 1  # the chunk that ran past, no more
    assert processor.files == []  # Reflex dropped what it had parsed; no handler ran


def test_a_chunked_body_within_the_limit_passes(
    app: UploadGuard, processor: Processor, token: str
) -> None:
    body = multipart(("small.txt", b"y" * 1000))
    answer = call(app, token=token, chunks=[body[:500], body[500:]], length=None)
    assert answer.status == 200
    assert processor.files == [("small.txt", b"y" * 1000)]


def test_a_malformed_length_is_a_400(app: UploadGuard, token: str) -> None:
    answer = call(app, token=token, chunks=[b"x"], length="12abc")
    assert (answer.status, answer.chunks_read) == (400, 0)


def test_a_missing_client_token_is_a_400(app: UploadGuard, token: str) -> None:
    answer = call(app, token=token, chunks=[b"x"], client_token=None)
    assert (answer.status, answer.chunks_read) == (400, 0)
    assert b"Reflex-Client-Token" in answer.body


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_a_405(app: UploadGuard, identity_env: str, method: str) -> None:
    answer = call(app, token=None, method=method)
    assert (answer.status, answer.headers["allow"]) == (405, "POST")


def test_reflexs_upload_folder_is_not_served(app: UploadGuard, identity_env: str) -> None:
    answer = call(app, token=None, method="GET", path="/_upload/secret.txt")
    assert answer.status == 404


def test_the_default_limit_holds_four_full_size_documents() -> None:
    settings = get_settings()
    guard = UploadGuard(Starlette(), frozenset())
    assert guard.max_request_bytes == settings.upload_max_request_bytes
    assert guard.max_request_bytes > 4 * settings.document_max_bytes
