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
