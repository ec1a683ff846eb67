"""Encryption of secrets kept in the database (SSO client secrets, TOTP keys).

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``. The keys come from
``NINEVECTORS_ENCRYPTION_KEYS`` (comma-separated; the first encrypts, all decrypt, so a key
can be rotated in without re-encrypting first); without it, one key is derived from the
installation's secret key with HKDF, so the embedded default needs no extra setting.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ninevectors.settings import get_settings

_DERIVATION_LABEL = b"ninevectors secret box v1"


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys decrypts (a lost or rotated-out key)."""


def _derived_key(secret_key: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_LABEL).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=4)
def _box(configured: str, secret_key: str) -> MultiFernet:
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    if not keys:
        keys = [_derived_key(secret_key).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    settings = get_settings()
    return _box(settings.encryption_keys.get_secret_value(), settings.secret_key.get_secret_value())


def encrypt(plain: str) -> str:
    """The token to store for ``plain`` (text, URL-safe)."""
    return _current().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The secret behind a stored token; SecretUnreadable when no key opens it."""
    try:
        return _current().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        raise SecretUnreadable(
            "A stored secret cannot be decrypted with the configured keys."
        ) from None
