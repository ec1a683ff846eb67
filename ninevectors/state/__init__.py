"""Reflex State classes, one per page or feature; thin — the work is in services."""
