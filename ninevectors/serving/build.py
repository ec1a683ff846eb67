"""The production frontend build, redone only when what it is built from changed.

The build (``reflex export --frontend-only``, ≈30 s) compiles the pages and bundles them into
``.web/build/client``. Its inputs are the app's code and data (``ninevectors/``), ``assets/``,
``rxconfig.py``, ``reflex.lock/``, the installed Reflex packages, and the configuration the
bundle bakes in (the backend URL in env.json, the app name in titles). A stamp, the SHA-256
of all of them, is written into .web after each build; a start whose stamp matches serves
the existing build at once.

One build at a time may use .web: the build takes ``.web.lock`` (the lock the browser tests
hold while they build and serve), unless the caller already holds it
(``NINEVECTORS_WEB_LOCK_HELD=1``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from ninevectors.settings import PROJECT_ROOT

WEB_DIR = PROJECT_ROOT / ".web"
STATIC_INDEX = WEB_DIR / "build" / "client" / "index.html"
STAMP_FILE = WEB_DIR / "ninevectors-build-stamp.json"
WEB_LOCK = PROJECT_ROOT / ".web.lock"
LOCK_HELD_ENV = "NINEVECTORS_WEB_LOCK_HELD"
SOURCE_DIRS = ("ninevectors", "assets", "reflex.lock")
SOURCE_FILES = ("rxconfig.py",)
# Written by Reflex itself while compiling, or by Python: not inputs.
IGNORED_PARTS = frozenset({"__pycache__", "external"})
IGNORED_SUFFIXES = (".pyc", ".pyo")


def _source_files(root: Path) -> Iterator[Path]:
    for name in SOURCE_FILES:
        if (root / name).is_file():
            yield root / name
    for name in SOURCE_DIRS:
        for path in sorted((root / name).rglob("*")):
            relative = path.relative_to(root).parts
            if IGNORED_PARTS.intersection(relative) or path.suffix in IGNORED_SUFFIXES:
                continue
            if path.is_file() and not path.is_symlink():
                yield path


def _reflex_versions() -> dict[str, str]:
    """Reflex and its component packages: each writes part of the bundle."""
    versions: dict[str, str] = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name.startswith("reflex"):
            versions[name] = dist.version
    return dict(sorted(versions.items()))


def frontend_config() -> dict[str, str]:
    """The configuration the bundle bakes in (read from rxconfig.py, as the build does)."""
    from reflex.config import get_config

    from ninevectors.settings import get_settings

    config = get_config()
    return {
        "api_url": str(config.api_url),
        "deploy_url": str(config.deploy_url),
        "frontend_path": str(config.frontend_path),
        "transport": str(config.transport),
        "app_name": get_settings().app_name,
    }


def compute_stamp(root: Path = PROJECT_ROOT, config: dict[str, str] | None = None) -> str:
    digest = hashlib.sha256()
    for path in _source_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    inputs = {"reflex": _reflex_versions(), "config": config or frontend_config()}
    digest.update(json.dumps(inputs, sort_keys=True).encode())
    return digest.hexdigest()


def recorded_stamp() -> str | None:
    """The stamp of the build in .web, or None when there is no complete build."""
    if not STATIC_INDEX.is_file():
        return None
    try:
        return str(json.loads(STAMP_FILE.read_text())["stamp"])
    except (OSError, ValueError, KeyError):
        return None


def is_current() -> bool:
    return recorded_stamp() == compute_stamp()


@contextmanager
def web_lock() -> Iterator[None]:
    """Hold .web.lock (unless the caller holds it already) while .web is rebuilt."""
    if os.environ.get(LOCK_HELD_ENV) == "1":
        yield
        return
    descriptor = os.open(WEB_LOCK, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("==> waiting for .web.lock (another build or test server uses .web)")
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _run_build() -> None:
    command = [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip"]
    command += ["--env", "prod", "--loglevel", "info"]
    result = subprocess.run(command, cwd=PROJECT_ROOT, check=False)
    if result.returncode != 0 or not STATIC_INDEX.is_file():
        raise SystemExit(f"the frontend build failed (exit code {result.returncode})")


def ensure_built(force: bool = False) -> bool:
    """Build the frontend if its inputs changed since the last build; whether it built."""
    with web_lock():
        if not force and is_current():
            print("==> frontend build is current (nothing changed since it was built)")
            return False
        print("==> building the frontend (the app's sources changed since the last build)")
        started = time.monotonic()
        _run_build()
        # Stamped after the build: Reflex rewrites some of its inputs (reflex.lock) as it goes.
        STAMP_FILE.write_text(json.dumps({"stamp": compute_stamp(), "built_at": time.time()}))
        print(f"==> frontend built in {time.monotonic() - started:.0f} s")
        return True
