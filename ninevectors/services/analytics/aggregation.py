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
from itertools import compress, count
from operator import itemgetter
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
    lens_position: dict[str, int]
    theme_to_lens: np.ndarray  # themes × sub-lenses (0/1)
    lens_to_vector: np.ndarray  # sub-lenses × vectors (0/1)
    theme_to_vector: np.ndarray  # themes × vectors (0/1)
    lens_starts: np.ndarray  # first theme column of each sub-lens
    vector_starts: np.ndarray  # first sub-lens column of each vector
    vector_theme_starts: np.ndarray  # first theme column of each vector


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
        theme_ids, lens_ids, vector_ids, {t: i for i, t in enumerate(theme_ids)}, lens_pos,
        theme_to_lens, lens_to_vector, theme_to_lens @ lens_to_vector,
        _starts(theme_to_lens), _starts(lens_to_vector), _starts(theme_to_lens @ lens_to_vector),
    )  # fmt: skip


def _starts(incidence: np.ndarray) -> np.ndarray:
    """The first row of each column's run in an incidence matrix of consecutive runs."""
    starts = incidence.argmax(axis=0)
    rows = np.arange(incidence.shape[0])
    expected = np.searchsorted(starts, rows, side="right") - 1
    if not np.array_equal(incidence.argmax(axis=1), expected):
        raise ValueError("framework ids are not grouped consecutively")
    return starts


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
    """Per-respondent values: ratings (n × themes), sub-lens and vector values, the mean
    confidence per vector, and the notes as (row, theme id, text)."""

    ratings: np.ndarray
    confidences: np.ndarray
    lenses: np.ndarray
    vectors: np.ndarray
    vector_confidence: np.ndarray
    notes: list[tuple[int, str, str]] = field(default_factory=list)


def _ratio(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    out = np.full(sums.shape, np.nan)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out


def _row_means(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per row, the mean of the non-NaN values of each run of columns beginning at ``starts``
    (themes of a sub-lens, sub-lenses of a vector are consecutive columns). ``reduceat`` keeps
    this off BLAS, whose threads only add overhead at this size."""
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    if values.shape[0] == 0:
        return np.full((0, starts.size), np.nan)
    sums = np.add.reduceat(filled, starts, axis=1)
    counts = np.add.reduceat(present.astype(float), starts, axis=1)
    return _ratio(sums, counts)


_RATING, _UNSURE = itemgetter("rating"), itemgetter("notSure")
_CONFIDENCE, _NOTES = itemgetter("confidence"), itemgetter("notes")
Columns = tuple[list[Any], list[Any], list[Any], list[Any]]


def _checked_answer(answer: object) -> tuple[Any, Any, Any, Any]:
    """The four fields of one stored answer, junk replaced by blanks (the slow path)."""
    if not isinstance(answer, Mapping):
        return (None, False, None, "")
    rating, confidence = rating_of(answer), confidence_of(answer)
    notes = answer.get("notes")
    return (
        rating if rating is not None and 1 <= rating <= 5 else None,
        bool(answer.get("notSure")),
        confidence if confidence is not None and 1 <= confidence <= 5 else None,
        notes if isinstance(notes, str) else "",
    )


def _columns(
    respondents: Sequence[Respondent], theme_ids: tuple[str, ...], checked: bool
) -> Columns:
    """Ratings, not-sure flags, confidences and notes of every respondent × theme, row after
    row. The fast path reads complete stored answers in C (itemgetter, map); ``checked`` takes
    the slow, forgiving path for every answer."""
    columns: Columns = ([], [], [], [])
    for respondent in respondents:
        answers = respondent.answers
        if not checked:
            try:
                found = list(map(answers.__getitem__, theme_ids))
                values = [list(map(g, found)) for g in (_RATING, _UNSURE, _CONFIDENCE, _NOTES)]
            except (KeyError, TypeError):
                pass
            else:
                for column, part in zip(columns, values, strict=True):
                    column.extend(part)
                continue
        for answer in (_checked_answer(answers.get(t)) for t in theme_ids):
            for column, value in zip(columns, answer, strict=True):
                column.append(value)
    return columns


def _arrays(columns: Columns, n: int, t: int) -> tuple[np.ndarray, np.ndarray]:
    ratings, unsure, confidences, _notes = columns
    r = np.array(ratings, dtype=float).reshape(n, t)
    valid = (r >= 1) & (r <= 5) & (r == np.floor(r))
    valid &= ~np.array(unsure, dtype=bool).reshape(n, t)
    r = np.where(valid, r, np.nan)
    c = np.array(confidences, dtype=float).reshape(n, t)
    c = np.where(valid & (c >= 1) & (c <= 5), c, np.nan)
    return r, c


def build_matrices(respondents: Sequence[Respondent], index: Index) -> Matrices:
    n, t = len(respondents), len(index.theme_ids)
    columns = _columns(respondents, index.theme_ids, checked=False)
    try:
        ratings, confidences = _arrays(columns, n, t)
    except (TypeError, ValueError):  # a malformed stored value somewhere: check every one
        columns = _columns(respondents, index.theme_ids, checked=True)
        ratings, confidences = _arrays(columns, n, t)
    texts = columns[3]
    notes = [
        (k // t, index.theme_ids[k % t], texts[k])
        for k in compress(count(), texts)
        if isinstance(texts[k], str)
    ]
    lenses = _row_means(ratings, index.lens_starts)
    vectors = _row_means(lenses, index.vector_starts)
    vector_confidence = _row_means(confidences, index.vector_theme_starts)
    return Matrices(ratings, confidences, lenses, vectors, vector_confidence, notes)


def column_stats(values: np.ndarray) -> Stats:
    present = ~np.isnan(values)
    count = present.sum(axis=0)
    filled = np.where(present, values, 0.0)
    mean = _ratio(filled.sum(axis=0), count)
    deviation = np.where(present, values - mean, 0.0)
    spread = np.sqrt(_ratio((deviation**2).sum(axis=0), count))
    return Stats(mean, spread, count)


def slice_of(key: str, label: str, matrices: Matrices, rows: np.ndarray) -> Slice:
    return Slice(
        key=key,
        label=label,
        respondents=int(rows.size),
        vectors=column_stats(matrices.vectors[rows]),
        sub_lenses=column_stats(matrices.lenses[rows]),
        themes=column_stats(matrices.ratings[rows]),
        confidence=column_stats(matrices.vector_confidence[rows]),
        row_positions=tuple(int(r) for r in rows),
    )


def group_key(respondent: Respondent) -> str:
    return respondent.respondent_type or "unspecified"


def slices(
    respondents: Sequence[Respondent], by_department: bool = True, index: Index | None = None
) -> tuple[Matrices, dict[str, Slice]]:
    """Everyone, each respondent group present and (when known) each department."""
    idx = index or framework_index()
    matrices = build_matrices(respondents, idx)
    found: dict[str, Slice] = {
        "all": slice_of("all", GROUP_LABELS["all"], matrices, np.arange(len(respondents)))
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
        found[key] = slice_of(key, label, matrices, np.array(groups[key], dtype=int))
    return matrices, found


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def vector_means(slice_: Slice) -> dict[int, float | None]:
    index = framework_index()
    return {vid: rounded(slice_.vectors.at(i)[0]) for i, vid in enumerate(index.vector_ids)}


def theme_ids_of(vector_id: int) -> Iterable[str]:
    return (t.id for t in get_framework().vector(vector_id).themes)
