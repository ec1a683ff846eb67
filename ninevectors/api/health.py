"""`/health`: the process is alive. `/ready`: the process can serve (its database answers)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def ready(_request: Request) -> JSONResponse:
    from starlette.concurrency import run_in_threadpool

    from ninevectors.services.readiness import check_readiness

    problems = await run_in_threadpool(check_readiness)
    if problems:
        return JSONResponse({"status": "unavailable", "reasons": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


routes = [
    Route("/health", health, methods=["GET"]),
    Route("/ready", ready, methods=["GET"]),
]
