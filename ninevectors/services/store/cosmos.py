"""The document store on Azure Cosmos DB (NoSQL API) with the official ``azure-cosmos`` SDK.

Containers are partitioned on ``/partitionKey``. A container whose spec has no default TTL is
created with ``default_ttl=-1`` (TTL on, nothing expires by default) so that an item's own
``ttl`` is honoured as in the SQL backend; with no TTL setting at all Cosmos ignores it.

Patch uses the service's ``patch_item`` (the emulator implements it). Continuation tokens
wrap the SDK's own token with a fingerprint of the query.

Emulator gap handled here: ``cosmosdb-server`` answers a point read of a missing item with
HTTP 500 instead of 404. :meth:`CosmosDocumentStore.get` confirms such a 500 with a query and
raises :class:`NotFound` only when the item really is absent; any other 500 stays an error.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from azure.core import MatchConditions
from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosHttpResponseError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from ninevectors.services.store._common import (
    check_id,
    check_partition_key,
    clean_item,
    decode_token,
    encode_token,
    matches_filters,
    paused_gc,
    query_fingerprint,
    validate_filter,
    validate_patch,
    validate_query,
    validate_versioned,
)
from ninevectors.services.store._cosmos_query import Parameters, count_query, select_query
from ninevectors.services.store._patch import apply_versioned
from ninevectors.services.store.base import (
    Conflict,
    ContainerSpec,
    Filter,
    InvalidItem,
    Item,
    NotFound,
    Page,
    PatchOperation,
    PreconditionFailed,
    Query,
    StoreError,
    VersionedSet,
)

VERSIONED_WRITE_ATTEMPTS = 5
# Cosmos system properties we do not return (``_etag`` and ``_ts`` are kept).
_HIDDEN_KEYS = ("_rid", "_self", "_attachments")


def map_cosmos_error(error: CosmosHttpResponseError) -> StoreError:
    """Translate an SDK error into the store's error types."""
    status = error.status_code
    if isinstance(error, CosmosResourceNotFoundError) or status == 404:
        return NotFound(f"Cosmos DB: not found ({error.message})")
    if isinstance(error, CosmosResourceExistsError) or status == 409:
        return Conflict(f"Cosmos DB: already exists ({error.message})")
    if isinstance(error, CosmosAccessConditionFailedError) or status == 412:
        return PreconditionFailed(f"Cosmos DB: etag mismatch ({error.message})")
    if status == 400:
        return InvalidItem(f"Cosmos DB: bad request ({error.message})")
    return StoreError(f"Cosmos DB error {status}: {error.message}")


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except CosmosHttpResponseError as error:
        raise map_cosmos_error(error) from error


def _condition(etag: str | None) -> dict[str, Any]:
    if etag is None:
        return {}
    return {"etag": etag, "match_condition": MatchConditions.IfNotModified}


def _returned(item: dict[str, Any]) -> Item:
    return {key: value for key, value in item.items() if key not in _HIDDEN_KEYS}


