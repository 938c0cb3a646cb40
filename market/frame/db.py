"""Database engine, one session per request, and the transaction helper."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlmodel import Session

ENGINE_KEY = "ipmarket.bind"


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets foreign keys and a busy timeout."""
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    return engine


def _sqlite_pragmas(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> None:
    """Attach the engine (or the connection a test passes as DB_BIND) and the teardown."""
    bind = app.config.pop("DB_BIND", None)
    app.extensions[ENGINE_KEY] = (
        bind if bind is not None else make_engine(app.config["DATABASE_URL"])
    )
    app.teardown_appcontext(close_session)


def get_bind(app: Flask | None = None) -> Engine | Connection:
    """The engine, or the connection a test has put in its place."""
    bind: Engine | Connection = (app or current_app).extensions[ENGINE_KEY]
    return bind


def new_session(app: Flask | None = None) -> Session:
    """A fresh session on the app's bind; tests join their outer transaction."""
    bind = get_bind(app)
    if isinstance(bind, Connection):
        return Session(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")
    return Session(bind=bind, expire_on_commit=False)


def get_session() -> Session:
    """The session of the current request or CLI command."""
    if "db_session" not in g:
        g.db_session = new_session()
    session: Session = g.db_session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's session (rolling back anything uncommitted)."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Run a unit of work: commit on success, roll back on any error."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
