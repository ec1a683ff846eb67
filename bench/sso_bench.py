"""SSO login round trip on the embedded defaults, our own share apart from the provider's.

Runs a real OpenID Provider (npm oidc-provider, as the tests do) on loopback and signs in
N times: ``sso_login.start_login`` → the provider's login form (driven over HTTP) →
``sso_login.complete_login``. Every HTTP call our code makes to the provider (discovery,
JWKS, token endpoint) is timed at the httpx transports; our share of a step is its time
minus those calls. Every other round creates a just-in-time account (deactivated afterwards,
untimed, so the plan's seats last); the others sign ``RETURNING`` people in again. A warm-up
round (discovery and key set fetched) is not counted.
Throw-away SQLite database and in-process cache.

    .venv/bin/python bench/sso_bench.py [ROUNDS]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ninevectors.models.principal import Principal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

RETURNING = 4  # within any plan's seats; the account limit allows each 20 sign-ins
DOMAIN = "bench-sso.example"


class ProviderCalls:
    """Time spent inside httpx ``send`` (both httpx and Authlib's httpx2) while enabled."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.enabled = False

    def wrap(self, client_class: Any) -> None:
        original: Callable[..., Any] = client_class.send

        def send(client: Any, *args: Any, **kwargs: Any) -> Any:
            if not self.enabled:
                return original(client, *args, **kwargs)
            start = time.perf_counter()
            try:
                return original(client, *args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        client_class.send = send

    @contextmanager
    def measured(self) -> Iterator[None]:
        self.seconds, self.enabled = 0.0, True
        try:
            yield
        finally:
            self.enabled = False


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95_index = max(0, round(0.95 * len(ordered)) - 1)
    return statistics.median(ordered), ordered[p95_index]


def _line(label: str, samples: list[float]) -> str:
    p50, p95 = _percentiles(samples)
    return f"  {label:<36} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   (n={len(samples)})"


def _embedded_defaults(workdir: Path) -> None:
    os.environ["NINEVECTORS_DATA_DIR"] = str(workdir)
    os.environ["NINEVECTORS_DATABASE_URL"] = f"sqlite:///{(workdir / 'bench.db').as_posix()}"
    os.environ["NINEVECTORS_SMTP_HOST"] = ""
    os.environ.pop("NINEVECTORS_CACHE_BACKEND", None)
    os.environ.pop("NINEVECTORS_STORE_BACKEND", None)


class Figures:
    def __init__(self) -> None:
        self.start: list[float] = []
        self.callback_new: list[float] = []
        self.callback_returning: list[float] = []
        self.ours: list[float] = []
        self.provider_form: list[float] = []
        self.provider_calls: list[float] = []

    def add(self, new: bool, start_ms: float, callback_ms: float, form_ms: float,
            calls_ms: float) -> None:  # fmt: skip
        self.start.append(start_ms)
        (self.callback_new if new else self.callback_returning).append(callback_ms)
        self.ours.append(start_ms + callback_ms)
        self.provider_form.append(form_ms)
        self.provider_calls.append(calls_ms)


def _round(provider: Any, calls: ProviderCalls, email: str, client: str) -> tuple[str, list[float]]:
    """One sign-in: the user id and (our start, our callback, provider form, provider calls)
    in ms."""
    from ninevectors.services.identity import sessions, sso_login
    from tests.fixtures.oidc_provider import callback_params

    with calls.measured():
        began = time.perf_counter()
        url = sso_login.start_login(email, "/dashboard", client)
        start_ms, start_calls = (time.perf_counter() - began) * 1000, calls.seconds * 1000
    began = time.perf_counter()
    params = callback_params(provider.sign_in(url, email))
    form_ms = (time.perf_counter() - began) * 1000
    with calls.measured():
        began = time.perf_counter()
        outcome = sso_login.complete_login(
            params.get("state"), params.get("code"), None, client, "sso-bench"
        )
        done_ms, done_calls = (time.perf_counter() - began) * 1000, calls.seconds * 1000
    assert isinstance(outcome.result, sessions.LoginResult)
    timings = [start_ms - start_calls, done_ms - done_calls, form_ms, start_calls + done_calls]
    return outcome.result.principal.user_id, timings


def _configure(provider: Any) -> Principal:
    from ninevectors.services.identity import signup, sso

    admin = signup.sign_up(
        {
            "organization_name": "Bench SSO Co",
            "email": f"admin@{DOMAIN}",
            "password": "Bench-Password-2026",
            "first_name": "Ada",
            "last_name": "Admin",
            "plan": "enterprise",  # single sign-on is an Enterprise feature
        }
    ).principal
    form = {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "domains": DOMAIN,
        "jit_role": "MEMBER",
    }
    sso.save_settings(admin, form)
    return admin


def _run(provider: Any, calls: ProviderCalls, admin: Principal, rounds: int) -> Figures:
    from ninevectors.services.identity import users

    figures = Figures()
    _round(provider, calls, f"returning0@{DOMAIN}", "198.51.100.250")  # warm-up
    for index in range(1, rounds + 1):
        new = index % 2 == 1
        person = f"new{index}" if new else f"returning{(index // 2) % RETURNING}"
        user_id, timings = _round(
            provider, calls, f"{person}@{DOMAIN}", f"198.51.100.{index % 250}"
        )
        figures.add(new, *timings)
        if new:
            users.deactivate_user(admin, user_id)  # frees the seat (untimed)
    return figures


def _report(rounds: int, figures: Figures) -> None:
    print(f"SSO login round trip ({rounds} rounds, oidc-provider on loopback, SQLite + memory)")
    print("our share (the provider's HTTP time subtracted)")
    print(_line("start_login", figures.start))
    print(_line("complete_login, first sign-in (JIT)", figures.callback_new))
    print(_line("complete_login, returning person", figures.callback_returning))
    print(_line("start + callback", figures.ours))
    print("the provider's share")
    print(_line("our calls to it (token endpoint)", figures.provider_calls))
    print(_line("the browser at its login form", figures.provider_form))


def main(rounds: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="sso-bench-"))
    _embedded_defaults(workdir)

    import httpx
    import httpx2

    from ninevectors.services.database import migrate
    from tests.fixtures.oidc_provider import DEFAULT_CALLBACK, start_oidc_provider
    from tests.servers import stop_process

    calls = ProviderCalls()
    calls.wrap(httpx.Client)
    calls.wrap(httpx2.Client)
    migrate()
    provider = start_oidc_provider(workdir, [DEFAULT_CALLBACK])
    try:
        figures = _run(provider, calls, _configure(provider), rounds)
    finally:
        stop_process(provider.process)
    _report(rounds, figures)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
