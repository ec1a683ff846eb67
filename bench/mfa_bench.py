"""MFA verification on the embedded defaults: the sign-in's second step, TOTP and recovery code.

Each round is one person's second step (``mfa.verify_challenge``: challenge read from the
cache, throttle counters, TOTP check and its one-time step claim or the recovery code's
claim, session row written) after their password step, which is not timed. A TOTP code is
accepted once per 30 s step, so every round is a different person. SQLite + in-process cache.

    .venv/bin/python bench/mfa_bench.py [PEOPLE]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95_index = max(0, round(0.95 * len(ordered)) - 1)
    return statistics.median(ordered), ordered[p95_index]


def main(people: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="mfa-bench-"))
    os.environ["NINEVECTORS_DATA_DIR"] = str(workdir)
    os.environ["NINEVECTORS_DATABASE_URL"] = f"sqlite:///{(workdir / 'bench.db').as_posix()}"
    os.environ["NINEVECTORS_SMTP_HOST"] = ""
    os.environ.pop("NINEVECTORS_CACHE_BACKEND", None)
    os.environ.pop("NINEVECTORS_STORE_BACKEND", None)

    import pyotp

    from ninevectors.services.database import migrate
    from ninevectors.services.identity import auth, mfa, signup

    migrate()
    password = "Bench-Password-2026"
    enrolled: list[tuple[str, str, list[str]]] = []
    for n in range(people):
        email = f"bench{n}@bench{n}.example"
        result = signup.sign_up(
            {
                "organization_name": f"Bench {n}",
                "email": email,
                "password": password,
                "first_name": "Ben",
                "last_name": "Chmark",
            },
            ip_address=f"10.0.{n // 250}.{n % 250}",
        )
        enrolment = mfa.start_enrolment(result.principal)
        codes = mfa.confirm_enrolment(result.principal, pyotp.TOTP(enrolment.secret).now())
        enrolled.append((email, enrolment.secret, codes))

    def second_step(email: str, code: str) -> float:
        challenge = auth.login(email, password, "10.9.9.9")
        assert isinstance(challenge, mfa.MfaChallenge)
        start = time.perf_counter()
        mfa.verify_challenge(challenge.token, code, "10.9.9.9")
        return (time.perf_counter() - start) * 1000

    later = time.time() + mfa.TOTP_STEP
    totp = [second_step(e, pyotp.TOTP(s).at(later)) for e, s, _codes in enrolled]
    recovery = [second_step(e, codes[0]) for e, _s, codes in enrolled]
    t50, t95 = _percentiles(totp)
    r50, r95 = _percentiles(recovery)
    print(f"MFA verification ({people} people, SQLite + memory cache)")
    print(f"  TOTP code       p50 {t50:6.2f} ms   p95 {t95:6.2f} ms")
    print(f"  recovery code   p50 {r50:6.2f} ms   p95 {r95:6.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
