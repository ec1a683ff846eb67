"""One settings object for the whole product.

Every field has an embedded default, so the app runs on a single machine with nothing
installed; setting the production fields (database URL, Redis URL, Cosmos endpoint, ...)
switches the matching backend on. Read from the environment (prefix ``NINEVECTORS_``) and
from a ``.env`` file in the working directory.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ninevectors import installation_secret

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The former built-in default (public in this repository): refused in production, never used
# as a default any more.
DEVELOPMENT_SECRET = "ninevectors-development-secret-change-me"
MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NINEVECTORS_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = "development"
    app_name: str = "9Vectors"
    # The production build serves page and backend from one process on `port`;
    # `make dev` (hot reload) puts the backend on `dev_backend_port`.
    port: int = Field(default=3000, ge=1, le=65535)
    dev_backend_port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = ""  # defaults to http://localhost:{port}
    api_url: str = ""  # where the page reaches the backend; defaults to public_url
    data_dir: Path = PROJECT_ROOT / ".data"
    # Signs download links and keys anonymous response ids. Empty (development, test): the
    # installation's own random key in DATA_DIR/secret_key (ninevectors/installation_secret.py).
    # Production must set one of at least MIN_SECRET_KEY_LENGTH characters.
    secret_key: SecretStr = SecretStr("")
    # Encrypts stored secrets (SSO client secrets, TOTP keys): comma-separated Fernet keys,
    # the first encrypts and every one decrypts (rotation). Empty: derived from secret_key.
    encryption_keys: SecretStr = SecretStr("")

    # Relational database (identity, subscriptions, audit log, usage) and, with the
    # "sql" store backend, the document store too.
    database_url: str = ""
    # Threads that run blocking calls for the event loop, and database connections per
    # process (kept equal, so no thread waits for a connection).
    blocking_threads: int = Field(default=8, ge=1, le=256)

    store_backend: Literal["sql", "cosmos"] = "sql"
    cosmos_endpoint: str = ""
    cosmos_key: SecretStr = SecretStr("")
    cosmos_database: str = "ninevectors"
    cosmos_verify_tls: bool = True

    cache_backend: Literal["memory", "redis"] = "memory"
    redis_url: str = ""

    blob_backend: Literal["local", "azure"] = "local"
    azure_storage_connection_string: SecretStr = SecretStr("")
    blob_container: str = "9vectors-storage"

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = True
    mail_from: str = "9Vectors <no-reply@9vectors.local>"

    anthropic_api_key: SecretStr = SecretStr("")
    anthropic_model: str = "claude-sonnet-5-5"  # 4-5 reaches end-of-life 2026-11-30
    anthropic_base_url: str = ""  # empty: the SDK's default endpoint
    coach_messages_per_minute: int = Field(default=20, ge=1)  # per organization

    # Billing (services/billing). No secret key: billing is off, a super admin sets plans.
    stripe_secret_key: SecretStr = SecretStr("")
    stripe_webhook_secret: SecretStr = SecretStr("")
    stripe_api_base: str = ""  # empty: Stripe's own API; tests point it at localstripe
    stripe_webhook_tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    billing_currency: str = "usd"
    # The platform operator: super admins of this organization see the business metrics of
    # every organization (aggregates only) at /admin/business. Empty: nobody. `make run`
    # sets it to the demo organization.
    operator_organization_id: str = ""

    load_demo_data: bool = True

    document_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1)  # one uploaded file

    # ---- Observability (ninevectors/services/observability, api/metrics.py, /ready) ----
    # "json": one JSON object per line; "text": for people; "auto": json in production and
    # under `reflex run --env prod` (make run), text otherwise (make dev, tests).
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Bearer token a scraper sends to /metrics. Empty: only clients on this host (loopback,
    # not through a proxy) may scrape.
    metrics_token: SecretStr = SecretStr("")
    # Time each /ready check may take: a hung backend fails the probe after this long.
    readiness_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # ---- end of observability ----

    # ---- HTTP hardening (ninevectors/api/security.py, api/uploads.py) ----
    # Largest whole request to Reflex's /_upload (every file of one upload plus the
    # multipart framing): four files at document_max_bytes, or more smaller ones. Larger
    # requests are refused with 413 before (by Content-Length) or while (chunked) reading.
    upload_max_request_bytes: int = Field(default=100 * 1024 * 1024 + 64 * 1024, ge=1)
    # ---- end of HTTP hardening ----

    # ---- Serving (`python -m ninevectors.cli serve`, ninevectors/serving/) ----
    # Web worker processes (Granian). Unset: GRANIAN_WORKERS if set, else one per core (at
    # least 2, at most 8) with the Redis cache; always 1 with the embedded in-process cache.
    web_workers: int | None = Field(default=None, ge=1, le=32)
    # Task-queue worker processes (`python -m ninevectors.worker`) under `serve`. Unset: one
    # per two cores (at least 1) with Redis; 0 embedded (the web process runs the queue).
    task_workers: int | None = Field(default=None, ge=0, le=32)
    # Seconds a stopping process gets to finish in-flight requests, events and messages.
    shutdown_timeout_seconds: int = Field(default=20, ge=1, le=600)
    # Periodic jobs (reminders, purges): how often the scheduler runs them, and how long its
    # lock outlives a scheduler that stopped renewing it (the failover time).
    scheduler_interval_seconds: int = Field(default=3600, ge=1)
    scheduler_lock_seconds: int = Field(default=30, ge=2, le=3600)
    # ---- end of serving ----

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _default_public_url(self) -> Settings:
        """Where people reach the app (links in e-mails, signed download URLs)."""
        if not self.public_url:
            self.public_url = f"http://localhost:{self.port}"
        if not self.api_url:
            self.api_url = self.public_url
        return self

    @model_validator(mode="after")
    def _installation_secret_key(self) -> Settings:
        """Without a configured key, outside production: the data folder's own key."""
        if not self.secret_key.get_secret_value() and self.environment != "production":
            self.secret_key = SecretStr(installation_secret.for_process(self.data_dir))
        return self

    @property
    def resolved_database_url(self) -> str:
        """The configured database, or a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ninevectors.db').as_posix()}"

    def check_production_safety(self) -> list[str]:
        """Problems that make this configuration unsafe to serve real customers."""
        problems: list[str] = []
        if self.environment == "production":
            problem = secret_key_problem(self.secret_key.get_secret_value())
            if problem:
                problems.append(problem)
        return problems


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` may not sign anything in production, or None."""
    if not key:
        return "NINEVECTORS_SECRET_KEY is not set"
    if key == DEVELOPMENT_SECRET:
        return "NINEVECTORS_SECRET_KEY is the development default"
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 8:
        return (
            f"NINEVECTORS_SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random "
            "characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
