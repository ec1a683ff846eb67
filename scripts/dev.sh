#!/usr/bin/env bash
# `make dev`: like `make run` but with hot reload (separate frontend and backend ports).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
scripts/bootstrap.sh requirements-dev.txt
port="${NINEVECTORS_PORT:-3000}"
backend="${NINEVECTORS_DEV_BACKEND_PORT:-8000}"
export NINEVECTORS_PORT="$port" NINEVECTORS_API_URL="http://localhost:$backend"
.venv/bin/python -m ninevectors.cli prepare
exec .venv/bin/reflex run --frontend-port "$port" --backend-port "$backend"
