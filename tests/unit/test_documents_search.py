"""Hybrid search, similar documents, evidence links and the dead-letter queue."""

from __future__ import annotations

import pytest

from ninevectors.services import assessments, documents
from ninevectors.services.documents import pipeline, queue, search
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from tests.unit import test_assessment_support as assessment_support
from tests.unit import test_documents_support as support
from tests.unit.test_documents_support import Team, processed, upload

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team
library_env = support.library

MARKET = "Our expansion into Asian markets doubles the customer base and grows market share."
PEOPLE = (
    "Employee engagement and talent retention: we must hire senior engineers and train managers."
)
FINANCE = "Cash flow, operating margin and debt covenants for the fiscal year budget."


def _library(team: Team) -> dict[str, str]:
    ids = {}
    for key, text, category in (
        ("market", MARKET, "market"),
        ("people", PEOPLE, "people"),
        ("finance", FINANCE, "financial"),
    ):
        ids[key] = upload(team.alice, f"{key}.txt", text.encode(), category=category, tags=[key]).id
    for document_id in ids.values():
        assert processed(team.alice, document_id).processing.status == "completed"
    return ids


def test_find_by_phrase_with_highlight(library_env: Team) -> None:
    ids = _library(library_env)
    hits = documents.search_documents(library_env.bob, {"text": "talent retention"})
    assert hits[0].document_id == ids["people"]
    highlighted = [text for text, marked in hits[0].snippet if marked]
    assert "talent retention" in [h.lower() for h in highlighted]


def test_find_by_meaning_without_shared_words(library_env: Team) -> None:
    ids = _library(library_env)
    hits = documents.search_documents(
        library_env.bob, {"text": "recruiting staff and keeping workers"}
    )
    assert hits and hits[0].document_id == ids["people"]


def test_filters_category_tag_vector_and_date(library_env: Team) -> None:
    ids = _library(library_env)
    by_category = documents.search_documents(library_env.bob, {"category": "financial"})
    assert [h.document_id for h in by_category] == [ids["finance"]]
    by_tag = documents.search_documents(library_env.bob, {"text": "market", "tag": "people"})
    assert {h.document_id for h in by_tag} <= {ids["people"]}
    assert documents.search_documents(library_env.bob, {"date_from": "2999-01-01"}) == []
    market_vector = documents.search_documents(library_env.bob, {"vector": 1})
    assert ids["market"] in {h.document_id for h in market_vector}
    with pytest.raises(ValidationFailed):
        documents.search_documents(library_env.bob, {"vector": 12})
    with pytest.raises(ValidationFailed):
        documents.search_documents(library_env.bob, {"text": "x" * 600})


def test_search_applies_visibility(library_env: Team) -> None:
    secret = upload(
        library_env.alice, "s.txt", b"Confidential acquisition target zebra", visibility="private"
    )
    processed(library_env.alice, secret.id)
    assert documents.search_documents(library_env.bob, {"text": "acquisition target zebra"}) == []
    mine = documents.search_documents(library_env.alice, {"text": "acquisition target zebra"})
    assert [h.document_id for h in mine] == [secret.id]


def test_search_index_follows_changes(library_env: Team) -> None:
    ids = _library(library_env)
    assert documents.search_documents(library_env.bob, {"text": "covenants"})
    documents.delete_document(library_env.alice, ids["finance"])
    assert all(
        h.document_id != ids["finance"]
        for h in documents.search_documents(library_env.bob, {"text": "covenants"})
    )


def test_find_passages_for_the_coach(library_env: Team) -> None:
    ids = _library(library_env)
    passages = documents.find_passages(library_env.bob, "how do we keep our best engineers?")
    assert passages[0].document_id == ids["people"]
    assert passages[0].reference == f"doc:{ids['people']}" and passages[0].text


def test_similar_documents(library_env: Team) -> None:
    ids = _library(library_env)
    extra = upload(library_env.alice, "m2.txt", b"Entering new regional markets to win customers.")
    processed(library_env.alice, extra.id)
    similar = documents.similar_documents(library_env.bob, ids["market"])
    assert similar[0].document_id == extra.id
    assert ids["market"] not in {h.document_id for h in similar}


