"""Analysis of a document's text: vector relevance (0–1 for each of the nine vectors), key
topics, sentiment and action items — by Claude when an API key is configured, by local
methods otherwise or when Claude fails (the analysis records which, and why).

Local analysis calls no outside service: relevance is the embedding similarity of the
document's passages to the vectors' descriptions and theme names; topics, sentiment and
actions come from word counts and patterns. Embeddings are always computed locally."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ninevectors.framework import get_framework
from ninevectors.models.document import MAX_ACTION_ITEMS, MAX_KEY_TOPICS, AiAnalysis
from ninevectors.services import metering
from ninevectors.services.billing import entitlements
from ninevectors.services.claude import Usage
from ninevectors.services.documents.claude_analysis import AnalysisUnavailable, get_analyser
from ninevectors.services.documents.embeddings import get_embedder
from ninevectors.services.identity import clock

log = logging.getLogger(__name__)

RELEVANCE_FLOOR = 0.10  # cosine at or below which a vector counts as 0
RELEVANCE_SPAN = 0.45  # cosine above the floor that counts as 1
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_ACTION = re.compile(
    r"\b(we will|we must|we should|must|should|need to|needs to|plan to|will be required|"
    r"action:|next step|to do:|is required to|are required to|shall)\b",
    re.IGNORECASE,
)
STOPWORDS = frozenset(
    """about above after again against all also and any are as at be because been before being
    below between both but by can could did does doing down during each few for from further had
    has have having her here hers him his how into its itself just more most not now off once
    only other our ours out over own same she should some such than that the their theirs them
    then there these they this those through too under until very was were what when where which
    while who whom why will with would you your yours year years page per new one two three may
    shall must within across well use used using make made get sheet""".split()
)
POSITIVE = frozenset(
    """growth grow grew improve improved improvement increase increased gain gains strong strength
    success successful profit profitable opportunity opportunities efficient innovation innovative
    exceed exceeded achieve achieved positive excellent record robust expand expansion win won
    benefit benefits resilient healthy leading""".split()
)
NEGATIVE = frozenset(
    """decline declined decrease decreased loss losses risk risks weak weakness fail failed failure
    problem problems issue issues threat threats churn delay delayed shortfall deficit debt
    negative poor concern concerns downturn cut cuts costly layoffs breach lawsuit""".split()
)


@dataclass(frozen=True)
class _Profiles:
    matrix: np.ndarray  # one row per profile text
    vector_of_row: np.ndarray  # vector id (1..9) of each row


@lru_cache(maxsize=1)
def _profiles() -> _Profiles:
    framework = get_framework()
    texts: list[str] = []
    owners: list[int] = []
    for vector in framework.vectors:
        texts.append(f"{vector.name}: {vector.description}")
        owners.append(vector.id)
        for theme in vector.themes:
            texts.append(f"{vector.name} — {theme.name}")
            owners.append(vector.id)
    return _Profiles(get_embedder().embed(texts), np.array(owners))


def vector_relevance(chunk_embeddings: np.ndarray) -> dict[str, float]:
    """0–1 per vector id ("1".."9"): the best-matching profile per passage, averaged over the
    document's most relevant half of passages, rescaled from cosine."""
    if chunk_embeddings.size == 0:
        return {str(v.id): 0.0 for v in get_framework().vectors}
    profiles = _profiles()
    sims = chunk_embeddings @ profiles.matrix.T  # passages × profiles
    result: dict[str, float] = {}
    for vector in get_framework().vectors:
        best = sims[:, profiles.vector_of_row == vector.id].max(axis=1)
        top = np.sort(best)[::-1][: max(1, len(best) // 2)]
        score = (float(top.mean()) - RELEVANCE_FLOOR) / RELEVANCE_SPAN
        result[str(vector.id)] = round(min(1.0, max(0.0, score)), 3)
    return result


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def key_topics(text: str) -> list[str]:
    tokens = [w for w in words(text[:200_000]) if w not in STOPWORDS]
    pairs = Counter(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False) if a != b)
    topics = [pair for pair, count in pairs.most_common(MAX_KEY_TOPICS) if count >= 2]
    singles = Counter(tokens)
    for word, _count in singles.most_common(MAX_KEY_TOPICS * 2):
        if len(topics) >= MAX_KEY_TOPICS:
            break
        if not any(word in topic.split() for topic in topics):
            topics.append(word)
    return topics


def sentiment(text: str) -> float:
    tokens = words(text[:200_000])
    positive = sum(1 for w in tokens if w in POSITIVE)
    negative = sum(1 for w in tokens if w in NEGATIVE)
    return round((positive - negative) / (positive + negative + 2), 3)


def action_items(text: str) -> list[str]:
    found: list[str] = []
    for sentence in _SENTENCE.split(text[:200_000]):
        sentence = " ".join(sentence.split()).lstrip("-•* ")
        if 15 <= len(sentence) <= 300 and _ACTION.search(sentence) and sentence not in found:
            found.append(sentence)
            if len(found) >= MAX_ACTION_ITEMS:
                break
    return found


TOKENS_USED_UP = "the plan's AI tokens for this month are used up"


def analyse_locally(text: str, chunk_embeddings: np.ndarray) -> AiAnalysis:
    return AiAnalysis(
        method="local",
        vector_relevance=vector_relevance(chunk_embeddings),
        key_topics=key_topics(text),
        sentiment=sentiment(text),
        action_items=action_items(text),
    )


def analyse(text: str, chunk_embeddings: np.ndarray, organization_id: str) -> AiAnalysis:
    """Claude's analysis when configured (its tokens metered to the organization), local
    analysis otherwise. Never fails because of Claude: its failure is recorded instead."""
    analyser = get_analyser()
    if analyser is None:
        return analyse_locally(text, chunk_embeddings)
    if not _tokens_left(organization_id):
        return _fallback(text, chunk_embeddings, AnalysisUnavailable(TOKENS_USED_UP))
    try:
        found = analyser.analyse(text)
    except AnalysisUnavailable as unavailable:
        log.warning("Claude analysis failed (%s): %s", unavailable.why, unavailable.__cause__)
        _meter(organization_id, unavailable.usage)
        return _fallback(text, chunk_embeddings, unavailable)
    except Exception:  # noqa: BLE001 — a bug here must not fail the document's processing
        log.exception("Claude analysis failed unexpectedly")
        return _fallback(text, chunk_embeddings, AnalysisUnavailable("unexpected error"))
    _meter(organization_id, found.usage)
    return found.analysis


def _tokens_left(organization_id: str) -> bool:
    """Whether the organization's plan has AI tokens left this month (entitlements decide)."""
    now = clock.utcnow()
    used = metering.organization_usage(organization_id, metering.billing_period_of(now))
    standing = entitlements.standing_of(organization_id)
    return entitlements.remaining(standing, "ai-tokens", used["ai-tokens"], now) > 0


def _fallback(
    text: str, chunk_embeddings: np.ndarray, unavailable: AnalysisUnavailable
) -> AiAnalysis:
    local = analyse_locally(text, chunk_embeddings)
    return local.model_copy(update={"fallback_reason": unavailable.reason})


def _meter(organization_id: str, usage: Usage) -> None:
    if usage.total > 0:
        metering.record_usage(organization_id, "ai-tokens", usage.total)
