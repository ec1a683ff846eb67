"""The process's logging: JSON lines in production, readable text on a laptop.

:func:`configure_logging` installs one handler on the root logger. In JSON mode every record
becomes one JSON object per line::

    {"timestamp": "2026-05-04T09:12:01.532Z", "level": "info", "logger": "ninevectors.http",
     "message": "GET /ready 200", "request_id": "9f0c...", "route": "/ready",
     "method": "GET", "status": 200, "latency_ms": 3.1}

``timestamp``, ``level``, ``logger``, ``message`` (and ``exception``) are the keys Reflex's and
Granian's own JSON lines use, so one parser reads every line of the process. The fields of
:mod:`~ninevectors.services.observability.context` (request id, event id, principal, route,
handler) follow, then the record's ``extra`` fields. A :class:`SecretScrubber` on the handler
drops secrets and e-mail addresses from the message, the extras and the exception text.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from ninevectors.services.observability import context
from ninevectors.services.observability.scrub import scrub_field, scrub_text, scrub_value

LogFormat = Literal["json", "text"]

# Loggers of libraries that log every HTTP call at INFO (the Azure SDK even logs headers).
QUIET_LOGGERS = ("httpx", "httpcore", "urllib3", "azure", "multipart")
# Loggers that frameworks give handlers of their own; in JSON mode they go through ours.
FRAMEWORK_LOGGERS = ("reflex", "_granian", "granian.access")
# Attributes a record may carry that are not fields to log.
_NOT_FIELDS = frozenset(
    [*RESERVED_ATTRS, "taskName", "context_text", "rich", "rich_kwargs", "location"]
)
_HANDLER_MARK = "_ninevectors_handler"
_exception_formatter = logging.Formatter()


def resolve_format(configured: str, environment: str) -> LogFormat:
    """``auto`` means JSON in production and under ``reflex run --env prod`` (``make run``),
    text otherwise (``make dev``, tests)."""
    if configured in ("json", "text"):
        return configured  # type: ignore[return-value]
    if environment == "production" or os.environ.get("REFLEX_ENV_MODE") == "prod":
        return "json"
    return "text"


def _record_extras(record: logging.LogRecord) -> list[str]:
    return [key for key in record.__dict__ if key not in _NOT_FIELDS and not key.startswith("_")]


class SecretScrubber(logging.Filter):
    """Rewrites the record in place: message formatted and scrubbed, sensitive extras
    redacted, exception text scrubbed (so no handler after this one sees the secret)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._scrub(record)
        except Exception:  # noqa: BLE001 — a log call must never raise
            record.msg, record.args = "[log message dropped: it could not be scrubbed]", None
            record.exc_info = record.exc_text = None
        return True

    @staticmethod
    def _scrub(record: logging.LogRecord) -> None:
        if isinstance(record.msg, dict):
            record.msg = scrub_value(record.msg)
        else:
            record.msg = scrub_text(record.getMessage())
        record.args = None
        for key in _record_extras(record):
            setattr(record, key, scrub_field(key, getattr(record, key)))
        if record.exc_info:
            record.exc_text = _exception_formatter.formatException(record.exc_info)
            record.exc_info = None  # formatters would format the raw exception again
        if record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info)


class JsonLogFormatter(JsonFormatter):
    def __init__(self) -> None:
        super().__init__(reserved_attrs=list(_NOT_FIELDS), rename_fields={"exc_info": "exception"})

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["timestamp"] = _iso_time(record.created)
        log_data["level"] = record.levelname.lower()
        log_data["logger"] = record.name
        log_data["message"] = record.message
        log_data.update(context.current())
        super().add_fields(log_data, record, message_dict)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        # The scrubber ran on the record; this catches what the formatter added since.
        return {key: scrub_field(key, value) for key, value in log_data.items()}


class TextLogFormatter(logging.Formatter):
    """``time level logger [request_id=... event_id=...] message``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(context_text)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            **context.current(),
            **{key: getattr(record, key) for key in _record_extras(record)},
        }
        pairs = " ".join(f"{key}={value}" for key, value in fields.items())
        record.context_text = f"[{pairs}] " if pairs else ""
        return super().format(record)


def _iso_time(created: float) -> str:
    return datetime.fromtimestamp(created, tz=UTC).isoformat(timespec="milliseconds")


def build_handler(log_format: LogFormat, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.addFilter(SecretScrubber())
    handler.setFormatter(JsonLogFormatter() if log_format == "json" else TextLogFormatter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def configure_logging(log_format: LogFormat, level: str = "INFO") -> None:
    """Install the process's handler on the root logger (again: replaces the previous one).

    In JSON mode the framework loggers lose their own handlers and propagate to ours, and
    ``REFLEX_LOG_JSON`` is set so Reflex and Granian, where they still log by themselves
    (the CLI, a worker started later), write JSON lines too."""
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(existing)
    root.addHandler(build_handler(log_format))
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if log_format == "json":
        os.environ["REFLEX_LOG_JSON"] = "true"
        for name in FRAMEWORK_LOGGERS:
            framework = logging.getLogger(name)
            for handler in list(framework.handlers):
                framework.removeHandler(handler)
            framework.propagate = True


def configure_from_settings() -> LogFormat:
    """:func:`configure_logging` as the settings say (web and task worker processes)."""
    from ninevectors.settings import get_settings

    settings = get_settings()
    log_format = resolve_format(settings.log_format, settings.environment)
    configure_logging(log_format, settings.log_level)
    return log_format
