"""The plans' targets (seeds/targets.json, sources in DOMAIN.md 'The plans this project
serves'): achieved against target with a linear projection, worked by hand; edits audited."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from sqlmodel import Session, select

from market.domain.jobs import TargetMetric
from market.frame.config import ROOT
from market.models.audit import AuditEvent
from market.models.forecasts import PlanTarget
from market.services import targets
from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import make_loan, set_day, setup_pool

M = 1_000_000_00
SEEDS = ROOT / "seeds" / "targets.json"


def _by_city(session: Session) -> dict[str, targets.Achievement]:
    return {a.target.city: a for a in targets.achievements(session, date(2026, 4, 1))}


def test_seed_targets_carry_their_sources_and_load_once(session: Session) -> None:
    assert targets.seed_targets(session, SEEDS) == 4
    assert targets.seed_targets(session, SEEDS) == 0  # idempotent
    rows = {t.city: t for t in targets.list_targets(session)}
    assert rows["Xuzhou"].metric is TargetMetric.FINANCING_AMOUNT
    assert rows["Xuzhou"].target_value == 1_000_000_000_00  # 1bn CNY by end 2026
    assert rows["Liaoning"].growth_bp == 1000  # +10% a year
    assert (
        rows["Quanzhou"].metric is TargetMetric.FINANCING_GROWTH and rows["Quanzhou"].growth_bp == 0
    )
    assert rows["Zhongshan"].target_value == 1000  # 10x
    assert all("DOMAIN.md" in t.source for t in rows.values())


def test_achieved_against_target_with_a_linear_projection(session: Session, world: World) -> None:
    # 2025: one loan of 1m; 2026: 1m on Jan 5 and 2m on Feb 10; today is April 1, 2026
    setup_pool(session, world, day=date(2025, 6, 2))  # 40m CNY in the pool
    make_loan(session, world)
    set_day(session, date(2026, 1, 5))
    make_loan(session, world)
    set_day(session, date(2026, 2, 10))
    make_loan(session, world, amount=2 * M)
    set_day(session, date(2026, 4, 1))
    targets.seed_targets(session, SEEDS)
    got = _by_city(session)
    # April 1 is day 91 of 365: 3m so far projects to 3m x 365 / 91 = 12,032,967.03 CNY
    xuzhou = got["Xuzhou"]
    assert (xuzhou.achieved, xuzhou.projected) == (3 * M, 1_203_296_703)
    assert xuzhou.goal == 1_000_000_000_00 and not xuzhou.on_track and xuzhou.percent == 0
    # Liaoning: 1 loan last year, +10% rounds up to 2; 2 so far project to 2 x 365 / 91 = 8
    liaoning = got["Liaoning"]
    assert (liaoning.baseline, liaoning.goal, liaoning.achieved, liaoning.projected) == (1, 2, 2, 8)
    assert liaoning.on_track
    # Quanzhou: keep growing: last year 1m, this year's projection 12.03m > 1m
    quanzhou = got["Quanzhou"]
    assert (quanzhou.baseline, quanzhou.achieved) == (M, 3 * M) and quanzhou.on_track
    # Zhongshan: 4m live enrolled over a 40m pool is 0.10x of a 10x target
    zhongshan = got["Zhongshan"]
    assert (zhongshan.achieved, zhongshan.goal) == (10, 1000) and not zhongshan.on_track


def test_projection_on_the_last_day_is_the_year() -> None:
    assert targets.project(12_345, date(2026, 12, 31)) == 12_345
    assert targets.project(100, date(2028, 2, 29)) == 100 * 366 // 60  # leap year


def test_bureau_edits_a_target_with_an_audit_trail(
    client: FlaskClient, session: Session, world: World
) -> None:
    targets.seed_targets(session, SEEDS)
    xuzhou = session.exec(select(PlanTarget).where(PlanTarget.city == "Xuzhou")).one()
    url = f"/desk/targets/{xuzhou.id}"
    form = {"amount": "20000000", "year": "2026", "source": "Revised plan", "row_version": "1"}
    sign_in(client, world.users["bank_officer"])
    assert client.post(url, data=form).status_code == 403
    sign_in(client, world.users["admin"])
    assert client.post(url, data=form).status_code == 403
    sign_in(client, world.users["bureau"])
    bad = client.post(url, data={**form, "source": "", "year": "1999"})
    assert bad.status_code == 422
    session.refresh(xuzhou)
    assert xuzhou.target_value == 1_000_000_000_00 and xuzhou.row_version == 1
    assert client.post(url, data=form).status_code == 302
    session.refresh(xuzhou)
    assert xuzhou.target_value == 20_000_000_00 and xuzhou.source == "Revised plan"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "target.update")).one()
    assert event.before["target_value"] == 1_000_000_000_00
    assert event.after["target_value"] == 20_000_000_00
    stale = client.post(url, data=form)  # row_version 1 is stale now
    assert stale.status_code == 409
    assert client.get("/desk/targets").status_code == 200
