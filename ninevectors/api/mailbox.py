"""``GET /dev/mailbox``: the local mailbox of an installation without SMTP, for its operator.

Every message the app sent (invitations, reminders, password resets of any organization) is
listed with its links, so a person who forgot their password on the embedded default can be
helped, and a developer can follow any e-mail flow. It holds other people's reset links, so
it answers only outside production and only to a browser on the machine itself (a loopback
client address, not relayed by a proxy); anyone else gets a plain 404, as if there were none.
"""

from __future__ import annotations

import html
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ninevectors.api.local_only import from_this_machine
from ninevectors.models.tables import OutboxEmail
from ninevectors.services import email as mail
from ninevectors.services.executor import run_blocking
from ninevectors.settings import get_settings

PATH = "/dev/mailbox"
_LINK = re.compile(r"(https?://[^\s<>\"']+)")
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;"
    "color:#111827}article{border:1px solid #d1d5db;border-radius:8px;padding:1em;margin:1em 0}"
    "pre{white-space:pre-wrap;font-size:.9em}a{color:#1d4ed8}.meta{color:#374151;font-size:.9em}"
)


def _body_html(text: str) -> str:
    escaped = html.escape(text)
    return _LINK.sub(lambda match: f'<a href="{match.group(1)}">{match.group(1)}</a>', escaped)


def _message_html(row: OutboxEmail) -> str:
    when = row.created_at.strftime("%d %b %Y, %H:%M:%S UTC")
    return (
        f"<article><h2>{html.escape(row.subject)}</h2>"
        f'<p class="meta">To {html.escape(row.to_address)} · {when} · {html.escape(row.status)}'
        f"</p><pre>{_body_html(row.text_body)}</pre></article>"
    )


def _page(rows: list[OutboxEmail], to: str) -> str:
    listing = "".join(_message_html(row) for row in rows) or "<p>No messages yet.</p>"
    shown = f" to {html.escape(to)}" if to else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Local mailbox · 9Vectors</title><style>{_STYLE}</style></head><body>"
        f"<main><h1>Local mailbox</h1><p>The newest messages{shown} this installation sent "
        "(no SMTP server is configured). Only this machine can open this page.</p>"
        f"{listing}</main></body></html>"
    )


async def local_mailbox(request: Request) -> Response:
    if get_settings().environment == "production" or not from_this_machine(request):
        return Response("Not Found", status_code=404, media_type="text/plain")
    to = request.query_params.get("to", "")[:320]
    rows = await run_blocking(mail.mailbox, 50, to or None)
    return HTMLResponse(_page(rows, to), headers={"Cache-Control": "no-store"})


routes = [Route(PATH, local_mailbox, methods=["GET"])]
