"""The document library: upload (validated, streamed, de-duplicated), list, details, change,
download and delete. Processing is queued (see :mod:`.queue`); nothing slow runs here."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ninevectors.models.document import DocumentItem, FileMetadata, Processing
from ninevectors.models.principal import Principal
from ninevectors.services import metering
from ninevectors.services.backends import get_blob_storage, get_store
from ninevectors.services.billing import entitlements
from ninevectors.services.billing.plans import GB
from ninevectors.services.blob import layout
from ninevectors.services.documents import _common as c
from ninevectors.services.documents import detection, evidence, queue
from ninevectors.services.documents.schemas import DocumentDetails, clean_filename
from ninevectors.services.errors import ConflictError, ValidationFailed
from ninevectors.services.identity import roles
from ninevectors.services.store.base import Filter, Query
from ninevectors.settings import get_settings

log = logging.getLogger(__name__)

BLOB_CHUNK = 1024 * 1024
DOWNLOAD_SECONDS = 900


@dataclass(frozen=True)
class _Spooled:
    path: Path
    size: int
    sha256: str


def _spool(chunks: Iterable[bytes], limit: int, folder: Path) -> _Spooled:
    """Write the upload to a temporary file chunk by chunk (hashing, counting, refusing
    oversize as soon as it passes the limit)."""
    digest = hashlib.sha256()
    size = 0
    handle = tempfile.NamedTemporaryFile(dir=folder, delete=False, prefix="upload-")
    path = Path(handle.name)
    try:
        with handle:
            for chunk in chunks:
                if not isinstance(chunk, bytes | bytearray):
                    raise ValidationFailed("file", "The upload is malformed.")
                size += len(chunk)
                if size > limit:
                    raise ValidationFailed(
                        "file", f"The file is larger than the limit of {_megabytes(limit)}."
                    )
                digest.update(chunk)
                handle.write(chunk)
        if size == 0:
            raise ValidationFailed("file", "The file is empty.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _Spooled(path, size, digest.hexdigest())


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _read_file(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(BLOB_CHUNK):
            yield chunk


def storage_used(organization_id: str) -> int:
    items = c.all_items(organization_id, c.document_filters())
    return sum(int((i.get("fileMetadata") or {}).get("fileSize") or 0) for i in items)


def _meter_storage(organization_id: str) -> None:
    """Write the organization's storage level for billing (after an upload or a delete)."""
    metering.record_level(organization_id, "storage-gb", storage_used(organization_id) / GB)


def _check_plan_room(organization_id: str, size: int) -> None:
    standing = entitlements.standing_of(organization_id)
    entitlements.require_room(
        standing, "storage-gb", storage_used(organization_id) / GB, adding=size / GB,
        field="file", message="Your {plan} plan's document storage ({limit:g} GB) is full.",
    )  # fmt: skip


def _check_duplicate(organization_id: str, sha256: str) -> None:
    filters = (*c.document_filters(), Filter("fileMetadata.checksum", "=", f"sha256:{sha256}"))
    page = get_store().query(c.CONTAINER, organization_id, Query(filters, limit=1))
    if page.items:
        name = page.items[0].get("name", "another document")
        raise ConflictError(f"This file is already in your library as “{name}”.")


def upload_document(
    principal: Principal,
    filename: str,
    chunks: Iterable[bytes],
    details: DocumentDetails | Mapping[str, Any] | None = None,
) -> DocumentItem:
    """Validate and store one upload, then queue its processing.

    The content is spooled to a temporary file (hashed and size-checked while it streams),
    identified by its magic bytes, checked for duplicates and plan room; then the blob is
    written, then the record. A refused upload leaves no blob and no record."""
    roles.require(principal, roles.DOCUMENTS_UPLOAD)
    queue.runtime()  # started (and swept) before this upload's record exists
    name = clean_filename(filename)
    form = DocumentDetails.parse(dict(details) if isinstance(details, Mapping) else details or {})
    settings = get_settings()
    folder = settings.data_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    spooled: _Spooled | None = None
    try:
        spooled = _spool(chunks, settings.document_max_bytes, folder)
        kind = detection.identify(spooled.path, name)
        _check_duplicate(principal.organization_id, spooled.sha256)
        _check_plan_room(principal.organization_id, spooled.size)
        item = _store(principal, name, kind, spooled, form)
    finally:
        if spooled is not None:
            spooled.path.unlink(missing_ok=True)
    c.bump_index(principal.organization_id)
    _meter_storage(principal.organization_id)
    c.record("document.uploaded", principal, item.id, name=name, size=spooled.size)
    queue.enqueue_processing(principal.organization_id, item.id)
    return item


