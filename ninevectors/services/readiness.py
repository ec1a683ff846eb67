"""Whether this process can serve: each configured backend answers."""

from __future__ import annotations

import logging

from ninevectors.settings import get_settings

log = logging.getLogger(__name__)


def check_readiness() -> list[str]:
    """Reasons the app cannot serve now; empty when ready."""
    from ninevectors.services.database import check_database

    problems: list[str] = []
    reason = check_database()
    if reason:
        problems.append(f"database: {reason}")
    if get_settings().cache_backend == "redis":
        from ninevectors.services.backends import get_cache

        try:
            if not get_cache().ping():
                problems.append("cache: Redis did not answer")
        except Exception as error:  # noqa: BLE001 — any failure means "not ready"
            log.warning("cache readiness check failed: %s", error)
            problems.append("cache: Redis is unreachable")
    return problems
