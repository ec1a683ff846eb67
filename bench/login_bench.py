"""Log-in round trip on the embedded defaults: argon2 verify + credential read + session write.

Runs against a throw-away SQLite database and the in-process cache, with the production
argon2 parameters. Prints p50/p95 of ``login`` and of ``resolve_session``.

    .venv/bin/python bench/login_bench.py [ROUNDS]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95_index = max(0, round(0.95 * len(ordered)) - 1)
    return statistics.median(ordered), ordered[p95_index]


def _time(action: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main(rounds: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="login-bench-"))
    os.environ["NINEVECTORS_DATA_DIR"] = str(workdir)
    os.environ["NINEVECTORS_DATABASE_URL"] = f"sqlite:///{(workdir / 'bench.db').as_posix()}"
    os.environ["NINEVECTORS_SMTP_HOST"] = ""
    os.environ.pop("NINEVECTORS_CACHE_BACKEND", None)
    os.environ.pop("NINEVECTORS_STORE_BACKEND", None)

    from ninevectors.services.database import migrate
    from ninevectors.services.identity import auth, sessions, signup

    migrate()
    email, password = "bench@bench.example", "Bench-Password-2026"
    signup.sign_up(
        {
            "organization_name": "Bench Co",
            "email": email,
            "password": password,
            "first_name": "Ben",
            "last_name": "Chmark",
        }
    )
    auth.login(email, password)  # warm up (engine, pools, dummy hash)
    tokens: list[str] = []

    def log_in() -> None:
        token = sessions.redeem_handoff(auth.login(email, password).handoff)
        assert token is not None
        tokens.append(token)

    logins = _time(log_in, rounds)
    resolves = _time(lambda: sessions.resolve_session(tokens[-1]), rounds)
    p50, p95 = _percentiles(logins)
    r50, r95 = _percentiles(resolves)
    print(f"login round trip ({rounds} rounds, argon2 defaults, SQLite + memory cache)")
    print(f"  login           p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    print(f"  resolve_session p50 {r50:7.3f} ms   p95 {r95:7.3f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
