"""Money under concurrent requests on PostgreSQL, connected as the site's own role: the pool is
a single writer, a reversal happens once, a form key is used once, and the database refuses
what the site must never do (issue 11).

As in test_lending_concurrency, a third connection holds the contested lock until every
attempt is waiting on it, so all of them are inside their transactions before any finishes.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, func, select

from market.domain.errors import Conflict
from market.domain.kinds import LedgerAccount
from market.domain.states import ClaimStatus
from market.frame import migrate
from market.models.integrity import LedgerReversal
from market.models.pool import Claim, LedgerEntry
from market.models.servicing import Repayment
from market.services import claim_decision as claims
from market.services import pool as pool_svc
from market.services import servicing
from market.services.previews import FIELD as PREVIEW_FIELD
from tests.market.conftest import World, database_url_option, make_test_app, sign_in
from tests.market.dbsetup import app_engine, scratch_database
from tests.market.formkeys import keyed
from tests.market.invariants import check_invariants
from tests.market.lending_fixtures import (
    first_txn,
    make_claim,
    make_loan,
    make_npl,
    set_day,
    setup_pool,
)
from tests.market.previewkit import preview
from tests.market.test_lending_concurrency import _race

pytestmark = pytest.mark.postgres_only

POOL_ROW = "SELECT id FROM pool_lock WHERE id = :id FOR UPDATE"
LOAN_ROW = "SELECT id FROM loan WHERE id = :id FOR UPDATE"


@pytest.fixture()
def engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """(owner, site role) engines on a migrated database of their own: these tests commit."""
    with scratch_database(database_url_option(request.config), tmp_path) as (_url, owner):
        migrate.upgrade(owner)
        app = app_engine(owner)
        yield owner, app
        app.dispose()


def _balance(engine: Engine) -> int:
    with Session(engine) as s:
        return pool_svc.pool_balance(s)


def _count(engine: Engine, table: type[Any]) -> int:
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(table)).one())


def test_two_claim_approvals_share_what_the_pool_has_and_never_overdraw_it(
    engines: tuple[Engine, Engine],
) -> None:
    _, engine = engines
    with Session(engine, expire_on_commit=False) as s:
        world = World(s)
        setup_pool(s, world)
        loans = [make_loan(s, world), make_loan(s, world)]
        make_npl(s, loans[0])
        filed = [make_claim(s, world, loan) for loan in loans]
        bureau = world.users["bureau"]
        # Leave the pool 150 CNY: less than either claim's pool share.
        pool_svc.reverse(s, actor=bureau, txn=first_txn(s), reason="Opening funds withdrawn")
        pool_svc.contribute(s, actor=bureau, amount=150_00, memo="What is left")

    def approve(claim_id: int) -> Callable[[Session], object]:
        return lambda s: claims.decide_claim(
            s, actor=bureau, claim_id=claim_id, approve=True, reason=""
        )

    results = _race(engine, POOL_ROW, 1, [approve(c.id or 0) for c in filed])
    assert all(isinstance(r, Claim) for r in results), results
    with Session(engine) as s:
        decided = s.exec(select(Claim).order_by(Claim.id)).all()  # type: ignore[arg-type]
        assert [c.status for c in decided] == [ClaimStatus.APPROVED] * 2
        # The second approval read the balance after the first had paid: 150 CNY, then 0.
        assert sorted(c.pool_balance_at_decision or 0 for c in decided) == [0, 150_00]
        assert sorted(int(c.split.get("pool", 0)) for c in decided) == [0, 150_00]
    assert _balance(engine) == 0
    with engine.connect() as conn:
        assert check_invariants(conn) == []


def test_racing_reversals_of_one_entry_make_exactly_one(engines: tuple[Engine, Engine]) -> None:
    _, engine = engines
    with Session(engine, expire_on_commit=False) as s:
        world = World(s)
        setup_pool(s, world)
        txn = first_txn(s)
        bureau = world.users["bureau"]
        before = _balance(engine)

    def reverse(s: Session) -> object:
        return pool_svc.reverse(s, actor=bureau, txn=txn, reason="Entered twice")

    results = _race(engine, POOL_ROW, 1, [reverse, reverse, reverse])
    done = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(done) == 1 and len(refused) == 2, results
    assert _count(engine, LedgerReversal) == 1
    assert _balance(engine) == 0 and before > 0
    with engine.connect() as conn:
        assert check_invariants(conn) == []


def test_the_database_alone_keeps_one_reversal_of_an_entry(
    engines: tuple[Engine, Engine],
) -> None:
    """Without the application's checks or lock: two raw reversal rows race; one is kept."""
    _, engine = engines
    with Session(engine, expire_on_commit=False) as s:
        setup_pool(s, World(s))
        txn = first_txn(s)
    insert = text(
        "INSERT INTO ledger_reversal (reversed_txn, reversal_txn, created_at) "
        "VALUES (:txn, :new, now())"
    )
    first = engine.connect()
    first.begin()
    first.execute(insert, {"txn": txn, "new": uuid.uuid4().hex})
    outcome: list[object] = []

    def second() -> None:
        with engine.connect() as conn:
            try:
                conn.execute(insert, {"txn": txn, "new": uuid.uuid4().hex})
                conn.commit()
                outcome.append("committed")
            except IntegrityError as exc:
                outcome.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=1)  # it waits on the first one's unique key
    assert thread.is_alive() and outcome == []
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], IntegrityError), outcome
    assert _count(engine, LedgerReversal) == 1


