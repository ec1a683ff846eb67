"""The operator's business chart (plotly, rendered in the browser by rx.plotly): MRR-relevant
activity per month — new organizations, churned subscriptions, documents — with AI tokens on
a second axis."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import reflex as rx

COUNT_SERIES = (("New organizations", "#10b981"), ("Churned", "#ef4444"),
                ("Documents processed", "#6366f1"))  # fmt: skip


def business_figure(
    periods: Sequence[str], counts: Sequence[Sequence[int]], ai_tokens: Sequence[float]
) -> go.Figure:
    """Bars per month for each of ``COUNT_SERIES`` (``counts`` in that order) and a line of
    AI tokens on the right axis."""
    figure = go.Figure()
    for (name, colour), values in zip(COUNT_SERIES, counts, strict=True):
        figure.add_trace(go.Bar(x=list(periods), y=list(values), name=name, marker_color=colour))
    figure.add_trace(
        go.Scatter(
            x=list(periods),
            y=list(ai_tokens),
            name="AI tokens",
            yaxis="y2",
            mode="lines+markers",
            line={"color": "#f59e0b"},
        )  # fmt: skip
    )
    figure.update_layout(
        barmode="group",
        yaxis={"title": "count", "rangemode": "tozero"},
        yaxis2={"title": "AI tokens", "overlaying": "y", "side": "right", "rangemode": "tozero"},
        margin={"l": 40, "r": 50, "t": 20, "b": 30},
        height=340,
        legend={"orientation": "h"},
    )
    return figure


def business_chart(figure: rx.Var, **props: object) -> rx.Component:
    return rx.box(rx.plotly(data=figure, width="100%"), width="100%", **props)
