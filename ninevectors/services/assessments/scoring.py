"""Scoring and progress of one response: pure functions of the answers.

The rules, in order:

1. **Theme**: its rating 1–5. A theme answered "not sure / not applicable" or not answered at
   all has no rating and is left out (it neither lowers nor raises anything).
2. **Sub-lens**: the mean of its rated themes; None when none is rated.
3. **Vector**: the mean of its sub-lens scores (each sub-lens weighs the same, however many
   themes it has); None when no sub-lens has a score.
4. **Overall**: the mean of the scores of the required vectors that have one; None when none.
5. **Strength areas**: the top ``k`` vectors by score, **improvement areas** the bottom ``k``,
   with ``k = min(3, scored vectors // 2)``; improvements are taken from the vectors that are
   not strengths, so the lists never share a vector (nine scored vectors give three and
   three). Ties go to the lower vector id in both lists.

Confidence does **not** weight any score. Confidence says how sure the rater is of a rating,
not how good the area is: weighting by it would pull a confidently-rated weak area and an
unsurely-rated strong one towards each other and make a score depend on the rater's
temperament. It is reported instead, as the mean confidence per vector (over rated themes
that carry a confidence) beside the vector's score.

"Answered" (for progress and for submission) means rated **or** marked not sure: a person who
genuinely cannot judge a theme must still be able to finish.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from ninevectors.framework.taxonomy import Framework, Vector, get_framework

TOP_AREAS = 3


@dataclass(frozen=True)
class Scores:
    vector_scores: dict[int, float | None]
    sub_lens_scores: dict[str, float | None]
    vector_confidence: dict[int, float | None]
    overall: float | None
    strengths: list[int] = field(default_factory=list)
    improvements: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Progress:
    per_vector: dict[int, tuple[int, int]]  # vector id -> (answered, total)
    answered: int
    total: int
    percent: int  # 0..100, rounded down so 100 means really complete


def _field(answer: Mapping[str, Any] | None, *names: str) -> Any:
    """A field of a stored (camelCase) or Python (snake_case) answer mapping."""
    if not answer:
        return None
    for name in names:
        if name in answer:
            return answer[name]
    return None


def rating_of(answer: Mapping[str, Any] | None) -> int | None:
    """The rating that counts for scoring: None when unanswered or "not sure"."""
    if _field(answer, "notSure", "not_sure"):
        return None
    rating = _field(answer, "rating")
    return rating if isinstance(rating, int) and not isinstance(rating, bool) else None


def confidence_of(answer: Mapping[str, Any] | None) -> int | None:
    value = _field(answer, "confidence")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def is_answered(answer: Mapping[str, Any] | None) -> bool:
    return rating_of(answer) is not None or bool(_field(answer, "notSure", "not_sure"))


def _mean(values: Iterable[float]) -> float | None:
    listed = list(values)
    return fmean(listed) if listed else None


def _required(required_vectors: Iterable[int], framework: Framework) -> list[Vector]:
    return [framework.vector(vector_id) for vector_id in sorted(set(required_vectors))]


def rank_areas(vector_scores: Mapping[int, float | None]) -> tuple[list[int], list[int]]:
    """(strengths, improvements): see rule 5 of the module docstring."""
    scored = [(score, vid) for vid, score in vector_scores.items() if score is not None]
    k = min(TOP_AREAS, len(scored) // 2)
    strengths = sorted(scored, key=lambda pair: (-pair[0], pair[1]))[:k]
    rest = [pair for pair in scored if pair not in strengths]
    improvements = sorted(rest, key=lambda pair: (pair[0], pair[1]))[:k]
    return [vid for _, vid in strengths], [vid for _, vid in improvements]


def score_answers(
    answers: Mapping[str, Mapping[str, Any]],
    required_vectors: Iterable[int],
    framework: Framework | None = None,
) -> Scores:
    """Scores of one response's answers (theme id → answer) over the required vectors."""
    fw = framework or get_framework()
    vector_scores: dict[int, float | None] = {}
    sub_lens_scores: dict[str, float | None] = {}
    vector_confidence: dict[int, float | None] = {}
    for vector in _required(required_vectors, fw):
        confidences: list[int] = []
        for sub_lens in vector.sub_lenses:
            ratings = []
            for theme in sub_lens.themes:
                answer = answers.get(theme.id)
                rating = rating_of(answer)
                if rating is None:
                    continue
                ratings.append(rating)
                confidence = confidence_of(answer)
                if confidence is not None:
                    confidences.append(confidence)
            sub_lens_scores[sub_lens.id] = _mean(ratings)
        lens_scores = [sub_lens_scores[s.id] for s in vector.sub_lenses]
        vector_scores[vector.id] = _mean(s for s in lens_scores if s is not None)
        vector_confidence[vector.id] = _mean(confidences)
    overall = _mean(s for s in vector_scores.values() if s is not None)
    strengths, improvements = rank_areas(vector_scores)
    return Scores(
        vector_scores, sub_lens_scores, vector_confidence, overall, strengths, improvements
    )


