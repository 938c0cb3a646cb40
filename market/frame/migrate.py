"""Alembic migrations, driven programmatically from the app's database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

HERE = Path(__file__).resolve().parent / "migrations"


def alembic_config(bind: Engine | Connection) -> Config:
    """An Alembic config that runs on `bind` (an engine or an open connection)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    url = bind.engine.url if isinstance(bind, Connection) else bind.url
    cfg.set_main_option(
        "sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%")
    )
    cfg.attributes["bind"] = bind
    return cfg


def upgrade(bind: Engine | Connection, revision: str = "heads") -> None:
    """Bring the schema up to `revision` ("heads": every branch of migrations)."""
    command.upgrade(alembic_config(bind), revision)


def downgrade(bind: Engine | Connection, revision: str) -> None:
    """Take the schema back to `revision`."""
    command.downgrade(alembic_config(bind), revision)


def current(bind: Engine | Connection) -> None:
    """Print the current revision."""
    command.current(alembic_config(bind))


def revision(bind: Engine | Connection, message: str) -> None:
    """Autogenerate a new revision from the models (developers only)."""
    command.revision(alembic_config(bind), message=message, autogenerate=True)
