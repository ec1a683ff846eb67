"""Every role of one machine under supervisord (PyPI ``supervisor``): ``serve``'s default.

Programs (start in this order, stop in the reverse one):

- ``scheduler``: one process, the periodic jobs behind the scheduler lock;
- ``worker``: task-queue worker processes (Redis broker only; embedded, the web process
  runs the queue);
- ``web``: the Granian master, which forks and respawns the web workers itself.

supervisord restarts a program that exits (at once when it had been up for ``START_SECONDS``,
else after 1 s, 2 s, 3 s, ... for ``START_RETRIES`` tries); it never rebuilds anything. On
SIGTERM/SIGINT (Ctrl-C) it stops the web first — Granian stops accepting and lets requests and
events in flight finish — then the task workers (they finish or requeue their messages), then
the scheduler, each with ``shutdown_timeout_seconds`` (plus a margin) before SIGKILL.

The configuration is written to ``DATA_DIR/run/supervisord.conf`` with a control socket
beside it: ``python -m supervisor.supervisorctl -c DATA_DIR/run/supervisord.conf status``.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from ninevectors.serving.lifetime import SUPERVISED_ENV
from ninevectors.settings import PROJECT_ROOT, Settings

START_SECONDS = 5
START_RETRIES = 100
STOP_MARGIN_SECONDS = 10
MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 108 bytes


@dataclass(frozen=True)
class Program:
    name: str
    command: list[str]
    processes: int
    priority: int  # lower starts first and stops last


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "ninevectors.cli", *args]


def programs(web_workers: int, task_workers: int) -> list[Program]:
    planned = [Program("scheduler", _cli("serve", "--role", "scheduler"), 1, 100)]
    if task_workers:
        worker = [sys.executable, "-m", "ninevectors.worker"]
        planned.append(Program("worker", worker, task_workers, 200))
    web = _cli("serve", "--role", "web", "--web-workers", str(web_workers))
    planned.append(Program("web", web, 1, 300))
    return planned


def run_dir(settings: Settings) -> Path:
    return settings.data_dir / "run"


def _socket_path(directory: Path) -> Path:
    path = directory / "supervisor.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"ninevectors-{digest}.sock"


def _program_section(program: Program, stop_seconds: int) -> list[str]:
    lines = [
        f"[program:{program.name}]",
        f"command={shlex.join(program.command)}",
        f"directory={PROJECT_ROOT}",
        f"priority={program.priority}",
        f"numprocs={program.processes}",
        "autostart=true",
        "autorestart=true",
        f"startsecs={START_SECONDS}",
        f"startretries={START_RETRIES}",
        "stopsignal=TERM",
        f"stopwaitsecs={stop_seconds}",
        "killasgroup=true",
        "redirect_stderr=true",
        "stdout_logfile=/dev/stdout",
        "stdout_logfile_maxbytes=0",
    ]
    if program.processes > 1:
        lines.append("process_name=%(program_name)s-%(process_num)d")
    return lines


def render_config(planned: list[Program], settings: Settings) -> str:
    directory = run_dir(settings)
    socket = _socket_path(directory)
    stop_seconds = settings.shutdown_timeout_seconds + STOP_MARGIN_SECONDS
    lines = [
        "; Written by `python -m ninevectors.cli serve` at each start: edit the settings instead.",
        "[supervisord]",
        "nodaemon=true",
        "logfile=/dev/null",  # in the foreground, supervisord's own log goes to stderr
        "logfile_maxbytes=0",
        f"pidfile={directory / 'supervisord.pid'}",
        f"childlogdir={directory}",
        f'environment={SUPERVISED_ENV}="1",PYTHONUNBUFFERED="1"',
        "",
        "[unix_http_server]",
        f"file={socket}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{socket}",
        "",
    ]
    if os.geteuid() == 0:
        lines.insert(2, "user=root")  # says so, rather than warning that it was not said
    for program in planned:
        lines += [*_program_section(program, stop_seconds), ""]
    return "\n".join(lines)


def run(planned: list[Program], settings: Settings) -> NoReturn:
    """Write the configuration and become supervisord (signals then reach it directly)."""
    directory = run_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "supervisord.conf"
    config.write_text(render_config(planned, settings))
    for program in planned:
        print(f"==> {program.name}: {program.processes} process(es)")
    sys.stdout.flush()
    command = [sys.executable, "-m", "supervisor.supervisord", "--configuration", str(config)]
    os.chdir(PROJECT_ROOT)
    os.execv(sys.executable, command)
