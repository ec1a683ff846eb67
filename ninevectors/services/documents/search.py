"""Hybrid search over an organization's document passages: BM25 full text + cosine over the
stored passage embeddings, with filters, highlighted snippets and "similar documents".

Each process keeps one in-memory index per organization (numpy arrays; never in page
state), rebuilt when the organization's index version in the cache moves (every upload,
change, processing result or delete bumps it). Tenant scope is the index itself (built from
one partition); visibility and filters are masks applied inside the scoring, before ranking.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ninevectors.models.principal import Principal
from ninevectors.services.documents import _common as c
from ninevectors.services.documents import embeddings
from ninevectors.services.documents.schemas import _first_error
from ninevectors.services.errors import ValidationFailed

K1 = 1.2
B = 0.75
VECTOR_MIN_RELEVANCE = 0.5
SEMANTIC_FLOOR = 0.15
SEMANTIC_SPAN = 0.45
MIN_SEMANTIC_MATCH = 0.25  # a passage without any query word needs this much meaning
TEXT_WEIGHT = 0.45
MEANING_WEIGHT = 0.55
PHRASE_BONUS = 0.5
CANDIDATES = 400
SNIPPET_CHARS = 220
MAX_CACHED_ORGS = 32
DEPARTMENT_SECONDS = 30
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'-]*[a-z0-9]|[a-z0-9]")
_STOP = frozenset(
    "a an and are as at be by for from has have in is it its of on or our that the their this to "
    "was were will with we you".split()
)
VISIBILITY_CODES = {"organization": 0, "team": 1, "private": 2}


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOP]


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=500)
    category: str | None = None
    vector: int | None = Field(default=None, ge=1, le=9)
    tag: str | None = Field(default=None, max_length=30)
    date_from: date | None = None
    date_to: date | None = None
    limit: int = Field(default=20, ge=1, le=100)

    @field_validator("text")
    @classmethod
    def _strip(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("category", "tag")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip().lower() or None if isinstance(value, str) else None

    @classmethod
    def parse(cls, data: Any) -> SearchQuery:
        if isinstance(data, SearchQuery):
            return data
        if not isinstance(data, dict):
            raise ValidationFailed("query", "The search must be an object.")
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise _first_error(error) from None


@dataclass(frozen=True)
class SearchHit:
    document_id: str
    name: str
    category: str
    uploaded_at: str
    score: float
    page: int | None
    snippet: list[tuple[str, bool]]  # (text, highlighted)


@dataclass
class _Index:
    version: int
    docs: list[dict[str, Any]]
    chunk_doc: np.ndarray
    chunk_text: list[str]
    chunk_page: list[int | None]
    chunk_len: np.ndarray
    avg_len: float
    embeddings: np.ndarray
    postings: dict[str, tuple[np.ndarray, np.ndarray]]
    doc_embeddings: np.ndarray
    doc_visibility: np.ndarray
    doc_uploader: np.ndarray
    doc_team: np.ndarray
    doc_category: np.ndarray
    doc_date: np.ndarray
    doc_relevance: np.ndarray
    doc_pos: dict[str, int]


_lock = threading.Lock()
_indexes: OrderedDict[str, _Index] = OrderedDict()


def _build(organization_id: str, version: int) -> _Index:
    docs = [
        d
        for d in c.all_items(organization_id, c.document_filters())
        if d["processing"]["status"] == "completed"
    ]
    doc_pos = {d["id"]: i for i, d in enumerate(docs)}
    chunks = [
        ch for ch in c.all_items(organization_id, c.chunk_filters()) if ch["documentId"] in doc_pos
    ]
    chunks.sort(key=lambda ch: (doc_pos[ch["documentId"]], ch["ordinal"]))
    chunk_doc = np.array([doc_pos[ch["documentId"]] for ch in chunks], dtype=np.int64)
    matrix = (
        np.vstack([embeddings.decode(ch["embedding"]) for ch in chunks])
        if chunks
        else np.zeros((0, embeddings.DIMENSIONS), dtype=np.float32)
    )
    term_rows: dict[str, dict[int, int]] = defaultdict(dict)
    lengths = np.zeros(len(chunks), dtype=np.float32)
    for row, chunk in enumerate(chunks):
        words = tokens(chunk["text"])
        lengths[row] = len(words)
        for word in words:
            term_rows[word][row] = term_rows[word].get(row, 0) + 1
    average = float(lengths.mean()) if len(chunks) else 1.0
    norm = K1 * (1 - B + B * lengths / max(average, 1.0))
    postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for term, counts in term_rows.items():
        rows = np.fromiter(counts.keys(), np.int64, len(counts))
        tf = np.fromiter(counts.values(), np.float32, len(counts))
        postings[term] = (rows, tf * (K1 + 1) / (tf + norm[rows]))  # BM25 weight without idf
    doc_matrix = np.zeros((len(docs), embeddings.DIMENSIONS), dtype=np.float32)
    if len(chunks):
        np.add.at(doc_matrix, chunk_doc, matrix)
        doc_matrix = embeddings.normalise(doc_matrix)
    relevance = np.array(
        [
            [float(((d.get("aiAnalysis") or {}).get("vectorRelevance") or {}).get(str(v), 0.0))
             for v in range(1, 10)]
            for d in docs
        ],
        dtype=np.float32,
    ).reshape(len(docs), 9)  # fmt: skip
    return _Index(
        version=version,
        docs=[_light(d) for d in docs],
        chunk_doc=chunk_doc,
        chunk_text=[ch["text"] for ch in chunks],
        chunk_page=[ch.get("page") for ch in chunks],
        chunk_len=lengths,
        avg_len=average,
        embeddings=matrix,
        postings=postings,
        doc_embeddings=doc_matrix,
        doc_visibility=np.array([VISIBILITY_CODES.get(d.get("visibility"), 2) for d in docs]),
        doc_uploader=np.array([d.get("uploadedBy") or "" for d in docs], dtype=object),
        doc_team=np.array([d.get("team") or "" for d in docs], dtype=object),
        doc_category=np.array([d.get("category") or "" for d in docs], dtype=object),
        doc_date=np.array([str(d.get("uploadedAt") or "")[:10] for d in docs], dtype=object),
        doc_relevance=relevance,
        doc_pos=doc_pos,
    )


def _light(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "name": item.get("name") or "",
        "category": item.get("category") or "",
        "uploadedAt": item.get("uploadedAt") or "",
        "tags": set(item.get("tags") or []),
    }


def _index(organization_id: str) -> _Index:
    version = c.index_version(organization_id)
    with _lock:
        found = _indexes.get(organization_id)
        if found is not None and found.version == version:
            _indexes.move_to_end(organization_id)
            return found
    built = _build(organization_id, version)
    with _lock:
        _indexes[organization_id] = built
        while len(_indexes) > MAX_CACHED_ORGS:
            _indexes.popitem(last=False)
    return built


def forget_indexes() -> None:
    with _lock:
        _indexes.clear()
        _departments.clear()


_departments: dict[tuple[str, str], tuple[float, str | None]] = {}


def _department(principal: Principal) -> str | None:
    """The principal's department, remembered for DEPARTMENT_SECONDS (hot search path)."""
    key = (principal.organization_id, principal.user_id)
    now = time.monotonic()
    found = _departments.get(key)
    if found is not None and now - found[0] < DEPARTMENT_SECONDS:
        return found[1]
    department = c.department_of(principal)
    if len(_departments) > 10_000:
        _departments.clear()
    _departments[key] = (now, department)
    return department


