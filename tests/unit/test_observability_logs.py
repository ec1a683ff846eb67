"""JSON log lines: their fields, the context they carry, and the secrets they never carry."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

from ninevectors.models.principal import Principal
from ninevectors.services.executor import run_blocking
from ninevectors.services.observability import context
from ninevectors.services.observability.logs import (
    FRAMEWORK_LOGGERS,
    build_handler,
    configure_logging,
    resolve_format,
)


class Captured:
    def __init__(self, stream: io.StringIO, logger: logging.Logger) -> None:
        self.stream = stream
        self.logger = logger

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def text(self) -> str:
        return self.stream.getvalue()


def _capture(log_format: str) -> Iterator[Captured]:
    stream = io.StringIO()
    logger = logging.getLogger(f"ninevectors.test.{log_format}")
    handler = build_handler(log_format, stream)  # type: ignore[arg-type]
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield Captured(stream, logger)
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def json_log() -> Iterator[Captured]:
    yield from _capture("json")


@pytest.fixture
def text_log() -> Iterator[Captured]:
    yield from _capture("text")


def test_one_json_object_per_line_with_the_standard_fields(json_log: Captured) -> None:
    json_log.logger.info("first %s", "line")
    json_log.logger.warning("second\nline")
    first, second = json_log.lines()
    assert list(first)[:4] == ["timestamp", "level", "logger", "message"]
    assert first["level"] == "info"
    assert first["logger"] == "ninevectors.test.json"
    assert first["message"] == "first line"
    assert first["timestamp"].endswith("+00:00")
    assert second["level"] == "warning" and second["message"] == "second\nline"


def test_context_and_extra_fields(json_log: Captured) -> None:
    principal = Principal(user_id="u1", organization_id="o1", role="admin", ip_address="10.0.0.9")
    with context.bound(request_id="req-1", route="/files/{name:path}"):
        token = context.bind_principal(principal)
        try:
            json_log.logger.info("done", extra={"status": 200, "latency_ms": 12.5})
        finally:
            context.reset(token)
    json_log.logger.info("outside")
    inside, outside = json_log.lines()
    assert inside["request_id"] == "req-1"
    assert inside["route"] == "/files/{name:path}"
    assert (inside["user_id"], inside["organization_id"], inside["role"]) == ("u1", "o1", "admin")
    assert inside["status"] == 200 and inside["latency_ms"] == 12.5
    assert "10.0.0.9" not in json.dumps(inside)  # the principal's IP address is not logged
    assert "request_id" not in outside and "user_id" not in outside


def test_secrets_logged_by_mistake_are_dropped(json_log: Captured) -> None:
    json_log.logger.info(
        "sign-in for ann@example.com password=hunter2 header Authorization: Bearer abc.def.ghi",
        extra={
            "api_key": "sk-ant-api03-secretsecret",
            "headers": {"Cookie": "nv_session=s3ss10n", "Accept": "text/html"},
            "accessToken": "t0ken",
            "note": "url postgresql://app:dbpass@db.internal:5432/nv",
        },
    )
    line = json_log.lines()[0]
    raw = json_log.text()
    for secret in ("ann@example.com", "hunter2", "abc.def.ghi", "secretsecret", "s3ss10n", "t0ken"):
        assert secret not in raw
    assert "dbpass" not in raw
    assert line["api_key"] == "[REDACTED]"
    assert line["accessToken"] == "[REDACTED]"
    assert line["headers"] == {"Cookie": "[REDACTED]", "Accept": "text/html"}
    assert line["note"] == "url postgresql://app:[REDACTED]@db.internal:5432/nv"
    assert "password=[REDACTED]" in line["message"] and "[email]" in line["message"]


def test_exception_text_is_logged_and_scrubbed(json_log: Captured) -> None:
    try:
        raise RuntimeError("cannot reach redis://:topsecret@cache:6379/0")
    except RuntimeError:
        json_log.logger.exception("cache failed")
    line = json_log.lines()[0]
    assert line["message"] == "cache failed"
    assert "Traceback" in line["exception"] and "RuntimeError" in line["exception"]
    assert "topsecret" not in json_log.text()


def test_a_dict_message_is_scrubbed_too(json_log: Captured) -> None:
    json_log.logger.info({"event": "login", "password": "pw123"})
    line = json_log.lines()[0]
    assert line["event"] == "login" and line["password"] == "[REDACTED]"


def test_text_format_is_readable_and_scrubbed(text_log: Captured) -> None:
    with context.bound(request_id="req-7"):
        text_log.logger.info("token=abc123 saved", extra={"status": 201})
    out = text_log.text()
    assert "INFO" in out and "ninevectors.test.text" in out
    assert "[request_id=req-7 status=201] token=[REDACTED] saved" in out
    assert "abc123" not in out


def test_request_id_follows_run_blocking_into_its_thread(json_log: Captured) -> None:
    def service_call() -> None:
        json_log.logger.info("inside the service")

    async def handler() -> None:
        with context.bound(request_id="req-thread", event_id="ev1"):
            await run_blocking(service_call)
        await run_blocking(service_call)

    asyncio.run(handler())
    bound, unbound = json_log.lines()
    assert (bound["request_id"], bound["event_id"]) == ("req-thread", "ev1")
    assert "request_id" not in unbound


def test_context_refuses_unknown_fields() -> None:
    with pytest.raises(ValueError):
        context.bind(email="ann@example.com")


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("7b1d6e0c-4c1f-4b1e-9f0e-0d4f2a9a1b2c", True),
        ("trace.abc_123", True),
        ("", False),
        ("x" * 129, False),
        ("bad id", False),
        ("forged\nline", False),
        ("-starts-with-dash", False),
    ],
)
def test_incoming_request_ids_must_be_sane(value: str, accepted: bool) -> None:
    assert (context.accepted_request_id(value) == value) is accepted


def test_format_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REFLEX_ENV_MODE", raising=False)
    assert resolve_format("auto", "development") == "text"
    assert resolve_format("auto", "production") == "json"
    assert resolve_format("text", "production") == "text"
    monkeypatch.setenv("REFLEX_ENV_MODE", "prod")  # make run: reflex run --env prod
    assert resolve_format("auto", "development") == "json"


def test_json_mode_routes_framework_loggers_through_the_json_handler(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level)
    reflex_logger = logging.getLogger(FRAMEWORK_LOGGERS[0])
    saved_reflex = (list(reflex_logger.handlers), reflex_logger.propagate)
    own_handler = logging.StreamHandler(io.StringIO())
    reflex_logger.addHandler(own_handler)
    reflex_logger.propagate = False
    monkeypatch.setenv("REFLEX_LOG_JSON", "false")
    try:
        configure_logging("json")
        configure_logging("json")  # again: still one handler of ours
        reflex_logger.warning("from reflex")
        ours = [h for h in root.handlers if h not in saved_root[0]]
        assert len(ours) == 1
        assert reflex_logger.propagate is True and own_handler not in reflex_logger.handlers
        assert os.environ["REFLEX_LOG_JSON"] == "true"
    finally:
        for handler in list(root.handlers):
            if handler not in saved_root[0]:
                root.removeHandler(handler)
        root.setLevel(saved_root[1])
        reflex_logger.handlers[:] = saved_reflex[0]
        reflex_logger.propagate = saved_reflex[1]
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (line["logger"], line["level"], line["message"]) == ("reflex", "warning", "from reflex")
