"""Blob storage in a local folder: the single-machine default and the test double of Azure.

Layout under ``root``: ``blobs/{name}`` holds the content, ``meta/{name}.json`` the sidecar
(content type, sha256, size, metadata, time). Both are written to ``.tmp/`` first and moved
into place with ``os.replace``; the sidecar goes last, so a blob appears only when complete.
Download links are HMAC-signed and served by :mod:`ninevectors.api.downloads`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlencode

from ninevectors.services.blob import signing
from ninevectors.services.blob.base import BlobError, BlobInfo, BlobNotFound, InvalidBlobName
from ninevectors.services.blob.layout import (
    validate_content_type,
    validate_metadata,
    validate_name,
    validate_prefix,
)

_META_SUFFIX = ".json"


class LocalBlobStorage:
    def __init__(self, root: Path, secret_key: str, public_url: str) -> None:
        self.root = Path(root).resolve()
        self._blobs = self.root / "blobs"
        self._meta = self.root / "meta"
        self._tmp = self.root / ".tmp"
        self._secret_key = secret_key
        self._public_url = public_url.rstrip("/")
        for folder in (self._blobs, self._meta, self._tmp):
            folder.mkdir(parents=True, exist_ok=True)

    # -- paths ---------------------------------------------------------------------------

    def _confined(self, base: Path, relative: str) -> Path:
        path = (base / relative).resolve()
        if not path.is_relative_to(base):
            raise InvalidBlobName("blob name escapes the storage folder")
        return path

    def _paths(self, name: str) -> tuple[Path, Path]:
        validate_name(name)
        return self._confined(self._blobs, name), self._confined(self._meta, name + _META_SUFFIX)

    # -- writing -------------------------------------------------------------------------

    def put(
        self,
        name: str,
        data: bytes | Iterable[bytes],
        content_type: str,
        metadata: dict[str, str] | None = None,
    ) -> BlobInfo:
        data_path, meta_path = self._paths(name)
        user_metadata = validate_metadata(metadata)
        validate_content_type(content_type)
        chunks = [bytes(data)] if isinstance(data, (bytes, bytearray, memoryview)) else data
        temp_data, size, digest = self._write_temp(lambda out: _copy_chunks(chunks, out))
        info = BlobInfo(
            name=name,
            size=size,
            content_type=content_type,
            sha256=digest,
            metadata=user_metadata,
            last_modified=datetime.now(UTC),
        )
        sidecar = json.dumps(_info_to_json(info)).encode("utf-8")
        temp_meta, _, _ = self._write_temp(lambda out: _copy_chunks([sidecar], out))
        try:
            _move(temp_data, data_path)
            _move(temp_meta, meta_path)
        except OSError as error:
            raise BlobError(f"cannot store blob {name!r}: {error}") from error
        finally:
            for leftover in (temp_data, temp_meta):
                leftover.unlink(missing_ok=True)
        return info

    def _write_temp(self, write: Callable[[IO[bytes]], tuple[int, str]]) -> tuple[Path, int, str]:
        """Run ``write(file)`` into a new temporary file; returns its path, size, sha256."""
        descriptor, temp_name = tempfile.mkstemp(dir=self._tmp)
        path = Path(temp_name)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                size, digest = write(handle)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path, size, digest

    def delete(self, name: str) -> None:
        data_path, meta_path = self._paths(name)
        meta_path.unlink(missing_ok=True)  # the blob disappears with its sidecar
        data_path.unlink(missing_ok=True)

    # -- reading -------------------------------------------------------------------------

    def info(self, name: str) -> BlobInfo:
        _, meta_path = self._paths(name)
        return self._read_info(meta_path, name)

    def _read_info(self, meta_path: Path, name: str) -> BlobInfo:
        try:
            raw = json.loads(meta_path.read_bytes())
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise BlobNotFound(name) from None
        return _info_from_json(raw)

    def exists(self, name: str) -> bool:
        _, meta_path = self._paths(name)
        return meta_path.is_file()

    def get(self, name: str) -> bytes:
        return b"".join(self.stream(name))

    def stream(self, name: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        data_path, meta_path = self._paths(name)
        if not meta_path.is_file():
            raise BlobNotFound(name)
        try:
            handle = data_path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise BlobNotFound(name) from None
        return _read_chunks(handle, chunk_size)

    def list(self, prefix: str) -> list[BlobInfo]:
        validate_prefix(prefix)
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        base = self._confined(self._meta, folder) if folder else self._meta
        if not base.is_dir():
            return []
        found: list[BlobInfo] = []
        for meta_path in base.rglob("*" + _META_SUFFIX):
            name = meta_path.relative_to(self._meta).as_posix()[: -len(_META_SUFFIX)]
            if name.startswith(prefix) and meta_path.is_file():
                try:
                    found.append(self._read_info(meta_path, name))
                except BlobNotFound:  # deleted while listing
                    continue
        return sorted(found, key=lambda blob: blob.name)

    # -- links and health ----------------------------------------------------------------

    def download_url(
        self, name: str, expires_in_seconds: int = 900, filename: str | None = None
    ) -> str:
        validate_name(name)
        params = signing.signed_params(self._secret_key, name, expires_in_seconds, filename)
        return f"{self._public_url}/files/{quote(name, safe='/')}?{urlencode(params)}"

    def verify_download(
        self, name: str, exp: str | None, sig: str | None, filename: str | None = None
    ) -> None:
        """Check a download link's parameters; raises signing.InvalidSignature."""
        signing.verify(self._secret_key, name, exp, sig, filename)

    def ping(self) -> bool:
        return self._tmp.is_dir() and os.access(self._tmp, os.W_OK)


def _copy_chunks(chunks: Iterable[bytes], out: IO[bytes]) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        if not chunk:
            continue
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _read_chunks(handle: IO[bytes], chunk_size: int) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(chunk_size):
            yield chunk


def _info_to_json(info: BlobInfo) -> dict[str, Any]:
    modified = info.last_modified.isoformat() if info.last_modified else None
    return {
        "name": info.name,
        "size": info.size,
        "content_type": info.content_type,
        "sha256": info.sha256,
        "metadata": info.metadata,
        "last_modified": modified,
    }


def _info_from_json(raw: dict[str, Any]) -> BlobInfo:
    modified = raw.get("last_modified")
    return BlobInfo(
        name=raw["name"],
        size=int(raw["size"]),
        content_type=raw["content_type"],
        sha256=raw["sha256"],
        metadata=dict(raw.get("metadata") or {}),
        last_modified=datetime.fromisoformat(modified) if modified else None,
    )
