"""Throw-away databases for the test session: an SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from market.frame.db import make_engine
from market.frame.roles import app_role_statements

# The role the market tests connect as on PostgreSQL, as the site does in production.
APP_ROLE = "ipmarket_test_app"


@contextmanager
def scratch_database(base_url: str | None, tmp_dir: Path) -> Iterator[tuple[str, Engine]]:
    """Yield (url, engine) of an empty database that is dropped afterwards."""
    if not base_url:
        url = f"sqlite:///{tmp_dir / f'test-{uuid.uuid4().hex[:8]}.db'}"
        engine = make_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()
        return
    server = make_url(base_url)
    name = f"ipm_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def app_engine(owner: Engine) -> Engine:
    """After migrating as the owner: grant the application role and return an engine that
    connects as it (SQLite has no roles: the same engine)."""
    if owner.dialect.name != "postgresql":
        return owner
    with owner.begin() as conn:
        for statement in app_role_statements(APP_ROLE, database=owner.url.database or ""):
            conn.exec_driver_sql(statement)
    return make_engine(owner.url.set(username=APP_ROLE, password=None).render_as_string())
