"""Bank offers on a request: proposed by an officer, approved by an approver (maker-checker),
compared by the SME, expired at day end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlmodel import Session, col, select

from market.domain.apr import annual_percentage_rate
from market.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.domain.kinds import Role
from market.domain.messages import N_, msg
from market.domain.schedule import RepaymentType, build_schedule, summarise
from market.domain.statemachine import require_transition
from market.domain.states import (
    OFFER_TRANSITIONS,
    OfferStatus,
    RequestStatus,
)
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.lending import FinancingRequest, Offer
from market.models.orgs import User
from market.services import audit, notifications, pool
from market.services.clock import business_date
from market.services.requests import (
    BANK_ROLES,
    MAX_TERM_MONTHS,
    declined,
    lock_request,
    move_offer,
    require_bank_on,
)

OFFER_VALID_DAYS = 30


MAX_RATE_BP = 2400  # 24% a year: the judicial ceiling for private lending is far lower for banks


@dataclass(frozen=True, kw_only=True)
class OfferInput:
    amount: int
    rate_bp: int
    term_months: int
    repayment_type: RepaymentType
    rating_grade: str
    override_reason: str = ""
    conditions: str = ""
    relending: bool = False


def offers_for(session: Session, *, actor: User, request: FinancingRequest) -> list[Offer]:
    """The offers on a request the actor may see: a bank its own, the SME approved ones."""
    query = select(Offer).where(Offer.request_id == request.id).order_by(col(Offer.id))
    if actor.role in BANK_ROLES:
        query = query.where(Offer.bank_id == actor.organisation_id)
    elif actor.role is Role.SME:
        query = query.where(
            col(Offer.status).in_(
                [
                    OfferStatus.APPROVED,
                    OfferStatus.ACCEPTED,
                    OfferStatus.LAPSED,
                    OfferStatus.EXPIRED,
                ]
            ),
            col(Offer.approved_by_id).is_not(None),
        )
    return list(session.exec(query).all())


def offer_errors(data: OfferInput, max_loan: int) -> dict[str, str]:
    """The fields of an offer that break its rules (field -> English message); none if valid."""
    errors: dict[str, str] = {}
    if data.amount <= 0:
        errors["amount"] = N_("Enter the amount offered.")
    if not 1 <= data.rate_bp <= MAX_RATE_BP:
        errors["rate"] = N_("The annual rate must lie between 0.01% and 24%.")
    if not 1 <= data.term_months <= MAX_TERM_MONTHS:
        errors["term_months"] = msg(
            "The term is 1 to %(months)s months.", months=MAX_TERM_MONTHS
        )
    grade = data.rating_grade.strip().upper()
    if not grade or len(grade) > 8:
        errors["rating_grade"] = N_("Enter the bank's internal rating grade.")
    override = data.override_reason.strip()
    if data.amount > max_loan and len(override) < 10:
        errors["override_reason"] = msg(
            "The amount is above the %(max)s the valuations support: "
            "write why the bank lends more.",
            max=_yuan(max_loan),
        )
    return errors


def propose_offer(session: Session, *, actor: User, request_id: int, data: OfferInput) -> Offer:
    """A bank officer proposes an offer; it reaches the SME only once an approver approves."""
    if actor.role is not Role.BANK_OFFICER:
        raise PermissionDenied(N_("Only a bank officer can propose an offer."))
    with transaction(session):
        request = lock_request(session, request_id)
        require_bank_on(actor, request)
        if request.status is not RequestStatus.OPEN:
            raise Conflict(N_("This request is no longer open."))
        if declined(session, request_id, actor.organisation_id):
            raise Conflict(N_("Your bank has declined this request."))
        live = session.exec(
            select(Offer).where(
                Offer.request_id == request_id,
                Offer.bank_id == actor.organisation_id,
                col(Offer.status).in_([OfferStatus.PENDING_APPROVAL, OfferStatus.APPROVED]),
            )
        ).first()
        if live is not None:
            raise Conflict(N_("Your bank already has a live offer on this request."))
        errors = offer_errors(data, request.max_loan)
        grade = data.rating_grade.strip().upper()
        if errors:
            raise ValidationFailed(N_("Please correct the marked fields."), errors=errors)
        offer = Offer(
            request_id=request_id,
            bank_id=actor.organisation_id,
            amount=data.amount,
            rate_bp=data.rate_bp,
            term_months=data.term_months,
            repayment_type=data.repayment_type,
            rating_grade=grade,
            override_reason=(
                data.override_reason.strip() if data.amount > request.max_loan else ""
            ),
            conditions=data.conditions.strip(),
            relending=data.relending,
            proposed_by_id=actor.id or 0,
        )
        session.add(offer)
        audit.record(
            session, actor=actor, action="offer.propose", obj=offer, after=audit.snapshot(offer)
        )
        notifications.offer_proposed(session, offer, actor)
    return offer


def _yuan(fen: int) -> str:
    from market.domain.money import format_fen

    return format_fen(fen)


def decide_offer(
    session: Session, *, actor: User, offer_id: int, approve: bool, reason: str = ""
) -> Offer:
    """A bank approver approves an offer (never their own) or sends it back with a reason."""
    if actor.role is not Role.BANK_APPROVER:
        raise PermissionDenied(N_("Only a bank approver can approve an offer."))
    with transaction(session):
        offer = session.exec(select(Offer).where(Offer.id == offer_id).with_for_update()).first()
        if offer is None:
            raise NotFound(N_("No such offer."))
        if offer.bank_id != actor.organisation_id:
            raise PermissionDenied(N_("This offer belongs to another bank."))
        if offer.proposed_by_id == actor.id:
            raise PermissionDenied(N_("You proposed this offer: another person must approve it."))
        request = lock_request(session, offer.request_id)
        target = OfferStatus.APPROVED if approve else OfferStatus.REJECTED
        require_transition(OFFER_TRANSITIONS, offer.status, target, what=N_("offer"))
        if request.status is not RequestStatus.OPEN:
            raise Conflict(N_("This request is no longer open."))
        if not approve and len(reason.strip()) < 5:
            raise ValidationFailed(
                N_("Say why the offer is sent back."), errors={"reason": N_("Required.")}
            )
        before = audit.snapshot(offer)
        offer.status = target
        offer.approved_by_id = actor.id if approve else None
        offer.rejection_reason = "" if approve else reason.strip()
        offer.decided_at = utcnow()
        if approve:
            offer.expires_on = business_date(session) + timedelta(days=OFFER_VALID_DAYS)
        session.add(offer)
        audit.record(
            session,
            actor=actor,
            action="offer.approve" if approve else "offer.reject",
            obj=offer,
            before=before,
            after=audit.snapshot(offer),
        )
        notifications.offer_decided(session, offer, request)
    return offer


def expire_offers(session: Session, *, actor: User | None, today: date) -> int:
    """Mark approved offers past their expiry date as expired (inside the caller's unit)."""
    query = select(Offer).where(Offer.status == OfferStatus.APPROVED, col(Offer.expires_on) < today)
    count = 0
    for offer in session.exec(query).all():
        move_offer(session, actor=actor, offer=offer, target=OfferStatus.EXPIRED)
        count += 1
    return count


@dataclass(frozen=True)
class OfferFigures:
    offer: Offer
    first_payment: int
    largest_payment: int
    total_interest: int
    subsidy: int  # an estimate on the scheduled interest; paid on interest actually paid
    premium: int
    expired: bool
    net_cost: int  # interest and premium, less the subsidy
    apr: Decimal | None  # percent, by the IRR of the schedule with the premium paid up front


def offer_figures(
    session: Session, offer: Offer, *, insured: bool, today: date | None = None
) -> OfferFigures:
    """What an offer costs: payments, total interest, the scheme's subsidy and premium."""
    day = today or business_date(session)
    rows = build_schedule(
        principal=offer.amount,
        rate_bp=offer.rate_bp,
        months=offer.term_months,
        repayment_type=offer.repayment_type,
        start=day,
    )
    summary = summarise(rows)
    version = pool.scheme_in_force(session, day)
    subsidy = premium = 0
    if version is not None:
        scheme = pool.scheme_of(version)
        years = Fraction(offer.term_months, 12)
        subsidy = scheme.interest_subsidy(summary.total_interest, years=_decimal(years))
        premium = scheme.insurance_premium(offer.amount, years) if insured else 0
    expired = offer.status is OfferStatus.EXPIRED or (
        offer.status is OfferStatus.APPROVED
        and offer.expires_on is not None
        and day > offer.expires_on
    )
    return OfferFigures(
        offer=offer,
        first_payment=summary.first_payment,
        largest_payment=summary.largest_payment,
        total_interest=summary.total_interest,
        subsidy=subsidy,
        premium=premium,
        expired=expired,
        net_cost=summary.total_interest + premium - subsidy,
        apr=annual_percentage_rate(offer.amount - premium, [row.total for row in rows]),
    )


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)
