"""Migration 0004_interest keeps what was there: a threshold setting saved under the old
">= N days" reading keeps its meaning, and the ledger stays append-only after its CHECK on
the account widens (SQLite rebuilds the table and must re-create the triggers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError

from market.frame import migrate
from tests.market.conftest import database_url_option
from tests.market.dbsetup import scratch_database


def test_0004_converts_thresholds_and_keeps_the_ledger_append_only(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with scratch_database(database_url_option(request.config), tmp_path) as (_url, engine):
        migrate.upgrade(engine, "0003_lending")
        with engine.begin() as conn:
            columns = "key, value" + (
                ", updated_at" if "updated_at" in _columns(conn, "setting") else ""
            )
            values = "'classification_thresholds', '1/90/180/360'" + (
                ", CURRENT_TIMESTAMP" if "updated_at" in columns else ""
            )
            conn.execute(text(f"INSERT INTO setting ({columns}) VALUES ({values})"))
        migrate.upgrade(engine, "0004_interest")
        with engine.begin() as conn:
            stored = conn.execute(
                text("SELECT value FROM setting WHERE key = 'classification_thresholds'")
            ).scalar_one()
            # ">= 1/90/180/360" is "more than 0/89/179/359": the same loans, same classes.
            assert stored == "0/89/179/359"
            conn.execute(
                text(
                    "INSERT INTO ledger_entry (txn, posted_on, account, debit, credit, memo, "
                    "created_at) VALUES ('t1', '2026-01-05', 'subsidy_payable', 0, 5, '', "
                    "CURRENT_TIMESTAMP)"
                )
            )
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text("UPDATE ledger_entry SET credit = 6 WHERE txn = 't1'"))
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text("DELETE FROM ledger_entry WHERE txn = 't1'"))


def _columns(conn: Connection, table: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table)}
