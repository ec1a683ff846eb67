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

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# A fixed development secret: fine for a laptop, refused in production (see below).
DEVELOPMENT_SECRET = "ninevectors-development-secret-change-me"


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
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)

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

    stripe_secret_key: SecretStr = SecretStr("")
    stripe_webhook_secret: SecretStr = SecretStr("")

    load_demo_data: bool = True

    document_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1)  # one uploaded file

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
            if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
                problems.append("NINEVECTORS_SECRET_KEY is the development default")
        return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
