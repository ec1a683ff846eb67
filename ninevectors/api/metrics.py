"""`/metrics`: the Prometheus exposition of every worker of this server, never public.

With ``NINEVECTORS_METRICS_TOKEN`` set, a scraper sends ``Authorization: Bearer <token>``
(from anywhere: the usual setup for a Prometheus outside the host). Without a token only a
client on the same host may scrape (a sidecar or node agent), and only when the request did
not come through a proxy: a reverse proxy on the host would otherwise make every visitor look
like a loopback client.
"""

from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ninevectors.api.local_only import from_this_machine
from ninevectors.services.observability.metrics import render
from ninevectors.settings import get_settings


async def metrics(request: Request) -> Response:
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    # Reading the multiprocess files and the broker is blocking work.
    body, content_type = await run_in_threadpool(render, request.headers.get("accept"))
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


def _refusal(request: Request) -> Response | None:
    token = get_settings().metrics_token.get_secret_value()
    if token:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            sent.strip().encode(), token.encode()
        ):
            return None
        return PlainTextResponse(
            "A bearer token is required.", status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    if from_this_machine(request):
        return None
    return PlainTextResponse("Metrics are served to this host only.", status_code=403)


routes = [Route("/metrics", metrics, methods=["GET"])]
