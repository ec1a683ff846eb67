"""The assessment wizard: one sub-lens at a time, every change saved at once, server-side.

State holds only what the page shows — the current sub-lens's rows, the navigation and the
progress figures — never the whole response; the service is the source of truth, so a reload
or another device resumes exactly where the person was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ninevectors.framework import get_framework
from ninevectors.models.principal import Principal
from ninevectors.services import assessments, documents
from ninevectors.services.documents.evidence import document_id_of, reference
from ninevectors.state.session import SessionState, friendly_error

NOT_SURE = "na"
RATING_CHOICES = ["1", "2", "3", "4", "5"]
MAX_NOTES = 2000
MAX_EVIDENCE_TEXT = 5000


@dataclass
class DocumentRef:
    id: str
    name: str


@dataclass
class DocumentHit:
    id: str
    name: str
    snippet: str


@dataclass
class ThemeRow:
    id: str
    name: str
    rating: str  # "" unanswered, "1".."5", or "na" (not sure / not applicable)
    confidence: str  # "" or "1".."5"
    notes: str
    evidence: str  # free references, one per line
    documents: list[DocumentRef]  # library documents cited as evidence ("doc:<id>")
    guidance: str


@dataclass
class SubLensLink:
    id: str
    name: str
    answered: int
    total: int


@dataclass
class VectorNav:
    id: int
    name: str
    color: str
    answered: int
    total: int
    sub_lenses: list[SubLensLink]


def _row(theme_id: str, name: str, answer: dict[str, Any] | None, document_name: Any) -> ThemeRow:
    answer = answer or {}
    rating = answer.get("rating")
    evidence = [str(e) for e in answer.get("evidence") or []]
    cited = [doc_id for e in evidence if (doc_id := document_id_of(e))]
    return ThemeRow(
        id=theme_id,
        name=name,
        rating=NOT_SURE if answer.get("notSure") else (str(rating) if rating else ""),
        confidence=str(answer.get("confidence") or ""),
        notes=str(answer.get("notes") or ""),
        evidence="\n".join(e for e in evidence if document_id_of(e) is None),
        documents=[DocumentRef(doc_id, document_name(doc_id)) for doc_id in cited],
        guidance=get_framework().theme_guidance(theme_id),
    )


def _is_answered(answer: dict[str, Any] | None) -> bool:
    return bool(answer) and (bool(answer.get("rating")) or bool(answer.get("notSure")))


class WizardState(SessionState):
    assessment_name: str = ""
    read_only: bool = False
    submitted: bool = False
    load_error: str = ""
    save_error: str = ""
    submit_error: str = ""
    saved_at: str = ""
    saves: int = 0  # answers saved on this page view (benchmarks wait on it)
    sub_lens_id: str = ""
    sub_lens_name: str = ""
    vector_name: str = ""
    vector_color: str = ""
    vector_description: str = ""
    rows: list[ThemeRow] = []
    nav: list[VectorNav] = []
    order: list[str] = []  # sub-lens ids in wizard order
    answered: int = 0
    total: int = 0
    others_present: list[str] = []
    # The "attach a document" dialog.
    attach_theme_id: str = ""
    attach_theme_name: str = ""
    document_query: str = ""
    document_hits: list[DocumentHit] = []
    attach_error: str = ""

    # --- loading ------------------------------------------------------------------------------

    def _assessment_id(self) -> str:
        return str(self.assessment_id)  # the dynamic route argument

    def _show(self, view: Any, principal: Principal, sub_lens_id: str | None = None) -> None:
        """Fill the page from a ResponseView, on ``sub_lens_id`` (or where the person was)."""
        framework = get_framework()
        answers: dict[str, dict[str, Any]] = dict(view.answers)
        required = [int(v) for v in view.required_vectors]
        self.order = [s.id for v in required for s in framework.vector(v).sub_lenses]
        target = sub_lens_id if sub_lens_id in self.order else view.current_sub_lens_id
        if target not in self.order:
            target = self.order[0]
        self.nav = [
            VectorNav(
                id=v,
                name=framework.vector(v).name,
                color=framework.vector(v).color,
                answered=sum(_is_answered(answers.get(t.id)) for t in framework.vector(v).themes),
                total=len(framework.vector(v).themes),
                sub_lenses=[
                    SubLensLink(
                        s.id,
                        s.name,
                        sum(_is_answered(answers.get(t.id)) for t in s.themes),
                        len(s.themes),
                    )
                    for s in framework.vector(v).sub_lenses
                ],
            )
            for v in required
        ]
        self.answered = sum(n.answered for n in self.nav)
        self.total = sum(n.total for n in self.nav)
        self._show_sub_lens(target, answers, principal)
        self.submitted = view.status == "submitted"
        self.read_only = bool(view.read_only)

    def _show_sub_lens(
        self, sub_lens_id: str, answers: dict[str, dict[str, Any]], principal: Principal
    ) -> None:
        framework = get_framework()
        sub_lens = framework.sub_lens(sub_lens_id)
        vector = framework.vector_of(sub_lens_id)
        self.sub_lens_id, self.sub_lens_name = sub_lens.id, sub_lens.name
        self.vector_name, self.vector_color = vector.name, vector.color
        self.vector_description = vector.description
        self.rows = [
            _row(t.id, t.name, answers.get(t.id), self._document_namer(principal))
            for t in sub_lens.themes
        ]

    @staticmethod
    def _document_namer(principal: Principal) -> Any:
        def name(document_id: str) -> str:
            try:
                return documents.get_document(principal, document_id).name
            except Exception:  # noqa: BLE001 — a deleted or hidden document stays cited by id
                return "(document no longer available)"

        return name

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.save_error = self.submit_error = self.saved_at = ""
        self.attach_theme_id, self.document_hits, self.attach_error = "", [], ""
        try:
            view = assessments.open_response(outcome, self._assessment_id())
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.load_error = friendly_error(error)
            self.rows, self.nav = [], []
            return None
        self.load_error = ""
        self.assessment_name = assessments.get_assessment(outcome, self._assessment_id()).name
        self._show(view, outcome)
        self._touch_presence(outcome)
        return None

    @rx.event
    def go_to(self, sub_lens_id: str) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if not isinstance(sub_lens_id, str) or sub_lens_id not in self.order:
            return None
        try:
            if not self.read_only:
                assessments.set_position(outcome, self._assessment_id(), sub_lens_id)
            view = assessments.open_response(outcome, self._assessment_id())
        except Exception as error:  # noqa: BLE001
            self.save_error = friendly_error(error)
            return None
        self._show(view, outcome, sub_lens_id)
        return rx.call_script("window.scrollTo(0, 0)")

    @rx.event
    def next_sub_lens(self) -> rx.event.EventSpec | None:
        index = self.order.index(self.sub_lens_id) if self.sub_lens_id in self.order else -1
        if 0 <= index < len(self.order) - 1:
            return WizardState.go_to(self.order[index + 1])
        return None

    @rx.event
    def previous_sub_lens(self) -> rx.event.EventSpec | None:
        index = self.order.index(self.sub_lens_id) if self.sub_lens_id in self.order else 0
        if index > 0:
            return WizardState.go_to(self.order[index - 1])
        return None

    # --- saving -------------------------------------------------------------------------------

    def _save(self, theme_id: str, changes: dict[str, Any]) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if not isinstance(theme_id, str) or all(r.id != theme_id for r in self.rows):
            self.save_error = "That theme is not on this page."
            return None
        try:
            saved = assessments.save_answer(outcome, self._assessment_id(), theme_id, changes)
        except Exception as error:  # noqa: BLE001
            self.save_error = friendly_error(error)
            return WizardState.load  # show what is really stored
        self.save_error = ""
        self._apply_progress(saved.progress)
        self.saved_at = "All changes saved"
        self.saves += 1
        return None

    def _apply_progress(self, progress: Any) -> None:
        per_vector = {int(k): v for k, v in dict(progress.per_vector).items()}
        for vector in self.nav:
            if vector.id in per_vector:
                vector.answered = int(per_vector[vector.id][0])
        self.answered, self.total = int(progress.answered), int(progress.total)
        answered_here = {r.id for r in self.rows if r.rating}
        for vector in self.nav:
            for link in vector.sub_lenses:
                if link.id == self.sub_lens_id:
                    link.answered = len(answered_here)

    def _set_row(self, theme_id: str, **values: str) -> None:
        for row in self.rows:
            if row.id == theme_id:
                for key, value in values.items():
                    setattr(row, key, value)

    @rx.event
    def set_rating(self, theme_id: str, value: str) -> rx.event.EventSpec | None:
        if value == NOT_SURE:
            changes: dict[str, Any] = {"not_sure": True}
        elif value in RATING_CHOICES:
            changes = {"rating": int(value)}
        else:
            self.save_error = "A rating is a whole number from 1 to 5, or “not sure”."
            return None
        self._set_row(theme_id, rating=value)
        return self._save(theme_id, changes)

    @rx.event
    def set_confidence(self, theme_id: str, value: str) -> rx.event.EventSpec | None:
        if value not in RATING_CHOICES:
            self.save_error = "Confidence is a whole number from 1 to 5."
            return None
        self._set_row(theme_id, confidence=value)
        return self._save(theme_id, {"confidence": int(value)})

    @rx.event
    def set_notes(self, theme_id: str, value: str) -> rx.event.EventSpec | None:
        text = value if isinstance(value, str) else ""
        if len(text) > MAX_NOTES:
            self.save_error = f"Notes are limited to {MAX_NOTES} characters."
            return None
        self._set_row(theme_id, notes=text)
        return self._save(theme_id, {"notes": text})

    @rx.event
    def set_evidence(self, theme_id: str, value: str) -> rx.event.EventSpec | None:
        text = value if isinstance(value, str) else ""
        if len(text) > MAX_EVIDENCE_TEXT:
            self.save_error = "Too much evidence text: keep to 20 references."
            return None
        row = next((r for r in self.rows if r.id == theme_id), None)
        cited = [reference(d.id) for d in row.documents] if row else []
        references = cited + [line.strip() for line in text.splitlines() if line.strip()]
        self._set_row(theme_id, evidence=text)
        return self._save(theme_id, {"evidence": references})

    # --- documents as evidence ------------------------------------------------------------

    @rx.event
    def open_attach(self, theme_id: str) -> None:
        row = next((r for r in self.rows if r.id == theme_id), None)
        if row is None or self.read_only:
            return
        self.attach_theme_id, self.attach_theme_name = row.id, row.name
        self.document_query, self.attach_error = "", ""
        self._search_documents()

    @rx.event
    def close_attach(self, _open: Any = False) -> None:
        self.attach_theme_id = ""
        self.document_hits = []

    @rx.event
    def set_document_query(self, value: str) -> None:
        self.document_query = value[:200] if isinstance(value, str) else ""
        self._search_documents()

    def _search_documents(self) -> None:
        principal = self._principal()
        if principal is None:
            return
        try:
            hits = documents.search_documents(
                principal, {"text": self.document_query or None, "limit": 8}
            )
        except Exception as error:  # noqa: BLE001
            self.attach_error = friendly_error(error)
            return
        self.document_hits = [
            DocumentHit(h.document_id, h.name, "".join(text for text, _ in h.snippet)[:200])
            for h in hits
        ]

    def _change_citation(self, attach: bool, theme_id: str, document_id: str) -> Any:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        change = documents.attach_evidence if attach else documents.detach_evidence
        try:
            change(outcome, self._assessment_id(), str(theme_id), str(document_id))
            view = assessments.open_response(outcome, self._assessment_id())
        except Exception as error:  # noqa: BLE001
            self.attach_error = self.save_error = friendly_error(error)
            return None
        self._show(view, outcome, self.sub_lens_id)
        self.saved_at = "All changes saved"
        return None

    @rx.event
    def attach(self, document_id: str) -> Any:
        self.attach_error = ""
        result = self._change_citation(True, self.attach_theme_id, document_id)
        if not self.attach_error:
            self.attach_theme_id = ""
        return result

    @rx.event
    def detach(self, theme_id: str, document_id: str) -> Any:
        return self._change_citation(False, theme_id, document_id)

    # --- time, presence, submit -----------------------------------------------------------

    def _touch_presence(self, principal: Principal) -> None:
        try:
            self.others_present = assessments.touch_presence(principal, self._assessment_id())
        except Exception:  # noqa: BLE001 — presence is a nicety; never block the page
            self.others_present = []

    @rx.event
    def tick(self, _value: Any = None) -> None:
        """Every 30 s while the page is open: time spent and presence."""
        principal = self._principal()
        if principal is None or self.read_only or self.load_error:
            return
        try:
            assessments.record_time(principal, self._assessment_id(), 30)
        except Exception:  # noqa: BLE001 — never interrupt the person for a timer
            return
        self._touch_presence(principal)

    @rx.event
    def submit(self) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            assessments.submit_response(outcome, self._assessment_id())
        except Exception as error:  # noqa: BLE001
            self.submit_error = friendly_error(error)
            return None
        self.submit_error = ""
        return rx.redirect(f"/assessments/{self._assessment_id()}/results")

    @rx.var(cache=True)
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    @rx.var(cache=True)
    def position(self) -> str:
        if self.sub_lens_id not in self.order:
            return ""
        return f"Sub-lens {self.order.index(self.sub_lens_id) + 1} of {len(self.order)}"

    @rx.var(cache=True)
    def is_last(self) -> bool:
        return bool(self.order) and self.sub_lens_id == self.order[-1]

    @rx.var(cache=True)
    def is_first(self) -> bool:
        return bool(self.order) and self.sub_lens_id == self.order[0]