def _clients(engine: Engine, user_id: int, n: int) -> list[Any]:
    app = make_test_app(engine)
    with Session(engine) as s:
        from market.models.orgs import User

        user = s.get(User, user_id)
        return [sign_in(app.test_client(), user) for _ in range(n)]


def _posts(clients: list[Any], url: str, forms: list[dict[str, Any]]) -> list[Callable[..., Any]]:
    def attempt(i: int) -> Callable[[Session], object]:
        return lambda _s: clients[i].post(url, data=forms[i])

    return [attempt(i) for i in range(len(forms))]


@pytest.mark.parametrize("same_key", [True, False], ids=["same key", "new keys"])
def test_ten_concurrent_contributions(engines: tuple[Engine, Engine], same_key: bool) -> None:
    _, engine = engines
    with Session(engine, expire_on_commit=False) as s:
        world = World(s)
        setup_pool(s, world)
        bureau_id = world.users["bureau"].id or 0
    before = _balance(engine)
    one = keyed({"amount": "10", "memo": "Top-up"})
    forms = [one if same_key else keyed({"amount": "10", "memo": "Top-up"}) for _ in range(10)]
    clients = _clients(engine, bureau_id, 10)
    # Each form was previewed (the figures of a contribution are its amount, memo and day).
    digest = preview(clients[0], "/pool/contributions", forms[0])[1]
    forms = [{**form, PREVIEW_FIELD: digest} for form in forms]
    responses = _race(engine, POOL_ROW, 1, _posts(clients, "/pool/contributions", forms))
    assert [getattr(r, "status_code", r) for r in responses] == [302] * 10, responses
    assert _balance(engine) == before + (1 if same_key else 10) * 10_00


@pytest.mark.parametrize("same_key", [True, False], ids=["same key", "new keys"])
def test_ten_concurrent_repayments(engines: tuple[Engine, Engine], same_key: bool) -> None:
    _, engine = engines
    with Session(engine, expire_on_commit=False) as s:
        world = World(s)
        setup_pool(s, world)
        loan = make_loan(s, world)
        loan_id = loan.id or 0
        set_day(s, servicing.instalments(s, loan_id)[0].due_on)
        officer_id = world.users["bank_officer"].id or 0
    data = {"amount": "100", "kind": "scheduled"}
    one = keyed(data)
    forms = [one if same_key else keyed(data) for _ in range(10)]
    clients = _clients(engine, officer_id, 10)
    url = f"/loans/{loan_id}/repayments"
    responses = _race(engine, LOAN_ROW, loan_id, _posts(clients, url, forms))
    assert [getattr(r, "status_code", r) for r in responses] == [302] * 10, responses
    assert _count(engine, Repayment) == (1 if same_key else 10)
    with engine.connect() as conn:
        assert check_invariants(conn) == []