def _store(
    principal: Principal,
    name: str,
    kind: detection.FileKind,
    spooled: _Spooled,
    form: DocumentDetails,
) -> DocumentItem:
    document_id = c.new_document_id()
    blob_name = layout.document_raw(principal.organization_id, document_id, name)
    blobs = get_blob_storage()
    info = blobs.put(blob_name, _read_file(spooled.path), kind.mime_type)
    now = c.now_iso()
    item = DocumentItem(
        id=document_id,
        organization_id=principal.organization_id,
        name=name,
        category=form.category or "other",
        tags=form.tags or [],
        visibility=form.visibility or "organization",
        team=c.department_of(principal),
        uploaded_by=principal.user_id,
        uploaded_at=now,
        file_metadata=FileMetadata(
            file_name=layout.sanitize_filename(name),
            file_size=spooled.size,
            mime_type=kind.mime_type,
            kind=kind.kind,
            blob_name=blob_name,
            checksum=f"sha256:{info.sha256}",
        ),
        processing=Processing(status="uploaded"),
        partition_key=principal.organization_id,
    )
    try:
        stored = get_store().create(c.CONTAINER, item.to_item())
    except Exception:
        blobs.delete(blob_name)
        raise
    return c.to_document(stored)


def list_documents(principal: Principal) -> list[DocumentItem]:
    """The documents the principal may see, newest first."""
    department = c.department_of(principal)
    items = [
        i
        for i in c.all_items(principal.organization_id, c.document_filters())
        if c.can_see(principal, i, department)
    ]
    items.sort(key=lambda i: str(i.get("uploadedAt") or ""), reverse=True)
    return [c.to_document(i) for i in items]


def get_document(principal: Principal, document_id: str) -> DocumentItem:
    return c.to_document(c.visible_item(principal, document_id))


def update_document(
    principal: Principal, document_id: str, changes: DocumentDetails | Mapping[str, Any]
) -> DocumentItem:
    """Change category, tags or visibility (uploader or admin)."""
    form = DocumentDetails.parse(dict(changes) if isinstance(changes, Mapping) else changes)
    item = c.editable_item(principal, document_id)
    fields = form.model_dump(exclude_none=True)
    if not fields:
        raise ValidationFailed("changes", "Nothing to change.")
    stamp = c.now_iso()
    stored = c.update_item(
        principal.organization_id, item["id"], lambda i: i.update(fields, updatedAt=stamp)
    )
    c.bump_index(principal.organization_id)
    c.record("document.updated", principal, document_id, fields=sorted(fields))
    return c.to_document(stored)


def download_url(principal: Principal, document_id: str) -> str:
    """A time-limited URL of the original file."""
    document = get_document(principal, document_id)
    c.record("document.downloaded", principal, document.id)
    return get_blob_storage().download_url(
        document.file_metadata.blob_name,
        DOWNLOAD_SECONDS,
        filename=document.file_metadata.file_name,
    )


def thumbnail_url(principal: Principal, document_id: str) -> str | None:
    document = get_document(principal, document_id)
    if not document.content.thumbnail_blob:
        return None
    return get_blob_storage().download_url(document.content.thumbnail_blob, DOWNLOAD_SECONDS)


def delete_document(principal: Principal, document_id: str) -> None:
    """Remove the document: its blobs, its search passages and its evidence links."""
    item = c.editable_item(principal, document_id)
    document = c.to_document(item)
    evidence.remove_links(document)
    store = get_store()
    for chunk in c.all_items(principal.organization_id, c.chunk_filters(document.id)):
        store.delete(c.CONTAINER, principal.organization_id, chunk["id"])
    blobs = get_blob_storage()
    prefix = layout.documents_prefix(principal.organization_id)
    for area in ("raw", "processed", "thumbnails"):
        for info in blobs.list(f"{prefix}{area}/{document.id}/"):
            blobs.delete(info.name)
    store.delete(c.CONTAINER, principal.organization_id, document.id)
    c.bump_index(principal.organization_id)
    _meter_storage(principal.organization_id)
    c.record("document.deleted", principal, document.id, name=document.name)
