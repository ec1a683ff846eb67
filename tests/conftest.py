"""Shared test setup. Server fixtures live in tests/fixtures/ (one module per server)."""

from __future__ import annotations

import os

# Tests never touch a developer's own data folder or .env choices.
os.environ.setdefault("NINEVECTORS_ENVIRONMENT", "test")

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.redis_server",
    "tests.fixtures.azurite",
    "tests.fixtures.cosmos",
    "tests.fixtures.database",
]