def _visible(index: _Index, principal: Principal) -> np.ndarray:
    department = _department(principal)
    mine = index.doc_uploader == principal.user_id
    team_ok = c.is_admin(principal) or (
        index.doc_team == department if department else np.zeros(len(index.docs), bool)
    )
    return (
        (index.doc_visibility == 0)
        | mine
        | ((index.doc_visibility == 1) & np.asarray(team_ok, dtype=bool))
    )


def _filtered(index: _Index, query: SearchQuery, mask: np.ndarray) -> np.ndarray:
    if query.category:
        mask &= index.doc_category == query.category
    if query.vector:
        mask &= index.doc_relevance[:, query.vector - 1] >= VECTOR_MIN_RELEVANCE
    if query.tag:
        mask &= np.array([query.tag in d["tags"] for d in index.docs], dtype=bool)
    if query.date_from:
        mask &= index.doc_date >= query.date_from.isoformat()
    if query.date_to:
        mask &= index.doc_date <= query.date_to.isoformat()
    return mask


def _bm25(index: _Index, words: list[str]) -> np.ndarray:
    scores = np.zeros(len(index.chunk_text), dtype=np.float32)
    total = max(len(index.chunk_text), 1)
    for word in set(words):
        posting = index.postings.get(word)
        if posting is None:
            continue
        rows, weights = posting
        idf = math.log(1 + (total - len(rows) + 0.5) / (len(rows) + 0.5))
        scores[rows] += idf * weights
    return scores


