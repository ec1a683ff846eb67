"""The local blob folder's own guarantees: atomic writes, confinement, tidy temp files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ninevectors.services.blob.base import BlobError, BlobNotFound, InvalidBlobName
from ninevectors.services.blob.local import LocalBlobStorage


@pytest.fixture
def storage(tmp_path: Path) -> LocalBlobStorage:
    return LocalBlobStorage(tmp_path / "store", "secret", "http://app.test/")


def test_layout_on_disk(storage: LocalBlobStorage) -> None:
    storage.put("a/b.txt", b"data", "text/plain", {"k": "v"})
    assert (storage.root / "blobs" / "a" / "b.txt").read_bytes() == b"data"
    sidecar = json.loads((storage.root / "meta" / "a" / "b.txt.json").read_text())
    assert sidecar["content_type"] == "text/plain"
    assert sidecar["metadata"] == {"k": "v"}
    assert len(sidecar["sha256"]) == 64
    assert list((storage.root / ".tmp").iterdir()) == []


def test_failed_write_leaves_no_temp_file(storage: LocalBlobStorage) -> None:
    def broken() -> Iterator[bytes]:
        yield b"partial"
        raise OSError("disk gone")

    with pytest.raises(OSError):
        storage.put("a.txt", broken(), "text/plain")
    assert list((storage.root / ".tmp").iterdir()) == []
    assert not (storage.root / "blobs" / "a.txt").exists()


def test_overwrite_keeps_old_content_until_complete(storage: LocalBlobStorage) -> None:
    storage.put("a.txt", b"old", "text/plain")

    def broken() -> Iterator[bytes]:
        yield b"new"
        raise OSError("disk gone")

    with pytest.raises(OSError):
        storage.put("a.txt", broken(), "text/plain")
    assert storage.get("a.txt") == b"old"


def test_symlink_escape_is_refused(storage: LocalBlobStorage, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (storage.root / "blobs" / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidBlobName):
        storage.put("link/x.txt", b"x", "text/plain")
    assert list(outside.iterdir()) == []


def test_file_and_folder_name_clash_is_a_blob_error(storage: LocalBlobStorage) -> None:
    storage.put("a", b"file", "text/plain")
    with pytest.raises(BlobError):
        storage.put("a/b", b"nested", "text/plain")
    with pytest.raises(BlobNotFound):
        storage.info("a/b")
    assert storage.get("a") == b"file"


def test_download_url_shape(storage: LocalBlobStorage) -> None:
    url = storage.download_url("docs/My File.pdf", 60, filename="My File.pdf")
    assert url.startswith("http://app.test/files/docs/My%20File.pdf?exp=")
    assert "&sig=" in url and "&filename=My+File.pdf" in url
