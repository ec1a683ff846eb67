"""The frontend build stamp, as real processes: a second `serve` with nothing changed serves
the existing build at once; SIGTERM then drains and stops every process it started."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.app_server import descendants, preferred_port, stop_app
from tests.serving_tests import report, start_or_fail

pytestmark = pytest.mark.timeout(900)


def test_second_start_does_not_rebuild_and_sigterm_stops_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = preferred_port()  # the build bakes the port in: the same one both times
    stop_app(start_or_fail(tmp_path / "first", port=port))
    started = time.monotonic()
    second = start_or_fail(tmp_path / "second", port=port)
    serving_s = time.monotonic() - started
    processes = [second.process.pid, *descendants(second.process.pid)]
    try:
        log = (tmp_path / "second" / "app.log").read_text()
        assert "frontend build is current" in log
        assert "building the frontend" not in log
    finally:
        stopping = time.monotonic()
        stop_app(second)
    stopped_s = time.monotonic() - stopping
    report(
        capsys, f"second start served in {serving_s:.1f} s; SIGTERM stopped it in {stopped_s:.1f} s"
    )
    assert second.process.returncode == 0
    assert len(processes) >= 4  # supervisord, web master, web worker, scheduler
    assert not [pid for pid in processes if Path(f"/proc/{pid}").exists()]
