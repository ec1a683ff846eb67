"""Documents as evidence: attach a document to an assessment theme (the principal's own
answer's evidence list gets a ``doc:<id>`` reference) and show where a document is cited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ninevectors.framework import get_framework
from ninevectors.models.document import Citation, DocumentItem
from ninevectors.models.principal import Principal
from ninevectors.services import assessments
from ninevectors.services.assessments._common import response_id
from ninevectors.services.backends import get_store
from ninevectors.services.documents import _common as c
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.store.base import NotFound

REFERENCE_PREFIX = "doc:"
MAX_EVIDENCE = 20
RESPONSES = "responses"


def reference(document_id: str) -> str:
    return f"{REFERENCE_PREFIX}{document_id}"


def document_id_of(evidence: str) -> str | None:
    """The document id of a ``doc:<id>`` evidence entry, else None (free text)."""
    return evidence[len(REFERENCE_PREFIX) :] if evidence.startswith(REFERENCE_PREFIX) else None


@dataclass(frozen=True)
class CitationView:
    assessment_id: str
    assessment_name: str
    theme_id: str
    theme_name: str
    cited_at: str


def _evidence(principal: Principal, assessment_id: str, theme_id: str) -> list[str]:
    assessments.open_response(principal, assessment_id)
    response = assessments.get_my_response(principal, assessment_id)
    answer = response.answers.get(theme_id) if response else None
    return list(answer.evidence) if answer else []


def attach_evidence(
    principal: Principal, assessment_id: str, theme_id: str, document_id: str
) -> list[str]:
    """Cite the document in the principal's answer to ``theme_id``; returns the answer's
    evidence list."""
    item = c.visible_item(principal, document_id)
    if not isinstance(theme_id, str) or not get_framework().has_theme(theme_id):
        raise ValidationFailed("theme_id", "Unknown theme.")
    evidence = _evidence(principal, assessment_id, theme_id)
    ref = reference(item["id"])
    if ref not in evidence:
        if len(evidence) >= MAX_EVIDENCE:
            raise ValidationFailed("evidence", f"At most {MAX_EVIDENCE} pieces of evidence.")
        evidence.append(ref)
        assessments.save_answer(principal, assessment_id, theme_id, {"evidence": evidence})
    assessment = assessments.get_assessment(principal, assessment_id)
    citation = Citation(
        assessment_id=assessment.id,
        theme_id=theme_id,
        user_id=None if assessment.configuration.anonymous_responses else principal.user_id,
        response_id=response_id(assessment.id, principal.user_id),
        cited_at=c.now_iso(),
    )
    _add_citation(principal.organization_id, item["id"], citation)
    c.record("document.cited", principal, item["id"], assessmentId=assessment.id, themeId=theme_id)
    return evidence


def detach_evidence(
    principal: Principal, assessment_id: str, theme_id: str, document_id: str
) -> list[str]:
    """Remove the document from the principal's answer to ``theme_id``."""
    item = c.visible_item(principal, document_id)
    if not isinstance(theme_id, str) or not get_framework().has_theme(theme_id):
        raise ValidationFailed("theme_id", "Unknown theme.")
    evidence = _evidence(principal, assessment_id, theme_id)
    ref = reference(item["id"])
    if ref in evidence:
        evidence.remove(ref)
        assessments.save_answer(principal, assessment_id, theme_id, {"evidence": evidence})
    mine = response_id(assessment_id, principal.user_id)
    _drop_citations(principal.organization_id, item["id"], mine, assessment_id, theme_id)
    return evidence


def _add_citation(organization_id: str, document_id: str, citation: Citation) -> None:
    def change(item: dict[str, Any]) -> None:
        citations = [
            x
            for x in item.get("citations") or []
            if (x["responseId"], x["themeId"]) != (citation.response_id, citation.theme_id)
        ]
        citations.append(citation.to_item())
        linked = sorted({*item.get("linkedAssessments", []), citation.assessment_id})
        item.update(citations=citations, linkedAssessments=linked)

    c.update_item(organization_id, document_id, change)


def _drop_citations(
    organization_id: str, document_id: str, response: str, assessment_id: str, theme_id: str
) -> None:
    def change(item: dict[str, Any]) -> None:
        citations = [
            x
            for x in item.get("citations") or []
            if (x["responseId"], x["themeId"]) != (response, theme_id)
        ]
        linked = sorted({x["assessmentId"] for x in citations})
        item.update(citations=citations, linkedAssessments=linked)

    c.update_item(organization_id, document_id, change)


def cited_in(principal: Principal, document_id: str) -> list[CitationView]:
    """Where the document is cited, in assessments the principal may see."""
    document = c.to_document(c.visible_item(principal, document_id))
    framework = get_framework()
    views: list[CitationView] = []
    for citation in document.citations:
        try:
            assessment = assessments.get_assessment(principal, citation.assessment_id)
        except (NotFoundError, Forbidden):
            continue
        theme = (
            framework.theme(citation.theme_id) if framework.has_theme(citation.theme_id) else None
        )
        views.append(
            CitationView(
                assessment.id,
                assessment.name,
                citation.theme_id,
                theme.name if theme else citation.theme_id,
                citation.cited_at,
            )
        )
    return views


def remove_links(document: DocumentItem) -> None:
    """Take the document's ``doc:<id>`` references out of every citing answer (delete)."""
    store = get_store()
    ref = reference(document.id)
    for citation in document.citations:
        try:
            response = store.get(RESPONSES, document.organization_id, citation.response_id)
        except NotFound:
            continue
        answer = (response.get("answers") or {}).get(citation.theme_id)
        if not answer or ref not in (answer.get("evidence") or []):
            continue
        answer["evidence"] = [e for e in answer["evidence"] if e != ref]
        store.replace(RESPONSES, response, etag=response.get("_etag"))
