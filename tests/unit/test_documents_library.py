"""The document library end to end on the embedded backends: upload (validated, streamed,
de-duplicated), processing on the in-process Dramatiq queue, visibility, changes, download
and delete."""

from __future__ import annotations

import dataclasses

import pytest

from ninevectors.services import documents
from ninevectors.services.billing import plans
from ninevectors.services.documents import queue
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import users
from ninevectors.settings import get_settings
from tests.fixtures import documents as samples
from tests.unit import test_documents_support as support
from tests.unit.test_documents_support import Team, blob_names, document_items, processed, upload

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team
library_env = support.library


def test_pdf_upload_is_processed_to_completed(library_env: Team) -> None:
    doc = upload(
        library_env.alice, "Strategic Plan 2025.pdf", samples.pdf_bytes(), category="strategy"
    )
    assert doc.processing.status == "uploaded"
    assert doc.file_metadata.kind == "pdf"
    assert doc.file_metadata.checksum.startswith("sha256:")
    assert doc.file_metadata.blob_name.startswith(f"documents/{library_env.org}/raw/{doc.id}/")
    done = processed(library_env.alice, doc.id)
    assert done.processing.status == "completed", done.processing.reason
    assert done.content.page_count == 1
    assert done.content.language == "en"
    assert done.content.thumbnail_blob and done.content.thumbnail_blob.startswith(
        f"documents/{library_env.org}/thumbnails/{doc.id}/"
    )
    assert done.ai_analysis is not None and done.ai_analysis.method == "local"
    relevance = done.ai_analysis.vector_relevance
    assert set(relevance) == {str(i) for i in range(1, 10)}
    assert all(0 <= v <= 1 for v in relevance.values())
    assert max(relevance, key=lambda k: relevance[k]) in {"1", "4"}  # market / strategy
    assert done.ai_analysis.action_items
    assert document_items(library_env.org, "document-chunk")


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("table.docx", samples.docx_bytes(), "docx"),
        ("deck.pptx", samples.pptx_bytes(), "pptx"),
        ("budget.xlsx", samples.xlsx_bytes(), "xlsx"),
        ("notes.md", b"# Notes\nPeople and culture survey results are strong.", "text"),
        ("scan.png", samples.png_bytes(), "png"),
    ],
)
def test_every_supported_type_completes(
    library_env: Team, name: str, data: bytes, kind: str
) -> None:
    doc = upload(library_env.alice, name, data)
    assert doc.file_metadata.kind == kind
    done = processed(library_env.alice, doc.id)
    assert done.processing.status == "completed", done.processing.reason
    assert done.content.extracted_text.strip()


def test_encrypted_pdf_fails_with_a_reason_and_the_worker_goes_on(library_env: Team) -> None:
    bad = upload(library_env.alice, "locked.pdf", samples.encrypted_pdf_bytes())
    good = upload(library_env.alice, "plan.pdf", samples.pdf_bytes(["Second plan text here."]))
    assert processed(library_env.alice, bad.id).processing.status == "failed"
    assert "encrypted" in (
        documents.get_document(library_env.alice, bad.id).processing.reason or ""
    )
    assert processed(library_env.alice, good.id).processing.status == "completed"


