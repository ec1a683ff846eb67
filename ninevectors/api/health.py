"""`/health`: the process is alive (nothing else is asked). `/ready`: the process can serve —
its database, document store, cache and task broker answer (503 with the reasons if not)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ninevectors.services.readiness import check_readiness


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def ready(_request: Request) -> JSONResponse:
    # Blocks at most the readiness timeout (each check is bounded), off the event loop.
    problems = await run_in_threadpool(check_readiness)
    if problems:
        return JSONResponse({"status": "unavailable", "reasons": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


routes = [
    Route("/health", health, methods=["GET"]),
    Route("/ready", ready, methods=["GET"]),
]
