"""``POST /api/wizard/answers``: where the wizard page's outbox sends a person's changes.

Saves go over plain HTTP rather than the page's websocket so that they depend on nothing but
the session and the store: no page state is loaded or written per click, a worker restart or
a cache outage does not drop them (the page keeps unsent changes and sends them again), and a
save costs one conditional write (see ``services/assessments/answers.py``).

The session is the HttpOnly cookie. Cross-site requests cannot save: the cookie is
SameSite=Strict, the request must carry the ``X-NV-Request`` header (which a foreign page
cannot add without a CORS preflight this app refuses) and, when the browser sends one, an
``Origin`` of this app.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ninevectors.models.principal import Principal
from ninevectors.services.assessments import answers
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import sessions
from ninevectors.services.observability import context as observability_context
from ninevectors.services.observability import metrics
from ninevectors.settings import get_settings

log = logging.getLogger(__name__)

PATH = "/api/wizard/answers"
REQUEST_HEADER = "x-nv-request"
MAX_BODY_BYTES = 64 * 1024


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def _problem(status: int, message: str, **extra: Any) -> Response:
    return _json({"error": message, **extra}, status)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
    allowed = {urlsplit(get_settings().public_url).netloc, request.headers.get("host", "")}
    return urlsplit(origin).netloc in allowed


async def _body(request: Request) -> Any:
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ValidationFailed("body", "Too many changes in one request.")
        chunks.append(chunk)
    try:
        return orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise ValidationFailed("body", "The request is not valid JSON.") from None


class _SignedOut(Exception):
    """The cookie names no live session."""


def _save(
    token: str, client: tuple[str | None, str | None], data: Any
) -> tuple[Principal, answers.AnswersSaved]:
    principal: Principal | None = sessions.resolve_session(token, *client)
    if principal is None:
        raise _SignedOut
    return principal, answers.save_answers(principal, data)


def _edit_count(data: Any) -> int:
    edits = data.get("edits") if isinstance(data, dict) else None
    return len(edits) if isinstance(edits, list) else 1


def _refused(status: int, error: Exception, data: Any, **extra: Any) -> Response:
    metrics.record_answer_saves(_edit_count(data), "rejected")
    message = error.message if isinstance(error, ValidationFailed) else str(error)
    return _problem(status, message, **extra)


def _saved(result: answers.AnswersSaved) -> Response:
    progress = result.progress
    return _json(
        {
            "saved": result.saved,
            "savedAt": result.saved_at,
            "progress": {
                "answered": progress.answered,
                "total": progress.total,
                "percent": progress.percent,
                "perVector": {str(k): done for k, (done, _total) in progress.per_vector.items()},
                "perSubLens": result.per_sub_lens,
            },
        }
    )


async def save_answers(request: Request) -> Response:
    if request.headers.get(REQUEST_HEADER) != "1" or not _same_origin(request):
        return _problem(403, "Saves are only accepted from the 9Vectors page.")
    token = sessions.token_from_cookie_header(request.headers.get("cookie"))
    if not token:
        return _problem(401, "Your session has ended. Sign in again to keep saving.")
    client = (request.client.host if request.client else None, request.headers.get("user-agent"))
    data: Any = None
    try:
        data = await _body(request)
        principal, result = await run_blocking(_save, token, client, data)
    except _SignedOut:
        return _problem(401, "Your session has ended. Sign in again to keep saving.")
    except ValidationFailed as error:
        return _refused(422, error, data, field=error.field)
    except NotFoundError as error:
        return _refused(404, error, data)
    except Forbidden as error:
        return _refused(403, error, data)
    except ConflictError as error:
        return _refused(409, error, data)
    except Exception:  # a store or network failure: the page keeps the changes and retries
        log.exception("answer save failed")
        metrics.record_answer_saves(_edit_count(data), "failed")
        return _problem(503, "Saving is unavailable for a moment; your changes are kept.")
    observability_context.bind_principal(principal)
    metrics.record_answer_saves(result.fields - result.superseded, "saved")
    metrics.record_answer_saves(result.superseded, "ignored")
    return _saved(result)


routes = [Route(PATH, save_answers, methods=["POST"])]
