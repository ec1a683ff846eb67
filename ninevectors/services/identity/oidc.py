"""The OpenID Connect relying party, on Authlib: discovery, the authorization URL (code flow,
PKCE S256), the code exchange and the ID token's checks (JWKS signature, iss, aud, exp,
nonce).

Discovery documents and key sets are kept in this process for ``METADATA_TTL`` seconds. A
token signed with a key id the kept set does not know makes one fresh fetch of the key set
(the provider rotated its keys); a key id still unknown after that is refused. Neither the
client secret nor any token is ever logged.
"""

from __future__ import annotations

import functools
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

METADATA_TTL = 3600.0
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
HTTP_TIMEOUT_SECONDS = 10.0
CLOCK_LEEWAY = 60  # seconds of clock difference allowed between us and the provider
SCOPE = "openid email profile"
# Asymmetric signatures only: "none" and the HMAC family (keyed with the client secret,
# which the organization's admin also knows) are never accepted.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")


class OidcError(Exception):
    """The provider or its answer was refused; ``code`` is short, the message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]


@dataclass
class _Kept:
    value: Any
    fetched_at: float


_lock = threading.Lock()
_metadata: dict[str, _Kept] = {}
_key_sets: dict[str, _Kept] = {}


def forget_cached() -> None:
    """Drop every kept discovery document and key set (tests, after a provider restart)."""
    with _lock:
        _metadata.clear()
        _key_sets.clear()


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError):
        raise OidcError("provider", "The sign-in provider could not be reached.") from None
    if not isinstance(body, dict):
        raise OidcError("provider", "The sign-in provider answered something unexpected.")
    return body


def _fresh(kept: _Kept | None) -> bool:
    return kept is not None and time.monotonic() - kept.fetched_at < METADATA_TTL


def discover(issuer: str) -> ProviderMetadata:
    """The provider's discovery document (``/.well-known/openid-configuration``), checked:
    its ``issuer`` must be the configured one exactly."""
    with _lock:
        kept = _metadata.get(issuer)
    if _fresh(kept):
        return kept.value  # type: ignore[union-attr]
    document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    try:
        metadata = ProviderMetadata(
            issuer=str(document["issuer"]),
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
            algorithms=tuple(document.get("id_token_signing_alg_values_supported") or ["RS256"]),
        )
    except KeyError:
        raise OidcError(
            "provider", "The sign-in provider's discovery document is incomplete."
        ) from None
    if metadata.issuer != issuer:
        raise OidcError(
            "provider", "The sign-in provider's discovery document names another issuer."
        )
    with _lock:
        _metadata[issuer] = _Kept(metadata, time.monotonic())
    return metadata


def key_set(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    with _lock:
        kept = _key_sets.get(jwks_uri)
    if not refresh and _fresh(kept):
        return kept.value  # type: ignore[union-attr]
    try:
        keys = KeySet.import_key_set(_get_json(jwks_uri))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError):
        raise OidcError("provider", "The sign-in provider's signing keys are unreadable.") from None
    with _lock:
        _key_sets[jwks_uri] = _Kept(keys, time.monotonic())
    return keys


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every token request: building one (the CA bundle read) took
    about 20 ms of each callback."""
    return httpx2.create_ssl_context()


def _client(client_id: str, redirect_uri: str, client_secret: str | None = None) -> OAuth2Client:
    return OAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT_SECONDS,  # Authlib's client is httpx2: a plain number
        verify=_tls_context(),
    )


def authorization_url(
    metadata: ProviderMetadata,
    client_id: str,
    redirect_uri: str,
    *,
    state: str,
    nonce: str,
    code_verifier: str,
    login_hint: str,
) -> str:
    """Where the browser goes to sign in (code flow; PKCE S256 from ``code_verifier``).

    Built with Authlib's grant-URI helper, not its HTTP client: a client is a new TLS
    context, about 20 ms of every start, and this needs no request."""
    return prepare_grant_uri(
        metadata.authorization_endpoint,
        client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=SCOPE,
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(code_verifier),
        code_challenge_method="S256",
        login_hint=login_hint,
    )


def exchange_code(
    metadata: ProviderMetadata,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    *,
    code: str,
    code_verifier: str,
) -> dict[str, Any]:
    """The provider's token answer for an authorization code (used once; a replayed or
    foreign code is refused by the provider)."""
    with _client(client_id, redirect_uri, client_secret) as client:
        try:
            token = client.fetch_token(
                metadata.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        except OAuthError:
            raise OidcError("exchange", "The sign-in provider refused the sign-in code.") from None
        except (httpx.HTTPError, ValueError):
            raise OidcError("provider", "The sign-in provider could not be reached.") from None
    if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
        raise OidcError("exchange", "The sign-in provider sent no ID token.")
    return dict(token)


def _decode(id_token: str, metadata: ProviderMetadata) -> jwt.Token:
    algorithms = [alg for alg in metadata.algorithms if alg in SIGNING_ALGORITHMS]
    registry = JWSRegistry(algorithms=algorithms or ["RS256"])
    try:
        return jwt.decode(id_token, key_set(metadata.jwks_uri), registry=registry)
    except InvalidKeyIdError:
        pass  # the provider may have rotated its keys: fetch them once more
    try:
        return jwt.decode(id_token, key_set(metadata.jwks_uri, refresh=True), registry=registry)
    except JoseError:
        raise OidcError("token", "The ID token is not signed by the sign-in provider.") from None


def validate_id_token(
    id_token: str,
    metadata: ProviderMetadata,
    client_id: str,
    nonce: str,
    *,
    access_token: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """The ID token's claims once its signature, ``iss``, ``aud``, ``exp``, ``iat`` and
    ``nonce`` (and ``at_hash`` when present) check out; OidcError("token", …) otherwise."""
    try:
        token = _decode(id_token, metadata)
    except OidcError:
        raise
    except JoseError:
        raise OidcError("token", "The ID token is malformed or wrongly signed.") from None
    options = {
        "iss": {"essential": True, "value": metadata.issuer},
        "aud": {"essential": True, "value": client_id},
        "exp": {"essential": True},
        "nonce": {"essential": True, "value": nonce},
    }
    params: dict[str, Any] = {"nonce": nonce, "client_id": client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(token.claims, token.header, options, params)
    try:
        claims.validate(now=now or int(time.time()), leeway=CLOCK_LEEWAY)
    except JoseError as error:
        raise OidcError("token", f"The ID token was refused ({error.description}).") from None
    return dict(token.claims)
