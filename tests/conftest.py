"""Options shared by the whole suite."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=None,
        help="SQLAlchemy URL of a PostgreSQL server to run the market tests against "
        "(default: $TEST_DATABASE_URL, else SQLite). A throw-away database is created on it.",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked postgres_only run only when the suite is pointed at PostgreSQL."""
    import os

    if config.getoption("--db") or os.environ.get("TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: CI runs it with --db (SQLite has no concurrent writers)"
    )
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
