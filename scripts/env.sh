# Environment shared by every make target: project-local tools, no outbound calls.
# Sourced by the scripts in this folder.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.venv/bin:$ROOT/tools/node_modules/.bin:$PATH"
export REFLEX_BUN_PATH="$ROOT/tools/node_modules/bun/bin/bun.exe"
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=0
export REFLEX_USE_GRANIAN=1
export NEXT_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1
# Reflex probes a package registry unless one is configured: point it at npm's own setting.
NPM_CONFIG_REGISTRY="$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"
export NPM_CONFIG_REGISTRY
export PIP_DISABLE_PIP_VERSION_CHECK=1
