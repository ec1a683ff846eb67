"""Azure Blob Storage, via the official ``azure-storage-blob`` client.

Uploads stream the given chunks as blocks (``stage_block`` + ``commit_block_list``) while
hashing them, so the sha256 is known before the commit stores it in the blob's metadata;
content that fits in one block goes up in a single request. Download links are SAS URLs.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import (
    BlobBlock,
    BlobClient,
    BlobProperties,
    BlobSasPermissions,
    BlobServiceClient,
    ContentSettings,
    generate_blob_sas,
)

from ninevectors.services.blob.base import BlobError, BlobInfo, BlobNotFound
from ninevectors.services.blob.layout import (
    validate_content_type,
    validate_metadata,
    validate_name,
    validate_prefix,
)
from ninevectors.services.blob.signing import content_disposition

BLOCK_SIZE = 4 * 1024 * 1024
SHA256_KEY = "sha256"
CLOCK_SKEW = timedelta(minutes=5)


class AzureBlobStorage:
    def __init__(
        self, connection_string: str, container: str, block_size: int = BLOCK_SIZE
    ) -> None:
        settings = parse_connection_string(connection_string)
        self._account_name = settings.get("AccountName", "")
        self._account_key = settings.get("AccountKey", "")
        self._block_size = block_size
        self._service = BlobServiceClient.from_connection_string(connection_string)
        self._container = self._service.get_container_client(container)
        try:
            self._container.create_container()
        except ResourceExistsError:
            pass

    def _blob(self, name: str) -> BlobClient:
        return self._container.get_blob_client(validate_name(name))

    def put(
        self,
        name: str,
        data: bytes | Iterable[bytes],
        content_type: str,
        metadata: dict[str, str] | None = None,
    ) -> BlobInfo:
        blob = self._blob(name)
        user_metadata = validate_metadata(metadata)
        validate_content_type(content_type)
        chunks = [bytes(data)] if isinstance(data, (bytes, bytearray, memoryview)) else data
        hashing = _Hashing()
        blocks = hashing.wrap(_blocks(chunks, self._block_size))
        first = next(blocks, b"")
        second = next(blocks, None)
        block_ids: list[str] = []
        if second is not None:  # more than one block: stage them all, commit below
            upload_id = uuid.uuid4().hex
            for block in itertools.chain((first, second), blocks):
                block_ids.append(self._stage(blob, upload_id, len(block_ids), block))
        stored = {**user_metadata, SHA256_KEY: hashing.hexdigest()}
        settings = ContentSettings(content_type=content_type)
        try:
            if block_ids:
                block_list = [BlobBlock(block_id=block_id) for block_id in block_ids]
                result = blob.commit_block_list(
                    block_list, content_settings=settings, metadata=stored
                )
            else:
                result = blob.upload_blob(
                    first, overwrite=True, content_settings=settings, metadata=stored
                )
        except AzureError as error:
            raise BlobError(f"cannot store blob {name!r}: {error}") from error
        modified = result.get("last_modified")
        return BlobInfo(
            name=name,
            size=hashing.size,
            content_type=content_type,
            sha256=hashing.hexdigest(),
            metadata=user_metadata,
            last_modified=modified if isinstance(modified, datetime) else None,
        )

    @staticmethod
    def _stage(blob: BlobClient, upload_id: str, index: int, block: bytes) -> str:
        block_id = base64.b64encode(f"{upload_id}-{index:08d}".encode("ascii")).decode("ascii")
        try:
            blob.stage_block(block_id=block_id, data=block, length=len(block))
        except AzureError as error:
            raise BlobError(f"cannot upload block of {blob.blob_name!r}: {error}") from error
        return block_id

    def get(self, name: str) -> bytes:
        try:
            return self._blob(name).download_blob().readall()
        except ResourceNotFoundError:
            raise BlobNotFound(name) from None

    def stream(self, name: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        try:
            downloader = self._blob(name).download_blob()
        except ResourceNotFoundError:
            raise BlobNotFound(name) from None
        return _read_chunks(downloader.read, chunk_size)

    def info(self, name: str) -> BlobInfo:
        try:
            properties = self._blob(name).get_blob_properties()
        except ResourceNotFoundError:
            raise BlobNotFound(name) from None
        return _info(properties)

    def exists(self, name: str) -> bool:
        return bool(self._blob(name).exists())

    def delete(self, name: str) -> None:
        try:
            self._blob(name).delete_blob(delete_snapshots="include")
        except ResourceNotFoundError:
            pass

    def list(self, prefix: str) -> list[BlobInfo]:
        validate_prefix(prefix)
        found = self._container.list_blobs(name_starts_with=prefix or None, include=["metadata"])
        return [_info(properties) for properties in found]

    def download_url(
        self, name: str, expires_in_seconds: int = 900, filename: str | None = None
    ) -> str:
        blob = self._blob(name)
        if expires_in_seconds <= 0:
            raise ValueError("expires_in_seconds must be positive")
        if not self._account_key:
            raise BlobError("the connection string has no AccountKey to sign download links")
        now = datetime.now(UTC)
        sas = generate_blob_sas(
            account_name=self._account_name,
            container_name=self._container.container_name,
            blob_name=name,
            account_key=self._account_key,
            permission=BlobSasPermissions(read=True),
            expiry=now + timedelta(seconds=expires_in_seconds),
            start=now - CLOCK_SKEW,
            content_disposition=content_disposition(filename) if filename else None,
        )
        return f"{blob.url}?{sas}"

    def ping(self) -> bool:
        try:
            self._container.get_container_properties()
        except AzureError:
            return False
        return True


def parse_connection_string(connection_string: str) -> dict[str, str]:
    """``Key=value;...`` pairs of an Azure Storage connection string (values may hold '=')."""
    pairs = (part.split("=", 1) for part in connection_string.split(";") if "=" in part)
    return {key.strip(): value.strip() for key, value in pairs}


def _blocks(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Regroup arbitrary chunks into blocks of ``size`` bytes (the last one shorter)."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


class _Hashing:
    """Counts and hashes blocks as they pass through."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self.size = 0

    def wrap(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        for block in blocks:
            self._sha256.update(block)
            self.size += len(block)
            yield block

    def hexdigest(self) -> str:
        return self._sha256.hexdigest()


def _read_chunks(read: Callable[[int], bytes], chunk_size: int) -> Iterator[bytes]:
    while chunk := read(chunk_size):
        yield chunk


def _info(properties: BlobProperties) -> BlobInfo:
    metadata = dict(properties.metadata or {})
    sha256 = metadata.pop(SHA256_KEY, "")
    return BlobInfo(
        name=properties.name,
        size=int(properties.size),
        content_type=properties.content_settings.content_type or "application/octet-stream",
        sha256=sha256,
        metadata=metadata,
        last_modified=properties.last_modified,
    )
