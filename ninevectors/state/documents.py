"""The document library page: upload (drag and drop, several files, progress), live status
while processing, hybrid search with filters, one document's details (vector relevance and
the analysis, saying whether Claude or local methods made it, where it is cited, similar
documents), download, delete, and for admins the dead-letter queue. State holds rows for
display only; embeddings stay in the service."""

from __future__ import annotations

import asyncio
import dataclasses
import html
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import reflex as rx

from ninevectors.framework import get_framework
from ninevectors.models.document import CATEGORIES, VISIBILITIES, AiAnalysis, DocumentItem
from ninevectors.models.principal import Principal
from ninevectors.services import documents
from ninevectors.services.documents.search import SearchHit
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import roles
from ninevectors.state.inputs import MALFORMED_FORM, form_fields, identifier
from ninevectors.state.session import SessionState, friendly_error

UPLOAD_ID = "documents-upload"
POLL_SECONDS = 2
POLL_LIMIT = 900  # stop watching after 30 minutes
UPLOAD_CHUNK = 1024 * 1024
ADMIN_ROLES = ("ORG_ADMIN", "SUPER_ADMIN")
MAX_ROWS = 100  # the newest; search and filters reach the rest
DOCUMENT_ID_MAX = 40
MESSAGE_ID_MAX = 80
MAX_UPLOAD_FILES = 100
CANNOT_UPLOAD = "Your role cannot upload documents."


@dataclass
class DocumentRow:
    id: str
    name: str
    category: str
    status: str
    reason: str
    size: str
    uploaded_at: str
    tags: str
    visibility: str
    top_vectors: str


@dataclass
class HitRow:
    id: str
    name: str
    category: str
    page: str
    snippet_html: str


@dataclass
class RelevanceRow:
    vector: str
    percent: int


@dataclass
class CitationRow:
    assessment_id: str
    assessment_name: str
    theme: str


@dataclass
class DeadLetterRow:
    message_id: str
    document_name: str
    reason: str
    failed_at: str


@dataclass
class UploadRow:
    """One file of the current upload: its bytes on the way, then the server's verdict.
    ``status`` is waiting, uploading, checking (all bytes sent), stored or rejected."""

    name: str
    size: int
    size_label: str
    percent: int
    status: str
    text: str


def _changed(row: UploadRow, **changes: Any) -> UploadRow:
    """A copy of ``row`` with ``changes`` (works on the state's proxied rows too)."""
    values = {f.name: getattr(row, f.name) for f in fields(UploadRow)}
    return UploadRow(**{**values, **changes})


def _checking(row: UploadRow) -> UploadRow:
    """Every byte of the file is sent; the server's verdict is still to come."""
    return _changed(row, percent=100, status="checking", text="Sent — checking…")


def _size(value: int) -> str:
    if value >= 1024 * 1024:
        return f"{value / (1024 * 1024):.1f} MB"
    if value < 1024:
        return f"{value} B"
    return f"{value // 1024} KB"


def _picked(value: Any) -> UploadRow | None:
    """A row for one file the browser reports as selected ({name, size})."""
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return None
    size = value.get("size")
    size = int(size) if isinstance(size, int | float) and size >= 0 else 0
    return UploadRow(value["name"][:255], size, _size(size), 0, "waiting", "Waiting")


def _with_progress(rows: list[UploadRow], fraction: float) -> list[UploadRow]:
    """Per-file progress from the whole request's: the files travel in order in one multipart
    body, so the bytes sent so far fill the files one after the other (the multipart
    overhead is spread in proportion)."""
    sent = fraction * sum(r.size for r in rows)
    start, out = 0, []
    for row in rows:
        if row.status in ("waiting", "uploading"):
            done = sent >= start + row.size
            percent = 100 if done else int((sent - start) * 100 / row.size) if sent > start else 0
            if percent >= 100:
                row = _checking(row)
            elif percent > 0:
                row = _changed(
                    row, percent=percent, status="uploading", text=f"Uploading {percent}%"
                )
        out.append(row)
        start += row.size
    return out


def _vector_names() -> dict[str, str]:
    return {str(v.id): v.name for v in get_framework().vectors}


