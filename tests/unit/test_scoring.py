"""Scoring: worked examples with the numbers written out (see the rules in scoring.py)."""

from __future__ import annotations

from typing import Any

import pytest

from ninevectors.framework.taxonomy import get_framework
from ninevectors.services.assessments.scoring import (
    breakdown,
    first_unanswered_sub_lens,
    missing_themes,
    progress,
    rank_areas,
    score_answers,
)

ALL = list(range(1, 10))


def rate(rating: int | None = None, confidence: int | None = None, **extra: Any) -> dict:
    return {"rating": rating, "confidence": confidence, "notSure": False, **extra}


NOT_SURE = {"rating": None, "notSure": True, "confidence": 5}

# Execution (vector 6): sub-lens 6.1 Measurement has 5 themes, 6.2 Performance has 4.
EXECUTION = {
    "6.1.1": rate(5, 5),
    "6.1.2": rate(4, 1),
    "6.1.3": rate(3),
    "6.1.4": NOT_SURE,  # counts as unanswered for scoring (its confidence too)
    # 6.1.5 not answered at all
    "6.2.1": rate(2, 3),
    "6.2.2": rate(2),
    "6.2.3": rate(1),
    "6.2.4": rate(1),
}


def whole_vector(vector_id: int, rating: int, confidence: int | None = None) -> dict:
    return {t.id: rate(rating, confidence) for t in get_framework().vector(vector_id).themes}


def test_sub_lens_mean_then_vector_mean_of_sub_lenses() -> None:
    scores = score_answers(EXECUTION, [6])
    # 6.1: (5 + 4 + 3) / 3 = 4.0   (not-sure and unanswered themes left out)
    assert scores.sub_lens_scores["6.1"] == pytest.approx(4.0)
    # 6.2: (2 + 2 + 1 + 1) / 4 = 1.5
    assert scores.sub_lens_scores["6.2"] == pytest.approx(1.5)
    # vector: (4.0 + 1.5) / 2 = 2.75 -- each sub-lens weighs the same
    # (a plain mean of the seven ratings would be 18 / 7 = 2.571...)
    assert scores.vector_scores[6] == pytest.approx(2.75)
    assert scores.overall == pytest.approx(2.75)
    # confidence of rated themes only: (5 + 1 + 3) / 3 = 3.0 (the not-sure 5 is left out)
    assert scores.vector_confidence[6] == pytest.approx(3.0)


def test_confidence_does_not_weight_the_score() -> None:
    sure = {tid: {**answer, "confidence": 5} for tid, answer in EXECUTION.items()}
    unsure = {tid: {**answer, "confidence": 1} for tid, answer in EXECUTION.items()}
    assert score_answers(sure, [6]).vector_scores == score_answers(unsure, [6]).vector_scores
    assert score_answers(sure, [6]).vector_confidence[6] == 5
    assert score_answers(unsure, [6]).vector_confidence[6] == 1


def test_nine_vectors_overall_strengths_and_improvements() -> None:
    ratings = {1: 5, 2: 4, 3: 4, 4: 3, 5: 3, 6: 2, 7: 2, 8: 1, 9: 5}
    answers: dict[str, dict] = {}
    for vector_id, rating in ratings.items():
        answers.update(whole_vector(vector_id, rating))
    scores = score_answers(answers, ALL)
    assert scores.vector_scores == {v: pytest.approx(r) for v, r in ratings.items()}
    # (5 + 4 + 4 + 3 + 3 + 2 + 2 + 1 + 5) / 9 = 29 / 9 = 3.222...
    assert scores.overall == pytest.approx(29 / 9)
    # top 3: 5 (v1, v9), then 4: v2 beats v3 on the lower id
    assert scores.strengths == [1, 9, 2]
    # bottom 3: 1 (v8), then 2: v6 before v7
    assert scores.improvements == [8, 6, 7]


def test_overall_averages_vectors_not_themes() -> None:
    # Market (28 themes) all 5, Execution (9 themes) all 1: overall (5 + 1) / 2 = 3.0,
    # not (28*5 + 9*1) / 37 = 4.03
    answers = {**whole_vector(1, 5), **whole_vector(6, 1)}
    assert score_answers(answers, [1, 6]).overall == pytest.approx(3.0)


