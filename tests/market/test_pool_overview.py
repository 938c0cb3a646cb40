"""The pool overview reads the desk's roll-ups plus what changed since the last day-end (issue
12): pool balance, leverage used, enrolled principal, this year's losses and the ledger's
totals stay exact and current; the live and NPL loan counts per bank and the NPL outstanding
are the last day-end's, and the page says so.

Worked by hand from the arranged events (`desk_book`, the demo scheme: pool 54% of a loss,
leverage 10x; seeds/demo/scheme.json). 40m CNY paid in on 5 Jan and 5m on 10 Feb; loan A
(1m, 5 Jan) and loan B (2m, 10 Feb), both the world's bank and enrolled. A's first instalment
is never paid: 95 days past due it is substandard (NPL, the 2023 rule); A's claim is filed
(in claim: still live), then a day-end writes the roll-ups. Then, on that business day:
- balance 45m; live enrolled principal A + B = 3m, the limit 10 x 45m = 450m, 3m / 450m =
  0.67% -> "0.7%"; the bank: 3m enrolled, 2 live loans, 1 NPL loan, A's 1m outstanding (nothing
  repaid); the pool's exposure 1m x 54% = 540k; 45m contributed, nothing paid or recovered.
- then 3m more is paid in, loan C (1.5m) is accepted and A's claim is approved: A's loss is
  its 1m outstanding principal, the pool pays 54% = 540k and A, compensated, is no longer
  live. Balance 45m + 3m - 540k = 47.46m; live enrolled principal 3m + 1.5m - 1m = 3.5m;
  the bank enrolled 4.5m (any state); its approved losses this year 1m; the counts and the
  NPL outstanding stay the day-end's (2 live, 1 NPL, A's 1m) until the next day-end counts B
  and C live (2), none NPL and nothing NPL owed (A is compensated).
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlmodel import Session, col

from market.domain.kinds import AssetKind
from market.domain.money import format_fen
from market.frame.db import transaction
from market.models.rollups import DeskGroup
from market.services import claim_decision, desk_rollup
from market.services import pool as pool_svc
from market.services.clock import business_date
from market.services.desk_rollup import stamp
from market.views.pool.figures import npl_book
from tests.market.conftest import World, sign_in
from tests.market.factories import make_asset
from tests.market.lending_fixtures import desk_book, make_claim, make_loan, set_day

M = 1_000_000_00  # one million CNY in fen


def _cells(html: str, bank: str) -> list[str]:
    """The cells of the bank's row of the NPL-by-bank table, tags removed."""
    table = html.split('id="npl-by-bank"', 1)[1].split("</table>", 1)[0]
    row = next(r for r in table.split("<tr")[1:] if bank in r)
    return [re.sub(r"<[^>]+>", "", "<td" + c).strip() for c in row.split("<td")[1:]]


def _stat(html: str, ident: str) -> str:
    return html.split(f'id="{ident}">', 1)[1].split("<", 1)[0]


def _arrange(session: Session, world: World) -> int:
    """`desk_book`, loan A's claim filed, a day-end the next day; returns the claim's id."""
    loan_a, _loan_b = desk_book(session, world)
    claim = make_claim(session, world, loan_a)
    set_day(session, business_date(session) + timedelta(days=1))
    assert claim.id is not None
    return claim.id