def test_ten_identical_posts_without_a_key_record_nothing(
    engines: tuple[Engine, Engine],
) -> None:
    _, engine = engines
    with Session(engine, expire_on_commit=False) as s:
        world = World(s)
        setup_pool(s, world)
        bureau_id = world.users["bureau"].id or 0
    before = _balance(engine)
    clients = _clients(engine, bureau_id, 1)
    for _ in range(10):
        response = clients[0].post("/pool/contributions", data={"amount": "10", "memo": "x"})
        assert response.status_code == 422
    assert _balance(engine) == before


# --- the database defends itself ---------------------------------------------------------------

REFUSED = [
    "TRUNCATE ledger_entry",
    "TRUNCATE audit_event",
    "TRUNCATE ledger_reversal",
    "UPDATE ledger_entry SET debit = debit + 1",
    "DELETE FROM ledger_entry",
    "UPDATE audit_event SET action = 'x'",
    "DELETE FROM audit_event",
    "CREATE TABLE intruder (id int)",
    "DROP TABLE ledger_entry",
]


def _refused(engine: Engine, sql: str) -> str:
    """The SQLSTATE with which the statement is refused (it must be refused)."""
    with engine.connect() as conn:
        with pytest.raises(DBAPIError) as caught:
            conn.execute(text(sql))
        conn.rollback()
    return str(getattr(caught.value.orig, "sqlstate", ""))


def test_the_site_role_cannot_change_the_ledger_or_the_audit_log_or_the_schema(
    engines: tuple[Engine, Engine],
) -> None:
    owner, engine = engines
    with Session(engine, expire_on_commit=False) as s:
        setup_pool(s, World(s))
    for sql in REFUSED:
        assert _refused(engine, sql) == "42501", sql  # insufficient_privilege
    # The owner has the rights, and the triggers still refuse (restrict_violation).
    for sql in REFUSED[:7]:
        assert _refused(owner, sql) == "23001", sql
    assert _count(engine, LedgerEntry) > 0


def test_an_unbalanced_ledger_transaction_cannot_be_committed(
    engines: tuple[Engine, Engine],
) -> None:
    owner, engine = engines
    with Session(engine, expire_on_commit=False) as s:
        setup_pool(s, World(s))
    lines = _count(engine, LedgerEntry)
    insert = text(
        "INSERT INTO ledger_entry (txn, posted_on, account, debit, credit, memo, created_at) "
        "VALUES (:txn, CURRENT_DATE, :account, :debit, :credit, 'raw', now())"
    )
    for bind in (engine, owner):
        txn = uuid.uuid4().hex
        with bind.connect() as conn:
            cash = LedgerAccount.POOL_CASH.value
            conn.execute(insert, {"txn": txn, "account": cash, "debit": 1, "credit": 0})
            with pytest.raises(DBAPIError) as caught:
                conn.commit()  # the deferred constraint trigger runs at COMMIT
            assert getattr(caught.value.orig, "sqlstate", "") == "23514"  # check_violation
    # A balanced pair commits.
    txn = uuid.uuid4().hex
    with engine.begin() as conn:
        for account, debit, credit in (
            (LedgerAccount.POOL_CASH, 1, 0),
            (LedgerAccount.FUNDING, 0, 1),
        ):
            conn.execute(
                insert, {"txn": txn, "account": account.value, "debit": debit, "credit": credit}
            )
    assert _count(engine, LedgerEntry) == lines + 2
