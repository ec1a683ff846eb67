"""The document containers of the product. Every container is partitioned by organization:
the partition key path is ``/partitionKey`` and its value is the organization id."""

from __future__ import annotations

from ninevectors.services.store.base import ContainerSpec

PARTITION_KEY_PATH = "/partitionKey"

METRICS_TTL_SECONDS = 90 * 24 * 60 * 60  # 7,776,000: time-series metrics keep 90 days

CONTAINERS: list[ContainerSpec] = [
    ContainerSpec("organizations"),
    ContainerSpec("users"),
    ContainerSpec("assessments"),
    ContainerSpec("responses"),  # assessment responses
    ContainerSpec("documents"),
    ContainerSpec("coaching_sessions"),
    ContainerSpec("metrics", default_ttl=METRICS_TTL_SECONDS),
    ContainerSpec("invitations"),  # kept (no container TTL); expiry is checked by the app
]