def _row(doc: DocumentItem) -> DocumentRow:
    names = _vector_names()
    top = ""
    if doc.ai_analysis and doc.ai_analysis.vector_relevance:
        ranked = sorted(doc.ai_analysis.vector_relevance.items(), key=lambda kv: -kv[1])[:2]
        top = ", ".join(f"{names.get(k, k)} {v:.0%}" for k, v in ranked)
    return DocumentRow(
        id=doc.id,
        name=doc.name,
        category=doc.category,
        status=doc.processing.status,
        reason=doc.processing.reason or "",
        size=_size(doc.file_metadata.file_size),
        uploaded_at=doc.uploaded_at[:16].replace("T", " "),
        tags=", ".join(doc.tags),
        visibility=doc.visibility,
        top_vectors=top,
    )


def _method_label(analysis: AiAnalysis) -> str:
    if analysis.method == "claude":
        return f"Analysed by Claude ({analysis.model})" if analysis.model else "Analysed by Claude"
    return "Local analysis (on this server, no AI service)"


def _snippet_html(hit: SearchHit) -> str:
    parts = []
    for text, marked in hit.snippet:
        escaped = html.escape(text)
        parts.append(f"<mark>{escaped}</mark>" if marked else escaped)
    return "".join(parts)


def _hit_row(hit: SearchHit) -> HitRow:
    return HitRow(
        id=hit.document_id,
        name=hit.name,
        category=hit.category,
        page=f"p. {hit.page}" if hit.page else "",
        snippet_html=_snippet_html(hit),
    )


def _text(value: Any, limit: int = 200) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


# --- blocking reads and writes, run off the event loop (run_blocking) ------------------------


@dataclass
class _Details:
    """One document's details panel."""

    doc: DocumentItem
    citations: list[CitationRow]
    similar: list[HitRow]


def _details(principal: Principal, document_id: str) -> _Details:
    doc = documents.get_document(principal, document_id)
    citations = [
        CitationRow(v.assessment_id, v.assessment_name, f"{v.theme_id} {v.theme_name}")
        for v in documents.cited_in(principal, doc.id)
    ]
    similar = (
        [_hit_row(h) for h in documents.similar_documents(principal, doc.id)]
        if doc.processing.status == "completed"
        else []
    )
    return _Details(doc, citations, similar)


@dataclass
class _Library:
    """The library's rows, and the open document read again (when one is open)."""

    rows: list[DocumentRow]
    total: int
    processing: bool
    dead_letters: list[DeadLetterRow]
    details: _Details | None = None
    details_error: Exception | None = None  # why the open document could not be read


def _library(principal: Principal, selected_id: str) -> _Library:
    listing = documents.list_documents(principal)
    letters = (
        [
            DeadLetterRow(d.message_id, d.document_name, d.reason, d.failed_at[:16])
            for d in documents.list_dead_letters(principal)
        ]
        if principal.role in ADMIN_ROLES
        else []
    )
    library = _Library(
        rows=[_row(d) for d in listing[:MAX_ROWS]],
        total=len(listing),
        processing=any(d.processing.status in ("uploaded", "processing") for d in listing),
        dead_letters=letters,
    )
    if selected_id:
        try:
            library.details = _details(principal, selected_id)
        except Exception as error:  # noqa: BLE001 — gone, or a stale or foreign link
            library.details_error = error
    return library


def _open_library(principal: Principal, selected_id: str) -> _Library:
    documents.start_processing()
    return _library(principal, selected_id)


@dataclass
class _Outcome:
    failure: Exception | None = None
    library: _Library | None = None
    unreadable: Exception | None = None


def _act_and_read(
    principal: Principal, reselect: str, action: Callable[..., Any], *args: Any
) -> _Outcome:
    """Run ``action(principal, *args)``, then read the library (and ``reselect``) again."""
    outcome = _Outcome()
    try:
        action(principal, *args)
    except Exception as error:  # noqa: BLE001 — the handler shows it
        outcome.failure = error
    try:
        outcome.library = _library(principal, reselect)
    except Exception as error:  # noqa: BLE001 — the handler shows it
        outcome.unreadable = error
    return outcome


# --- state -----------------------------------------------------------------------------------