class CosmosDocumentStore:
    """The :class:`~ninevectors.services.store.base.DocumentStore` on Cosmos DB."""

    def __init__(self, endpoint: str, key: str, database: str, verify_tls: bool = True) -> None:
        if not verify_tls:
            # Chosen explicitly (local emulator with a self-signed certificate): do not warn
            # on every request.
            from urllib3.exceptions import InsecureRequestWarning

            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        with _translated():
            self._client = CosmosClient(endpoint, credential=key, connection_verify=verify_tls)
        self._database_name = database
        self._containers: dict[str, ContainerProxy] = {}

    def ensure_containers(self, specs: list[ContainerSpec]) -> None:
        with _translated():
            database = self._client.create_database_if_not_exists(id=self._database_name)
            for spec in specs:
                self._containers[spec.name] = database.create_container_if_not_exists(
                    id=spec.name,
                    partition_key=PartitionKey(path="/partitionKey"),
                    default_ttl=spec.default_ttl if spec.default_ttl is not None else -1,
                )

    def close(self) -> None:
        self._client.close()

    # -- reads -------------------------------------------------------------------------------

    def get(self, container: str, partition_key: str, item_id: str) -> Item:
        proxy = self._container(container)
        check_partition_key(partition_key)
        check_id(item_id)
        try:
            return _returned(proxy.read_item(item=item_id, partition_key=partition_key))
        except CosmosHttpResponseError as error:
            if error.status_code == 500 and not self._exists(proxy, partition_key, item_id):
                raise NotFound(f"{container}/{item_id} not found") from error
            raise map_cosmos_error(error) from error

    def query(self, container: str, partition_key: str | None, query: Query) -> Page:
        proxy = self._container(container)
        validate_query(query)
        fingerprint = query_fingerprint(container, partition_key, query)
        token = decode_token(query.continuation, fingerprint) if query.continuation else None
        if token is not None and not isinstance(token, str):
            raise InvalidItem("malformed continuation token")
        sql, parameters = select_query(partition_key, query)
        items: list[Item] = []
        with _translated(), paused_gc():
            while len(items) < query.limit:
                page, token = self._page(
                    proxy, sql, parameters, partition_key, query.limit - len(items), token
                )
                items.extend(_returned(item) for item in page)
                if not token:
                    break
        continuation = encode_token(fingerprint, token) if token else None
        return Page(items=items, continuation=continuation)

    def count(
        self, container: str, partition_key: str | None, filters: tuple[Filter, ...] = ()
    ) -> int:
        proxy = self._container(container)
        for flt in filters:
            validate_filter(flt)
        sql, parameters = count_query(partition_key, filters)
        with _translated():
            return int(sum(self._values(proxy, sql, parameters, partition_key)))

    # -- writes ------------------------------------------------------------------------------

    def create(self, container: str, item: Item) -> Item:
        proxy = self._container(container)
        body = clean_item(item)
        with _translated():
            return _returned(proxy.create_item(body=body))

    def replace(self, container: str, item: Item, etag: str | None = None) -> Item:
        proxy = self._container(container)
        body = clean_item(item)
        with _translated():
            return _returned(proxy.replace_item(item=body["id"], body=body, **_condition(etag)))

    def upsert(self, container: str, item: Item, etag: str | None = None) -> Item:
        """With ``etag`` this is a conditional replace (the emulator would ignore If-Match on
        an upsert of a missing item and create it): a missing item is PreconditionFailed."""
        if etag is not None:
            try:
                return self.replace(container, item, etag)
            except NotFound as exc:
                raise PreconditionFailed(f"{container}: no item with that etag") from exc
        proxy = self._container(container)
        body = clean_item(item)
        with _translated():
            return _returned(proxy.upsert_item(body=body))

    def patch(
        self,
        container: str,
        partition_key: str,
        item_id: str,
        operations: list[PatchOperation],
        etag: str | None = None,
    ) -> Item:
        proxy = self._container(container)
        check_partition_key(partition_key)
        check_id(item_id)
        validate_patch(operations)
        patch = [_patch_operation(operation) for operation in operations]
        with _translated():
            patched = proxy.patch_item(
                item=item_id,
                partition_key=partition_key,
                patch_operations=patch,
                **_condition(etag),
            )
        return _returned(patched)

    def patch_versioned(
        self,
        container: str,
        partition_key: str,
        item_id: str,
        sets: list[VersionedSet],
        always: list[PatchOperation] | None = None,
        require: tuple[Filter, ...] = (),
    ) -> Item:
        """Cosmos patches cannot make each operation conditional on the item's own version
        numbers, so this reads, applies the sets in Python and replaces guarded by the etag
        (two round trips; repeated when another write lands in between)."""
        always = list(always or [])
        validate_versioned(sets, always)
        for _attempt in range(VERSIONED_WRITE_ATTEMPTS):
            current = self.get(container, partition_key, item_id)
            if not matches_filters(current, require):
                raise PreconditionFailed(f"{container}/{item_id} does not meet the condition")
            updated = apply_versioned(current, sets, always)
            try:
                return self.replace(container, updated, etag=current["_etag"])
            except PreconditionFailed:
                continue
        raise PreconditionFailed(f"{container}/{item_id} kept changing while it was written")

    def delete(
        self, container: str, partition_key: str, item_id: str, etag: str | None = None
    ) -> None:
        proxy = self._container(container)
        check_partition_key(partition_key)
        check_id(item_id)
        with _translated():
            proxy.delete_item(item=item_id, partition_key=partition_key, **_condition(etag))

    def purge_expired(self) -> int:
        return 0  # Cosmos DB deletes expired items itself.

    # -- helpers -----------------------------------------------------------------------------

    def _container(self, name: str) -> ContainerProxy:
        proxy = self._containers.get(name)
        if proxy is None:
            raise NotFound(f"unknown container {name!r}")
        return proxy

    @staticmethod
    def _page(
        proxy: ContainerProxy,
        sql: str,
        parameters: Parameters,
        partition_key: str | None,
        size: int,
        token: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of at most ``size`` items and the SDK's token for the next one."""
        pages = proxy.query_items(
            query=sql,
            parameters=parameters,
            partition_key=partition_key,
            enable_cross_partition_query=partition_key is None,
            max_item_count=size,
        ).by_page(token)
        try:
            page = list(next(pages))
        except StopIteration:
            return [], None
        return page, pages.continuation_token

    @staticmethod
    def _values(
        proxy: ContainerProxy, sql: str, parameters: Parameters, partition_key: str | None
    ) -> list[Any]:
        return list(
            proxy.query_items(
                query=sql,
                parameters=parameters,
                partition_key=partition_key,
                enable_cross_partition_query=partition_key is None,
            )
        )

    def _exists(self, proxy: ContainerProxy, partition_key: str, item_id: str) -> bool:
        sql = 'SELECT VALUE COUNT(1) FROM c WHERE c["partitionKey"] = @pk AND c["id"] = @id'
        parameters = [{"name": "@pk", "value": partition_key}, {"name": "@id", "value": item_id}]
        with _translated():
            return sum(self._values(proxy, sql, parameters, partition_key)) > 0


def _patch_operation(operation: PatchOperation) -> dict[str, Any]:
    if operation.op == "remove":
        return {"op": "remove", "path": operation.path}
    return {"op": operation.op, "path": operation.path, "value": operation.value}
