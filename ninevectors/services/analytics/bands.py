"""Score bands, used the same way on the dashboard, in the PDF and in exports.

A 1–5 mean falls in one band: below 2 **critical**, below 3 **needs attention**, below 4
**adequate**, 4 and up **strong**.
"""

from __future__ import annotations

from typing import NamedTuple


class Band(NamedTuple):
    name: str
    scheme: str  # Radix colour scheme of the UI
    hex: str  # the same colour for the PDF


NO_SCORE = Band("no score", "gray", "#94a3b8")
BANDS: tuple[tuple[float, Band], ...] = (
    (2.0, Band("critical", "red", "#dc2626")),
    (3.0, Band("needs attention", "amber", "#d97706")),
    (4.0, Band("adequate", "sky", "#0284c7")),
    (float("inf"), Band("strong", "green", "#16a34a")),
)


def band_of(score: float | None) -> Band:
    if score is None:
        return NO_SCORE
    return next(band for upper, band in BANDS if score < upper)