def test_corrupt_pdf_fails_with_a_reason(library_env: Team) -> None:
    doc = upload(library_env.alice, "broken.pdf", b"%PDF-1.7\nthis is not really a pdf")
    done = processed(library_env.alice, doc.id)
    assert done.processing.status == "failed"
    assert "corrupt" in (done.processing.reason or "")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.pdf", samples.executable_bytes(), "not supported"),
        ("empty.txt", b"", "empty"),
        ("bomb.docx", samples.zip_bomb_docx_bytes(), "zip bomb"),
        ("../../etc/passwd.txt", b"hello", "folders"),
        ("evil\x00.pdf", samples.pdf_bytes(), "control"),
        ("binary.txt", b"\x00\x01\x02garbage\xff", "not supported"),
    ],
)
def test_bad_uploads_leave_no_blob_and_no_record(
    library_env: Team, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        upload(library_env.alice, name, data)
    assert message in refused.value.message
    assert document_items(library_env.org) == []
    assert blob_names(library_env.org) == []
    assert list((get_settings().data_dir / "tmp").glob("upload-*")) == []  # no spool left


def test_oversize_upload_is_refused(library_env: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "document_max_bytes", 1000)
    with pytest.raises(ValidationFailed, match="larger than the limit"):
        upload(library_env.alice, "big.txt", b"word " * 1000)
    assert document_items(library_env.org) == [] and blob_names(library_env.org) == []


def test_duplicate_in_the_organization_is_refused(library_env: Team) -> None:
    upload(library_env.alice, "plan.pdf", samples.pdf_bytes())
    with pytest.raises(ConflictError, match="already in your library"):
        upload(library_env.bob, "copy.pdf", samples.pdf_bytes())
    assert len(document_items(library_env.org)) == 1


def test_plan_storage_limit(library_env: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    tiny = dataclasses.replace(plans.PLANS["enterprise"], storage_bytes=100)
    monkeypatch.setitem(plans.PLANS, "enterprise", tiny)
    with pytest.raises(ValidationFailed, match="storage"):
        upload(library_env.alice, "plan.pdf", samples.pdf_bytes())
    assert blob_names(library_env.org) == []


def test_record_failure_removes_the_blob(
    library_env: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ninevectors.services.backends import get_store

    store = get_store()

    def broken_create(container: str, item: dict) -> dict:
        raise RuntimeError("store down")

    monkeypatch.setattr(store, "create", broken_create)
    with pytest.raises(RuntimeError):
        upload(library_env.alice, "plan.pdf", samples.pdf_bytes())
    assert blob_names(library_env.org) == []


def test_viewer_cannot_upload(library_env: Team) -> None:
    with pytest.raises(Forbidden):
        upload(library_env.viewer, "plan.pdf", samples.pdf_bytes())


def test_visibility_private_team_organization(library_env: Team) -> None:
    users.update_profile(library_env.alice, {"department": "Finance"})
    users.update_profile(library_env.bob, {"department": "Finance"})
    private = upload(library_env.alice, "p.txt", b"private budget notes", visibility="private")
    team_doc = upload(library_env.alice, "t.txt", b"team budget notes", visibility="team")
    public = upload(library_env.alice, "o.txt", b"organization budget notes")

    def seen(principal: object) -> set[str]:
        return {d.id for d in documents.list_documents(principal)}  # type: ignore[arg-type]

    assert seen(library_env.alice) == {private.id, team_doc.id, public.id}
    assert seen(library_env.bob) == {team_doc.id, public.id}
    assert seen(library_env.viewer) == {public.id}
    assert seen(library_env.admin) == {team_doc.id, public.id}
    with pytest.raises(NotFoundError):
        documents.get_document(library_env.bob, private.id)
    with pytest.raises(NotFoundError):
        documents.download_url(library_env.viewer, team_doc.id)


def test_update_details_and_refuse_bad_input(library_env: Team) -> None:
    doc = upload(library_env.alice, "plan.txt", b"a plan for growth in new markets")
    changed = documents.update_document(
        library_env.alice, doc.id, {"category": "market", "tags": ["Growth", "growth", "EU"]}
    )
    assert changed.category == "market" and changed.tags == ["growth", "eu"]
    with pytest.raises(ValidationFailed):
        documents.update_document(library_env.alice, doc.id, {"visibility": "everyone"})
    with pytest.raises(ValidationFailed):
        documents.update_document(library_env.alice, doc.id, {"tags": ["<script>"]})
    with pytest.raises(Forbidden):
        documents.update_document(library_env.bob, doc.id, {"category": "people"})
    assert documents.get_document(library_env.alice, doc.id).category == "market"


def test_download_url_is_time_limited(library_env: Team) -> None:
    doc = upload(library_env.alice, "plan.pdf", samples.pdf_bytes())
    url = documents.download_url(library_env.bob, doc.id)
    assert "exp=" in url and "sig=" in url


def test_delete_removes_blobs_passages_and_record(library_env: Team) -> None:
    doc = upload(library_env.alice, "plan.pdf", samples.pdf_bytes())
    processed(library_env.alice, doc.id)
    assert len(blob_names(library_env.org)) >= 3  # raw, processed text, thumbnail
    with pytest.raises(Forbidden):
        documents.delete_document(library_env.bob, doc.id)
    documents.delete_document(library_env.alice, doc.id)
    assert blob_names(library_env.org) == []
    assert document_items(library_env.org) == []
    assert document_items(library_env.org, "document-chunk") == []
    with pytest.raises(NotFoundError):
        documents.get_document(library_env.alice, doc.id)


def test_stuck_document_is_picked_up_again(library_env: Team) -> None:
    doc = upload(library_env.alice, "plan.txt", b"Strategy for growth and market expansion.")
    queue.wait_until_idle(30)
    from ninevectors.services.backends import get_store
    from ninevectors.services.store.base import PatchOperation

    get_store().patch(
        "documents",
        library_env.org,
        doc.id,
        [PatchOperation("set", "/processing/status", "processing")],
    )
    queue.shutdown()  # a restart: the in-process queue is gone
    queue.runtime()  # the new process starts its worker and sweeps
    assert processed(library_env.alice, doc.id).processing.status == "completed"


def _storage_metered(team: Team) -> float:
    from datetime import UTC, datetime

    from ninevectors.services import metering

    period = metering.billing_period_of(datetime.now(UTC))
    return metering.usage_for_period(team.alice, period)["storage-gb"]


def test_uploads_and_deletes_keep_the_storage_level_current(library_env: Team) -> None:
    first = upload(library_env.alice, "plan.pdf", samples.pdf_bytes())
    second = upload(library_env.alice, "notes.md", b"# Notes\nMarket and strategy notes.")
    both = first.file_metadata.file_size + second.file_metadata.file_size
    assert _storage_metered(library_env) == pytest.approx(both / plans.GB, abs=1e-6)
    documents.delete_document(library_env.alice, first.id)
    remaining = second.file_metadata.file_size / plans.GB
    assert _storage_metered(library_env) == pytest.approx(remaining, abs=1e-6)
