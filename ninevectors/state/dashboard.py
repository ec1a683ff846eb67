"""The organization home: what exists so far, with empty states that say what to do next."""

from __future__ import annotations

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services import assessments
from ninevectors.state.session import SessionState


class DashboardState(SessionState):
    welcome: bool = False

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.welcome = bool(self.router.url.query_parameters.get("welcome"))
        # People invited by e-mail to an assessment before they had an account join it now.
        assessments.claim_pending_participations(outcome)
        return None
