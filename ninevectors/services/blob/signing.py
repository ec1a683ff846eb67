"""HMAC-signed, time-limited download links for the local blob folder.

A link carries the blob name (in the path), its expiry ``exp`` (Unix seconds) and ``sig``,
an HMAC-SHA256 over name, expiry and the optional download ``filename``; changing any of
them breaks the signature. Azure uses its own SAS tokens instead.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote

_PURPOSE = b"9vectors-blob-download-v1"
# No link the product issues lives longer; one claiming to (signed with a leaked key, or by
# an old release) is refused, so a link cannot outlive what it was made for.
MAX_LIFETIME_SECONDS = 24 * 3600


class InvalidSignature(Exception):
    """The link is malformed, tampered with or expired; ``str()`` is a short reason."""


def sign(secret_key: str, name: str, expires_at: int, filename: str | None = None) -> str:
    message = "\n".join((name, str(expires_at), filename or "")).encode("utf-8")
    key = hmac.new(secret_key.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_params(
    secret_key: str, name: str, expires_in_seconds: int, filename: str | None = None
) -> dict[str, str]:
    """The query parameters of a link valid for ``expires_in_seconds`` from now."""
    if not 0 < expires_in_seconds <= MAX_LIFETIME_SECONDS:
        raise ValueError(f"expires_in_seconds must be 1..{MAX_LIFETIME_SECONDS}")
    expires_at = int(time.time()) + expires_in_seconds
    params = {"exp": str(expires_at), "sig": sign(secret_key, name, expires_at, filename)}
    if filename:
        params["filename"] = filename
    return params


def verify(
    secret_key: str,
    name: str,
    exp: str | None,
    sig: str | None,
    filename: str | None = None,
    now: float | None = None,
) -> None:
    """Raise :class:`InvalidSignature` unless the link is genuine, not expired and no longer
    lived than any link the product issues."""
    if not exp or not sig or not exp.isdigit() or len(exp) > 12:
        raise InvalidSignature("invalid link")
    expected = sign(secret_key, name, int(exp), filename)
    if not hmac.compare_digest(expected, sig):
        raise InvalidSignature("invalid signature")
    moment = time.time() if now is None else now
    if moment > int(exp):
        raise InvalidSignature("link expired")
    if int(exp) - moment > MAX_LIFETIME_SECONDS:
        raise InvalidSignature("link lives too long")


def content_disposition(filename: str) -> str:
    """An ``attachment`` header value safe for any filename (ASCII fallback + RFC 5987)."""
    fallback = (
        "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
        or "download"
    )
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
