#!/usr/bin/env bash
# `make test`: install what the tests need, make sure the servers they use are there, and
# run the whole suite (unit, integration, ui). Servers the suite owns (a private Redis,
# Azurite, the Cosmos DB emulator, the app itself) are started by pytest fixtures on free
# loopback ports and stopped after; PostgreSQL is the machine's server, started if it is down.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
scripts/bootstrap.sh requirements-dev.txt

apt_install() {
  if [ "$(id -u)" != "0" ]; then
    echo "!! missing system packages: $* (install them with apt-get as root)" >&2
    return 1
  fi
  echo "==> installing Debian packages: $*"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v tesseract >/dev/null || missing+=(tesseract-ocr tesseract-ocr-eng)
command -v pg_ctlcluster >/dev/null || command -v pg_ctl >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "==> starting PostgreSQL"
  if [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" = "5" ]; then
  echo "!! pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