def search_documents(principal: Principal, query: SearchQuery | dict[str, Any]) -> list[SearchHit]:
    """Documents matching the words or the meaning of ``query.text`` (or, without text, the
    newest matching the filters), best first, each with its best passage highlighted."""
    form = SearchQuery.parse(query)
    index = _index(principal.organization_id)
    doc_mask = _filtered(index, form, _visible(index, principal))
    if not form.text:
        return _newest(index, doc_mask, form.limit)
    if not len(index.chunk_text):
        return []
    words = tokens(form.text)
    text_scores = _bm25(index, words)
    if text_scores.max(initial=0) > 0:
        text_scores = text_scores / text_scores.max()
    query_vector = embeddings.get_embedder().embed([form.text])[0]
    meaning = np.clip((index.embeddings @ query_vector - SEMANTIC_FLOOR) / SEMANTIC_SPAN, 0, 1)
    relevant = (text_scores > 0) | (meaning >= MIN_SEMANTIC_MATCH)
    scores = TEXT_WEIGHT * text_scores + MEANING_WEIGHT * meaning
    scores = np.where(doc_mask[index.chunk_doc] & relevant, scores, -1.0)
    top = min(CANDIDATES, len(scores))
    candidates = np.argpartition(-scores, top - 1)[:top]
    candidates = candidates[scores[candidates] >= 0]
    if len(words) > 1:  # a passage holding the whole phrase ranks first
        phrase = form.text.lower()
        bonus = [PHRASE_BONUS if phrase in index.chunk_text[r].lower() else 0.0 for r in candidates]
        scores[candidates] += np.asarray(bonus, dtype=scores.dtype)
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    _docs, first = np.unique(index.chunk_doc[order], return_index=True)
    best_rows = order[np.sort(first)][: form.limit]  # best passage per document, best first
    return [
        _hit(index, int(index.chunk_doc[row]), float(scores[row]), int(row), form.text, words)
        for row in best_rows
    ]


def _newest(index: _Index, mask: np.ndarray, limit: int) -> list[SearchHit]:
    rows = [i for i in np.flatnonzero(mask)]
    rows.sort(key=lambda i: index.docs[i]["uploadedAt"], reverse=True)
    return [_hit(index, int(i), 0.0, None, "", []) for i in rows[:limit]]


def _hit(
    index: _Index, doc: int, score: float, row: int | None, text: str, words: list[str]
) -> SearchHit:
    meta = index.docs[doc]
    snippet = highlight(index.chunk_text[row], text, words) if row is not None else []
    return SearchHit(
        document_id=meta["id"],
        name=meta["name"],
        category=meta["category"],
        uploaded_at=meta["uploadedAt"],
        score=round(score, 4),
        page=index.chunk_page[row] if row is not None else None,
        snippet=snippet,
    )


def highlight(passage: str, phrase: str, words: list[str]) -> list[tuple[str, bool]]:
    """A window of ``passage`` around the first match, split into (text, highlighted)."""
    terms = [phrase] if len(words) > 1 and phrase.lower() in passage.lower() else []
    terms += sorted(set(words), key=len, reverse=True)
    pattern = (
        re.compile("|".join(rf"\b{re.escape(t)}\b" for t in terms if t), re.IGNORECASE)
        if terms
        else None
    )
    first = pattern.search(passage) if pattern else None
    start = max(0, (first.start() if first else 0) - SNIPPET_CHARS // 3)
    window = passage[start : start + SNIPPET_CHARS]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + SNIPPET_CHARS < len(passage) else ""
    if pattern is None:
        return [(prefix + window + suffix, False)]
    segments: list[tuple[str, bool]] = []
    cursor = 0
    for match in pattern.finditer(window):
        if match.start() > cursor:
            segments.append((window[cursor : match.start()], False))
        segments.append((match.group(0), True))
        cursor = match.end()
    segments.append((window[cursor:], False))
    if prefix:
        segments.insert(0, (prefix, False))
    if suffix:
        segments.append((suffix, False))
    return [s for s in segments if s[0]]


def similar_documents(principal: Principal, document_id: str, limit: int = 5) -> list[SearchHit]:
    """Documents closest in meaning to this one (that the principal may see)."""
    c.visible_item(principal, document_id)
    index = _index(principal.organization_id)
    position = index.doc_pos.get(document_id)
    if position is None or not len(index.docs):
        return []
    mask = _visible(index, principal)
    mask[position] = False
    sims = index.doc_embeddings @ index.doc_embeddings[position]
    sims = np.where(mask, sims, -2.0)
    order = np.argsort(-sims)[: max(1, min(limit, 20))]
    return [_hit(index, int(i), float(sims[i]), None, "", []) for i in order if sims[i] > -2.0]


@dataclass(frozen=True)
class CitablePassage:
    document_id: str
    document_name: str
    page: int | None
    text: str

    @property
    def reference(self) -> str:
        return f"doc:{self.document_id}"


def find_passages(principal: Principal, text: str, limit: int = 3) -> list[CitablePassage]:
    """Passages of the principal's visible documents that best answer ``text`` (for the
    coach to quote and cite as ``doc:<id>``, page)."""
    hits = search_documents(principal, {"text": text[:500], "limit": max(1, min(limit, 10))})
    return [
        CitablePassage(h.document_id, h.name, h.page, "".join(part for part, _ in h.snippet))
        for h in hits
    ]
