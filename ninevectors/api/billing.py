"""``POST /api/billing/webhook``: Stripe's webhook deliveries (see
:mod:`ninevectors.services.billing.webhooks`). Every answer is JSON with a message: 400 for a
forged, wrongly signed or stale event, 200 for one applied, replayed or not ours, 404 while
billing is off, 503 when Stripe cannot be re-read (Stripe retries)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route as HttpRoute

from ninevectors.services.billing import webhooks
from ninevectors.services.executor import run_blocking

WEBHOOK_PATH = "/api/billing/webhook"


async def stripe_webhook(request: Request) -> JSONResponse:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > webhooks.MAX_PAYLOAD_BYTES:
        return JSONResponse({"message": "The event is too large."}, status_code=413)
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    answer = await run_blocking(webhooks.handle, payload, signature)
    return JSONResponse({"message": answer.message}, status_code=answer.status)


routes = [HttpRoute(WEBHOOK_PATH, stripe_webhook, methods=["POST"])]
