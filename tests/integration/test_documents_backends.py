"""The document pipeline on the production backends: Azure Blob (Azurite) for the files,
Dramatiq's Redis broker for the queue (retries, dead letters), Redis for the index version."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ninevectors.services import documents
from ninevectors.services.backends import get_blob_storage, reset_backends
from ninevectors.services.blob.azure import AzureBlobStorage
from ninevectors.services.documents import pipeline, queue, search
from ninevectors.services.identity import passwords
from tests.fixtures import documents as samples
from tests.production_backends import use_production_backends
from tests.unit.test_assessment_support import Team, build_team
from tests.unit.test_identity_support import CHEAP_HASHER, FakeClock


@pytest.fixture
def production(
    temp_database: str,
    redis_url: str,
    azurite_connection_string: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Team]:
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    use_production_backends(monkeypatch, redis_url, azurite_connection_string, "docs")
    queue.shutdown()
    search.forget_indexes()
    yield build_team(FakeClock())
    queue.shutdown()
    search.forget_indexes()
    storage = get_blob_storage()
    assert isinstance(storage, AzureBlobStorage)
    storage._container.delete_container()
    reset_backends()


def test_upload_process_search_download_delete_on_azurite_and_redis(production: Team) -> None:
    assert type(queue.runtime().broker).__name__ == "RedisBroker"
    pdf = samples.pdf_bytes()
    doc = documents.upload_document(
        production.alice, "plan.pdf", samples.chunks(pdf), {"category": "strategy"}
    )
    queue.wait_until_idle(60)
    done = documents.get_document(production.alice, doc.id)
    assert done.processing.status == "completed", done.processing.reason
    hits = documents.search_documents(production.bob, {"text": "digital transformation budget"})
    assert hits and hits[0].document_id == doc.id
    response = httpx.get(documents.download_url(production.bob, doc.id), timeout=10)
    assert response.status_code == 200 and response.content == pdf
    names = [b.name for b in get_blob_storage().list(f"documents/{production.org}/")]
    assert any("/thumbnails/" in n for n in names) and any("/raw/" in n for n in names)
    documents.delete_document(production.alice, doc.id)
    assert get_blob_storage().list(f"documents/{production.org}/") == []


def test_redis_dead_letter_queue_and_retry(
    production: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "MIN_BACKOFF_MS", 10)
    monkeypatch.setattr(queue, "MAX_BACKOFF_MS", 20)
    queue.shutdown()
    real_run = pipeline._run
    calls: list[int] = []

    def flaky(organization_id: str, item: dict, started: float) -> None:
        calls.append(1)
        raise ConnectionError("storage unreachable")

    monkeypatch.setattr(pipeline, "_run", flaky)
    doc = documents.upload_document(production.alice, "notes.txt", [b"Market plan notes."], {})
    queue.wait_until_idle(60)
    assert len(calls) == queue.MAX_DELIVERIES
    letters = documents.list_dead_letters(production.admin)
    assert [letter.document_id for letter in letters] == [doc.id]
    monkeypatch.setattr(pipeline, "_run", real_run)
    documents.retry_dead_letter(production.admin, letters[0].message_id)
    queue.wait_until_idle(60)
    assert documents.get_document(production.alice, doc.id).processing.status == "completed"
    assert documents.list_dead_letters(production.admin) == []
