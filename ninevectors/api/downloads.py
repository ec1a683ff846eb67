"""Serves the local blob folder's signed download links: ``GET /files/{name}?exp=&sig=``.

Only the local backend is served here; on Azure, ``download_url`` returns SAS URLs that
the browser fetches from Azure directly, so this route answers 404.
"""

from __future__ import annotations

import posixpath

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from ninevectors.services.backends import get_blob_storage
from ninevectors.services.blob.base import BlobInfo, BlobNotFound, InvalidBlobName
from ninevectors.services.blob.local import LocalBlobStorage
from ninevectors.services.blob.signing import InvalidSignature, content_disposition

_PLAIN_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _refuse(status: int, reason: str) -> Response:
    return PlainTextResponse(reason, status_code=status, headers=_PLAIN_HEADERS)


def _file_headers(info: BlobInfo, filename: str | None) -> dict[str, str]:
    # Content-Type set here so Starlette adds no charset of its own. No Content-Length: the
    # blob may be replaced between reading its sidecar and opening its content.
    return {
        "Content-Type": info.content_type,
        "Content-Disposition": content_disposition(filename or posixpath.basename(info.name)),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }


async def download_file(request: Request) -> Response:
    storage = get_blob_storage()
    if not isinstance(storage, LocalBlobStorage):
        return _refuse(404, "not found")
    name: str = request.path_params["name"]
    query = request.query_params
    filename = query.get("filename")
    try:
        storage.verify_download(name, query.get("exp"), query.get("sig"), filename)
    except InvalidSignature as refused:
        return _refuse(403, str(refused))
    try:
        info = await run_in_threadpool(storage.info, name)
        chunks = await run_in_threadpool(storage.stream, name)
    except (BlobNotFound, InvalidBlobName):
        return _refuse(404, "not found")
    return StreamingResponse(chunks, headers=_file_headers(info, filename))


routes: list[Route] = [Route("/files/{name:path}", download_file, methods=["GET"])]
