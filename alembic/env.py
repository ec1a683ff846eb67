"""Alembic environment: the models' metadata, the URL from the app settings.

The URL is, in order: ``config.attributes["database_url"]`` (set by
``ninevectors.services.database.migrate``), ``-x url=...`` on the command line, then
``get_settings().resolved_database_url``. SQLite runs in batch mode so ALTERs work.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import ninevectors.models.tables  # noqa: F401 - registers the tables on SQLModel.metadata
from ninevectors.models.tables import UtcDateTime
from ninevectors.services.database import make_engine
from ninevectors.settings import get_settings

config = context.config
target_metadata = SQLModel.metadata

# Serialises concurrent upgrades (several app workers starting at once) on PostgreSQL.
MIGRATION_LOCK_ID = 0x9EC7025

if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = config.attributes.get("database_url") or context.get_x_argument(as_dictionary=True).get(
        "url"
    )
    return str(url or get_settings().resolved_database_url)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTC datetime type as the plain column type it stores."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave alone tables that live in the database but not in our models.

    The SQL document store keeps its own table (``store_items``) in the same database and
    creates it itself; autogenerate must never propose dropping it. The price: removing a
    model needs a hand-written ``op.drop_table``.
    """
    if type_ == "table":
        return name in target_metadata.tables
    return True


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_item=render_item,
        include_name=include_name,
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    url = database_url()
    _configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})"))
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
