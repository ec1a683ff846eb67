"""The assessment wizard: one sub-lens at a time, every change saved at once, server-side.

State holds only what the page shows — the current sub-lens's rows, the navigation and the
progress figures — never the whole response; the service is the source of truth, so a reload
or another device resumes exactly where the person was. Ratings, confidence and notes go
through the page's outbox (``components/answer_sync.py``), not through this state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ninevectors.framework import get_framework
from ninevectors.models.principal import Principal
from ninevectors.services import assessments, documents
from ninevectors.services.documents.evidence import document_id_of, reference
from ninevectors.services.executor import run_blocking
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


@dataclass(frozen=True)
class WizardView:
    """Everything the page shows of one sub-lens, computed off the event loop."""

    assessment_name: str
    rows: list[ThemeRow]
    nav: list[VectorNav]
    order: list[str]
    sub_lens_id: str
    answered: int
    total: int
    submitted: bool
    read_only: bool


def _nav(answers: dict[str, dict[str, Any]], required: list[int]) -> list[VectorNav]:
    framework = get_framework()
    return [
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
                )  # fmt: skip
                for s in framework.vector(v).sub_lenses
            ],
        )
        for v in required
    ]


def _document_namer(principal: Principal) -> Any:
    def name(document_id: str) -> str:
        try:
            return documents.get_document(principal, document_id).name
        except Exception:  # noqa: BLE001 — a deleted or hidden document stays cited by id
            return "(document no longer available)"

    return name


def _wizard_view(
    principal: Principal, assessment_id: str, sub_lens_id: str | None = None, move: bool = False
) -> WizardView:
    """The page for ``sub_lens_id`` (or where the person was); ``move`` also remembers it
    as the person's position. Blocking: runs on the thread pool."""
    if move and sub_lens_id:
        assessments.set_position(principal, assessment_id, sub_lens_id)
    view = assessments.open_response(principal, assessment_id)
    name = assessments.get_assessment(principal, assessment_id).name
    framework = get_framework()
    answers: dict[str, dict[str, Any]] = dict(view.answers)
    required = [int(v) for v in view.required_vectors]
    order = [s.id for v in required for s in framework.vector(v).sub_lenses]
    target = sub_lens_id if sub_lens_id in order else view.current_sub_lens_id
    if target not in order:
        target = order[0]
    namer = _document_namer(principal)
    rows = [_row(t.id, t.name, answers.get(t.id), namer) for t in framework.sub_lens(target).themes]
    nav = _nav(answers, required)
    return WizardView(
        assessment_name=name,
        rows=rows,
        nav=nav,
        order=order,
        sub_lens_id=target,
        answered=sum(n.answered for n in nav),
        total=sum(n.total for n in nav),
        submitted=view.status == "submitted",
        read_only=bool(view.read_only),
    )


def _search(principal: Principal, text: str) -> list[DocumentHit]:
    hits = documents.search_documents(principal, {"text": text or None, "limit": 8})
    return [
        DocumentHit(h.document_id, h.name, "".join(part for part, _ in h.snippet)[:200])
        for h in hits
    ]


def _tick(principal: Principal, assessment_id: str) -> list[str]:
    assessments.record_time(principal, assessment_id, 30)
    return assessments.touch_presence(principal, assessment_id)


def _present(principal: Principal, assessment_id: str) -> list[str]:
    try:
        return assessments.touch_presence(principal, assessment_id)
    except Exception:  # noqa: BLE001 — presence is a nicety; never block the page
        return []


