"""The offline coach: the embedded default when no Claude API key is configured.

Deterministic: the same conversation and scores give the same reply. It is built only from
the 9 Vectors framework and the person's own scores and notes (the context), and says that it
is the offline coach.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ninevectors.framework import get_framework
from ninevectors.services.coach.backends import MAX_TOKENS, OFFLINE_MODEL, ChatMessage, Usage
from ninevectors.services.coach.context import CoachContext, VectorScore

OFFLINE_NOTE = (
    "_Offline coach: built from your own scores and the 9 Vectors themes, without an AI service._"
)
_WORD = re.compile(r"\S+\s*")


def _mentioned_vector(text: str) -> int | None:
    lowered = text.casefold()
    for vector in get_framework().vectors:
        if re.search(rf"\b{re.escape(vector.name.casefold())}\b", lowered):
            return vector.id
    return None


def _focus(context: CoachContext | None, question: str) -> VectorScore | None:
    if context is None or not context.vectors:
        return None
    mentioned = context.vector(_mentioned_vector(question))
    if mentioned is not None:
        return mentioned
    chosen = context.vector(context.focus_vector)
    if chosen is not None:
        return chosen
    scored = [v for v in context.vectors if v.score is not None]
    return min(scored, key=lambda v: (v.score, v.id)) if scored else None


def _no_scores(context: CoachContext | None) -> list[str]:
    framework = get_framework()
    names = ", ".join(v.name for v in framework.vectors)
    lines = ["### Getting started with the 9 Vectors", ""]
    if context is not None and context.assessment_name:
        lines.append(
            f"Your answers to **{context.assessment_name}** are not submitted yet, so I have "
            "no scores to talk through."
        )
    else:
        lines.append("I do not see a submitted assessment of yours yet.")
    lines += [
        "",
        f"The framework looks at your business through nine vectors: {names}.",
        "",
        "**Next steps**",
        "1. Finish and submit your assessment.",
        "2. Come back here: I will start from your lowest vector and its weakest themes.",
    ]
    return lines


def _vector_reply(context: CoachContext, vector: VectorScore) -> list[str]:
    lines = [f"### {vector.name}: {_score(vector.score)} out of 5", ""]
    lenses = sorted((s for s in vector.sub_lenses if s.score is not None), key=lambda s: s.score)
    if lenses:
        weakest, strongest = lenses[0], lenses[-1]
        lines.append(
            f"Your weakest sub-lens here is **{weakest.name}** ({_score(weakest.score)}); "
            f"your strongest is **{strongest.name}** ({_score(strongest.score)})."
        )
    themes = [t for t in context.lowest_themes if t.vector_id == vector.id][:3]
    if themes:
        lines += ["", "**Themes to look at first**"]
        for theme in themes:
            note = f' — you noted: "{theme.notes}"' if theme.notes else ""
            lines.append(f"- **{theme.name}** ({theme.sub_lens_name}), rated {theme.rating}{note}")
    lines += ["", "**Suggested actions**"]
    targets = [t.name for t in themes] or [s.name for s in lenses[:2]] or [vector.name]
    for number, name in enumerate(targets[:3], start=1):
        lines.append(
            f"{number}. Pick one concrete improvement for *{name}*, give it an owner and a "
            "date within the next 30 days."
        )
    lines += [
        "",
        "**A question for you:** what would have to be true for "
        f"{vector.name} to score one point higher at the next round?",
    ]
    return lines


def _overview(context: CoachContext) -> list[str]:
    scored = sorted((v for v in context.vectors if v.score is not None), key=lambda v: v.score)
    if not scored:
        return []
    top = scored[-1]
    return [
        "",
        f"For contrast, your strongest vector is **{top.name}** ({_score(top.score)}); "
        f"your overall score is {_score(context.overall)}.",
    ]


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def compose_reply(messages: list[ChatMessage], context: CoachContext | None) -> str:
    """The offline coach's whole reply to the last message of ``messages``."""
    question = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    if context is None or not context.submitted:
        lines = _no_scores(context)
    else:
        vector = _focus(context, question)
        lines = _vector_reply(context, vector) if vector else _no_scores(context)
        if vector is not None:
            lines += _overview(context)
    if context is not None and context.passages:
        lines += ["", "**From your organization's documents**"]
        for passage in context.passages:
            page = f", p. {passage.page}" if passage.page else ""
            lines.append(f"- [{passage.number}] *{passage.name}*{page}: {passage.text[:200]}")
    return "\n".join([*lines, "", OFFLINE_NOTE])


class OfflineCoach:
    model = OFFLINE_MODEL
    offline = True

    def stream_reply(
        self,
        messages: list[ChatMessage],
        system: str,
        *,
        context: CoachContext | None = None,
        max_tokens: int = MAX_TOKENS,
    ) -> Iterator[str | Usage]:
        yield from _WORD.findall(compose_reply(messages, context))
        yield Usage(0, 0)  # nothing to bill
