"""How a feature's page module declares its pages; ninevectors.py adds them to the app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import reflex as rx


class PageSpec(NamedTuple):
    component: Callable[[], rx.Component]
    route: str
    title: str
    on_load: Any = None  # an event handler (or list of them) run on every load