def test_after_a_day_end_the_overview_shows_the_hand_worked_figures(
    client: FlaskClient, session: Session, world: World
) -> None:
    _arrange(session, world)
    today = business_date(session)
    version = pool_svc.scheme_in_force(session, today)
    assert version is not None
    book = npl_book(session, today=today, scheme=pool_svc.scheme_of(version))
    assert book.as_of is not None and book.as_of.as_of == today
    assert (book.live_principal, book.npl_outstanding, book.pool_exposure) == (
        3 * M, M, 54 * M // 100
    )
    flows = book.flows
    assert (flows.contributions, flows.compensation, flows.recoveries) == (45 * M, 0, 0)
    (row,) = [r for r in book.banks if r.bank.id == world.bank.id]
    assert (row.enrolled_principal, row.live_loans, row.npl_loans, row.npl_outstanding) == (
        3 * M, 2, 1, M
    )
    sign_in(client, world.users["bureau"])
    html = client.get("/pool/").get_data(as_text=True)
    assert _stat(html, "pool-balance") == format_fen(45 * M)
    assert _stat(html, "leverage-used") == format_fen(3 * M)
    assert _stat(html, "leverage-headroom") == format_fen(450 * M - 3 * M)
    assert "0.7%" in html
    assert _stat(html, "pool-contributed") == format_fen(45 * M)
    assert _cells(html, world.bank.name)[1:6] == [
        format_fen(3 * M), "2", "1", format_fen(M), format_fen(0)
    ]
    note = html.split('id="pool-npl-as-of">', 1)[1].split("</p>", 1)[0]
    assert "Figures marked * " in note and "as of the last day-end" in note
    assert "May 12, 2026" in note  # A: first due 5 Feb, 95 days overdue, a day later


def test_changes_since_the_day_end_count_at_once_and_the_counts_at_the_next(
    client: FlaskClient, session: Session, world: World
) -> None:
    claim_id = _arrange(session, world)
    bureau = world.users["bureau"]
    pool_svc.contribute(session, actor=bureau, amount=3 * M, memo="More")
    patent = make_asset(session, world.sme, AssetKind.INVENTION_PATENT)
    make_loan(session, world, assets=[patent], amount=15 * M // 10)
    claim_decision.decide_claim(session, actor=bureau, claim_id=claim_id, approve=True, reason="Ok")
    today = business_date(session)
    as_of = stamp(session)
    assert as_of is not None and as_of.as_of == today  # no day-end since
    balance = 45 * M + 3 * M - 54 * M // 100
    assert pool_svc.pool_balance(session) == balance
    sign_in(client, world.users["bureau"])
    html = client.get("/pool/").get_data(as_text=True)
    assert _stat(html, "pool-balance") == format_fen(balance)
    assert _stat(html, "leverage-used") == format_fen(35 * M // 10)
    assert _stat(html, "leverage-headroom") == format_fen(10 * balance - 35 * M // 10)
    assert _stat(html, "pool-contributed") == format_fen(48 * M)
    assert _stat(html, "pool-compensation") == format_fen(54 * M // 100)
    # enrolled 4.5m; 2 live, 1 NPL owing 1m as of the day-end; 1m lost this year
    assert _cells(html, world.bank.name)[1:6] == [
        format_fen(45 * M // 10), "2", "1", format_fen(M), format_fen(M)
    ]
    set_day(session, today + timedelta(days=1))
    html = client.get("/pool/").get_data(as_text=True)
    assert _cells(html, world.bank.name)[1:6] == [
        format_fen(45 * M // 10), "2", "0", format_fen(0), format_fen(M)
    ]
    assert _stat(html, "leverage-used") == format_fen(35 * M // 10)


def test_a_roll_up_written_before_these_rows_were_kept_is_counted_live(
    session: Session, world: World
) -> None:
    _arrange(session, world)
    with transaction(session):  # as a day-end before this change wrote it
        session.execute(
            sa.delete(DeskGroup).where(
                col(DeskGroup.dimension).in_((desk_rollup.BANK_BOOK, desk_rollup.NPL_OWED))
            )
        )
    today = business_date(session)
    version = pool_svc.scheme_in_force(session, today)
    assert version is not None
    book = npl_book(session, today=today, scheme=pool_svc.scheme_of(version))
    (row,) = [r for r in book.banks if r.bank.id == world.bank.id]
    # the same hand-worked figures as after the day-end: 2 live, 1 NPL owing 1m, 540k exposure
    assert (row.live_loans, row.npl_loans, row.npl_outstanding) == (2, 1, M)
    assert book.pool_exposure == 54 * M // 100
