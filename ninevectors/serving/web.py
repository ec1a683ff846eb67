"""The web role: the built frontend and Reflex's backend on one port, served by Granian.

What ``reflex run --env prod`` does after its build, minus the build, plus what it leaves
out: Granian respawns a worker that dies (Reflex's own run ends the whole server instead).
The app is imported once in the Granian master and workers are forked from it, so a
respawned worker serves within a second instead of re-importing the app. The master also holds
the listening socket, so requests arriving meanwhile wait for it instead of being refused.

Granian itself gives up when a worker dies again within 5.5 s of being respawned (a crash
loop); the master then exits and the supervisor (or the container runtime) restarts it.

Drain: on SIGTERM/SIGINT Granian stops accepting, lets each worker finish what it has in
flight, and kills a worker still busy after ``shutdown_timeout_seconds``.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import tempfile
from pathlib import Path

from ninevectors.serving import build, lifetime
from ninevectors.settings import get_settings

METRICS_FOLDER_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _prepare_reflex_environment() -> None:
    from reflex_base import constants
    from reflex_base.environment import environment

    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)  # the build step compiled the pages already
    environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.set(True)


def _prepare_metrics_folder(port: int) -> None:
    """prometheus-client's multiprocess mode (ninevectors/services/observability/metrics.py):
    every worker writes its metrics into one folder, emptied of the last run's files here,
    before the app (and with it the metrics module, which writes there) is imported. Local to
    this machine: a web role elsewhere keeps its own."""
    name = f"ninevectors-metrics-{os.getuid()}-{port}"
    folder = Path(
        os.environ.setdefault(METRICS_FOLDER_ENV, str(Path(tempfile.gettempdir()) / name))
    )
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def _fork_from_preloaded_app() -> None:
    """Import the app here so workers fork with it loaded (Reflex's own prod path)."""
    from reflex.utils import exec as reflex_exec

    multiprocessing.set_start_method("fork", force=True)
    if not reflex_exec._preload_for_fork(None):
        multiprocessing.set_start_method("spawn", force=True)


def _server_class() -> type:
    from granian.net import SocketSpec
    from granian.server import Server

    class MasterBoundServer(Server):
        """Granian binding the port once, in the master, as it does off Linux (and as
        Reflex's dev server does), instead of one SO_REUSEPORT socket per worker: while a
        worker is respawned, connections wait in the backlog rather than being refused."""

        def _init_shared_socket(self) -> None:
            self._ssp = SocketSpec(self.bind_addr, self.bind_port, self.backlog)
            self._shd = self._ssp.build()
            self._sfd = self._shd.get_fd()
            self._ssp = None
            shared = socket.socket(fileno=self._sfd)
            shared.set_inheritable(True)
            self._sso = shared

    return MasterBoundServer


def serve(workers: int) -> None:
    """Serve until SIGTERM/SIGINT; needs a frontend build in .web."""
    if not build.STATIC_INDEX.is_file():
        raise SystemExit(
            "no frontend build in .web: run `python -m ninevectors.cli build` (or `serve`)"
        )
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from reflex.config import get_config
    from reflex.utils import exec as reflex_exec

    settings = get_settings()
    lifetime.end_with_supervisor()
    _prepare_reflex_environment()
    _prepare_metrics_folder(settings.port)  # before the app is imported
    _fork_from_preloaded_app()
    lifetime.forked_children_end_with_this_process()
    server = _server_class()(
        target=reflex_exec.get_app_instance_from_file(),
        factory=True,
        address=get_config().backend_host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=workers,
        respawn_failed_workers=True,
        workers_kill_timeout=settings.shutdown_timeout_seconds,
        log_level=LogLevels(os.environ.get("GRANIAN_LOG_LEVEL", "info")),
    )
    server.serve()
