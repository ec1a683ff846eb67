#!/usr/bin/env bash
# `make serve`: the production server for the configuration in the environment (.env):
# builds the frontend if the app changed, then web workers, task workers and the scheduler
# under one supervisor. Installs and migrates nothing: run `make run` or
# `python -m ninevectors.cli prepare` for that. Extra arguments go to `serve` (--web-workers
# N, --task-workers M, --role web|worker|scheduler). Ctrl-C / SIGTERM drain and stop it all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
exec .venv/bin/python -m ninevectors.cli serve "$@"
