"""A guard in front of Reflex's ``/_upload`` endpoint that refuses before reading the body.

Reflex parses (and spools to temporary files) the whole multipart body before the upload
handler runs, and only the handler checks who is asking. The guard answers first, from the
request's headers alone:

- 405 for any method but POST; 404 under ``/_upload/`` (Reflex would serve its upload
  folder there; our documents live in blob storage, behind signed links);
- 401 without a live ``nv_session`` cookie (503 if the session cannot be checked);
- 400 without Reflex's token header, or when ``Reflex-Event-Handler`` does not name one of
  the app's upload handlers (Reflex answers 500 for a handler that takes no files);
- 413 when Content-Length exceeds ``upload_max_request_bytes``, and while reading when a
  body without one (chunked) runs past it: Reflex then sees a disconnect, drops what it
  parsed, and its handler never runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from reflex_base import constants
from reflex_base.config import get_config
from reflex_base.event import resolve_upload_chunk_handler_param, resolve_upload_handler_param
from reflex_base.registry import RegisteredEventHandler, RegistrationContext
from reflex_base.utils.exceptions import UploadTypeError, UploadValueError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ninevectors.models.principal import Principal
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import sessions
from ninevectors.settings import get_settings

log = logging.getLogger(__name__)

TOKEN_HEADER = "reflex-client-token"
HANDLER_HEADER = "reflex-event-handler"


def upload_handler_names(event_handlers: Mapping[str, RegisteredEventHandler]) -> frozenset[str]:
    """The registered handlers Reflex's upload endpoint can call: those taking
    ``list[rx.UploadFile]``, and background ones taking an ``rx.UploadChunkIterator``."""
    names = set()
    for name, registered in event_handlers.items():
        for resolve in (resolve_upload_handler_param, resolve_upload_chunk_handler_param):
            try:
                resolve(registered.handler)
            except (UploadTypeError, UploadValueError):
                continue
            names.add(name)
    return frozenset(names)


async def resolve_principal(scope: Scope) -> Principal | None:
    """The signed-in person the request's ``nv_session`` cookie names, or None."""
    headers = Headers(scope=scope)
    token = sessions.token_from_cookie_header(headers.get("cookie"))
    if not token:
        return None
    client = scope.get("client")
    ip_address = client[0] if client else None
    return await run_blocking(
        sessions.resolve_session, token, ip_address, headers.get("user-agent")
    )


def _refusal(status: int, detail: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    # Connection: close, as the unread body would otherwise be taken for the next request.
    return JSONResponse(
        {"detail": detail},
        status_code=status,
        headers={"Cache-Control": "no-store", "Connection": "close", **(headers or {})},
    )


class _LimitedBody:
    """Passes the body on until it runs past ``limit``; from then on the app downstream is
    told the client went away (so Reflex stops parsing and calls no handler)."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.received = 0
        self.exceeded = False

    async def __call__(self) -> Message:
        if self.exceeded:
            return {"type": "http.disconnect"}
        message = await self.receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.exceeded = True
                return {"type": "http.disconnect"}
        return message


class UploadGuard:
    """ASGI middleware in front of the app that serves ``/_upload``."""

    def __init__(
        self,
        app: ASGIApp,
        upload_handlers: frozenset[str],
        *,
        max_request_bytes: int | None = None,
        principal_of: Callable[[Scope], Awaitable[Principal | None]] = resolve_principal,
        path: str | None = None,
    ) -> None:
        self.app = app
        self.upload_handlers = upload_handlers
        self.max_request_bytes = (
            get_settings().upload_max_request_bytes
            if max_request_bytes is None
            else max_request_bytes
        )
        self.principal_of = principal_of
        self.path = path or get_config().prepend_backend_path(str(constants.Endpoint.UPLOAD))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._is_upload_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        refusal = await self._refusal_for(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self._pass_limited(scope, receive, send)

    def _is_upload_path(self, path: str) -> bool:
        return path == self.path or path.startswith(self.path + "/")

    async def _refusal_for(self, scope: Scope) -> JSONResponse | None:
        if scope["path"] != self.path:
            return _refusal(404, "Not found.")
        if scope["method"] != "POST":
            return _refusal(405, "Uploads are sent with POST.", {"Allow": "POST"})
        try:
            principal = await self.principal_of(scope)
        except Exception:
            log.exception("upload refused: the session could not be checked")
            return _refusal(503, "Your session cannot be checked right now; try again.")
        if principal is None:
            return _refusal(401, "Sign in to upload files.")
        return self._header_refusal(Headers(scope=scope))

    def _header_refusal(self, headers: Headers) -> JSONResponse | None:
        if not headers.get(TOKEN_HEADER):
            return _refusal(400, "Missing the Reflex-Client-Token header.")
        handler = headers.get(HANDLER_HEADER, "")
        if handler not in self.upload_handlers:
            return _refusal(400, f"{handler[:200]!r} is not an upload handler of this app.")
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            return _refusal(400, "Content-Length is not a number.")
        if length is not None and int(length) > self.max_request_bytes:
            return self._too_large()
        return None

    def _too_large(self) -> JSONResponse:
        megabytes = self.max_request_bytes / (1024 * 1024)
        return _refusal(413, f"Uploads are limited to {megabytes:.0f} MB per request.")

    async def _pass_limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = _LimitedBody(receive, self.max_request_bytes)
        started = False

        async def send_unless_refused(message: Message) -> None:
            nonlocal started
            if body.exceeded and not started:
                return  # what the app answers to the cut-off body is replaced by the 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, body, send_unless_refused)
        if body.exceeded and not started:
            await self._too_large()(scope, receive, send)


def guard_uploads(app: ASGIApp) -> ASGIApp:
    """The ``api_transformer`` that puts :class:`UploadGuard` in front of Reflex's own
    routes (called while Reflex builds the ASGI app, when every state is registered)."""
    handlers = upload_handler_names(RegistrationContext.get().event_handlers)
    return UploadGuard(app, handlers)
