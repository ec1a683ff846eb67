"""The Cosmos backend without a server: SDK error mapping, the emulator's 500-for-missing
work-around, and the generated query text."""

from __future__ import annotations

from typing import Any

import pytest
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosHttpResponseError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from ninevectors.services.store._cosmos_query import count_query, select_query
from ninevectors.services.store.base import (
    Conflict,
    Filter,
    InvalidItem,
    NotFound,
    PreconditionFailed,
    Query,
    StoreError,
)
from ninevectors.services.store.cosmos import CosmosDocumentStore, map_cosmos_error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (CosmosResourceNotFoundError(status_code=404, message="Entity does not exist"), NotFound),
        (CosmosResourceExistsError(status_code=409, message="exists"), Conflict),
        (CosmosAccessConditionFailedError(status_code=412, message="etag"), PreconditionFailed),
        (CosmosHttpResponseError(status_code=404, message="plain 404"), NotFound),
        (CosmosHttpResponseError(status_code=409, message="plain 409"), Conflict),
        (CosmosHttpResponseError(status_code=412, message="plain 412"), PreconditionFailed),
        (CosmosHttpResponseError(status_code=400, message="bad patch"), InvalidItem),
    ],
    ids=lambda value: type(value).__name__,
)
def test_sdk_errors_map_to_store_errors(error: CosmosHttpResponseError, expected: type) -> None:
    assert type(map_cosmos_error(error)) is expected


@pytest.mark.parametrize("status", [429, 500, 503])
def test_other_sdk_errors_stay_generic_store_errors(status: int) -> None:
    mapped = map_cosmos_error(CosmosHttpResponseError(status_code=status, message="boom"))
    assert type(mapped) is StoreError
    assert str(status) in str(mapped)


class FakeContainer:
    """Just enough of ContainerProxy for get(): read_item raises, a COUNT query answers."""

    def __init__(self, error: Exception, count: int) -> None:
        self.error = error
        self.count = count
        self.queries: list[str] = []

    def read_item(self, item: str, partition_key: str) -> dict[str, Any]:
        raise self.error

    def query_items(self, query: str, **_kwargs: Any) -> list[int]:
        self.queries.append(query)
        return [self.count]


def store_with(container: FakeContainer) -> CosmosDocumentStore:
    store = CosmosDocumentStore.__new__(CosmosDocumentStore)  # no client: never connects
    store._containers = {"things": container}  # type: ignore[dict-item]
    return store


def test_real_404_on_read_is_not_found_without_extra_query() -> None:
    container = FakeContainer(CosmosResourceNotFoundError(status_code=404, message="gone"), 0)
    with pytest.raises(NotFound):
        store_with(container).get("things", "org_a", "x")
    assert container.queries == []


def test_emulator_500_for_missing_item_is_not_found() -> None:
    error = CosmosHttpResponseError(status_code=500, message="Cannot read properties of undefined")
    container = FakeContainer(error, count=0)
    with pytest.raises(NotFound):
        store_with(container).get("things", "org_a", "x")
    assert container.queries and "COUNT(1)" in container.queries[0]


def test_500_for_an_existing_item_stays_a_server_error() -> None:
    container = FakeContainer(CosmosHttpResponseError(status_code=500, message="boom"), count=1)
    with pytest.raises(StoreError) as raised:
        store_with(container).get("things", "org_a", "x")
    assert type(raised.value) is StoreError


def test_select_query_is_parameterised_and_filters_the_partition() -> None:
    query = Query(
        filters=(
            Filter("settings.plan", "=", "pro"),
            Filter("n", "!=", 3),
            Filter("status", "in", ["a", "b"]),
            Filter("tags", "contains", "x"),
            Filter("name", "startswith", "Ac"),
            Filter("deletedAt", "exists", False),
            Filter("value", ">=", 2),
        ),
        order_by="createdAt",
        descending=True,
    )
    sql, parameters = select_query("org_a", query)
    assert sql == (
        'SELECT * FROM c WHERE c["partitionKey"] = @pk AND c["settings"]["plan"] = @p0'
        ' AND (IS_NUMBER(c["n"]) AND c["n"] != @p1) AND c["status"] IN (@p2, @p3)'
        ' AND ARRAY_CONTAINS(c["tags"], @p4)'
        ' AND (IS_STRING(c["name"]) AND STARTSWITH(c["name"], @p5))'
        ' AND NOT IS_DEFINED(c["deletedAt"]) AND c["value"] >= @p6'
        ' ORDER BY c["createdAt"] DESC'
    )
    assert parameters == [
        {"name": "@pk", "value": "org_a"},
        {"name": "@p0", "value": "pro"},
        {"name": "@p1", "value": 3},
        {"name": "@p2", "value": "a"},
        {"name": "@p3", "value": "b"},
        {"name": "@p4", "value": "x"},
        {"name": "@p5", "value": "Ac"},
        {"name": "@p6", "value": 2},
    ]


def test_count_query_and_edge_cases() -> None:
    assert count_query(None, ()) == ("SELECT VALUE COUNT(1) FROM c WHERE true", [])
    sql, _ = count_query("org_a", (Filter("n", "in", []), Filter("x", "!=", None)))
    assert sql.endswith("AND false AND false")


def test_injection_through_field_names_is_refused() -> None:
    with pytest.raises(InvalidItem):
        select_query("org_a", Query(filters=(Filter('a"] = 1 OR c["b', "=", 1),)))
    with pytest.raises(InvalidItem):
        select_query("org_a", Query(order_by="a DESC, c.b"))
