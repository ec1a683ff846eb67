"""Drop secrets and e-mail addresses from what is logged, even when logged by mistake.

Two rules: a value under a sensitive key (``password``, ``token``, ``secret``,
``authorization``, ``cookie``, ``api_key``, ``credential``, ``private_key``, ``email``, in any
case or spelling such as ``accessToken`` or ``X-Api-Key``) is replaced whole; free text (log
messages, exception text) loses ``key=value`` pairs with such keys, ``Bearer``/``Basic``
credentials, passwords inside URLs, well-known API key shapes and e-mail addresses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

REDACTED = "[REDACTED]"
EMAIL = "[email]"

_KEY_WORDS = (
    r"password|passwd|pwd|passphrase|secret|token|authorization|cookie|set_cookie"
    r"|api_?key|credentials?|private_?key|e_?mail"
)
# Matches a whole key once camelCase and separators are normalised to "_".
_SENSITIVE_KEY = re.compile(rf"(?:^|_)(?:{_KEY_WORDS})(?:_|$)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# Headers whose whole value (to the end of the line) is a credential.
_HEADER_VALUE = re.compile(r"(?im)\b((?:set-)?cookie|authorization|x-api-key)(\s*[:=]\s*)[^\r\n]+")
# key=value, key: value, "key": "value" for sensitive keys inside free text.
_PAIR = re.compile(
    r"""(?ix)
    (["']?)\b([a-z0-9_.-]*?(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key
        |credentials?|private[_-]?key)(?:[_-][a-z0-9_-]*)?)\1
    (\s*[:=]\s*)
    (?:"[^"]*"|'[^']*'|[^\s,;&'"}\]]+)
    """
)
_AUTH_SCHEME = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/?#@\s]*):([^@/?#\s]+)@")
_KNOWN_KEYS = re.compile(
    r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}"  # Stripe
    r"|\bwhsec_[A-Za-z0-9]{8,}"  # Stripe webhook secret
    r"|\bsk-ant-[A-Za-z0-9_-]{8,}"  # Anthropic
    r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"  # JWT
    r"|(?i:\bAccountKey=)[A-Za-z0-9+/=]{16,}"  # Azure connection strings
)
_EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# Every pattern above needs one of these: text without any is returned as it is (most log
# lines, e.g. every access line, are scrubbed with one search instead of six substitutions).
_MAYBE_SECRET = re.compile(r"[=:@]|bearer|basic|eyJ|sk_|rk_|pk_|whsec_|sk-ant-", re.IGNORECASE)


@lru_cache(maxsize=4096)
def is_sensitive_key(key: str) -> bool:
    normalised = _CAMEL.sub("_", key).lower().replace("-", "_").replace(".", "_")
    return bool(_SENSITIVE_KEY.search(normalised))


def scrub_text(text: str) -> str:
    if not _MAYBE_SECRET.search(text):
        return text
    text = _HEADER_VALUE.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
    text = _PAIR.sub(lambda m: f"{m[1]}{m[2]}{m[1]}{m[3]}{REDACTED}", text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m[1]} {REDACTED}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m[1]}:{REDACTED}@", text)
    text = _KNOWN_KEYS.sub(REDACTED, text)
    return _EMAIL_ADDRESS.sub(EMAIL, text)


def scrub_value(value: Any, depth: int = 0) -> Any:
    """``value`` with sensitive keys redacted and every string scrubbed (nested too)."""
    if depth > 8:  # a pathological structure is not worth the time of a log call
        return REDACTED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if is_sensitive_key(str(key)) else scrub_value(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub_value(item, depth + 1) for item in value]
    return value


def scrub_field(key: str, value: Any) -> Any:
    return REDACTED if is_sensitive_key(key) else scrub_value(value)
