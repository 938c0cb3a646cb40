"""Two people at once on PostgreSQL: double pledging and double acceptance.

Both attempts are started in their own threads and connections while a third connection
holds the contested row lock, so both are inside their transactions before either can
finish; the database (row locks, the partial unique indexes) decides who wins.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from market.domain.errors import Conflict
from market.domain.states import OfferStatus, PledgeStatus
from market.frame import migrate
from market.models.lending import Loan, Offer
from market.models.pledges import Pledge
from tests.market.conftest import World, database_url_option
from tests.market.dbsetup import app_engine, scratch_database
from tests.market.invariants import check_invariants
from tests.market.lending_fixtures import collateral, make_offer, make_request, setup_pool

pytestmark = pytest.mark.postgres_only


@pytest.fixture()
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of its own: these tests commit for real."""
    with scratch_database(database_url_option(request.config), tmp_path) as (_url, eng):
        migrate.upgrade(eng)  # as the owner; the attempts connect as the site's role
        app = app_engine(eng)
        yield app
        app.dispose()


def _race(
    engine: Engine, lock_sql: str, lock_id: int, attempts: list[Callable[[Session], object]]
) -> list[object]:
    """Run `attempts` in threads while a row lock is held; return each result or error."""
    results: list[object] = [None] * len(attempts)
    holder = engine.connect()
    tx = holder.begin()
    holder.execute(text(lock_sql), {"id": lock_id})

    def run(i: int) -> None:
        with Session(engine, expire_on_commit=False) as s:
            try:
                results[i] = attempts[i](s)
            except Exception as exc:  # the test inspects what each attempt got
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    # pg_stat_activity is cached per transaction: poll it outside one.
    watcher = engine.execution_options(isolation_level="AUTOCOMMIT").connect()
    while time.monotonic() < deadline:  # wait until every attempt is blocked on the lock
        waiting = watcher.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
        ).scalar_one()
        if waiting >= len(attempts):
            break
        time.sleep(0.02)
    else:
        watcher.close()
        tx.rollback()
        holder.close()
        for t in threads:
            t.join(timeout=30)
        raise AssertionError(f"the attempts never met at the lock: {results}")
    watcher.close()
    tx.commit()
    holder.close()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_acceptances_of_one_request_make_one_loan(engine: Engine) -> None:
    from market.domain.kinds import OrgKind, Role
    from market.services import acceptance as acceptance_svc
    from market.services import offers as offer_svc
    from tests.market.factories import make_org, make_user
    from tests.market.lending_fixtures import offer_input

    with Session(engine, expire_on_commit=False) as s:
        world = World(s)
        setup_pool(s, world)
        request = make_request(s, world)
        first = make_offer(s, world, request.id or 0)
        bank2 = make_org(s, OrgKind.BANK)
        officer2 = make_user(s, bank2, Role.BANK_OFFICER)
        approver2 = make_user(s, bank2, Role.BANK_APPROVER)
        second = offer_svc.propose_offer(
            s, actor=officer2, request_id=request.id or 0, data=offer_input(rate_bp=470)
        )
        second = offer_svc.decide_offer(s, actor=approver2, offer_id=second.id or 0, approve=True)
        sme = world.sme

    results = _race(
        engine,
        "SELECT id FROM financing_request WHERE id = :id FOR UPDATE",
        request.id or 0,
        [
            lambda s: acceptance_svc.accept_offer(s, actor=sme, offer_id=first.id or 0),
            lambda s: acceptance_svc.accept_offer(s, actor=sme, offer_id=second.id or 0),
        ],
    )
    loans = [r for r in results if isinstance(r, Loan)]
    errors = [r for r in results if not isinstance(r, Loan)]
    assert len(loans) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), results
    with Session(engine) as s:
        assert len(s.exec(select(Loan)).all()) == 1
        statuses = sorted(o.status for o in s.exec(select(Offer)).all())
        assert statuses == sorted([OfferStatus.ACCEPTED, OfferStatus.LAPSED])
    with engine.connect() as conn:
        assert check_invariants(conn) == []


def test_two_loans_cannot_pledge_the_same_asset(engine: Engine) -> None:
    from market.services import acceptance as acceptance_svc

    with Session(engine, expire_on_commit=False) as s:
        world = World(s)
        setup_pool(s, world)
        shared = collateral(s, world)
        one = make_request(s, world, assets=shared)
        two = make_request(s, world, assets=shared[:1])
        offer1 = make_offer(s, world, one.id or 0)
        offer2 = make_offer(s, world, two.id or 0)
        sme = world.sme
        contested = shared[0].id or 0

    results = _race(
        engine,
        "SELECT id FROM ip_asset WHERE id = :id FOR UPDATE",
        contested,
        [
            lambda s: acceptance_svc.accept_offer(s, actor=sme, offer_id=offer1.id or 0),
            lambda s: acceptance_svc.accept_offer(s, actor=sme, offer_id=offer2.id or 0),
        ],
    )
    loans = [r for r in results if isinstance(r, Loan)]
    errors = [r for r in results if not isinstance(r, Loan)]
    assert len(loans) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), results
    with Session(engine) as s:
        live = s.exec(
            select(Pledge).where(Pledge.asset_id == contested, Pledge.status == PledgeStatus.ACTIVE)
        ).all()
        assert len(live) == 1
        assert len(s.exec(select(Loan)).all()) == 1
    with engine.connect() as conn:
        assert check_invariants(conn) == []


def test_the_unique_index_alone_stops_a_second_active_pledge(engine: Engine) -> None:
    """Without the application's checks: two raw inserts race; the database keeps one."""
    with Session(engine, expire_on_commit=False) as s:
        world = World(s)
        setup_pool(s, world)
        request = make_request(s, world)
        offer = make_offer(s, world, request.id or 0)
        from market.services import acceptance as acceptance_svc

        loan = acceptance_svc.accept_offer(s, actor=world.sme, offer_id=offer.id or 0)
        spare = collateral(s, world)[0]
        from market.services.valuations import latest

        valuation = latest(s, spare.id or 0)
        assert valuation is not None
    insert = text(
        "INSERT INTO pledge (loan_id, asset_id, valuation_id, registration_number, status, "
        "registered_on, release_reason, created_at) VALUES (:l, :a, :v, :n, 'active', "
        "CURRENT_DATE, '', now())"
    )

    def attempt(number: str) -> Callable[[Session], object]:
        def go(s: Session) -> object:
            s.execute(insert, {"l": loan.id, "a": spare.id, "v": valuation.id, "n": number})
            s.commit()
            return number

        return go

    results = _race(
        engine,
        "SELECT id FROM ip_asset WHERE id = :id FOR UPDATE",
        spare.id or 0,
        [attempt("ZYRACE1"), attempt("ZYRACE2")],
    )
    assert sorted(type(r).__name__ for r in results) == ["IntegrityError", "str"], results
