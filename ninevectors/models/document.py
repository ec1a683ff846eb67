"""Document items of the ``documents`` container, in the reference's camelCase JSON shape.

Two item types live in the container, both partitioned by organization id:

* ``document``: the library entry (file metadata, processing status, extracted content
  summary, local or AI analysis, citations);
* ``document-chunk``: one searchable passage of a document with its embedding (base64 of
  float32), never sent to the page.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ninevectors.models.identity import CamelModel

DOCUMENT_TYPE = "document"
CHUNK_TYPE = "document-chunk"

Category = Literal["strategy", "financial", "operational", "market", "people", "other"]
Visibility = Literal["private", "team", "organization"]
ProcessingStatus = Literal["uploaded", "processing", "completed", "failed"]
AnalysisMethod = Literal["local", "claude"]

MAX_KEY_TOPICS = 6  # of one document's analysis
MAX_ACTION_ITEMS = 8

CATEGORIES: tuple[str, ...] = ("strategy", "financial", "operational", "market", "people", "other")
VISIBILITIES: tuple[str, ...] = ("private", "team", "organization")


class FileMetadata(CamelModel):
    file_name: str
    file_size: int
    mime_type: str
    kind: str  # pdf | docx | pptx | xlsx | text | png | jpg
    blob_name: str
    checksum: str  # "sha256:<hex>"


class Processing(CamelModel):
    status: ProcessingStatus = "uploaded"
    reason: str | None = None  # why it failed, for people
    attempts: int = 0
    ocr_completed: bool = False
    ai_analysis_completed: bool = False
    indexed_for_search: bool = False
    started_at: str | None = None
    processed_at: str | None = None
    duration_ms: int | None = None


class Content(CamelModel):
    extracted_text: str = ""  # first 10 KB
    full_text_blob: str | None = None
    page_count: int = 0
    language: str | None = None
    thumbnail_blob: str | None = None
    chunk_count: int = 0


class AiAnalysis(CamelModel):
    method: AnalysisMethod = "local"
    model: str | None = None  # the Claude model that answered (method "claude")
    fallback_reason: str | None = None  # why Claude was configured but local analysis was used
    vector_relevance: dict[str, float] = Field(default_factory=dict)  # "1".."9" -> 0..1
    key_topics: list[str] = Field(default_factory=list)
    sentiment: float = 0.0  # -1..1
    action_items: list[str] = Field(default_factory=list)
    summary: str | None = None  # one paragraph, when Claude wrote one


class Citation(CamelModel):
    assessment_id: str
    theme_id: str
    user_id: str | None = None  # None for anonymous assessments
    response_id: str
    cited_at: str


class DocumentItem(CamelModel):
    id: str
    type: Literal["document"] = "document"
    organization_id: str
    name: str
    category: Category = "other"
    tags: list[str] = Field(default_factory=list)
    visibility: Visibility = "organization"
    team: str | None = None  # the uploader's department, for "team" visibility
    uploaded_by: str
    uploaded_at: str
    updated_at: str | None = None
    file_metadata: FileMetadata
    processing: Processing = Field(default_factory=Processing)
    content: Content = Field(default_factory=Content)
    ai_analysis: AiAnalysis | None = None
    linked_assessments: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    partition_key: str
    etag: str | None = Field(default=None, alias="_etag")


class ChunkItem(CamelModel):
    id: str
    type: Literal["document-chunk"] = "document-chunk"
    document_id: str
    ordinal: int
    page: int | None = None
    text: str
    embedding: str  # base64 of little-endian float32, L2-normalised
    partition_key: str
