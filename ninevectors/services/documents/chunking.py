"""Passages for search: about 120 words each, overlapping, remembering their page."""

from __future__ import annotations

from dataclasses import dataclass

WORDS_PER_CHUNK = 120
OVERLAP_WORDS = 20
MAX_CHUNKS = 400


@dataclass(frozen=True)
class Passage:
    ordinal: int
    page: int
    text: str


def chunk_pages(pages: list[str]) -> list[Passage]:
    passages: list[Passage] = []
    step = WORDS_PER_CHUNK - OVERLAP_WORDS
    for page_number, text in enumerate(pages, start=1):
        words = text.split()
        start = 0
        while start < len(words) and len(passages) < MAX_CHUNKS:
            piece = " ".join(words[start : start + WORDS_PER_CHUNK])
            passages.append(Passage(len(passages), page_number, piece))
            if start + WORDS_PER_CHUNK >= len(words):
                break
            start += step
    return passages
