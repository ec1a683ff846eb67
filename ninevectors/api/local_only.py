"""Routes for the machine's own operator (metrics without a token, the local mailbox)."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request

# A request relayed by a proxy on this machine comes from loopback too: these say it was.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def from_this_machine(request: Request) -> bool:
    """Whether the client is on this machine itself, and not relayed by a proxy."""
    host = request.client.host if request.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
    return loopback and not any(name in request.headers for name in PROXY_HEADERS)
