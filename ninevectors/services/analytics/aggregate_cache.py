"""The aggregates of recently viewed assessments, kept in this process.

Reading a thousand submitted responses costs far more than aggregating them, and between two
submissions the result does not change. An entry is keyed by the assessment item's etag
(which changes on every submit, threshold or status change) and the number of submitted
responses, so a stale entry is never found; each process keeps its own few entries.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from ninevectors.services.assessments import _common as c
from ninevectors.services.store.base import Filter, Item

if TYPE_CHECKING:
    from ninevectors.services.analytics.dashboard import AssessmentDashboard

MAX_ENTRIES = 16

_lock = threading.Lock()
_entries: OrderedDict[tuple[str, str, str, int], AssessmentDashboard] = OrderedDict()


def _key(organization_id: str, item: Item) -> tuple[str, str, str, int]:
    filters = (Filter("assessmentId", "=", item["id"]), Filter("status", "=", "submitted"))
    submitted = c.store().count(c.RESPONSES, organization_id, filters)
    return organization_id, str(item["id"]), str(item.get("_etag") or ""), submitted


def cached_aggregate(
    organization_id: str, item: Item, build: Callable[[], AssessmentDashboard]
) -> AssessmentDashboard:
    """The aggregate of the assessment ``item`` (``build`` makes it on a miss); a copy the
    caller may fill in further."""
    key = _key(organization_id, item)
    with _lock:
        found = _entries.get(key)
        if found is not None:
            _entries.move_to_end(key)
    if found is None:
        found = build()
        with _lock:
            _entries[key] = found
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return copy.copy(found)


def clear() -> None:
    with _lock:
        _entries.clear()
