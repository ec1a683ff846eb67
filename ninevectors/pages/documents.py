"""Pages of the documents feature (declared in PAGES; ninevectors.py registers them)."""

from __future__ import annotations

from ninevectors.pages.registry import PageSpec

PAGES: list[PageSpec] = []
