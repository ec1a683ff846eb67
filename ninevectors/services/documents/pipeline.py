"""Processing of one document: extract, OCR, chunk, embed, analyse, index, thumbnail.

Runs in the queue's worker (never in a page event). A file that cannot be read marks the
document failed with the reason and returns; anything else (storage down, ...) raises so
the queue retries, and the last attempt marks the document failed before giving up.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ninevectors.models.document import ChunkItem, Content
from ninevectors.services.backends import get_blob_storage, get_store
from ninevectors.services.blob import layout
from ninevectors.services.documents import _common as c
from ninevectors.services.documents import analysis, chunking, embeddings, extraction
from ninevectors.services.errors import NotFoundError
from ninevectors.services.store.base import NotFound, PatchOperation
from ninevectors.settings import get_settings

log = logging.getLogger(__name__)

EXTRACT_PREVIEW_CHARS = 10_000
# Embedding is the costly step (≈ 1 s per 1,000 tokens on two cores): a long document gets
# this many passages embedded, spread evenly over it; every passage is still full-text
# searchable and the embedded ones carry its meaning (relevance, similar, semantic search).
MAX_EMBEDDED_PASSAGES = 48


def _set(organization_id: str, document_id: str, values: dict[str, Any]) -> None:
    operations = [PatchOperation("set", path, value) for path, value in values.items()]
    get_store().patch(c.CONTAINER, organization_id, document_id, operations)


def mark_failed(organization_id: str, document_id: str, reason: str) -> None:
    try:
        _set(
            organization_id,
            document_id,
            {"/processing/status": "failed", "/processing/reason": reason[:500],
             "/processing/processedAt": c.now_iso()},
        )  # fmt: skip
    except NotFound:
        return
    c.bump_index(organization_id)
    c.record("document.processing_failed", None, document_id, reason=reason[:500])


def process_document(organization_id: str, document_id: str, final_attempt: bool = True) -> str:
    """Process the document; returns its final status ("completed", "failed" or "gone")."""
    try:
        item = c.raw_item(organization_id, document_id)
    except NotFoundError:
        return "gone"  # deleted meanwhile
    if item["processing"]["status"] == "completed":
        return "completed"
    started = time.perf_counter()
    attempts = int(item["processing"].get("attempts") or 0) + 1
    _set(organization_id, document_id, {
        "/processing/status": "processing", "/processing/reason": None,
        "/processing/attempts": attempts, "/processing/startedAt": c.now_iso(),
    })  # fmt: skip
    c.bump_index(organization_id)
    try:
        _run(organization_id, item, started)
    except extraction.ExtractionFailed as failed:
        mark_failed(organization_id, document_id, str(failed))
        return "failed"
    except NotFound:
        return "gone"
    except Exception as error:
        if final_attempt:
            reason = f"Processing failed after {attempts} attempts ({type(error).__name__})."
            mark_failed(organization_id, document_id, reason)
        raise
    return "completed"


def _download(blob_name: str, kind: str, folder: Path) -> Path:
    suffix = ".txt" if kind == "text" else f".{kind}"  # openpyxl insists on the extension
    handle = tempfile.NamedTemporaryFile(dir=folder, delete=False, prefix="process-", suffix=suffix)
    with handle:
        for chunk in get_blob_storage().stream(blob_name):
            handle.write(chunk)
    return Path(handle.name)


def _run(organization_id: str, item: dict[str, Any], started: float) -> None:
    document_id = item["id"]
    meta = item["fileMetadata"]
    folder = get_settings().data_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    path = _download(meta["blobName"], meta["kind"], folder)
    try:
        extracted = extraction.extract(path, meta["kind"])
    finally:
        path.unlink(missing_ok=True)
    text = extracted.text
    if not text.strip():
        raise extraction.ExtractionFailed("No text could be read from this file.")
    passages = chunking.chunk_pages(extracted.pages)
    vectors = _embed(passages)
    embedded = vectors[np.linalg.norm(vectors, axis=1) > 0]
    result = analysis.analyse(text, embedded, organization_id)
    _replace_chunks(organization_id, document_id, passages, vectors)
    blobs = get_blob_storage()
    full_text = layout.document_processed(organization_id, document_id, "text.txt")
    blobs.put(full_text, text.encode("utf-8"), "text/plain; charset=utf-8")
    thumbnail = None
    if extracted.thumbnail_png:
        thumbnail = layout.document_thumbnail(organization_id, document_id)
        blobs.put(thumbnail, extracted.thumbnail_png, "image/png")
    content = Content(
        extracted_text=text[:EXTRACT_PREVIEW_CHARS],
        full_text_blob=full_text,
        page_count=extracted.page_count,
        language=extraction.detect_language(text),
        thumbnail_blob=thumbnail,
        chunk_count=len(passages),
    )
    _set(organization_id, document_id, {
        "/content": content.to_item(),
        "/aiAnalysis": result.to_item(),
        "/processing/status": "completed",
        "/processing/ocrCompleted": extracted.ocr_used,
        "/processing/aiAnalysisCompleted": True,
        "/processing/indexedForSearch": True,
        "/processing/processedAt": c.now_iso(),
        "/processing/durationMs": int((time.perf_counter() - started) * 1000),
    })  # fmt: skip
    c.bump_index(organization_id)


def _embed(passages: list[chunking.Passage]) -> np.ndarray:
    """One row per passage; rows of passages beyond the budget stay zero."""
    vectors = np.zeros((len(passages), embeddings.DIMENSIONS), dtype=np.float32)
    if not passages:
        return vectors
    count = min(len(passages), MAX_EMBEDDED_PASSAGES)
    chosen = sorted({round(i * (len(passages) - 1) / max(count - 1, 1)) for i in range(count)})
    vectors[chosen] = embeddings.get_embedder().embed([passages[i].text for i in chosen])
    return vectors


def _replace_chunks(
    organization_id: str,
    document_id: str,
    passages: list[chunking.Passage],
    vectors: Any,
) -> None:
    store = get_store()
    for old in c.all_items(organization_id, c.chunk_filters(document_id)):
        store.delete(c.CONTAINER, organization_id, old["id"])
    for passage, vector in zip(passages, vectors, strict=True):
        chunk = ChunkItem(
            id=f"{document_id}-c{passage.ordinal}",
            document_id=document_id,
            ordinal=passage.ordinal,
            page=passage.page,
            text=passage.text,
            embedding=embeddings.encode(vector),
            partition_key=organization_id,
        )
        store.upsert(c.CONTAINER, chunk.to_item())
