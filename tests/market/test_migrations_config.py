"""Migrations build the schema from nothing on both databases and match the models;
configuration refuses unsafe settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import market.models  # noqa: F401
from market import create_app
from market.frame import migrate
from market.frame.config import ConfigError
from tests.market.conftest import database_url_option
from tests.market.dbsetup import scratch_database


def test_upgrade_from_empty_matches_models_and_downgrades(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with scratch_database(database_url_option(request.config), tmp_path) as (_url, engine):
        migrate.upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diff == [], f"models and migrations differ; write a migration: {diff}"
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())


def test_production_refuses_the_default_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("IPMARKET_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("PAYMENTS_SIMULATED_OK", "1")  # payments: see tests/market/test_payments_*
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_url_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("IPMARKET_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    app = create_app()
    assert app.config["DATABASE_URL"].endswith("env.db")
    monkeypatch.delenv("DATABASE_URL")
    app = create_app()
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["DATABASE_URL"].endswith("instance/ipmarket.db")
