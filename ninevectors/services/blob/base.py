"""Blob storage's interface: Azure Blob in production, a local folder by default.

Blob names follow the reference layout inside one container:
``documents/{org}/raw|processed|thumbnails/...``, ``reports/{org}/assessments|analytics/...``,
``user-content/avatars|logos/...`` (see :mod:`ninevectors.services.blob.layout`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class BlobError(Exception):
    """Base class of blob storage errors."""


class BlobNotFound(BlobError):
    pass


class InvalidBlobName(BlobError):
    """Empty, absolute, or containing ``..``/backslashes/control characters."""


@dataclass(frozen=True)
class BlobInfo:
    name: str
    size: int
    content_type: str
    sha256: str
    metadata: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None


class BlobStorage(Protocol):
    def put(
        self,
        name: str,
        data: bytes | Iterable[bytes],
        content_type: str,
        metadata: dict[str, str] | None = None,
    ) -> BlobInfo:
        """Store a blob (streamed when given chunks); the sha256 of the content is computed
        while writing and kept in the blob's metadata. Overwrites an existing blob."""
        ...

    def get(self, name: str) -> bytes: ...

    def stream(self, name: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]: ...

    def info(self, name: str) -> BlobInfo: ...

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> None:
        """Delete the blob; deleting a missing blob is not an error."""
        ...

    def list(self, prefix: str) -> list[BlobInfo]: ...

    def download_url(
        self, name: str, expires_in_seconds: int = 900, filename: str | None = None
    ) -> str:
        """A time-limited URL a browser can fetch: SAS on Azure, an HMAC-signed URL served
        by our own route for the local folder."""
        ...

    def ping(self) -> bool: ...