def test_required_vectors_only_and_unscored_vectors_are_none() -> None:
    answers = {**whole_vector(2, 3), **whole_vector(6, 3), **whole_vector(4, 1)}
    answers.update({t.id: NOT_SURE for t in get_framework().vector(8).themes})
    scores = score_answers(answers, [2, 6, 8])
    assert 4 not in scores.vector_scores  # answers outside the required vectors are ignored
    assert scores.vector_scores[8] is None and scores.vector_confidence[8] is None
    assert scores.overall == pytest.approx(3.0)
    # two scored vectors -> k = 1; a tie goes to the lower id, and the lists never overlap
    assert scores.strengths == [2]
    assert scores.improvements == [6]


def test_nothing_rated_scores_nothing() -> None:
    scores = score_answers({}, ALL)
    assert scores.overall is None
    assert all(value is None for value in scores.vector_scores.values())
    assert scores.strengths == [] and scores.improvements == []


@pytest.mark.parametrize(
    ("vector_scores", "strengths", "improvements"),
    [
        ({1: 4.0}, [], []),  # one scored vector is neither
        ({1: 4.0, 2: 2.0, 3: 3.0}, [1], [2]),  # k = 3 // 2 = 1; the middle one is neither
        ({1: 3.0, 2: 3.0, 3: 3.0, 4: 3.0}, [1, 2], [3, 4]),  # all tied: ids decide
        ({1: 1.0, 2: None, 3: 5.0, 4: 2.0, 5: 4.0, 6: 3.0, 7: 4.5}, [3, 7, 5], [1, 4, 6]),
    ],
)
def test_rank_areas(vector_scores: dict, strengths: list[int], improvements: list[int]) -> None:
    assert rank_areas(vector_scores) == (strengths, improvements)


def test_progress_counts_not_sure_as_answered_and_rounds_down() -> None:
    result = progress(EXECUTION, [6, 2])
    # Execution: 7 rated + 1 not sure of 9; People: 0 of 16
    assert result.per_vector == {2: (0, 16), 6: (8, 9)}
    assert (result.answered, result.total) == (8, 25)
    assert result.percent == 32  # 8 / 25 = 32 %
    assert progress(EXECUTION, [6]).percent == 88  # 8 / 9 = 88.9 % -> 88, never rounds to 100


def test_missing_themes_and_where_to_resume() -> None:
    assert missing_themes(EXECUTION, [6]) == {6: ["6.1.5"]}
    assert missing_themes({}, [6])[6] == [t.id for t in get_framework().vector(6).themes]
    assert first_unanswered_sub_lens(EXECUTION, [6]) == "6.1"
    assert first_unanswered_sub_lens({**EXECUTION, "6.1.5": rate(3)}, [6]) == "6.1"  # falls back
    assert first_unanswered_sub_lens(whole_vector(2, 3), [2, 6]) == "6.1"


def test_breakdown_has_the_reference_shape() -> None:
    answers = {**EXECUTION, "6.1.1": rate(5, 5, notes="Strong KPIs", evidence=["doc_1"])}
    scores = score_answers(answers, [6])
    block = breakdown(answers, [6], scores)
    assert block["overallScore"] == 2.75
    assert block["strengthAreas"] == [] and block["improvementAreas"] == []
    (vector,) = block["vectors"]
    assert (vector["vectorId"], vector["vectorName"], vector["overallScore"]) == (
        6,
        "Execution",
        2.75,
    )
    assert vector["meanConfidence"] == 3.0
    first = vector["subLenses"][0]
    assert (first["subLensId"], first["subLensName"], first["score"]) == ("6.1", "Measurement", 4.0)
    theme = first["themes"][0]
    assert theme["themeId"] == "6.1.1" and theme["themeName"]
    assert (theme["rating"], theme["confidence"], theme["notes"]) == (5, 5, "Strong KPIs")
    assert theme["evidence"] == ["doc_1"]
    assert first["themes"][3]["notSure"] is True and first["themes"][3]["rating"] is None


def test_breakdown_rounds_to_two_decimals() -> None:
    answers = {"6.1.1": rate(5), "6.1.2": rate(4), "6.1.3": rate(4), "6.2.1": rate(1)}
    block = breakdown(answers, [6], score_answers(answers, [6]))
    # 6.1: 13 / 3 = 4.333 -> 4.33; vector (4.333 + 1) / 2 = 2.6667 -> 2.67
    assert block["vectors"][0]["subLenses"][0]["score"] == 4.33
    assert block["overallScore"] == 2.67
