"""The document library and its processing pipeline (framework-free).

Public entry points (each takes the acting principal first):

* library: :func:`upload_document`, :func:`list_documents`, :func:`get_document`,
  :func:`update_document`, :func:`download_url`, :func:`thumbnail_url`,
  :func:`delete_document`;
* search: :func:`search_documents`, :func:`similar_documents`, :func:`find_passages`
  (passages the coach can quote and cite);
* evidence: :func:`attach_evidence`, :func:`detach_evidence`, :func:`cited_in`;
* queue (admins): :func:`list_dead_letters`, :func:`retry_dead_letter`.
"""

from __future__ import annotations

from ninevectors.services.documents.evidence import (
    CitationView,
    attach_evidence,
    cited_in,
    detach_evidence,
)
from ninevectors.services.documents.library import (
    delete_document,
    download_url,
    get_document,
    list_documents,
    storage_used,
    thumbnail_url,
    update_document,
    upload_document,
)
from ninevectors.services.documents.queue import (
    DeadLetter,
    list_dead_letters,
    resume_stuck_documents,
    retry_dead_letter,
    start_processing,
)
from ninevectors.services.documents.schemas import DocumentDetails
from ninevectors.services.documents.search import (
    CitablePassage,
    SearchHit,
    SearchQuery,
    find_passages,
    search_documents,
    similar_documents,
)

__all__ = [
    "CitablePassage",
    "CitationView",
    "DeadLetter",
    "DocumentDetails",
    "SearchHit",
    "SearchQuery",
    "attach_evidence",
    "cited_in",
    "delete_document",
    "detach_evidence",
    "download_url",
    "find_passages",
    "get_document",
    "list_dead_letters",
    "list_documents",
    "resume_stuck_documents",
    "retry_dead_letter",
    "search_documents",
    "similar_documents",
    "start_processing",
    "storage_used",
    "thumbnail_url",
    "update_document",
    "upload_document",
]
