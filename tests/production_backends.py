"""Point the app's settings at the production backends the integration fixtures run."""

from __future__ import annotations

import uuid

import pytest
import redis

from ninevectors.services.backends import reset_backends
from ninevectors.settings import get_settings


def use_production_backends(
    monkeypatch: pytest.MonkeyPatch,
    redis_url: str,
    azurite_connection_string: str,
    container_prefix: str,
) -> None:
    """SQL store, a flushed Redis cache and a fresh Azurite container, for this test."""
    redis.Redis.from_url(redis_url).flushdb()
    for key, value in {
        "STORE_BACKEND": "sql",
        "CACHE_BACKEND": "redis",
        "REDIS_URL": redis_url,
        "BLOB_BACKEND": "azure",
        "AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string,
        "BLOB_CONTAINER": f"{container_prefix}-{uuid.uuid4().hex[:20]}",
        # The test process is web and task worker at once: it consumes the Redis queues.
        "TASK_WORKERS": "0",
    }.items():
        monkeypatch.setenv(f"NINEVECTORS_{key}", value)
    get_settings.cache_clear()
    reset_backends()