def progress(
    answers: Mapping[str, Mapping[str, Any]],
    required_vectors: Iterable[int],
    framework: Framework | None = None,
) -> Progress:
    """How many themes of each required vector are answered (rated or "not sure")."""
    fw = framework or get_framework()
    per_vector: dict[int, tuple[int, int]] = {}
    for vector in _required(required_vectors, fw):
        themes = vector.themes
        done = sum(1 for theme in themes if is_answered(answers.get(theme.id)))
        per_vector[vector.id] = (done, len(themes))
    answered = sum(done for done, _ in per_vector.values())
    total = sum(count for _, count in per_vector.values())
    percent = (100 * answered) // total if total else 0
    return Progress(per_vector, answered, total, percent)


def missing_themes(
    answers: Mapping[str, Mapping[str, Any]],
    required_vectors: Iterable[int],
    framework: Framework | None = None,
) -> dict[int, list[str]]:
    """Vector id → ids of its themes not answered yet (only vectors with something missing)."""
    fw = framework or get_framework()
    missing: dict[int, list[str]] = {}
    for vector in _required(required_vectors, fw):
        ids = [theme.id for theme in vector.themes if not is_answered(answers.get(theme.id))]
        if ids:
            missing[vector.id] = ids
    return missing


def first_unanswered_sub_lens(
    answers: Mapping[str, Mapping[str, Any]],
    required_vectors: Iterable[int],
    framework: Framework | None = None,
) -> str | None:
    """Where to resume when nothing else is known: the first sub-lens with a gap, else the
    first sub-lens of the first required vector."""
    fw = framework or get_framework()
    vectors = _required(required_vectors, fw)
    for vector in vectors:
        for sub_lens in vector.sub_lenses:
            if any(not is_answered(answers.get(theme.id)) for theme in sub_lens.themes):
                return sub_lens.id
    return vectors[0].sub_lenses[0].id if vectors else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _theme_result(theme_id: str, theme_name: str, answer: Mapping[str, Any] | None) -> dict:
    return {
        "themeId": theme_id,
        "themeName": theme_name,
        "rating": rating_of(answer),
        "notSure": bool(_field(answer, "notSure", "not_sure")),
        "confidence": confidence_of(answer),
        "notes": _field(answer, "notes") or "",
        "evidence": list(_field(answer, "evidence") or []),
    }


def breakdown(
    answers: Mapping[str, Mapping[str, Any]],
    required_vectors: Iterable[int],
    scores: Scores,
    framework: Framework | None = None,
) -> dict[str, Any]:
    """The reference's ``responses`` block (camelCase), scores rounded to two decimals."""
    fw = framework or get_framework()
    vectors = []
    for vector in _required(required_vectors, fw):
        lenses = [
            {
                "subLensId": sub_lens.id,
                "subLensName": sub_lens.name,
                "score": _rounded(scores.sub_lens_scores.get(sub_lens.id)),
                "themes": [_theme_result(t.id, t.name, answers.get(t.id)) for t in sub_lens.themes],
            }
            for sub_lens in vector.sub_lenses
        ]
        vectors.append(
            {
                "vectorId": vector.id,
                "vectorName": vector.name,
                "subLenses": lenses,
                "overallScore": _rounded(scores.vector_scores.get(vector.id)),
                "meanConfidence": _rounded(scores.vector_confidence.get(vector.id)),
                "vectorNotes": "",
            }
        )
    return {
        "vectors": vectors,
        "overallScore": _rounded(scores.overall),
        "strengthAreas": list(scores.strengths),
        "improvementAreas": list(scores.improvements),
    }
