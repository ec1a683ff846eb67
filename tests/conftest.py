"""Shared test setup. Server fixtures live in tests/fixtures/ (one module per server)."""

from __future__ import annotations

import os

import pytest

# Tests never touch a developer's own data folder or .env choices.
os.environ.setdefault("NINEVECTORS_ENVIRONMENT", "test")

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.redis_server",
    "tests.fixtures.azurite",
    "tests.fixtures.cosmos",
    "tests.fixtures.database",
    "tests.fixtures.oidc_provider",
    "tests.fixtures.stripe_server",
]


_SUITE_ORDER = {"unit": 0, "integration": 1, "ui": 2}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Unit tests first (fast feedback), then integration, browser tests last.

    Playwright's sync API leaves its event loop marked as running in the main thread for as
    long as its session-scoped fixture lives, so a test after the first browser test that
    calls ``asyncio.run`` would fail with "cannot be called from a running event loop".
    """
    items.sort(key=lambda item: _SUITE_ORDER.get(item.path.parent.name, 1))
