"""What the dashboard shows of the lending workflow, by role."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from market.domain.kinds import Role
from market.domain.states import LoanStatus, OfferStatus, RequestStatus
from market.models.lending import FinancingRequest, Loan, Offer, RequestDecline
from market.models.orgs import Organisation, User
from market.models.servicing import Instalment
from market.services import pool as pool_svc
from market.services import requests as request_svc
from market.services import servicing
from market.services.clock import business_date
from market.text.labels import LABELS

BANKERS = (Role.BANK_OFFICER, Role.BANK_APPROVER)
LIVE_LOANS = (LoanStatus.AWAITING_DISBURSEMENT, LoanStatus.ACTIVE, LoanStatus.IN_CLAIM)


def _orgs(session: Session, ids: set[int]) -> dict[int, Organisation]:
    if not ids:
        return {}
    rows = session.exec(select(Organisation).where(col(Organisation.id).in_(ids))).all()
    return {o.id: o for o in rows if o.id is not None}


def _positions(session: Session, loans: list[Loan], today: date) -> dict[int, Any]:
    """Each loan's position today, from one query for all their schedules."""
    ids = [x.id for x in loans if x.id is not None]
    if not ids:
        return {}
    rows: dict[int, list[Instalment]] = {i: [] for i in ids}
    query = (
        select(Instalment)
        .where(col(Instalment.loan_id).in_(ids))
        .order_by(col(Instalment.loan_id), col(Instalment.number))
    )
    for row in session.exec(query).all():
        rows[row.loan_id].append(row)
    limits = servicing.thresholds(session)
    return {i: servicing.position(rows[i], today, limits) for i in ids}


def _sme(session: Session, user: User) -> dict[str, Any]:
    today = business_date(session)
    open_requests = [
        r
        for r in request_svc.list_requests_for(session, actor=user)
        if r.status is RequestStatus.OPEN
    ]
    ids = [r.id for r in open_requests]
    offers: list[Offer] = []
    if ids:
        offers = [
            o
            for o in session.exec(
                select(Offer)
                .where(col(Offer.request_id).in_(ids), Offer.status == OfferStatus.APPROVED)
                .order_by(col(Offer.id))
            ).all()
            if o.expires_on is None or o.expires_on >= today
        ]
    loans = [
        loan
        for loan in servicing.list_loans_for(session, actor=user)
        if loan.status in LIVE_LOANS
    ]
    positions = _positions(
        session, [x for x in loans if x.status is not LoanStatus.AWAITING_DISBURSEMENT], today
    )
    return {
        "open_requests": open_requests,
        "waiting_offers": offers,
        "live_loans": loans,
        "positions": positions,
        "lending_orgs": _orgs(session, {o.bank_id for o in offers} | {x.bank_id for x in loans}),
    }


def _bank(session: Session, user: User) -> dict[str, Any]:
    bank_id = user.organisation_id
    open_requests = [
        r
        for r in request_svc.list_requests_for(session, actor=user)
        if r.status is RequestStatus.OPEN
    ]
    ids = [r.id for r in open_requests]
    busy: set[int] = set()
    if ids:
        live = select(Offer.request_id).where(
            col(Offer.request_id).in_(ids),
            Offer.bank_id == bank_id,
            col(Offer.status).in_([OfferStatus.PENDING_APPROVAL, OfferStatus.APPROVED]),
        )
        busy = set(session.exec(live).all())
        declined = select(RequestDecline.request_id).where(
            col(RequestDecline.request_id).in_(ids), RequestDecline.bank_id == bank_id
        )
        busy |= set(session.exec(declined).all())
    to_offer = [r for r in open_requests if r.id not in busy]
    pending = list(
        session.exec(
            select(Offer)
            .join(FinancingRequest, col(FinancingRequest.id) == Offer.request_id)
            .where(
                Offer.bank_id == bank_id,
                Offer.status == OfferStatus.PENDING_APPROVAL,
                FinancingRequest.status == RequestStatus.OPEN,
            )
            .order_by(col(Offer.id))
        ).all()
    )
    arrears = list(
        session.exec(
            select(Loan)
            .where(
                Loan.bank_id == bank_id,
                col(Loan.status).in_([LoanStatus.ACTIVE, LoanStatus.IN_CLAIM]),
                col(Loan.days_past_due) > 0,
            )
            .order_by(col(Loan.days_past_due).desc())
        ).all()
    )
    to_disburse = list(
        session.exec(
            select(Loan).where(
                Loan.bank_id == bank_id, Loan.status == LoanStatus.AWAITING_DISBURSEMENT
            )
        ).all()
    )
    borrowers = {r.borrower_id for r in to_offer} | {x.borrower_id for x in arrears}
    borrowers |= {x.borrower_id for x in to_disburse}
    return {
        "to_offer": to_offer,
        "pending_offers": pending,
        "arrears": arrears,
        "to_disburse": to_disburse,
        "suspension": pool_svc.live_suspension(session, bank_id),
        "lending_orgs": _orgs(session, borrowers),
    }


def dashboard_data(session: Session, user: User) -> dict[str, Any]:
    """The lending part of the user's dashboard (empty for roles without one)."""
    data: dict[str, Any] = dict(LABELS)
    if user.role is Role.SME:
        data.update(_sme(session, user))
    elif user.role in BANKERS:
        data.update(_bank(session, user))
    return data
