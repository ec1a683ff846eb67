"""Fresh clone → first HTTP 200 from `/` with `make run`, cold and warm, and the memory of
the serving processes.

Cold: a new clone in a temporary folder (its own .venv, tools and build). Warm: `make run`
again in the same clone. Memory: resident set size of the whole process group once serving.
Usage: .venv/bin/python bench/startup_bench.py [--keep]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402

TIMEOUT_S = 1200


def _serve_time(clone: Path, port: int) -> tuple[float, subprocess.Popen[bytes]]:
    env = {**os.environ, "NINEVECTORS_PORT": str(port)}
    env.pop("VIRTUAL_ENV", None)
    log = (clone / f"make-run-{port}.log").open("wb")
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    while time.monotonic() - started < TIMEOUT_S:
        if process.poll() is not None:
            raise SystemExit(f"make run exited early; see {log.name} in {clone}")
        try:
            with urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started, process
        except OSError:
            time.sleep(0.5)
    raise SystemExit("make run did not serve in time")


def _group_rss_mb(pgid: int) -> float:
    total_kb = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            pid = int(status.parent.name)
            if os.getpgid(pid) != pgid:
                continue
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the temporary clone")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="nv-startup-"))
    clone = workdir / "ninevectors"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    results = {}
    for label in ("cold", "warm"):
        port = free_port()
        seconds, process = _serve_time(clone, port)
        time.sleep(3)
        results[label] = (seconds, _group_rss_mb(process.pid))
        _stop(process)
    for label, (seconds, rss) in results.items():
        print(
            f"make run ({label}): first 200 from / after {seconds:6.1f} s;",
            f"serving RSS {rss:6.0f} MB",
        )
    if not args.keep:
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
    else:
        print(f"clone kept at {clone}")


if __name__ == "__main__":
    main()
