"""`/metrics`: the exposition, who may read it, and the sum over several worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors.api import health, metrics
from ninevectors.api.observability import RequestObserver
from ninevectors.services import tasks
from ninevectors.services.cache.memory import MemoryCache
from ninevectors.services.observability import metrics as nv_metrics
from ninevectors.settings import PROJECT_ROOT, get_settings

LOOPBACK = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.9", 50000)


def _values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _app() -> Starlette:
    return Starlette(routes=[*health.routes, *metrics.routes])


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("NINEVECTORS_METRICS_TOKEN", "scrape-me-7f2c")
    get_settings.cache_clear()
    yield "scrape-me-7f2c"
    get_settings.cache_clear()


@pytest.fixture
def no_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("NINEVECTORS_METRICS_TOKEN", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_task_runtime() -> Iterator[None]:
    # The scrape asks this process's task broker for queue depths.
    tasks.shutdown()
    yield
    tasks.shutdown()


def test_exposition_format_and_histograms_move_after_a_request(
    temp_database: str, no_token: None
) -> None:
    client = TestClient(RequestObserver(_app()), client=LOOPBACK)
    labels = (("route", "/health"), ("status_class", "2xx"))
    before = _values(client.get("/metrics").text)
    assert client.get("/health").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE ninevectors_http_request_duration_seconds histogram" in response.text
    assert "# TYPE ninevectors_answer_saves_total counter" in response.text
    after = _values(response.text)
    count = "ninevectors_http_request_duration_seconds_count"
    assert after[(count, labels)] == before.get((count, labels), 0) + 1
    inf_bucket = ("ninevectors_http_request_duration_seconds_bucket", (("le", "+Inf"), *labels))
    assert after[inf_bucket] == after[(count, labels)]
    assert after[("ninevectors_task_broker_up", ())] == 1


def test_openmetrics_when_the_scraper_asks_for_it(no_token: None) -> None:
    accept = "application/openmetrics-text; version=1.0.0"
    response = TestClient(_app(), client=LOOPBACK).get("/metrics", headers={"Accept": accept})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


def test_without_a_token_only_this_host_may_scrape(no_token: None) -> None:
    assert TestClient(_app(), client=LOOPBACK).get("/metrics").status_code == 200
    assert TestClient(_app(), client=REMOTE).get("/metrics").status_code == 403
    # a reverse proxy on this host makes everyone look local: a proxied request is refused
    proxied = TestClient(_app(), client=LOOPBACK).get(
        "/metrics", headers={"X-Forwarded-For": "198.51.100.4"}
    )
    assert proxied.status_code == 403


def test_with_a_token_the_bearer_token_is_required(token: str) -> None:
    remote = TestClient(_app(), client=REMOTE)
    assert remote.get("/metrics").status_code == 401
    assert remote.get("/metrics").headers["WWW-Authenticate"] == "Bearer"
    wrong = remote.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert TestClient(_app(), client=LOOPBACK).get("/metrics").status_code == 401
    ok = remote.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and "ninevectors_" in ok.text


def test_answer_saves_are_counted_by_outcome() -> None:
    name = "ninevectors_answer_saves_total"
    before = REGISTRY.get_sample_value(name, {"outcome": "saved"}) or 0
    nv_metrics.record_answer_saves(3, "saved")
    nv_metrics.record_answer_saves(0, "saved")
    assert REGISTRY.get_sample_value(name, {"outcome": "saved"}) == before + 3
    with pytest.raises(ValueError):
        nv_metrics.record_answer_saves(1, "whatever the caller liked")
    with pytest.raises(ValueError):
        nv_metrics.record_answer_saves(-1, "saved")


def test_cache_hits_and_misses_are_counted() -> None:
    name = "ninevectors_cache_lookups_total"

    def value(result: str) -> float:
        return REGISTRY.get_sample_value(name, {"backend": "memory", "result": result}) or 0

    hits, misses = value("hit"), value("miss")
    cache = MemoryCache()
    cache.set("k", 1)
    cache.get("k")
    cache.get_and_touch("k", 60)
    cache.get("absent")
    cache.get_and_touch("absent", 60)
    assert (value("hit"), value("miss")) == (hits + 2, misses + 2)


def test_queue_depth_and_dead_letters_of_the_in_process_broker() -> None:
    broker = StubBroker()
    broker.emit_after("process_boot")

    def always_fails() -> None:
        raise ValueError("no")

    actor = dramatiq.actor(
        always_fails, broker=broker, queue_name="metrics-test", max_retries=0, actor_name="af"
    )
    actor.send()
    worker = dramatiq.Worker(broker, worker_timeout=50)
    worker.start()
    try:
        broker.join("metrics-test", fail_fast=False)
        worker.join()
    finally:
        worker.stop()
    actor.send()
    actor.send()
    assert nv_metrics.queue_stats(broker) == {"metrics-test": (2, 1)}
    broker.close()


def test_an_unreachable_broker_is_reported_not_hung(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NINEVECTORS_CACHE_BACKEND", "redis")
    monkeypatch.setenv("NINEVECTORS_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    get_settings.cache_clear()
    try:
        families = {family.name: family for family in nv_metrics.TaskQueueCollector().collect()}
    finally:
        get_settings.cache_clear()
    assert families["ninevectors_task_broker_up"].samples[0].value == 0
    assert families["ninevectors_task_queue_depth"].samples == []


# ---- several worker processes --------------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import sys
    from ninevectors.services.observability import metrics as m

    m.record_answer_saves(3, "saved")
    m.record_http_request("/ready", 200, 0.02)
    m.websocket_opened()
    print("recorded", flush=True)
    if sys.argv[1] == "stay":
        sys.stdin.readline()
    """
)


def _worker(folder: Path, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, nv_metrics.MULTIPROC_ENV: str(folder)}
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, mode],
        env=env,
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "recorded"
    return process


def test_two_processes_add_up_in_one_scrape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_token: None
) -> None:
    folder = nv_metrics.prepare_multiprocess_dir(tmp_path / "prometheus")
    staying = _worker(folder, "stay")
    leaving = _worker(folder, "exit")
    try:
        assert leaving.wait(timeout=30) == 0
        monkeypatch.setenv(nv_metrics.MULTIPROC_ENV, str(folder))
        response = TestClient(_app(), client=LOOPBACK).get("/metrics")
        assert response.status_code == 200
        values = _values(response.text)
        assert values[("ninevectors_answer_saves_total", (("outcome", "saved"),))] == 6
        labels = (("route", "/ready"), ("status_class", "2xx"))
        assert values[("ninevectors_http_request_duration_seconds_count", labels)] == 2
        # the websocket of the worker that exited no longer counts
        assert values[("ninevectors_websocket_connections", ())] == 1
        assert values[("ninevectors_task_broker_up", ())] == 1
    finally:
        assert staying.stdin is not None
        staying.stdin.write("\n")
        staying.stdin.close()
        staying.wait(timeout=30)
    after = _values(nv_metrics.render(path=str(folder))[0].decode())
    assert after.get(("ninevectors_websocket_connections", ()), 0) == 0  # no live worker left
    assert after[("ninevectors_answer_saves_total", (("outcome", "saved"),))] == 6


def test_preparing_the_folder_removes_only_old_metric_files(tmp_path: Path) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"old")
    (tmp_path / "README").write_text("keep me")
    nv_metrics.prepare_multiprocess_dir(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README"]
    assert nv_metrics.prepare_multiprocess_dir(tmp_path / "new").is_dir()
