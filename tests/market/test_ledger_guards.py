"""The database keeps the ledger and the audit log append-only and a reversal single on both
engines (on PostgreSQL the tests connect as the site's role, which lacks the rights too), and
every pool posting takes the pool's lock (issue 11)."""

from __future__ import annotations

import uuid

import pytest
from click.testing import Result
from flask.testing import FlaskCliRunner
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from market.domain.kinds import LedgerAccount
from market.frame.roles import APPEND_ONLY_TABLES, RoleError, app_role_statements
from market.models.integrity import LedgerReversal
from market.models.pool import LedgerEntry
from market.services import pool as pool_svc
from tests.market.conftest import World
from tests.market.lending_fixtures import first_txn, setup_pool


def _refused(connection: Connection, sql: str, **params: object) -> None:
    """The statement fails, and the test's transaction carries on (a savepoint)."""
    savepoint = connection.begin_nested()
    with pytest.raises(DBAPIError):
        connection.execute(text(sql), params)
    savepoint.rollback()


def test_ledger_and_audit_rows_cannot_be_changed_or_removed(
    connection: Connection, session: Session, world: World
) -> None:
    setup_pool(session, world)
    assert session.exec(select(LedgerEntry)).first() is not None  # the opening contribution
    assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one() >= 1
    for sql in (
        "UPDATE ledger_entry SET memo = 'changed'",
        "DELETE FROM ledger_entry",
        "UPDATE audit_event SET action = 'changed'",
        "DELETE FROM audit_event",
    ):
        _refused(connection, sql)
    assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one() >= 1


def test_a_transaction_is_reversed_once_even_past_the_code(
    connection: Connection, session: Session, world: World
) -> None:
    setup_pool(session, world)
    txn = first_txn(session)
    new = pool_svc.reverse(session, actor=world.users["bureau"], txn=txn, reason="Entered twice")
    assert session.get(LedgerReversal, txn) is not None
    # A second reversal row for the same transaction breaks the primary key.
    _refused(
        connection,
        "INSERT INTO ledger_reversal (reversed_txn, reversal_txn, created_at) "
        "VALUES (:txn, :new, CURRENT_TIMESTAMP)",
        txn=txn,
        new=uuid.uuid4().hex,
    )
    # Reversal lines without their ledger_reversal row are refused by a trigger.
    _refused(
        connection,
        "INSERT INTO ledger_entry (txn, posted_on, account, debit, credit, memo, reverses_txn, "
        "created_at) VALUES (:new, CURRENT_DATE, :account, 0, 1, 'again', :txn, "
        "CURRENT_TIMESTAMP)",
        new=uuid.uuid4().hex,
        account=LedgerAccount.POOL_CASH.value,
        txn=txn,
    )
    _refused(connection, "DELETE FROM ledger_reversal")
    reversals = session.exec(select(LedgerEntry).where(LedgerEntry.reverses_txn == txn)).all()
    assert {line.txn for line in reversals} == {new}


def test_postings_and_balance_reads_for_update_take_the_pools_lock(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every path that posts, or reads the balance to decide a posting, locks the pool first
    (the concurrency tests on PostgreSQL show the lock makes the second writer wait)."""
    setup_pool(session, world)
    calls: list[str] = []
    original = pool_svc.lock_pool

    def spy(s: Session) -> None:
        calls.append("lock")
        original(s)  # the lock's row is there after migrating, and can be locked

    monkeypatch.setattr(pool_svc, "lock_pool", spy)
    bureau = world.users["bureau"]
    pool_svc.contribute(session, actor=bureau, amount=1_00, memo="")
    assert calls == ["lock"]
    assert pool_svc.pool_balance(session, for_update=True) > 0 and len(calls) == 2
    assert pool_svc.pool_balance(session) > 0 and len(calls) == 2  # a plain read does not
    pool_svc.reverse(session, actor=bureau, txn=first_txn(session), reason="Entered twice")
    assert len(calls) == 4  # before its checks, and again as it posts


def test_the_role_statements_grant_only_reading_and_appending_on_the_ledger() -> None:
    sql = app_role_statements("ipmarket_app", database="market", password="it's secret")
    joined = "\n".join(sql)
    assert "PASSWORD 'it''s secret'" in joined  # quoted, not injected
    revoke = next(s for s in sql if s.startswith("REVOKE UPDATE, DELETE ON"))
    assert all(table in revoke for table in APPEND_ONLY_TABLES)
    assert "REVOKE CREATE ON SCHEMA public" in joined and "SUPERUSER" in joined
    for bad in ("app; DROP TABLE x", "App", "", "x" * 64):
        with pytest.raises(RoleError):
            app_role_statements(bad, database="market")


def test_create_roles_is_for_postgresql(runner: FlaskCliRunner, connection: Connection) -> None:
    result: Result = runner.invoke(args=["db", "create-roles", "--print"])
    if connection.dialect.name == "postgresql":
        assert result.exit_code == 0 and "GRANT SELECT, INSERT" in result.output, result.output
    else:
        assert result.exit_code != 0 and "PostgreSQL" in result.output
