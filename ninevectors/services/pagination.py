"""One page of a listing, as every list_* service returns it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ResultPage(Generic[T]):  # noqa: UP046 — Python 3.11 has no PEP 695 syntax
    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))
