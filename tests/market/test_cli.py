"""The `ipmarket` commands: seed (idempotent), advance-date, demo preparation."""

from __future__ import annotations

from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, func, select

from market.domain.kinds import AssetKind, OrgKind
from market.frame.seeding import DEMO_DIR, demo_logins
from market.models.assets import IPAsset
from market.models.audit import AuditEvent
from market.models.lending import FinancingRequest, Loan
from market.models.orgs import Organisation, User
from market.models.pool import SchemeVersion
from market.models.valuations import AssetValuation
from market.services.clock import business_date


def counts(session: Session) -> tuple[int, int, int]:
    return tuple(
        session.exec(select(func.count()).select_from(m)).one()  # type: ignore[return-value]
        for m in (Organisation, User, IPAsset)
    )


def _demo_follows_the_rules(session: Session) -> None:
    """Issue 10 on the demo: realistic GI values, every loan supported by its valuations, a
    loan under a scheme version with the new rules."""
    gi_values = session.exec(
        select(AssetValuation.value_p50, AssetValuation.max_loan, IPAsset.facts)
        .join(IPAsset, col(IPAsset.id) == AssetValuation.asset_id)
        .where(IPAsset.kind == AssetKind.GI_MARK)
    ).all()
    assert gi_values
    for p50, max_loan, facts in gi_values:
        # Real GI pledge loans are usually <= 2m CNY (DOMAIN.md); valued on fees or own sales.
        assert 0 < p50 < 10_000_000_00 and max_loan <= 2_000_000_00
        assert facts.get("holder_fee_income") or facts.get("own_sales_under_mark")
    for loan, request in session.exec(
        select(Loan, FinancingRequest).join(
            FinancingRequest, col(FinancingRequest.id) == Loan.request_id
        )
    ).all():
        assert loan.principal <= request.max_loan
    later = session.exec(select(Loan).where(Loan.other_collateral > 0)).one()
    version = session.get(SchemeVersion, later.scheme_version_id)
    assert version is not None and version.version == 2
    assert version.document["shares"]["province"] == 4000 and version.document["ip_part_only"]


def test_seed_loads_demo_data_once(runner: FlaskCliRunner, session: Session) -> None:
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    orgs, users, assets = counts(session)
    assert orgs >= 18 and users >= 20 and assets >= 30
    kinds = set(session.exec(select(Organisation.kind)))
    assert {
        OrgKind.SME,
        OrgKind.BANK,
        OrgKind.INSURER,
        OrgKind.GUARANTOR,
        OrgKind.VALUER,
        OrgKind.BUREAU,
    } <= kinds
    asset_kinds = {k.value for k in session.exec(select(IPAsset.kind))}
    assert asset_kinds == {
        "invention_patent",
        "utility_model",
        "design_patent",
        "trademark",
        "gi_mark",
    }
    _demo_follows_the_rules(session)
    audit_rows = session.exec(select(func.count()).select_from(AuditEvent)).one()
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0, second.output
    assert "assets: 0 created" in second.output
    assert counts(session) == (orgs, users, assets)
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == audit_rows


def test_demo_logins_cover_every_role() -> None:
    roles = {role for role, _email, _pw in demo_logins(DEMO_DIR)}
    assert roles == {
        "admin",
        "sme",
        "bank_officer",
        "bank_approver",
        "insurer",
        "guarantor",
        "valuer",
        "bureau",
    }


def test_advance_date(runner: FlaskCliRunner, session: Session) -> None:
    start = business_date(session)
    result = runner.invoke(args=["advance-date", "--days", "30"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    moved = business_date(session)
    assert (moved - start).days == 30
    back = runner.invoke(args=["advance-date", "--to", start.isoformat()])
    assert back.exit_code != 0 and "cannot go back" in back.output
    assert business_date(session) == moved
    assert runner.invoke(args=["advance-date"]).exit_code != 0
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "clock.set")).first()
    assert event is not None and event.after["business_date"] == moved.isoformat()


def test_demo_prepares_database_without_serving(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "admin@bureau.demo" in result.output
    assert "http://127.0.0.1:5000/" in result.output


def test_simulate_runs_a_scheme_on_a_portfolio_file(runner: FlaskCliRunner) -> None:
    from market.frame.config import ROOT

    loans = ROOT / "riskpool" / "examples" / "loans.csv"
    args = [
        "simulate",
        "--scheme",
        "zhongshan-2021",
        "--portfolio",
        str(loans),
        "--scenarios",
        "2000",
        "--seed",
        "7",
        "--no-progress",
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "99.9% loss quantile" in result.output
    for party in ("pool", "bank", "insurer", "valuer"):
        assert party in result.output
    assert runner.invoke(args=args).output == result.output  # seeded: reproducible
    bad = runner.invoke(args=["simulate", "--scheme", "no-such-scheme", "--portfolio", str(loans)])
    assert bad.exit_code != 0