def test_highlight_escapes_nothing_and_marks_terms() -> None:
    parts = search.highlight("Revenue grew. <b>Revenue</b> again", "revenue", ["revenue"])
    assert ("Revenue", True) in parts
    assert "".join(text for text, _ in parts) == "Revenue grew. <b>Revenue</b> again"


def test_attach_evidence_cited_in_and_delete_removes_links(library_env: Team) -> None:
    assessment_id = assessment_support.running(library_env, library_env.alice)
    doc = upload(library_env.alice, "plan.txt", MARKET.encode())
    evidence = documents.attach_evidence(library_env.alice, assessment_id, "1.1.1", doc.id)
    assert evidence == [f"doc:{doc.id}"]
    assert documents.attach_evidence(library_env.alice, assessment_id, "1.1.1", doc.id) == evidence
    cited = documents.cited_in(library_env.alice, doc.id)
    assert [(v.assessment_id, v.theme_id) for v in cited] == [(assessment_id, "1.1.1")]
    with pytest.raises(ValidationFailed):
        documents.attach_evidence(library_env.alice, assessment_id, "9.9.9", doc.id)
    documents.delete_document(library_env.alice, doc.id)
    response = assessments.get_my_response(library_env.alice, assessment_id)
    assert response is not None and response.answers["1.1.1"].evidence == []


def test_detach_evidence(library_env: Team) -> None:
    assessment_id = assessment_support.running(library_env, library_env.alice)
    doc = upload(library_env.alice, "plan.txt", MARKET.encode())
    documents.attach_evidence(library_env.alice, assessment_id, "2.1.1", doc.id)
    assert documents.detach_evidence(library_env.alice, assessment_id, "2.1.1", doc.id) == []
    assert documents.cited_in(library_env.alice, doc.id) == []


def test_evidence_needs_a_visible_document(library_env: Team) -> None:
    assessment_id = assessment_support.running(library_env, library_env.alice, library_env.bob)
    doc = upload(library_env.alice, "p.txt", b"private thoughts", visibility="private")
    with pytest.raises(NotFoundError):
        documents.attach_evidence(library_env.bob, assessment_id, "1.1.1", doc.id)


def test_failing_job_is_retried_then_dead_lettered_and_admin_retries(
    library_env: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "MIN_BACKOFF_MS", 10)
    monkeypatch.setattr(queue, "MAX_BACKOFF_MS", 20)
    queue.shutdown()
    calls: list[int] = []
    real_run = pipeline._run

    def flaky(organization_id: str, item: dict, started: float) -> None:
        calls.append(1)
        raise OSError("blob storage unavailable")

    monkeypatch.setattr(pipeline, "_run", flaky)
    doc = upload(library_env.alice, "plan.txt", MARKET.encode())
    done = processed(library_env.alice, doc.id)
    assert len(calls) == queue.MAX_DELIVERIES
    assert done.processing.status == "failed" and "3 attempts" in (done.processing.reason or "")
    with pytest.raises(Forbidden):
        documents.list_dead_letters(library_env.alice)
    letters = documents.list_dead_letters(library_env.admin)
    assert [letter.document_id for letter in letters] == [doc.id]
    assert "unavailable" in letters[0].reason
    monkeypatch.setattr(pipeline, "_run", real_run)
    assert documents.retry_dead_letter(library_env.admin, letters[0].message_id) == doc.id
    assert processed(library_env.alice, doc.id).processing.status == "completed"
    assert documents.list_dead_letters(library_env.admin) == []
    with pytest.raises(NotFoundError):
        documents.retry_dead_letter(library_env.admin, letters[0].message_id)


def test_conflict_is_not_a_crash(library_env: Team) -> None:
    upload(library_env.alice, "a.txt", b"same")
    with pytest.raises(ConflictError):
        upload(library_env.alice, "b.txt", b"same")