class DocumentsState(SessionState):
    rows: list[DocumentRow] = []
    total: int = 0
    processing: bool = False
    watching: bool = False
    can_upload: bool = False
    is_admin: bool = False
    uploading: bool = False
    upload_rows: list[UploadRow] = []
    upload_category: str = "other"
    upload_visibility: str = "organization"
    error: str = ""
    notice: str = ""
    # search
    search_text: str = ""
    filter_category: str = ""
    filter_vector: str = ""
    filter_tag: str = ""
    filter_from: str = ""
    filter_to: str = ""
    hits: list[HitRow] = []
    searched: bool = False
    # one document
    selected_id: str = ""
    selected_name: str = ""
    selected_status: str = ""
    selected_reason: str = ""
    selected_meta: str = ""
    selected_category: str = ""
    selected_visibility: str = ""
    selected_tags: str = ""
    selected_can_edit: bool = False
    relevance: list[RelevanceRow] = []
    analysis_label: str = ""
    analysis_by_claude: bool = False
    analysis_fallback: str = ""
    summary: str = ""
    topics: str = ""
    sentiment: str = ""
    actions: list[str] = []
    citations: list[CitationRow] = []
    similar: list[HitRow] = []
    confirm_delete: bool = False
    # admin
    dead_letters: list[DeadLetterRow] = []

    def _show_library(self, principal: Principal, library: _Library) -> None:
        self.rows, self.total = library.rows, library.total
        self.processing = library.processing
        self.can_upload = roles.has_permission(principal.role, roles.DOCUMENTS_UPLOAD)
        self.is_admin = principal.role in ADMIN_ROLES
        self.dead_letters = library.dead_letters
        if library.details is not None:
            self._show_details(principal, library.details)
        elif library.details_error is not None:
            self.selected_id, self.confirm_delete = "", False
            self.error = friendly_error(library.details_error)

    async def _refresh(self, principal: Principal) -> None:
        try:
            library = await run_blocking(_library, principal, self.selected_id)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return
        self._show_library(principal, library)

    def _watch_if_processing(self) -> Any:
        return DocumentsState.watch if self.processing and not self.watching else None

    @rx.event
    async def load(self) -> Any:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.error = self.notice = ""
        self.selected_id, self.confirm_delete = "", False
        self.upload_rows, self.uploading = [], False
        wanted = self.router.url.query_parameters.get("doc", "")  # links from the coach
        wanted = wanted[:DOCUMENT_ID_MAX] if isinstance(wanted, str) else ""
        try:
            library = await run_blocking(_open_library, outcome, wanted)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return None
        self._show_library(outcome, library)
        return self._watch_if_processing()

    @rx.event(background=True)
    async def watch(self) -> None:
        """Refresh every POLL_SECONDS while something is being processed."""
        async with self:
            if self.watching:
                return
            self.watching = True
        try:
            for _round in range(POLL_LIMIT):
                await asyncio.sleep(POLL_SECONDS)
                if not await self._watch_once():
                    return
        finally:
            async with self:
                self.watching = False

    async def _watch_once(self) -> bool:
        """One refresh of the watch, read outside the state lock; True to keep watching."""
        async with self:
            principal = await self._principal()
            selected = self.selected_id
        if principal is None:
            return False
        try:
            library = await run_blocking(_library, principal, selected)
        except Exception as error:  # noqa: BLE001 — shown; the next load watches again
            async with self:
                self.error = friendly_error(error)
            return False
        async with self:
            if self.selected_id != selected:  # another document was opened meanwhile
                library = dataclasses.replace(library, details=None, details_error=None)
            self._show_library(principal, library)
            return self.processing

    # ---- upload -----------------------------------------------------------------------

    @rx.event
    def set_upload_category(self, value: str) -> None:
        if not isinstance(value, str) or value not in CATEGORIES:
            self.error = "Choose one of the offered categories."
            return
        self.upload_category = value

    @rx.event
    def set_upload_visibility(self, value: str) -> None:
        if not isinstance(value, str) or value not in VISIBILITIES:
            self.error = "Choose one of the offered visibilities."
            return
        self.upload_visibility = value

    @rx.event
    def start_upload(self, picked: list) -> None:
        """The files about to be sent (names and sizes, from the browser), each waiting."""
        if not isinstance(picked, list):
            self.error = "The list of files to upload is malformed. Please choose them again."
            return
        rows = [_picked(p) for p in picked[:MAX_UPLOAD_FILES]]
        self.upload_rows = [r for r in rows if r is not None]
        self.uploading = bool(self.upload_rows)

    @rx.event
    def upload_progressed(self, progress: dict) -> None:
        # Progress reports are frequent and only move the bars: a malformed one is ignored.
        data = progress if isinstance(progress, dict) else {}
        loaded, total = data.get("loaded"), data.get("total")
        if isinstance(loaded, int | float) and isinstance(total, int | float) and total > 0:
            fraction = loaded / total
        elif isinstance(data.get("progress"), int | float):
            fraction = float(data["progress"])
        else:
            return
        self.upload_rows = _with_progress(self.upload_rows, min(1.0, max(0.0, fraction)))

    def _rows_for(self, files: list[rx.UploadFile]) -> list[UploadRow]:
        """The rows of the files that arrived, in order (from scratch if they do not match
        what the page announced); every file is on the server now."""
        arrived = [str(f.filename or "file") for f in files]
        rows = self.upload_rows
        if len(rows) != len(arrived):
            rows = [
                UploadRow(n, int(f.size or 0), _size(int(f.size or 0)), 0, "", "")
                for n, f in zip(arrived, files, strict=True)
            ]
        return [_checking(r) for r in rows]

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]) -> Any:
        """Store each file in turn (streamed in chunks to the service); each verdict lands on
        its row as soon as it is known."""
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            self.uploading = False
            yield outcome
            return
        uploads = files if isinstance(files, list) else []
        rows = self._rows_for(uploads)
        if not roles.has_permission(outcome.role, roles.DOCUMENTS_UPLOAD):
            self.upload_rows = [_changed(r, status="rejected", text=CANNOT_UPLOAD) for r in rows]
            self.uploading = False
            yield rx.clear_selected_files(UPLOAD_ID)
            return
        self.upload_rows = rows
        yield
        details = {"category": self.upload_category, "visibility": self.upload_visibility}
        for index, upload in enumerate(uploads):
            reader = upload.file
            try:
                chunks = iter(lambda r=reader: r.read(UPLOAD_CHUNK), b"")
                name = str(upload.filename or "file")
                # validation and storage read the whole file: off the event loop
                await run_blocking(documents.upload_document, outcome, name, chunks, details)
                rows[index] = _changed(rows[index], status="stored", text="Stored — processing")
            except Exception as error:  # noqa: BLE001 — shown on the file's row
                rows[index] = _changed(rows[index], status="rejected", text=friendly_error(error))
            self.upload_rows = list(rows)
            yield
        self.uploading = False
        await self._refresh(outcome)
        yield rx.clear_selected_files(UPLOAD_ID)
        if self.processing and not self.watching:
            yield DocumentsState.watch

    # ---- search -----------------------------------------------------------------------

    @rx.event
    async def search(self, form_data: dict) -> Any:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        data = form_fields(form_data)
        if data is None:
            self.error = MALFORMED_FORM
            return None
        self.search_text = _text(data.get("q"), 500)
        self.filter_category = _text(data.get("category"), 30)
        self.filter_vector = _text(data.get("vector"), 2)
        self.filter_tag = _text(data.get("tag"), 30)
        self.filter_from = _text(data.get("date_from"), 10)
        self.filter_to = _text(data.get("date_to"), 10)
        vector = self.filter_vector
        query = {
            "text": self.search_text,
            "category": self.filter_category or None,
            "vector": int(vector) if vector.isascii() and vector.isdigit() else None,
            "tag": self.filter_tag or None,
            "date_from": self.filter_from or None,
            "date_to": self.filter_to or None,
        }
        try:
            hits = await run_blocking(documents.search_documents, outcome, query)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.hits, self.error = [], friendly_error(error)
        else:
            self.hits, self.error = [_hit_row(h) for h in hits], ""
        self.searched = True
        return None

    @rx.event
    def clear_search(self) -> None:
        self.hits, self.searched, self.search_text = [], False, ""

    # ---- one document -----------------------------------------------------------------

    def _show_details(self, principal: Principal, details: _Details) -> None:
        doc = details.doc
        self.selected_id, self.selected_name = doc.id, doc.name
        self.selected_status = doc.processing.status
        self.selected_reason = doc.processing.reason or ""
        language = doc.content.language or "—"
        self.selected_meta = (
            f"{doc.file_metadata.kind.upper()} · {_size(doc.file_metadata.file_size)} · "
            f"{doc.content.page_count} page(s) · language {language}"
            + (" · OCR" if doc.processing.ocr_completed else "")
        )
        self.selected_category, self.selected_visibility = doc.category, doc.visibility
        self.selected_tags = ", ".join(doc.tags)
        owner = doc.uploaded_by == principal.user_id
        self.selected_can_edit = owner or principal.role in ADMIN_ROLES
        names = _vector_names()
        analysis = doc.ai_analysis
        self.relevance = (
            [
                RelevanceRow(f"{k}. {names.get(k, k)}", int(round(v * 100)))
                for k, v in sorted(analysis.vector_relevance.items(), key=lambda kv: int(kv[0]))
            ]
            if analysis
            else []
        )
        self._show_analysis(analysis)
        self.citations, self.similar = details.citations, details.similar

    def _show_analysis(self, analysis: AiAnalysis | None) -> None:
        self.analysis_label = _method_label(analysis) if analysis else ""
        self.analysis_by_claude = bool(analysis and analysis.method == "claude")
        self.analysis_fallback = (analysis.fallback_reason or "") if analysis else ""
        self.summary = (analysis.summary or "") if analysis else ""
        self.topics = ", ".join(analysis.key_topics) if analysis else ""
        self.sentiment = f"{analysis.sentiment:+.2f}" if analysis else ""
        self.actions = list(analysis.action_items) if analysis else []

    @rx.event
    async def select(self, document_id: str) -> Any:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        wanted = identifier(document_id, DOCUMENT_ID_MAX)
        if wanted is None:
            self.error, self.notice = "Choose a document of the list.", ""
            return None
        self.confirm_delete, self.error, self.notice = False, "", ""
        try:
            details = await run_blocking(_details, outcome, wanted)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.selected_id, self.error = "", friendly_error(error)
            return None
        self._show_details(outcome, details)
        return None

    @rx.event
    def close_details(self) -> None:
        self.selected_id, self.confirm_delete = "", False

    async def _act(
        self,
        principal: Principal,
        success: str,
        reselect: str,
        action: Callable[..., Any],
        *args: Any,
    ) -> bool:
        """Run ``action(principal, *args)`` and read the library again, in one trip off the
        event loop; True when the action succeeded (a refusal is shown, never raised)."""
        done = await run_blocking(_act_and_read, principal, reselect, action, *args)
        if done.failure is None:
            self.notice, self.error = success, ""
        else:
            self.notice, self.error = "", friendly_error(done.failure)
        if done.unreadable is not None:
            self.error = friendly_error(done.unreadable)
        elif done.library is not None:
            self._show_library(principal, done.library)
        return done.failure is None

    @rx.event
    async def save_details(self, form_data: dict) -> Any:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        data = form_fields(form_data)
        if data is None:
            self.error, self.notice = MALFORMED_FORM, ""
            return None
        tags = [t for t in _text(data.get("tags"), 400).split(",") if t.strip()]
        changes = {
            "category": _text(data.get("category"), 30) or None,
            "visibility": _text(data.get("visibility"), 30) or None,
            "tags": tags,
        }
        selected = self.selected_id
        await self._act(outcome, "Saved.", selected, documents.update_document, selected, changes)
        return None

    @rx.event
    async def download(self, document_id: str) -> Any:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        wanted = identifier(document_id, DOCUMENT_ID_MAX)
        if wanted is None:
            self.error, self.notice = "Choose a document of the list.", ""
            return None
        try:
            url = await run_blocking(documents.download_url, outcome, wanted)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return None
        return rx.redirect(url, is_external=True)

    @rx.event
    def ask_delete(self) -> None:
        self.confirm_delete = bool(self.selected_id) and self.selected_can_edit

    @rx.event
    def cancel_delete(self) -> None:
        self.confirm_delete = False

    @rx.event
    async def delete(self) -> Any:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        deleted, name = self.selected_id, self.selected_name
        # The panel closes on success, so the library is read again without it.
        if await self._act(outcome, f"Deleted “{name}”.", "", documents.delete_document, deleted):
            self.hits = [h for h in self.hits if h.id != deleted]
            self.similar = []
            self.selected_id, self.confirm_delete = "", False
        return None

    # ---- admin: dead letters ----------------------------------------------------------

    @rx.event
    async def retry_failed(self, message_id: str) -> Any:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        wanted = identifier(message_id, MESSAGE_ID_MAX)
        if wanted is None:
            self.error, self.notice = "Choose a failed document of the list.", ""
            return None
        selected = self.selected_id
        await self._act(outcome, "Queued again.", selected, documents.retry_dead_letter, wanted)
        return self._watch_if_processing()
