"""Alembic environment: runs on the connection or engine the caller passes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, create_engine
from sqlmodel import SQLModel

import market.models  # noqa: F401  (registers every table)

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    bind = config.attributes.get("bind")
    if isinstance(bind, Connection):
        _run(bind)
        return
    engine = (
        bind
        if isinstance(bind, Engine)
        else create_engine(config.get_main_option("sqlalchemy.url") or "")
    )
    with engine.begin() as connection:
        _run(connection)


run_online()
