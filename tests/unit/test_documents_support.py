"""Fixtures shared by the document tests: the assessment ``team`` plus a clean in-process
document queue and search index per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ninevectors.models.document import DocumentItem
from ninevectors.models.principal import Principal
from ninevectors.services import documents
from ninevectors.services.backends import get_blob_storage, get_store
from ninevectors.services.documents import queue, search
from ninevectors.services.store.base import Filter, Query
from tests.fixtures import documents as samples
from tests.unit import test_assessment_support as assessment_support

identity_env = assessment_support.identity_env
fake_clock = assessment_support.fake_clock
team = assessment_support.team
Team = assessment_support.Team


@pytest.fixture
def library(team: Team) -> Iterator[Team]:
    """The team, with the document queue and search indexes fresh for this test."""
    queue.shutdown()
    search.forget_indexes()
    yield team
    queue.wait_until_idle(30)
    queue.shutdown()
    search.forget_indexes()


def upload(principal: Principal, name: str, data: bytes, **details: Any) -> DocumentItem:
    return documents.upload_document(principal, name, samples.chunks(data), details)


def processed(principal: Principal, document_id: str) -> DocumentItem:
    queue.wait_until_idle(60)
    return documents.get_document(principal, document_id)


def document_items(organization_id: str, type_: str = "document") -> list[dict[str, Any]]:
    query = Query(filters=(Filter("type", "=", type_),), limit=1000)
    return get_store().query("documents", organization_id, query).items


def blob_names(organization_id: str) -> list[str]:
    return [b.name for b in get_blob_storage().list(f"documents/{organization_id}/")]
