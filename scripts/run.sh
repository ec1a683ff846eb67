#!/usr/bin/env bash
# `make run`: install what is missing, migrate, load the demo organization, then serve the
# production app on one port with `python -m ninevectors.cli serve` (the frontend is rebuilt
# only when the app changed; a crashed worker is restarted). Ctrl-C stops everything it started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
scripts/bootstrap.sh requirements.txt

# OCR of scanned documents uses Debian's Tesseract; install it when we can, else say so.
if ! command -v tesseract >/dev/null; then
  if [ "$(id -u)" = "0" ]; then
    echo "==> installing Tesseract OCR (Debian packages)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq tesseract-ocr tesseract-ocr-eng >/dev/null || true
  fi
  command -v tesseract >/dev/null || echo "!! tesseract is not installed: scanned documents will fail OCR with that reason"
fi

port="${NINEVECTORS_PORT:-3000}"
export NINEVECTORS_PORT="$port"
# The demo organization's super admin is the platform operator (business metrics), unless set.
export NINEVECTORS_OPERATOR_ORGANIZATION_ID="${NINEVECTORS_OPERATOR_ORGANIZATION_ID-org_acme_demo}"
.venv/bin/python -m ninevectors.cli prepare
exec .venv/bin/python -m ninevectors.cli serve