class WizardState(SessionState):
    """Ratings, confidence and notes are saved by the page's outbox over HTTP
    (components/answer_sync.py); this state serves navigation, evidence and submission."""

    assessment_name: str = ""
    current_assessment_id: str = ""
    read_only: bool = False
    submitted: bool = False
    load_error: str = ""
    save_error: str = ""
    submit_error: str = ""
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
    # Counts every fresh read from the server: the theme cards are keyed by it, so their
    # uncontrolled inputs start again from what was just read (and this page's own choices).
    view_version: int = 0
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

    def _show(self, view: WizardView) -> None:
        framework = get_framework()
        sub_lens = framework.sub_lens(view.sub_lens_id)
        vector = framework.vector_of(view.sub_lens_id)
        self.assessment_name = view.assessment_name
        self.current_assessment_id = self._assessment_id()
        self.order, self.nav, self.rows = view.order, view.nav, view.rows
        self.answered, self.total = view.answered, view.total
        self.sub_lens_id, self.sub_lens_name = sub_lens.id, sub_lens.name
        self.vector_name, self.vector_color = vector.name, vector.color
        self.vector_description = vector.description
        self.submitted, self.read_only = view.submitted, view.read_only
        self.view_version += 1

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.save_error = self.submit_error = ""
        self.attach_theme_id, self.document_hits, self.attach_error = "", [], ""
        try:
            view = await run_blocking(_wizard_view, outcome, self._assessment_id())
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.load_error = friendly_error(error)
            self.rows, self.nav, self.current_assessment_id = [], [], ""
            return None
        self.load_error = ""
        self._show(view)
        self.others_present = await run_blocking(_present, outcome, self._assessment_id())
        return None

    async def _go(self, sub_lens_id: object) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        if not self.order:  # the page's state was lost (a restarted cache): start afresh
            return WizardState.load
        if not isinstance(sub_lens_id, str) or sub_lens_id not in self.order:
            return None
        try:
            view = await run_blocking(
                _wizard_view, outcome, self._assessment_id(), sub_lens_id, not self.read_only
            )
        except Exception as error:  # noqa: BLE001
            self.save_error = friendly_error(error)
            return None
        self.save_error = ""
        self._show(view)
        return rx.call_script("window.scrollTo(0, 0)")

    @rx.event
    async def go_to(self, sub_lens_id: str) -> rx.event.EventSpec | None:
        return await self._go(sub_lens_id)

    def _neighbour(self, step: int) -> str | None:
        if self.sub_lens_id not in self.order:
            return None
        index = self.order.index(self.sub_lens_id) + step
        return self.order[index] if 0 <= index < len(self.order) else None

    @rx.event
    async def next_sub_lens(self) -> rx.event.EventSpec | None:
        if not self.order:
            return WizardState.load
        target = self._neighbour(1)
        return await self._go(target) if target else None

    @rx.event
    async def previous_sub_lens(self) -> rx.event.EventSpec | None:
        if not self.order:
            return WizardState.load
        target = self._neighbour(-1)
        return await self._go(target) if target else None

    # --- evidence -----------------------------------------------------------------------------

    def _set_row(self, theme_id: str, **values: str) -> None:
        for row in self.rows:
            if row.id == theme_id:
                for key, value in values.items():
                    setattr(row, key, value)

    @rx.event
    async def set_evidence(self, theme_id: str, value: str) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        text = value if isinstance(value, str) else ""
        if len(text) > MAX_EVIDENCE_TEXT:
            self.save_error = "Too much evidence text: keep to 20 references."
            return None
        row = next((r for r in self.rows if r.id == theme_id), None)
        if row is None:
            self.save_error = "That theme is not on this page."
            return None
        cited = [reference(d.id) for d in row.documents]
        references = cited + [line.strip() for line in text.splitlines() if line.strip()]
        self._set_row(theme_id, evidence=text)
        try:
            await run_blocking(
                assessments.save_answer,
                outcome, self._assessment_id(), theme_id, {"evidence": references},
            )  # fmt: skip
        except Exception as error:  # noqa: BLE001
            self.save_error = friendly_error(error)
            return WizardState.load  # show what is really stored
        self.save_error = ""
        return None

    # --- documents as evidence ------------------------------------------------------------

    @rx.event
    async def open_attach(self, theme_id: str) -> None:
        row = next((r for r in self.rows if r.id == theme_id), None)
        if row is None or self.read_only:
            return
        self.attach_theme_id, self.attach_theme_name = row.id, row.name
        self.document_query, self.attach_error = "", ""
        await self._search_documents()

    @rx.event
    def close_attach(self, _open: Any = False) -> None:
        self.attach_theme_id = ""
        self.document_hits = []

    @rx.event
    async def set_document_query(self, value: str) -> None:
        self.document_query = value[:200] if isinstance(value, str) else ""
        await self._search_documents()

    async def _search_documents(self) -> None:
        principal = await self._principal()
        if principal is None:
            return
        try:
            self.document_hits = await run_blocking(_search, principal, self.document_query)
        except Exception as error:  # noqa: BLE001
            self.attach_error = friendly_error(error)

    async def _change_citation(self, attach: bool, theme_id: str, document_id: str) -> Any:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        change = documents.attach_evidence if attach else documents.detach_evidence
        aid = self._assessment_id()
        try:
            await run_blocking(change, outcome, aid, str(theme_id), str(document_id))
            view = await run_blocking(_wizard_view, outcome, aid, self.sub_lens_id)
        except Exception as error:  # noqa: BLE001
            self.attach_error = self.save_error = friendly_error(error)
            return None
        self._show(view)
        return None

    @rx.event
    async def attach(self, document_id: str) -> Any:
        self.attach_error = ""
        result = await self._change_citation(True, self.attach_theme_id, document_id)
        if not self.attach_error:
            self.attach_theme_id = ""
        return result

    @rx.event
    async def detach(self, theme_id: str, document_id: str) -> Any:
        return await self._change_citation(False, theme_id, document_id)

    # --- time, presence, submit -----------------------------------------------------------

    @rx.event
    async def tick(self, _value: Any = None) -> None:
        """Every 30 s while the page is open: time spent and presence."""
        principal = await self._principal()
        if principal is None or self.read_only or self.load_error or not self.order:
            return
        try:
            self.others_present = await run_blocking(_tick, principal, self._assessment_id())
        except Exception:  # noqa: BLE001 — never interrupt the person for a timer
            return

    @rx.event
    async def submit(self, _saved: Any = None) -> rx.event.EventSpec | None:
        """Called once the page's outbox has sent every change (``_saved`` says whether it
        could); the service then says exactly what is still missing, if anything."""
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            await run_blocking(assessments.submit_response, outcome, self._assessment_id())
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
