"""Observability of the product: structured logs, Prometheus metrics, the log context.

``context`` holds what the current request or Reflex event is (request id, event id,
principal, route, handler) in context variables the log formatter reads; ``logs`` configures
the process's logging (JSON lines or text) with a scrubber that drops secrets; ``metrics``
defines every Prometheus metric and renders ``/metrics`` (one process or several Granian
workers sharing ``PROMETHEUS_MULTIPROC_DIR``). Framework-free like every service: the HTTP
middleware and the Reflex event hook live in :mod:`ninevectors.api.observability`.
"""
