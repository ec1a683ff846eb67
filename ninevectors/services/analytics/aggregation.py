"""Aggregation of an assessment's submitted responses: pure functions, one numpy pass.

Rules (consistent with :mod:`ninevectors.services.assessments.scoring`):

* A respondent's **theme** value is its rating (None when unanswered or "not sure"); the
  **sub-lens** value is the mean of its rated themes; the **vector** value the mean of its
  sub-lens values.
* A slice (everyone, one respondent group, one department) reports, per vector, sub-lens and
  theme, the **mean** of its respondents' values, the **spread** (population standard
  deviation) and the **count** of respondents with a value.
* Ratings matrix: respondents × 156 themes, NaN where no rating; sub-lens and vector values
  come from two incidence-matrix products, so a 1,000 × 156 assessment aggregates in a few
  milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ninevectors.framework.taxonomy import Framework, get_framework
from ninevectors.services.assessments.scoring import confidence_of, rating_of

GROUP_ORDER: tuple[str, ...] = ("self", "peer", "manager", "direct-report")
GROUP_LABELS: dict[str, str] = {
    "all": "Everyone",
    "self": "Self",
    "peer": "Peers",
    "manager": "Managers",
    "direct-report": "Direct reports",
    "unspecified": "Participants",
}


@dataclass(frozen=True)
class Respondent:
    """One submitted response, reduced to what aggregation needs."""

    key: str  # the response id (never shown)
    respondent_type: str | None
    department: str | None
    answers: Mapping[str, Mapping[str, Any]]  # theme id -> stored answer
    user_id: str | None = None


@dataclass(frozen=True)
class Index:
    """Positions of themes, sub-lenses and vectors, and the incidence matrices between them."""

    theme_ids: tuple[str, ...]
    sub_lens_ids: tuple[str, ...]
    vector_ids: tuple[int, ...]
    theme_position: dict[str, int]
    theme_to_lens: np.ndarray  # themes × sub-lenses (0/1)
    lens_to_vector: np.ndarray  # sub-lenses × vectors (0/1)


@lru_cache(maxsize=4)
def framework_index(framework: Framework | None = None) -> Index:
    fw = framework or get_framework()
    theme_ids = tuple(t.id for t in fw.themes)
    lens_ids = tuple(s.id for s in fw.sub_lenses)
    vector_ids = tuple(v.id for v in fw.vectors)
    lens_pos = {lens_id: i for i, lens_id in enumerate(lens_ids)}
    vector_pos = {vid: i for i, vid in enumerate(vector_ids)}
    theme_to_lens = np.zeros((len(theme_ids), len(lens_ids)))
    for i, theme_id in enumerate(theme_ids):
        theme_to_lens[i, lens_pos[theme_id.rsplit(".", 1)[0]]] = 1.0
    lens_to_vector = np.zeros((len(lens_ids), len(vector_ids)))
    for j, lens_id in enumerate(lens_ids):
        lens_to_vector[j, vector_pos[int(lens_id.split(".")[0])]] = 1.0
    return Index(
        theme_ids, lens_ids, vector_ids, {t: i for i, t in enumerate(theme_ids)},
        theme_to_lens, lens_to_vector,
    )  # fmt: skip


@dataclass(frozen=True)
class Stats:
    """mean / spread / count per column (NaN mean and spread where count is 0)."""

    mean: np.ndarray
    spread: np.ndarray
    count: np.ndarray

    def at(self, i: int) -> tuple[float | None, float | None, int]:
        count = int(self.count[i])
        if count == 0:
            return None, None, 0
        return float(self.mean[i]), float(self.spread[i]), count


@dataclass(frozen=True)
class Slice:
    """The statistics of one group of respondents."""

    key: str  # "all", "self", "peer", ..., or "dept:<name>"
    label: str
    respondents: int
    vectors: Stats
    sub_lenses: Stats
    themes: Stats
    confidence: Stats  # per vector: mean confidence over rated themes
    row_positions: tuple[int, ...] = ()


@dataclass
class Matrices:
    """Per-respondent values: ratings (n × themes), sub-lens and vector values."""

    ratings: np.ndarray
    confidences: np.ndarray
    lenses: np.ndarray
    vectors: np.ndarray
    respondents: list[Respondent] = field(default_factory=list)


def _ratio(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    out = np.full(sums.shape, np.nan)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out


def _row_means(values: np.ndarray, incidence: np.ndarray) -> np.ndarray:
    """Per row, the mean of the non-NaN values of each column group given by ``incidence``."""
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    return _ratio(filled @ incidence, present.astype(float) @ incidence)


def build_matrices(respondents: Sequence[Respondent], index: Index) -> Matrices:
    n, t = len(respondents), len(index.theme_ids)
    ratings = np.full((n, t), np.nan)
    confidences = np.full((n, t), np.nan)
    pos = index.theme_position
    for row, respondent in enumerate(respondents):
        for theme_id, answer in respondent.answers.items():
            col = pos.get(theme_id)
            rating = rating_of(answer) if col is not None else None
            if rating is None or not 1 <= rating <= 5:
                continue
            ratings[row, col] = rating
            confidence = confidence_of(answer)
            if confidence is not None:
                confidences[row, col] = confidence
    lenses = _row_means(ratings, index.theme_to_lens)
    vectors = _row_means(lenses, index.lens_to_vector)
    return Matrices(ratings, confidences, lenses, vectors, list(respondents))


def column_stats(values: np.ndarray) -> Stats:
    present = ~np.isnan(values)
    count = present.sum(axis=0)
    filled = np.where(present, values, 0.0)
    mean = _ratio(filled.sum(axis=0), count)
    deviation = np.where(present, values - mean, 0.0)
    spread = np.sqrt(_ratio((deviation**2).sum(axis=0), count))
    return Stats(mean, spread, count)


def slice_of(
    key: str, label: str, matrices: Matrices, rows: np.ndarray, index: Index
) -> Slice:
    vector_confidence = _row_means(matrices.confidences[rows], _theme_to_vector(index))
    return Slice(
        key=key,
        label=label,
        respondents=int(rows.size),
        vectors=column_stats(matrices.vectors[rows]),
        sub_lenses=column_stats(matrices.lenses[rows]),
        themes=column_stats(matrices.ratings[rows]),
        confidence=column_stats(vector_confidence),
        row_positions=tuple(int(r) for r in rows),
    )


def _theme_to_vector(index: Index) -> np.ndarray:
    return index.theme_to_lens @ index.lens_to_vector


def group_key(respondent: Respondent) -> str:
    return respondent.respondent_type or "unspecified"


def slices(
    respondents: Sequence[Respondent], by_department: bool = True, index: Index | None = None
) -> tuple[Matrices, dict[str, Slice]]:
    """Everyone, each respondent group present and (when known) each department."""
    idx = index or framework_index()
    matrices = build_matrices(respondents, idx)
    found: dict[str, Slice] = {
        "all": slice_of("all", GROUP_LABELS["all"], matrices, np.arange(len(respondents)), idx)
    }
    groups: dict[str, list[int]] = {}
    for row, respondent in enumerate(respondents):
        groups.setdefault(group_key(respondent), []).append(row)
        if by_department and respondent.department:
            groups.setdefault(f"dept:{respondent.department}", []).append(row)
    ordered = [g for g in GROUP_ORDER if g in groups]
    ordered += sorted(g for g in groups if g not in GROUP_ORDER)
    for key in ordered:
        label = GROUP_LABELS.get(key) or key.removeprefix("dept:")
        found[key] = slice_of(key, label, matrices, np.array(groups[key], dtype=int), idx)
    return matrices, found


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def vector_means(slice_: Slice) -> dict[int, float | None]:
    index = framework_index()
    return {vid: rounded(slice_.vectors.at(i)[0]) for i, vid in enumerate(index.vector_ids)}


def theme_ids_of(vector_id: int) -> Iterable[str]:
    return (t.id for t in get_framework().vector(vector_id).themes)
