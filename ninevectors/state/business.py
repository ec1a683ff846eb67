"""The platform operator's business metrics page (/admin/business): aggregates across every
organization, for a super admin of the operator organization only."""

from __future__ import annotations

import plotly.graph_objects as go
import reflex as rx
from pydantic import BaseModel

from ninevectors.components.business_chart import business_figure
from ninevectors.models.principal import Principal
from ninevectors.services.billing import business
from ninevectors.services.errors import Forbidden
from ninevectors.services.executor import run_blocking
from ninevectors.state.session import SessionState, friendly_error


class MonthRow(BaseModel):
    period: str
    new_organizations: int
    churned: int
    ai_tokens: str
    documents_processed: int


def money(cents: int, currency: str) -> str:
    return f"{cents / 100:,.2f} {currency.upper()}"


def _month_row(month: business.MonthFigures) -> MonthRow:
    return MonthRow(
        period=month.period,
        new_organizations=month.new_organizations,
        churned=month.churned,
        ai_tokens=f"{month.ai_tokens:,.0f}",
        documents_processed=month.documents_processed,
    )


def _figure(months: list[business.MonthFigures]) -> go.Figure:
    counts = [
        [m.new_organizations for m in months],
        [m.churned for m in months],
        [m.documents_processed for m in months],
    ]
    return business_figure([m.period for m in months], counts, [m.ai_tokens for m in months])


class BusinessState(SessionState):
    loaded: bool = False
    mrr: str = ""
    arr: str = ""
    churn: str = ""
    active: int = 0
    trialing: int = 0
    past_due: int = 0
    organizations: int = 0
    months: list[MonthRow] = []
    chart: go.Figure = go.Figure()
    error: str = ""

    def _show(self, figures: business.BusinessMetrics) -> None:
        self.mrr = money(figures.mrr_cents, figures.currency)
        self.arr = money(figures.arr_cents, figures.currency)
        self.churn = f"{100 * figures.churn_rate:.1f}%"
        self.active, self.trialing = figures.active, figures.trialing
        self.past_due, self.organizations = figures.past_due, figures.organizations
        self.months = [_month_row(month) for month in figures.months]
        self.chart = _figure(figures.months)
        self.loaded = True

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.error, self.loaded = "", False
        try:
            self._show(await run_blocking(business.business_metrics, outcome))
        except Forbidden:
            self.allowed = False  # the page says "not allowed"; nothing was read
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
        return None
