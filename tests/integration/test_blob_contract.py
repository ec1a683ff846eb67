"""One contract for every blob backend: the local folder and Azure (Azurite on loopback).

Both are built the way the app builds them, from settings, via ``get_blob_storage()``.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors.api.downloads import routes
from ninevectors.services.backends import get_blob_storage, reset_backends
from ninevectors.services.blob import signing
from ninevectors.services.blob.azure import AzureBlobStorage
from ninevectors.services.blob.base import BlobNotFound, BlobStorage, InvalidBlobName
from ninevectors.services.blob.local import LocalBlobStorage
from ninevectors.settings import get_settings

PUBLIC_URL = "http://testserver"
INVALID_NAMES = [
    "",
    "/absolute/name.txt",
    "documents/../secret.txt",
    "..",
    "./here.txt",
    "documents//double.txt",
    "documents/",
    "windows\\path.txt",
    "nul\x00byte.txt",
    "new\nline.txt",
    "bell\x07.txt",
]


def _use_settings(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for key, value in values.items():
        monkeypatch.setenv(f"NINEVECTORS_{key}", value)
    get_settings.cache_clear()
    reset_backends()


def _forget_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    get_settings.cache_clear()
    reset_backends()


@pytest.fixture
def local_storage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[LocalBlobStorage]:
    _use_settings(
        monkeypatch,
        {
            "BLOB_BACKEND": "local",
            "DATA_DIR": str(tmp_path),
            "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
            "PUBLIC_URL": PUBLIC_URL,
        },
    )
    backend = get_blob_storage()
    assert isinstance(backend, LocalBlobStorage)
    assert backend.root == (tmp_path / "blobs").resolve()
    yield backend
    _forget_settings(monkeypatch)


@pytest.fixture
def azure_storage(
    monkeypatch: pytest.MonkeyPatch, azurite_connection_string: str
) -> Iterator[AzureBlobStorage]:
    _use_settings(
        monkeypatch,
        {
            "BLOB_BACKEND": "azure",
            "AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string,
            "BLOB_CONTAINER": "test-" + uuid.uuid4().hex[:20],
        },
    )
    backend = get_blob_storage()
    assert isinstance(backend, AzureBlobStorage)
    yield backend
    backend._container.delete_container()
    _forget_settings(monkeypatch)


@pytest.fixture(params=["local", "azurite"])
def storage(request: pytest.FixtureRequest) -> BlobStorage:
    name = "local_storage" if request.param == "local" else "azure_storage"
    backend: BlobStorage = request.getfixturevalue(name)
    return backend


@pytest.fixture
def downloads() -> Iterator[TestClient]:
    with TestClient(Starlette(routes=routes), base_url=PUBLIC_URL) as client:
        yield client


def _fetch(storage: BlobStorage, client: TestClient, url: str) -> httpx.Response:
    """GET a download link: through our route for the local folder, over HTTP for Azure."""
    if isinstance(storage, LocalBlobStorage):
        return client.get(url)
    return httpx.get(url, timeout=10)


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def _chunks(total: int, size: int) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield bytes((start + i) % 251 for i in range(min(size, total - start)))


def test_ping(storage: BlobStorage) -> None:
    assert storage.ping() is True


def test_put_bytes_then_read_back(storage: BlobStorage) -> None:
    data = b"hello 9vectors\n" * 100
    metadata = {"uploaded_by": "user_1", "original_name": "Q3 report.txt"}
    name = "documents/org_a/raw/doc_1/report.txt"
    stored = storage.put(name, data, "text/plain", metadata)
    assert stored.name == name
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.content_type == "text/plain"
    assert stored.metadata == metadata
    info = storage.info(name)
    assert (info.name, info.size, info.sha256) == (name, len(data), stored.sha256)
    assert info.content_type == "text/plain"
    assert info.metadata == metadata
    assert info.last_modified is not None
    assert storage.get(name) == data
    assert storage.exists(name)


def test_put_chunks_streams_and_hashes(storage: BlobStorage) -> None:
    total = 5 * 1024 * 1024 + 12345  # more than one 4 MiB Azure block
    expected = b"".join(_chunks(total, 100_000))
    name = "documents/org_a/processed/doc_2/big.bin"
    stored = storage.put(name, _chunks(total, 100_000), "application/octet-stream")
    assert stored.size == total
    assert stored.sha256 == hashlib.sha256(expected).hexdigest()
    assert storage.info(name).sha256 == stored.sha256
    assert storage.get(name) == expected
    pieces = list(storage.stream(name, chunk_size=1024 * 1024))
    assert b"".join(pieces) == expected
    assert max(len(piece) for piece in pieces) <= 1024 * 1024
    assert len(pieces) == 6


def test_put_empty_blob(storage: BlobStorage) -> None:
    stored = storage.put("system/assets/empty.txt", iter([]), "text/plain")
    assert stored.size == 0
    assert stored.sha256 == hashlib.sha256(b"").hexdigest()
    assert storage.get("system/assets/empty.txt") == b""


def test_overwrite_replaces_content_and_metadata(storage: BlobStorage) -> None:
    name = "user-content/avatars/user_1/avatar.png"
    storage.put(name, b"first version", "image/png", {"version": "1"})
    storage.put(name, [b"second ", b"one"], "image/jpeg", {"version": "2"})
    info = storage.info(name)
    assert storage.get(name) == b"second one"
    assert (info.size, info.content_type, info.metadata) == (10, "image/jpeg", {"version": "2"})
    assert info.sha256 == hashlib.sha256(b"second one").hexdigest()


def test_missing_blob(storage: BlobStorage) -> None:
    name = "documents/org_a/raw/nope/missing.txt"
    assert storage.exists(name) is False
    with pytest.raises(BlobNotFound):
        storage.get(name)
    with pytest.raises(BlobNotFound):
        storage.info(name)
    with pytest.raises(BlobNotFound):
        storage.stream(name)


def test_delete_is_idempotent(storage: BlobStorage) -> None:
    name = "reports/org_a/assessments/a_1/report.pdf"
    storage.put(name, b"%PDF-1.7", "application/pdf")
    storage.delete(name)
    assert storage.exists(name) is False
    storage.delete(name)
    assert storage.list("reports/") == []


def test_list_by_prefix(storage: BlobStorage) -> None:
    names = [
        "documents/org_a/raw/d1/a.txt",
        "documents/org_a/raw/d2/b.txt",
        "documents/org_a/thumbnails/d1/thumbnail.png",
        "documents/org_ab/raw/d3/c.txt",
        "reports/org_a/analytics/r1/q3.csv",
    ]
    for index, name in enumerate(names):
        storage.put(name, f"content {index}".encode(), "text/plain", {"index": str(index)})
    listed = storage.list("documents/org_a/")
    assert [blob.name for blob in listed] == names[:3]
    assert listed[1].metadata == {"index": "1"}
    assert listed[1].sha256 == hashlib.sha256(b"content 1").hexdigest()
    assert listed[1].size == len(b"content 1")
    assert listed[1].content_type == "text/plain"
    assert [b.name for b in storage.list("documents/org_a/raw/")] == names[:2]
    assert [b.name for b in storage.list("documents/org_a")] == names[:4]  # a string prefix
    assert [b.name for b in storage.list("")] == names
    assert storage.list("documents/org_z/") == []


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_invalid_names_are_rejected(storage: BlobStorage, name: str) -> None:
    with pytest.raises(InvalidBlobName):
        storage.put(name, b"should not be written", "text/plain")
    with pytest.raises(InvalidBlobName):
        storage.get(name)
    with pytest.raises(InvalidBlobName):
        storage.delete(name)
    assert storage.list("") == []


def test_invalid_metadata_is_rejected(storage: BlobStorage) -> None:
    for metadata in ({"Bad-Key": "x"}, {"sha256": "forged"}, {"name": "naïve"}):
        with pytest.raises(ValueError):
            storage.put("documents/org_a/raw/d1/a.txt", b"x", "text/plain", metadata)
    assert storage.list("") == []


def test_failed_stream_leaves_nothing(storage: BlobStorage) -> None:
    def broken() -> Iterator[bytes]:
        yield b"partial"
        raise OSError("upload interrupted")

    with pytest.raises(OSError, match="interrupted"):
        storage.put("documents/org_a/raw/d1/partial.txt", broken(), "text/plain")
    assert storage.exists("documents/org_a/raw/d1/partial.txt") is False


def test_download_url_serves_the_bytes(storage: BlobStorage, downloads: TestClient) -> None:
    data = b"%PDF-1.7 quarterly report"
    name = "reports/org_a/assessments/a_1/report.pdf"
    storage.put(name, data, "application/pdf")
    response = _fetch(storage, downloads, storage.download_url(name, 60))
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/pdf"


def test_download_url_with_filename(storage: BlobStorage, downloads: TestClient) -> None:
    name = "documents/org_a/raw/d1/upload.txt"
    storage.put(name, b"plain text", "text/plain")
    url = storage.download_url(name, 60, filename="Q3 Report.txt")
    response = _fetch(storage, downloads, url)
    assert response.status_code == 200
    assert response.content == b"plain text"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Q3 Report.txt"' in disposition


def test_tampered_download_url_is_refused(storage: BlobStorage, downloads: TestClient) -> None:
    storage.put("documents/org_a/raw/d1/a.txt", b"secret", "text/plain")
    storage.put("documents/org_b/raw/d1/a.txt", b"other tenant", "text/plain")
    url = storage.download_url("documents/org_a/raw/d1/a.txt", 60)
    signature = dict(parse_qsl(urlsplit(url).query))["sig"]
    forged = signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")
    assert _fetch(storage, downloads, _with_query(url, sig=forged)).status_code == 403
    other_tenant = url.replace("/org_a/", "/org_b/")
    assert _fetch(storage, downloads, other_tenant).status_code == 403


def test_expired_download_url_is_refused(storage: BlobStorage, downloads: TestClient) -> None:
    storage.put("documents/org_a/raw/d1/a.txt", b"secret", "text/plain")
    url = storage.download_url("documents/org_a/raw/d1/a.txt", 1)
    time.sleep(2.2)
    response = _fetch(storage, downloads, url)
    assert response.status_code == 403
    assert response.content != b"secret"


def test_download_url_rejects_invalid_name(storage: BlobStorage) -> None:
    with pytest.raises(InvalidBlobName):
        storage.download_url("../etc/passwd")


def test_download_url_with_spaces_and_unicode(storage: BlobStorage, downloads: TestClient) -> None:
    name = "user-content/logos/org_a/Logo Zürich #1?.png"
    storage.put(name, b"\x89PNG logo", "image/png")
    assert [blob.name for blob in storage.list("user-content/")] == [name]
    response = _fetch(storage, downloads, storage.download_url(name, 60))
    assert response.status_code == 200
    assert response.content == b"\x89PNG logo"


# -- the local download route's own behaviour ------------------------------------------------


def _signed_url(storage: LocalBlobStorage, name: str, exp: int, filename: str = "") -> str:
    params = {"exp": str(exp), "sig": signing.sign(storage._secret_key, name, exp, filename)}
    if filename:
        params["filename"] = filename
    return f"{PUBLIC_URL}/files/{name}?{urlencode(params)}"


def test_route_headers(local_storage: LocalBlobStorage, downloads: TestClient) -> None:
    name = "documents/org_a/raw/d1/page.html"
    local_storage.put(name, b"<script>alert(1)</script>", "text/html")
    response = downloads.get(local_storage.download_url(name))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith('attachment; filename="page.html"')
    assert response.content == b"<script>alert(1)</script>"


def test_route_refusals(local_storage: LocalBlobStorage, downloads: TestClient) -> None:
    name = "documents/org_a/raw/d1/a.txt"
    local_storage.put(name, b"secret", "text/plain")
    url = local_storage.download_url(name, 60, filename="a.txt")
    cases = {
        _with_query(url, filename="evil.html"): "invalid signature",
        _with_query(url, exp=str(int(time.time()) + 86400)): "invalid signature",
        f"{PUBLIC_URL}/files/{name}": "invalid link",
        _with_query(url, exp="soon"): "invalid link",
        _signed_url(local_storage, name, int(time.time()) - 5): "link expired",
    }
    for bad_url, reason in cases.items():
        response = downloads.get(bad_url)
        assert (response.status_code, response.text) == (403, reason), bad_url
        assert b"secret" not in response.content


def test_route_missing_blob_is_404(local_storage: LocalBlobStorage, downloads: TestClient) -> None:
    url = local_storage.download_url("documents/org_a/raw/d1/gone.txt", 60)
    assert downloads.get(url).status_code == 404


def test_route_serves_only_the_local_backend(
    azure_storage: AzureBlobStorage, downloads: TestClient
) -> None:
    azure_storage.put("documents/org_a/raw/d1/a.txt", b"on azure", "text/plain")
    response = downloads.get(f"{PUBLIC_URL}/files/documents/org_a/raw/d1/a.txt?exp=1&sig=x")
    assert response.status_code == 404
