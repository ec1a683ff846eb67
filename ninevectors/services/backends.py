"""Builds the configured backend of each outside system once per process.

Each outside system has one small interface and two implementations: the embedded default
(SQLite, in-process cache, local folder) and the production one (PostgreSQL, Redis, Azure
Blob, Cosmos DB). Settings choose; nothing else in the code knows which one runs.
"""

from __future__ import annotations

from functools import lru_cache

from ninevectors.services.blob.base import BlobStorage
from ninevectors.services.cache.base import Cache
from ninevectors.services.store.base import DocumentStore
from ninevectors.settings import get_settings


@lru_cache(maxsize=1)
def get_store() -> DocumentStore:
    settings = get_settings()
    if settings.store_backend == "cosmos":
        from ninevectors.services.store.cosmos import CosmosDocumentStore

        store: DocumentStore = CosmosDocumentStore(
            endpoint=settings.cosmos_endpoint,
            key=settings.cosmos_key.get_secret_value(),
            database=settings.cosmos_database,
            verify_tls=settings.cosmos_verify_tls,
        )
    else:
        from ninevectors.services.store.sql import SqlDocumentStore

        store = SqlDocumentStore(settings.resolved_database_url)
    from ninevectors.services.store.containers import CONTAINERS

    store.ensure_containers(CONTAINERS)
    return store


@lru_cache(maxsize=1)
def get_cache() -> Cache:
    settings = get_settings()
    if settings.cache_backend == "redis":
        from ninevectors.services.cache.redis import RedisCache

        return RedisCache(settings.redis_url)
    from ninevectors.services.cache.memory import MemoryCache

    return MemoryCache()


@lru_cache(maxsize=1)
def get_blob_storage() -> BlobStorage:
    settings = get_settings()
    if settings.blob_backend == "azure":
        from ninevectors.services.blob.azure import AzureBlobStorage

        return AzureBlobStorage(
            connection_string=settings.azure_storage_connection_string.get_secret_value(),
            container=settings.blob_container,
        )
    from ninevectors.services.blob.local import LocalBlobStorage

    return LocalBlobStorage(
        root=settings.data_dir / "blobs",
        secret_key=settings.secret_key.get_secret_value(),
        public_url=settings.public_url,
    )


def reset_backends() -> None:
    """Forget the built backends (tests switch settings between cases)."""
    for factory in (get_store, get_cache, get_blob_storage):
        factory.cache_clear()
