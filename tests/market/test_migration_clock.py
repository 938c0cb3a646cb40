"""Migration 0012_clock gives every existing audit event a business date (its UTC calendar
date: the best record of events written before the date was stored) and keeps the audit log
append-only (SQLite rebuilds the table and must re-create its triggers)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from market.frame import migrate
from tests.market.conftest import database_url_option
from tests.market.dbsetup import scratch_database


def test_0012_backfills_the_business_date_and_keeps_the_audit_log_append_only(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with scratch_database(database_url_option(request.config), tmp_path) as (_url, engine):
        migrate.upgrade(engine, "0007_hardening")
        with engine.begin() as conn:
            # Written at 23:30 UTC on 2026-03-02: its date is 2026-03-02 (UTC), whatever the
            # database session's timezone.
            conn.execute(
                text(
                    "INSERT INTO audit_event (at, action, object_type, before, after) "
                    "VALUES (:at, 'asset.create', 'IPAsset', '{}', '{}')"
                ),
                {"at": dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)},
            )
        migrate.upgrade(engine, "0012_clock")
        with engine.begin() as conn:
            day = conn.execute(text("SELECT business_on FROM audit_event")).scalar_one()
            assert str(day) == "2026-03-02"
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET action = 'x'"))
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_event"))
