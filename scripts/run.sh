#!/usr/bin/env bash
# `make run`: install what is missing, migrate, load the demo organization, then build and
# serve the production app on one port. Ctrl-C stops everything it started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
scripts/bootstrap.sh requirements.txt

port="${NINEVECTORS_PORT:-3000}"
export NINEVECTORS_PORT="$port"
.venv/bin/python -m ninevectors.cli prepare
echo "==> building and serving 9Vectors on http://localhost:$port (Ctrl-C to stop)"
exec .venv/bin/reflex run --env prod --frontend-port "$port" --backend-port "$port"
