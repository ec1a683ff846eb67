"""Table pieces shared by the list pages."""

from __future__ import annotations

from collections.abc import Sequence

import reflex as rx


def table_header(names: Sequence[str]) -> rx.Component:
    """A header row with one column header per name."""
    return rx.table.header(rx.table.row(*[rx.table.column_header_cell(n) for n in names]))
