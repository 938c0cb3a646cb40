"""The desk's roll-ups (issue 13): written by the day-end, equal to the live computation right
after it, the days since added live, the NPL tables as of the last day-end; each loan's
collateral kind set at acceptance. Figures worked by hand from the arranged events."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, timedelta

from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, col, select

from market.domain.kinds import AssetKind
from market.frame.db import transaction
from market.models.lending import Loan
from market.models.rollups import DeskMonth
from market.services import desk_history, desk_rollup
from market.services import pool as pool_svc
from market.services.clock import business_date
from tests.market.conftest import World, sign_in
from tests.market.factories import make_asset
from tests.market.lending_fixtures import desk_book, make_claim, make_loan, set_day, setup_pool

M = 1_000_000_00  # one million CNY in fen


def _live(session: Session) -> tuple[object, ...]:
    """Every dashboard figure computed live from the book."""
    today = business_date(session)
    return (
        [astuple(m) for m in desk_history.monthly(session, today=today, leverage=10.0)],
        astuple(desk_history.npl_total(session)),
        {d: [astuple(r) for r in desk_history.npl_by(session, d)] for d in desk_rollup.DIMENSIONS},
        [astuple(b) for b in desk_history.bank_triggers(session, year=today.year)],
    )


def _rolled(session: Session) -> tuple[object, ...]:
    """The same figures as the dashboard reads them: roll-ups plus the days since."""
    today = business_date(session)
    as_of = desk_rollup.stamp(session)
    assert as_of is not None
    total, by = desk_rollup.npl(session, as_of=as_of)
    return (
        [astuple(m) for m in desk_rollup.monthly(session, today=today, leverage=10.0, as_of=as_of)],
        astuple(total),
        {d: [astuple(r) for r in rows] for d, rows in by.items()},
        [astuple(b) for b in desk_rollup.bank_triggers(session, year=today.year, as_of=as_of)],
    )


def _arrange(session: Session, world: World) -> tuple[Loan, Loan]:
    """`desk_book` (40m + 5m in the pool; loans A 1m patent + trademark, NPL, and B 2m one
    patent), loan A's claim filed, then a day-end on the next day."""
    loan_a, loan_b = desk_book(session, world)
    make_claim(session, world, loan_a)
    set_day(session, business_date(session) + timedelta(days=1))
    return loan_a, loan_b


def test_collateral_kind_is_set_at_acceptance_and_backfilled(
    session: Session, world: World
) -> None:
    loan_a, loan_b = _arrange(session, world)
    session.refresh(loan_a)
    session.refresh(loan_b)
    # A pledges a patent and a trademark: "mixed"; B one invention patent
    assert (loan_a.collateral_kind, loan_b.collateral_kind) == ("mixed", "invention_patent")
    with transaction(session):
        for loan in (loan_a, loan_b):
            loan.collateral_kind = None
            session.add(loan)
    with transaction(session):
        assert desk_rollup.fill_collateral_kinds(session) == 2
    kinds = session.exec(select(Loan.collateral_kind).order_by(col(Loan.id))).all()
    assert list(kinds) == ["mixed", "invention_patent"]


def test_rollups_equal_the_live_figures_after_a_day_end(session: Session, world: World) -> None:
    _arrange(session, world)
    as_of = desk_rollup.stamp(session)
    assert as_of is not None and as_of.as_of == business_date(session)
    assert _rolled(session) == _live(session)
    total, by = desk_rollup.npl(session, as_of=as_of)
    # 1m (loan A, NPL) of 3m live enrolled principal; A is the only "mixed" loan
    assert (total.loans, total.principal, total.npl_loans, total.npl_principal) == (2, 3 * M, 1, M)
    kinds = {r.key: (r.principal, r.npl_principal) for r in by["kind"]}
    assert kinds == {"mixed": (M, M), "invention_patent": (2 * M, 0)}
    # the stored months stop before the roll-up's date: January's 40m and February's 5m
    stored = {m.month: m for m in session.exec(select(DeskMonth))}
    assert stored["2026-01"].contributions == 40 * M and stored["2026-01"].enrolled == M
    assert stored["2026-02"].contributions == 5 * M and stored["2026-02"].enrolled == 2 * M


def test_the_days_since_the_day_end_are_added_live(session: Session, world: World) -> None:
    _arrange(session, world)
    today = business_date(session)
    before = _rolled(session)
    # the same business day, after the day-end: 3m more in the pool and loan C of 1.5m
    pool_svc.contribute(session, actor=world.users["bureau"], amount=3 * M, memo="More")
    patent = make_asset(session, world.sme, AssetKind.INVENTION_PATENT)
    make_loan(session, world, assets=[patent], amount=15 * M // 10)
    as_of = desk_rollup.stamp(session)
    months = desk_rollup.monthly(session, today=today, leverage=10.0, as_of=as_of)
    live = desk_history.monthly(session, today=today, leverage=10.0)
    assert [astuple(m) for m in months] == [astuple(m) for m in live]
    assert months[-1].balance == 40 * M + 5 * M + 3 * M
    assert months[-1].live_principal == 3 * M + 15 * M // 10
    banks = desk_rollup.bank_triggers(session, year=today.year, as_of=as_of)
    assert [(b.enrolled_principal, b.losses_this_year) for b in banks] == [(45 * M // 10, 0)]
    # the NPL tables stay as of the day-end (2 loans) until the next one counts loan C
    assert _rolled(session)[1:3] == before[1:3]
    assert desk_history.npl_total(session).loans == 3
    set_day(session, today + timedelta(days=1))
    assert _rolled(session) == _live(session)
    assert desk_rollup.npl(session, as_of=desk_rollup.stamp(session))[0].loans == 3


def test_the_rollup_command_refreshes_them(
    runner: FlaskCliRunner, session: Session, world: World
) -> None:
    setup_pool(session, world, day=date(2026, 1, 5))
    make_loan(session, world)  # after the day-end: not in the NPL roll-up yet
    as_of = desk_rollup.stamp(session)
    assert desk_rollup.npl(session, as_of=as_of)[0].loans == 0
    result = runner.invoke(args=["desk-rollup"])
    assert result.exit_code == 0 and "2026-01-05" in result.output
    session.expire_all()
    assert desk_rollup.npl(session, as_of=desk_rollup.stamp(session))[0].loans == 1
    # refreshed late in the day, the split by day still counts the loan once
    assert _rolled(session) == _live(session)


def test_the_page_says_the_npl_tables_are_as_of_the_last_day_end(
    client: FlaskClient, session: Session, world: World
) -> None:
    _arrange(session, world)
    sign_in(client, world.users["bureau"])
    html = client.get("/desk/").get_data(as_text=True)
    note = html.split('id="desk-npl-as-of">', 1)[1].split("</p>", 1)[0]
    # loan A: disbursed 5 Jan, first instalment due 5 Feb, 95 days overdue on 11 May (a
    # day-end), then the day-end of 12 May wrote the roll-ups
    assert business_date(session) == date(2026, 5, 12)
    assert "As of the last day-end" in note and "May 12, 2026" in note
