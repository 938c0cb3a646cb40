"""Builders for the lending tests: a scheme and pool, requests, offers, loans, claims.

Everything goes through the services, so what the tests arrange is valid and audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from market.domain.kinds import AssetKind
from market.domain.schedule import RepaymentType
from market.frame.config import ROOT
from market.frame.db import transaction
from market.models.assets import IPAsset
from market.models.lending import FinancingRequest, Loan, Offer
from market.models.pool import BankSuspension, Claim, LedgerEntry, SchemeVersion
from market.models.servicing import Instalment
from market.models.settings import Setting
from market.services import acceptance as acceptance_svc
from market.services import claim_decision, pool
from market.services import offers as offer_svc
from market.services import repayment as repayment_svc
from market.services import requests as request_svc
from market.services.clock import business_date
from market.services.dayend import move_business_date
from tests.market.conftest import World
from tests.market.factories import make_asset

START = date(2026, 1, 5)
DEMO_SCHEME: dict[str, Any] = json.loads(
    (ROOT / "seeds" / "demo" / "scheme.json").read_text(encoding="utf-8")
)["scheme"]
POOL_FUNDS = 40_000_000_00  # 40m CNY


def set_day(session: Session, day: date) -> None:
    """Move the business date (and run the day's work), committed."""
    with transaction(session):
        move_business_date(session, actor=None, day=day)


def setup_pool(
    session: Session,
    world: World,
    *,
    document: dict[str, Any] | None = None,
    funds: int = POOL_FUNDS,
    day: date = START,
) -> SchemeVersion:
    """The business date, the bureau's scheme (demo document by default) and its money."""
    if session.get(Setting, "business_date") is None or business_date(session) < day:
        set_day(session, day)
    bureau = world.users["bureau"]
    version = pool.add_scheme_version(
        session,
        actor=bureau,
        document=document or DEMO_SCHEME,
        effective_from=business_date(session),
        partners={
            "insurer": world.users["insurer"].organisation_id,
            "valuer": world.users["valuer"].organisation_id,
            "guarantor": world.users["guarantor"].organisation_id,
            "re_guarantor": world.users["guarantor"].organisation_id,
        },
    )
    if funds:
        pool.contribute(session, actor=bureau, amount=funds, memo="Opening funds")
    return version


def collateral(session: Session, world: World) -> list[IPAsset]:
    """A patent and a trademark of the world's SME (a mixed pledge)."""
    return [
        make_asset(session, world.sme, AssetKind.INVENTION_PATENT),
        make_asset(session, world.sme, AssetKind.TRADEMARK),
    ]


def make_request(
    session: Session, world: World, assets: list[IPAsset] | None = None, **kw: Any
) -> FinancingRequest:
    """An open request of the world's SME to every bank."""
    chosen = assets if assets is not None else collateral(session, world)
    values: dict[str, Any] = {
        "asset_ids": [a.id for a in chosen],
        "amount": 1_000_000_00,
        "term_months": 12,
        "purpose": "Working capital for a new production line",
        "wants_insurance": True,
        "bank_id": None,
    }
    values.update(kw)
    return request_svc.create_request(
        session, actor=world.sme, data=request_svc.RequestInput(**values)
    )


def offer_input(**kw: Any) -> offer_svc.OfferInput:
    """A sound offer: 1m CNY at 4.35% for 12 months, equal instalments."""
    values: dict[str, Any] = {
        "amount": 1_000_000_00,
        "rate_bp": 435,
        "term_months": 12,
        "repayment_type": RepaymentType.EQUAL_INSTALMENT,
        "rating_grade": "BBB",
        "override_reason": "Strong cash flow from the licensed product line; audited accounts.",
    }
    values.update(kw)
    return offer_svc.OfferInput(**values)


def make_offer(
    session: Session, world: World, request_id: int, *, approve: bool = True, **kw: Any
) -> Offer:
    """An offer of the world's bank, approved by its approver unless `approve` is False."""
    offer = offer_svc.propose_offer(
        session, actor=world.users["bank_officer"], request_id=request_id, data=offer_input(**kw)
    )
    if approve:
        assert offer.id is not None
        offer = offer_svc.decide_offer(
            session, actor=world.users["bank_approver"], offer_id=offer.id, approve=True
        )
    return offer


def make_loan(session: Session, world: World, *, disburse: bool = True, **kw: Any) -> Loan:
    """A request, an approved offer, acceptance (pledges, enrolment) and disbursement."""
    request = make_request(session, world, **{k: v for k, v in kw.items() if k in REQUEST_KEYS})
    assert request.id is not None
    offer = make_offer(
        session, world, request.id, **{k: v for k, v in kw.items() if k not in REQUEST_KEYS}
    )
    assert offer.id is not None
    loan = acceptance_svc.accept_offer(session, actor=world.sme, offer_id=offer.id)
    if disburse:
        assert loan.id is not None
        loan = repayment_svc.disburse(session, actor=world.users["bank_officer"], loan_id=loan.id)
    return loan


REQUEST_KEYS = {"assets", "wants_insurance", "bank_id", "purpose"}


def first_due(session: Session, loan: Loan) -> date:
    """The first instalment's due date."""
    assert loan.id is not None
    row = session.exec(
        select(Instalment).where(Instalment.loan_id == loan.id, Instalment.number == 1)
    ).one()
    return row.due_on


def make_npl(session: Session, loan: Loan, *, days: int = 95) -> date:
    """Move the date so the loan's first instalment is `days` past due (unpaid)."""
    day = first_due(session, loan) + timedelta(days=days)
    set_day(session, day)
    return day


def make_claim(session: Session, world: World, loan: Loan) -> Claim:
    """A filed claim on an NPL loan."""
    assert loan.id is not None
    return claim_decision.file_claim(session, actor=world.users["bank_officer"], loan_id=loan.id)


def make_suspension(session: Session, world: World) -> BankSuspension:
    """The world's bank, suspended (as if its losses had passed the trigger)."""
    assert world.bank.id is not None
    row = BankSuspension(
        bank_id=world.bank.id,
        year=business_date(session).year,
        npl_losses=1,
        enrolled_principal=1,
        trigger_bp=300,
        suspended_on=business_date(session),
        reason="Test suspension",
    )
    with transaction(session):
        session.add(row)
    return row


def first_txn(session: Session) -> str:
    """The oldest ledger transaction (the opening contribution)."""
    entry = session.exec(select(LedgerEntry).order_by(LedgerEntry.id)).first()  # type: ignore[arg-type]
    assert entry is not None
    return entry.txn


@dataclass
class LendingWorld:
    """One object in every state a route needs: an open request with a pending offer, an
    NPL loan with a filed claim, a suspension and a ledger transaction."""

    request_id: int
    offer_id: int
    loan_id: int
    claim_id: int
    suspension_id: int
    txn: str


def lending_world(session: Session, world: World) -> LendingWorld:
    """Arrange a LendingWorld for `world`."""
    setup_pool(session, world)
    loan = make_loan(session, world)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    request = make_request(session, world)
    assert request.id is not None
    offer = make_offer(session, world, request.id, approve=False)
    suspension = make_suspension(session, world)
    assert offer.id and loan.id and claim.id and suspension.id
    return LendingWorld(
        request_id=request.id,
        offer_id=offer.id,
        loan_id=loan.id,
        claim_id=claim.id,
        suspension_id=suspension.id,
        txn=first_txn(session),
    )


def desk_book(session: Session, world: World) -> tuple[Loan, Loan]:
    """Jan 5: 40m opening funds, loan A 1m (patent + trademark). Feb 10: 5m more, loan B 2m
    (one patent). Later loan A is 95 days overdue (NPL, a day-end)."""
    million = 1_000_000_00
    setup_pool(session, world, day=date(2026, 1, 5))  # 40m CNY
    loan_a = make_loan(session, world)
    set_day(session, date(2026, 2, 10))
    pool.contribute(session, actor=world.users["bureau"], amount=5 * million, memo="Top-up")
    patent = make_asset(session, world.sme, AssetKind.INVENTION_PATENT)
    loan_b = make_loan(session, world, assets=[patent], amount=2 * million)
    make_npl(session, loan_a)
    return loan_a, loan_b
