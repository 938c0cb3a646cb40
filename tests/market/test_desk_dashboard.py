"""The bureau's desk: history by month, NPL ratios by dimension, claims waiting and alerts,
checked against figures worked by hand from the arranged events."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask.testing import FlaskClient
from sqlmodel import Session

from market.services import desk_alerts, desk_history
from market.services import pool as pool_svc
from market.services.claim_decision import decide_claim
from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import (
    desk_book,
    make_claim,
    make_loan,
    set_day,
    setup_pool,
)

M = 1_000_000_00  # one million CNY in fen


_arrange = desk_book  # 40m + 5m in the pool, loans A (1m, NPL) and B (2m)


def test_months_follow_the_ledger_and_the_enrolled_book(session: Session, world: World) -> None:
    loan_a, _loan_b = _arrange(session, world)
    claim = make_claim(session, world, loan_a)
    assert claim.id is not None and claim.loss == 1 * M  # nothing repaid: the whole principal
    decide_claim(session, actor=world.users["bureau"], claim_id=claim.id, approve=True, reason="")
    today = date(2026, 5, 20)
    set_day(session, today)
    rows = {r.month: r for r in desk_history.monthly(session, today=today, leverage=10.0)}
    assert list(rows) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    jan, feb, may = rows["2026-01"], rows["2026-02"], rows["2026-05"]
    # January: 40m in, loan A's 1m enrolled; the limit is 10 x the balance
    assert (jan.contributions, jan.balance, jan.enrolled, jan.live_principal) == (
        40 * M,
        40 * M,
        M,
        M,
    )
    assert jan.leverage_limit == 400 * M and jan.leverage_used_x100 == 2  # 1m / 40m = 0.025x
    # February: 5m more, loan B's 2m
    assert (feb.contributions, feb.balance, feb.live_principal) == (5 * M, 45 * M, 3 * M)
    assert rows["2026-03"].balance == 45 * M and rows["2026-03"].contributions == 0
    # the claim month: the pool pays its 54% of the 1m loss (demo scheme, Zhongshan split)
    paid = 54 * M // 100
    assert claim.decided_on is not None and desk_history.month_key(claim.decided_on) == "2026-05"
    assert may.compensation == paid and may.balance == 45 * M - paid
    # subsidies are earned on interest paid: nothing was paid on either loan
    assert jan.subsidies == feb.subsidies == may.subsidies == 0


def test_npl_ratio_overall_and_by_dimension(session: Session, world: World) -> None:
    _arrange(session, world)
    total = desk_history.npl_total(session)
    # 1m of 3m live enrolled principal is non-performing: 3333 bp (rounded down)
    assert (total.loans, total.principal, total.npl_loans, total.npl_principal) == (2, 3 * M, 1, M)
    assert total.ratio_bp == 3333
    by_kind = {r.key: r for r in desk_history.npl_by(session, "kind")}
    assert by_kind["mixed"].ratio_bp == 10_000 and by_kind["mixed"].principal == M
    assert (
        by_kind["invention_patent"].ratio_bp == 0 and by_kind["invention_patent"].principal == 2 * M
    )
    by_bank = desk_history.npl_by(session, "bank")
    assert [(r.key, r.ratio_bp) for r in by_bank] == [(world.bank.name, 3333)]
    by_industry = desk_history.npl_by(session, "industry")
    assert sum(r.principal for r in by_industry) == 3 * M
    by_region = desk_history.npl_by(session, "region")
    assert sum(r.npl_principal for r in by_region) == M


def test_alerts_floor_headroom_and_trigger() -> None:
    bank = desk_history.BankTrigger(1, "Bank A", enrolled_principal=100 * M, losses_this_year=3 * M)
    near = desk_history.BankTrigger(
        2, "Bank B", enrolled_principal=100 * M, losses_this_year=25 * M // 10
    )
    calm = desk_history.BankTrigger(3, "Bank C", enrolled_principal=100 * M, losses_this_year=M)
    found = desk_alerts.desk_alerts(
        balance=9 * M, floor=10 * M, live_principal=85 * M, limit=100 * M, headroom_bp=2000,
        trigger_bp=300, banks=[bank, near, calm],
    )  # fmt: skip
    kinds = [(a.kind, a.params.get("bank")) for a in found]
    # 9m < 10m floor; headroom 15m < 20% of 100m; 3.0% is not past a 3% trigger but is
    # near it (>= 80% of it), 2.5% is near (>= 2.4%), 1% is calm
    assert kinds == [
        ("pool_below_floor", None),
        ("headroom_low", None),
        ("bank_near_trigger", "Bank A"),
        ("bank_near_trigger", "Bank B"),
    ]
    over = desk_history.BankTrigger(
        4, "Bank D", enrolled_principal=100 * M, losses_this_year=3 * M + 1
    )
    found = desk_alerts.desk_alerts(
        balance=9 * M, floor=0, live_principal=101 * M, limit=100 * M, headroom_bp=2000,
        trigger_bp=300, banks=[over],
    )  # fmt: skip
    assert [a.kind for a in found] == ["leverage_over", "bank_over_trigger"]


def test_dashboard_page_charts_tables_and_csv(
    client: FlaskClient, session: Session, world: World
) -> None:
    loan_a, _b = _arrange(session, world)
    claim = make_claim(session, world, loan_a)
    sign_in(client, world.users["bureau"])
    page = client.get("/desk/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") >= 7  # three history charts and four NPL bar charts
    waiting = html.split('id="desk-waiting"', 1)[1].split("</table>", 1)[0]
    assert f"#claim-{claim.id}" in waiting  # the filed claim is listed, linked to the queue
    assert "33.33%" in html  # the overall NPL ratio
    data = client.get("/desk/data/months.csv")
    rows = list(csv.DictReader(io.StringIO(data.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["month"] == "2026-01" and rows[0]["balance_fen"] == str(40 * M)
    assert rows[1]["contributions_fen"] == str(5 * M)
    kinds = client.get("/desk/data/npl-kind.csv").get_data(as_text=True)
    assert "mixed,1,100000000,1,100000000,10000" in kinds
    assert client.get("/desk/data/npl-nothing.csv").status_code == 404


def test_alert_levels_are_set_by_the_bureau_and_audited(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.users["bureau"])
    bad = client.post("/desk/alert-levels", data={"floor": "-5", "headroom": "20"})
    assert bad.status_code == 422 and desk_alerts.pool_floor(session) == 0
    ok = client.post("/desk/alert-levels", data={"floor": "50000000", "headroom": "25"})
    assert ok.status_code == 302
    assert desk_alerts.pool_floor(session) == 50_000_000_00
    assert desk_alerts.headroom_alert_bp(session) == 2500
    html = client.get("/desk/").get_data(as_text=True)
    assert 'data-kind="pool_below_floor"' in html  # 40m in the pool, floor 50m
    sign_in(client, world.users["admin"])
    assert (
        client.post("/desk/alert-levels", data={"floor": "0", "headroom": "20"}).status_code == 403
    )


def test_cached_figures_follow_a_posting(session: Session, world: World) -> None:
    from tests.market.conftest import make_test_app

    setup_pool(session, world)
    app = make_test_app(session.connection(), DESK_CACHE_SECONDS=60)
    client = app.test_client()
    sign_in(client, world.users["bureau"])
    before = client.get("/desk/").get_data(as_text=True)
    make_loan(session, world)  # no posting: the cached figures stay
    cached = client.get("/desk/").get_data(as_text=True)
    assert _live(cached) == _live(before)
    pool_svc.contribute(session, actor=world.users["bureau"], amount=M, memo="More")
    fresh = client.get("/desk/").get_data(as_text=True)
    assert _live(fresh) != _live(before)  # the balance moved: the figures are taken again


def _live(html: str) -> str:
    start = html.index('id="desk-live">') + len('id="desk-live">')
    return html[start : html.index("<", start)]
