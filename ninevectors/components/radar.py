"""The nine-vector radar (plotly, rendered in the browser by rx.plotly).

``radar_figure`` is plain Python (used by states); ``radar_chart`` is the component.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import reflex as rx

SERIES_COLOURS = ("#0d9488", "#7c3aed", "#ea580c", "#2563eb", "#db2777", "#65a30d")


def radar_figure(
    axes: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]
) -> go.Figure:
    """A polar chart with one closed trace per (label, values); values on a 1–5 scale
    (None is drawn at 0)."""
    figure = go.Figure()
    closed_axes = [*axes, axes[0]] if axes else []
    for i, (label, values) in enumerate(series):
        points = [0.0 if v is None else float(v) for v in values]
        figure.add_trace(
            go.Scatterpolar(
                r=[*points, points[0]] if points else [],
                theta=closed_axes,
                name=label,
                fill="toself" if i == 0 else "none",
                opacity=0.85,
                line={"color": SERIES_COLOURS[i % len(SERIES_COLOURS)], "width": 2},
            )
        )
    figure.update_layout(
        polar={"radialaxis": {"range": [0, 5], "tickvals": [1, 2, 3, 4, 5]}},
        showlegend=True,
        margin={"l": 40, "r": 40, "t": 30, "b": 30},
        height=420,
        legend={"orientation": "h"},
    )
    return figure


def trend_figure(
    rounds: Sequence[str], lines: Sequence[tuple[str, str, Sequence[float | None]]]
) -> go.Figure:
    """One line per vector (name, colour, value per round) across the rounds."""
    figure = go.Figure()
    for name, colour, values in lines:
        figure.add_trace(
            go.Scatter(
                x=list(rounds),
                y=list(values),
                name=name,
                mode="lines+markers",
                line={"color": colour},
                connectgaps=False,
            )  # fmt: skip
        )
    figure.update_layout(
        yaxis={"range": [1, 5], "title": "mean"},
        margin={"l": 40, "r": 20, "t": 20, "b": 30},
        height=320,
        legend={"orientation": "h"},
    )
    return figure


def radar_chart(figure: rx.Var, **props: object) -> rx.Component:
    return rx.box(rx.plotly(data=figure, width="100%"), width="100%", **props)
