"""The offline coach: deterministic, built from the framework and the person's own scores,
and labelled as offline."""

from __future__ import annotations

import time
from dataclasses import replace

from ninevectors.services.coach import OfflineCoach, Usage, compose_reply
from ninevectors.services.coach.context import CoachContext, Passage
from ninevectors.services.coach.offline import OFFLINE_NOTE
from tests.unit.test_coach_support import sample_context


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def test_the_reply_is_deterministic_and_labelled_offline() -> None:
    first = compose_reply(ask("Where do I start?"), sample_context())
    assert first == compose_reply(ask("Where do I start?"), sample_context())
    assert first.endswith(OFFLINE_NOTE) and "Offline coach" in first


def test_the_reply_uses_the_focus_vector_its_weakest_sub_lens_and_own_notes() -> None:
    reply = compose_reply(ask("Where do I start?"), sample_context(focus=3))
    assert "### Financial: 2.1 out of 5" in reply
    assert "**Cash** (1.5)" in reply and "**Capital** (2.7)" in reply
    assert "Cash Flow" in reply and "forecasts are guesses" in reply
    assert "Strategy" in reply  # the strongest vector, for contrast


def test_a_vector_named_in_the_question_becomes_the_topic() -> None:
    reply = compose_reply(ask("Tell me about strategy"), sample_context(focus=3))
    assert reply.startswith("### Strategy: 4.6 out of 5")


def test_without_a_focus_the_lowest_vector_is_the_topic() -> None:
    assert compose_reply(ask("hi"), sample_context(focus=None)).startswith("### Financial")


def test_without_scores_the_coach_explains_how_to_start() -> None:
    reply = compose_reply(ask("hi"), CoachContext())
    assert "submit" in reply.casefold() and "Market" in reply and reply.endswith(OFFLINE_NOTE)


def test_the_stream_yields_words_then_zero_usage_and_is_fast() -> None:
    started = time.perf_counter()
    pieces = list(OfflineCoach().stream_reply(ask("hi"), "system", context=sample_context()))
    assert time.perf_counter() - started < 0.5
    assert pieces[-1] == Usage(0, 0)
    text = "".join(p for p in pieces[:-1] if isinstance(p, str))
    assert text == compose_reply(ask("hi"), sample_context())
    assert len(pieces) > 20  # streamed word by word


def test_document_passages_are_cited_by_number() -> None:
    passage = Passage(1, "doc_plan", "Strategic Plan.pdf", 4, "Cash runway is nine months.")
    context = replace(sample_context(), passages=(passage,))
    reply = compose_reply(ask("Where do I start?"), context)
    assert "- [1] *Strategic Plan.pdf*, p. 4: Cash runway is nine months." in reply
    assert passage.href == "/documents?doc=doc_plan"
