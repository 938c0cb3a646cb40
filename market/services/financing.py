"""Financing requests and offers: an SME asks, banks offer (maker-checker), the SME accepts.

Accepting an offer makes the loan in one transaction: the pledges are registered on every
asset and the loan is enrolled in the scheme in force that day (or told why not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from market import audit
from market.clock import business_date
from market.db import transaction
from market.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.i18n import N_, msg
from market.models.assets import AssetStatus, IPAsset
from market.models.lending import (
    LOAN_TRANSITIONS,
    OFFER_TRANSITIONS,
    REQUEST_TRANSITIONS,
    Enrolment,
    FinancingRequest,
    Loan,
    LoanStatus,
    Offer,
    OfferStatus,
    RepaymentType,
    RequestAsset,
    RequestDecline,
    RequestStatus,
)
from market.models.orgs import Organisation, OrgKind, Role, User
from market.models.pledges import Pledge, PledgeStatus
from market.models.valuations import AssetValuation
from market.schedule import build_schedule, summarise
from market.services import pool
from market.services.valuations import latest_for_assets
from market.statemachine import require_transition
from market.timeutil import utcnow

BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_APPROVER})
READ_ALL_ROLES = frozenset({Role.BUREAU, Role.ADMIN})
OFFER_VALID_DAYS = 30
MAX_TERM_MONTHS = 60
MAX_RATE_BP = 2400  # 24% a year: the judicial ceiling for private lending is far lower for banks
LIVE_LOAN_STATUSES = (LoanStatus.AWAITING_DISBURSEMENT, LoanStatus.ACTIVE, LoanStatus.IN_CLAIM)


@dataclass(frozen=True, kw_only=True)
class RequestInput:
    asset_ids: list[int]
    amount: int
    term_months: int
    purpose: str
    wants_insurance: bool = False
    bank_id: int | None = None  # None: every participating bank


@dataclass(frozen=True, kw_only=True)
class OfferInput:
    amount: int
    rate_bp: int
    term_months: int
    repayment_type: RepaymentType
    rating_grade: str
    override_reason: str = ""
    conditions: str = ""


# --- who may see what ------------------------------------------------------------------------


def participating_banks(session: Session) -> list[Organisation]:
    """The active banks on the platform."""
    query = select(Organisation).where(
        Organisation.kind == OrgKind.BANK, col(Organisation.is_active).is_(True)
    )
    return list(session.exec(query.order_by(col(Organisation.name))).all())


def is_addressed_to(request: FinancingRequest, bank_id: int) -> bool:
    """True if the request went to this bank (directly or to every bank)."""
    return request.bank_id is None or request.bank_id == bank_id


def get_request_for(session: Session, *, actor: User, request_id: int) -> FinancingRequest:
    """Load a request the actor may see (404 if missing, 403 if not theirs)."""
    row = session.get(FinancingRequest, request_id)
    if row is None:
        raise NotFound(N_("No such financing request."))
    if actor.role is Role.SME and row.borrower_id == actor.organisation_id:
        return row
    if actor.role in BANK_ROLES and is_addressed_to(row, actor.organisation_id):
        return row
    if actor.role in READ_ALL_ROLES:
        return row
    raise PermissionDenied(N_("This financing request is not addressed to you."))


def list_requests_for(session: Session, *, actor: User) -> list[FinancingRequest]:
    """Requests the actor may see, newest first."""
    query = select(FinancingRequest).order_by(col(FinancingRequest.id).desc())
    if actor.role is Role.SME:
        query = query.where(FinancingRequest.borrower_id == actor.organisation_id)
    elif actor.role in BANK_ROLES:
        query = query.where(
            or_(
                col(FinancingRequest.bank_id).is_(None),
                FinancingRequest.bank_id == actor.organisation_id,
            )
        )
    elif actor.role not in READ_ALL_ROLES:
        return []
    return list(session.exec(query).all())


def bank_may_see_asset(session: Session, *, bank_id: int, asset_id: int) -> bool:
    """True if the asset is collateral in a request addressed to the bank."""
    query = (
        select(RequestAsset.id)
        .join(FinancingRequest, col(FinancingRequest.id) == RequestAsset.request_id)
        .where(
            RequestAsset.asset_id == asset_id,
            or_(col(FinancingRequest.bank_id).is_(None), FinancingRequest.bank_id == bank_id),
        )
    )
    return session.exec(query).first() is not None


def request_assets(
    session: Session, request_id: int
) -> list[tuple[RequestAsset, IPAsset, AssetValuation]]:
    """The collateral of a request with the valuation each was sent with."""
    query = (
        select(RequestAsset, IPAsset, AssetValuation)
        .join(IPAsset, col(IPAsset.id) == RequestAsset.asset_id)
        .join(AssetValuation, col(AssetValuation.id) == RequestAsset.valuation_id)
        .where(RequestAsset.request_id == request_id)
        .order_by(col(RequestAsset.id))
    )
    return [(ra, a, v) for ra, a, v in session.exec(query).all()]


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


def declines_for(session: Session, request_id: int) -> list[RequestDecline]:
    """Banks' refusals of a request."""
    query = select(RequestDecline).where(RequestDecline.request_id == request_id)
    return list(session.exec(query.order_by(col(RequestDecline.id))).all())


def eligible_assets(session: Session, *, actor: User) -> list[tuple[IPAsset, AssetValuation]]:
    """The SME's live, valued assets that are not under an active pledge."""
    pledged = select(Pledge.asset_id).where(Pledge.status == PledgeStatus.ACTIVE)
    query = select(IPAsset).where(
        IPAsset.owner_id == actor.organisation_id,
        IPAsset.status == AssetStatus.ACTIVE,
        col(IPAsset.id).not_in(pledged),
    )
    assets = list(session.exec(query.order_by(col(IPAsset.id))).all())
    values = latest_for_assets(session, [a.id for a in assets if a.id is not None])
    return [(a, values[a.id]) for a in assets if a.id in values]


@dataclass(frozen=True)
class BorrowerProfile:
    """What a bank reads about the company behind a request."""

    company: Organisation
    live_assets: int
    loans: int
    live_principal: int
    npl_loans: int
    claims: int


def borrower_profile(session: Session, borrower_id: int) -> BorrowerProfile:
    """The borrower's profile and its record on the platform."""
    company = session.get(Organisation, borrower_id)
    if company is None:
        raise NotFound(N_("No such company."))
    assets = session.exec(
        select(func.count())
        .select_from(IPAsset)
        .where(IPAsset.owner_id == borrower_id, IPAsset.status == AssetStatus.ACTIVE)
    ).one()
    loans = list(session.exec(select(Loan).where(Loan.borrower_id == borrower_id)).all())
    live = [x for x in loans if x.status in LIVE_LOAN_STATUSES]
    return BorrowerProfile(
        company=company,
        live_assets=int(assets),
        loans=len(loans),
        live_principal=sum(x.principal for x in live),
        npl_loans=sum(1 for x in loans if x.classification.is_npl),
        claims=sum(
            1
            for x in loans
            if x.status in (LoanStatus.IN_CLAIM, LoanStatus.COMPENSATED, LoanStatus.CLOSED)
        ),
    )


# --- the SME's request -----------------------------------------------------------------------


def create_request(session: Session, *, actor: User, data: RequestInput) -> FinancingRequest:
    """An SME asks for a pledge loan against one or several of its valued assets."""
    if actor.role is not Role.SME:
        raise PermissionDenied(N_("Only an SME can ask for a pledge loan."))
    with transaction(session):
        errors: dict[str, str] = {}
        chosen = {a.id: (a, v) for a, v in eligible_assets(session, actor=actor)}
        ids = list(dict.fromkeys(data.asset_ids))
        if not ids:
            errors["asset_ids"] = N_("Choose at least one asset to pledge.")
        elif any(i not in chosen for i in ids):
            errors["asset_ids"] = N_(
                "Only your own live, valued assets that are not already pledged can be chosen."
            )
        if data.amount <= 0:
            errors["amount"] = N_("Enter the amount you want to borrow.")
        if not 1 <= data.term_months <= MAX_TERM_MONTHS:
            errors["term_months"] = msg(
                "The term is 1 to %(months)s months.", months=MAX_TERM_MONTHS
            )
        purpose = data.purpose.strip()
        if len(purpose) < 5:
            errors["purpose"] = N_("Say what the money is for.")
        if data.bank_id is not None:
            bank = session.get(Organisation, data.bank_id)
            if bank is None or bank.kind is not OrgKind.BANK or not bank.is_active:
                errors["bank_id"] = N_("Choose a participating bank, or all of them.")
        if errors:
            raise ValidationFailed(N_("Please correct the marked fields."), errors=errors)
        max_loan = sum(chosen[i][1].max_loan for i in ids)
        row = FinancingRequest(
            borrower_id=actor.organisation_id,
            created_by_id=actor.id or 0,
            bank_id=data.bank_id,
            amount=data.amount,
            term_months=data.term_months,
            purpose=purpose,
            wants_insurance=data.wants_insurance,
            max_loan=max_loan,
            created_on=business_date(session),
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        for i in ids:
            valuation = chosen[i][1]
            assert valuation.id is not None
            session.add(RequestAsset(request_id=row.id, asset_id=i, valuation_id=valuation.id))
        audit.record(
            session,
            actor=actor,
            action="request.create",
            obj=row,
            after={**audit.snapshot(row), "asset_ids": ids},
        )
    return row


def withdraw_request(session: Session, *, actor: User, request_id: int) -> FinancingRequest:
    """The SME takes back an open request; pending offers lapse."""
    with transaction(session):
        row = _lock_request(session, request_id)
        if actor.role is not Role.SME or row.borrower_id != actor.organisation_id:
            raise PermissionDenied(N_("Only the company that asked can withdraw the request."))
        require_transition(
            REQUEST_TRANSITIONS, row.status, RequestStatus.WITHDRAWN, what=N_("request")
        )
        before = audit.snapshot(row)
        row.status = RequestStatus.WITHDRAWN
        row.closed_at = utcnow()
        session.add(row)
        _lapse_others(session, actor=actor, request_id=request_id, keep=None)
        audit.record(
            session,
            actor=actor,
            action="request.withdraw",
            obj=row,
            before=before,
            after=audit.snapshot(row),
        )
    return row


def _lock_request(session: Session, request_id: int) -> FinancingRequest:
    """Load a request FOR UPDATE (PostgreSQL serialises concurrent acceptances on it)."""
    row = session.exec(
        select(FinancingRequest).where(FinancingRequest.id == request_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(N_("No such financing request."))
    return row


# --- the bank's side -------------------------------------------------------------------------


def _require_bank_on(actor: User, request: FinancingRequest) -> None:
    if actor.role not in BANK_ROLES or not is_addressed_to(request, actor.organisation_id):
        raise PermissionDenied(N_("This financing request is not addressed to your bank."))


def propose_offer(session: Session, *, actor: User, request_id: int, data: OfferInput) -> Offer:
    """A bank officer proposes an offer; it reaches the SME only once an approver approves."""
    if actor.role is not Role.BANK_OFFICER:
        raise PermissionDenied(N_("Only a bank officer can propose an offer."))
    with transaction(session):
        request = _lock_request(session, request_id)
        _require_bank_on(actor, request)
        if request.status is not RequestStatus.OPEN:
            raise Conflict(N_("This request is no longer open."))
        if _declined(session, request_id, actor.organisation_id):
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
        if data.amount > request.max_loan and len(override) < 10:
            errors["override_reason"] = msg(
                "The amount is above the %(max)s the valuations support: "
                "write why the bank lends more.",
                max=_yuan(request.max_loan),
            )
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
            override_reason=override if data.amount > request.max_loan else "",
            conditions=data.conditions.strip(),
            proposed_by_id=actor.id or 0,
        )
        session.add(offer)
        audit.record(
            session, actor=actor, action="offer.propose", obj=offer, after=audit.snapshot(offer)
        )
    return offer


def _yuan(fen: int) -> str:
    from market.money import format_fen

    return format_fen(fen)


def _declined(session: Session, request_id: int, bank_id: int) -> bool:
    query = select(RequestDecline).where(
        RequestDecline.request_id == request_id, RequestDecline.bank_id == bank_id
    )
    return session.exec(query).first() is not None


def decline_request(
    session: Session, *, actor: User, request_id: int, reason: str
) -> RequestDecline:
    """A bank declines a request, with a reason the SME reads."""
    if actor.role not in BANK_ROLES:
        raise PermissionDenied(N_("Only a bank can decline a request."))
    with transaction(session):
        request = _lock_request(session, request_id)
        _require_bank_on(actor, request)
        if request.status is not RequestStatus.OPEN:
            raise Conflict(N_("This request is no longer open."))
        if _declined(session, request_id, actor.organisation_id):
            raise Conflict(N_("Your bank has already declined this request."))
        if len(reason.strip()) < 5:
            raise ValidationFailed(
                N_("Write the reason the company will read."),
                errors={"reason": N_("Required.")},
            )
        for offer in session.exec(
            select(Offer).where(
                Offer.request_id == request_id,
                Offer.bank_id == actor.organisation_id,
                col(Offer.status).in_([OfferStatus.PENDING_APPROVAL, OfferStatus.APPROVED]),
            )
        ).all():
            _move_offer(session, actor=actor, offer=offer, target=OfferStatus.LAPSED)
        row = RequestDecline(
            request_id=request_id,
            bank_id=actor.organisation_id,
            declined_by_id=actor.id or 0,
            reason=reason.strip(),
        )
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="request.decline",
            obj=row,
            after={"request_id": request_id, "reason": row.reason},
        )
    return row


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
        request = _lock_request(session, offer.request_id)
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
    return offer


def _move_offer(session: Session, *, actor: User | None, offer: Offer, target: OfferStatus) -> None:
    require_transition(OFFER_TRANSITIONS, offer.status, target, what=N_("offer"))
    before = audit.snapshot(offer)
    offer.status = target
    offer.decided_at = utcnow()
    session.add(offer)
    audit.record(
        session,
        actor=actor,
        action=f"offer.{target.value}",
        obj=offer,
        before=before,
        after=audit.snapshot(offer),
        organisation_id=offer.bank_id,
    )


def _lapse_others(
    session: Session, *, actor: User | None, request_id: int, keep: int | None
) -> None:
    query = select(Offer).where(
        Offer.request_id == request_id,
        col(Offer.status).in_([OfferStatus.PENDING_APPROVAL, OfferStatus.APPROVED]),
    )
    for offer in session.exec(query).all():
        if offer.id != keep:
            _move_offer(session, actor=actor, offer=offer, target=OfferStatus.LAPSED)


def expire_offers(session: Session, *, actor: User | None, today: date) -> int:
    """Mark approved offers past their expiry date as expired (inside the caller's unit)."""
    query = select(Offer).where(Offer.status == OfferStatus.APPROVED, col(Offer.expires_on) < today)
    count = 0
    for offer in session.exec(query).all():
        _move_offer(session, actor=actor, offer=offer, target=OfferStatus.EXPIRED)
        count += 1
    return count


# --- comparing and accepting -----------------------------------------------------------------


@dataclass(frozen=True)
class OfferFigures:
    offer: Offer
    first_payment: int
    largest_payment: int
    total_interest: int
    subsidy: int
    premium: int
    expired: bool


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
    )


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def accept_offer(session: Session, *, actor: User, offer_id: int) -> Loan:
    """The SME accepts an approved offer: the loan is made, the assets are pledged and the
    loan is enrolled in the scheme in force today; every other offer lapses."""
    if actor.role is not Role.SME:
        raise PermissionDenied(N_("Only the borrowing company can accept an offer."))
    try:
        with transaction(session):
            offer = session.get(Offer, offer_id)
            if offer is None:
                raise NotFound(N_("No such offer."))
            request = _lock_request(session, offer.request_id)
            session.refresh(offer)
            if request.borrower_id != actor.organisation_id:
                raise PermissionDenied(N_("This offer was made to another company."))
            today = business_date(session)
            if (
                offer.status is OfferStatus.APPROVED
                and offer.expires_on
                and today > offer.expires_on
            ):
                raise Conflict(N_("This offer has expired; ask the bank for a new one."))
            require_transition(
                REQUEST_TRANSITIONS, request.status, RequestStatus.ACCEPTED, what=N_("request")
            )
            require_transition(
                OFFER_TRANSITIONS, offer.status, OfferStatus.ACCEPTED, what=N_("offer")
            )
            _move_offer(session, actor=actor, offer=offer, target=OfferStatus.ACCEPTED)
            _lapse_others(session, actor=actor, request_id=request.id or 0, keep=offer.id)
            before = audit.snapshot(request)
            request.status = RequestStatus.ACCEPTED
            request.closed_at = utcnow()
            session.add(request)
            audit.record(
                session,
                actor=actor,
                action="request.accept",
                obj=request,
                before=before,
                after=audit.snapshot(request),
            )
            assert offer.id is not None and request.id is not None
            loan = Loan(
                request_id=request.id,
                offer_id=offer.id,
                borrower_id=request.borrower_id,
                bank_id=offer.bank_id,
                principal=offer.amount,
                rate_bp=offer.rate_bp,
                term_months=offer.term_months,
                repayment_type=offer.repayment_type,
                insured=request.wants_insurance,
                accepted_on=today,
            )
            session.add(loan)
            session.flush()
            audit.record(
                session,
                actor=actor,
                action="loan.create",
                obj=loan,
                after=audit.snapshot(loan),
                organisation_id=loan.bank_id,
            )
            _register_pledges(session, actor=actor, loan=loan, today=today)
            _enrol(session, actor=actor, loan=loan, today=today)
    except IntegrityError as exc:
        # A concurrent acceptance or pledge won the race: the partial unique indexes decide.
        raise Conflict(
            N_("Another acceptance or pledge of these assets happened at the same time; reload.")
        ) from exc
    return loan


def _register_pledges(session: Session, *, actor: User, loan: Loan, today: date) -> None:
    """Register a pledge on every asset of the request; each asset row is locked first."""
    assert loan.id is not None
    for link in session.exec(
        select(RequestAsset).where(RequestAsset.request_id == loan.request_id)
    ).all():
        asset = session.exec(
            select(IPAsset).where(IPAsset.id == link.asset_id).with_for_update()
        ).one()
        session.refresh(asset)
        if asset.status is not AssetStatus.ACTIVE:
            raise Conflict(
                msg("%(title)s has been withdrawn; it cannot be pledged.", title=asset.title)
            )
        valued = session.get(AssetValuation, link.valuation_id)
        if valued is not None and valued.asset_row_version != asset.row_version:
            raise Conflict(
                msg(
                    "%(title)s was edited after the request was sent; "
                    "send a new request with its new valuation.",
                    title=asset.title,
                )
            )
        taken = session.exec(
            select(Pledge).where(Pledge.asset_id == asset.id, Pledge.status == PledgeStatus.ACTIVE)
        ).first()
        if taken is not None:
            raise Conflict(
                msg(
                    "%(title)s is already pledged (%(number)s).",
                    title=asset.title,
                    number=taken.registration_number,
                )
            )
        pledge = Pledge(
            loan_id=loan.id,
            asset_id=link.asset_id,
            valuation_id=link.valuation_id,
            registration_number=f"TMP-{loan.id}-{link.asset_id}",
            registered_on=today,
        )
        session.add(pledge)
        session.flush()
        pledge.registration_number = f"ZY{today.year}{pledge.id:08d}"
        session.add(pledge)
        audit.record(
            session,
            actor=actor,
            action="pledge.register",
            obj=pledge,
            after=audit.snapshot(pledge),
            organisation_id=loan.bank_id,
        )


def _enrol(session: Session, *, actor: User | None, loan: Loan, today: date) -> None:
    """Enrol the loan in the scheme version in force today, or record why it is not."""
    version = pool.scheme_in_force(session, today)
    before = audit.snapshot(loan)
    if version is None:
        loan.enrolment = Enrolment.NOT_ENROLLED
        loan.enrolment_reasons = ["no risk-compensation scheme is in force"]
    else:
        scheme = pool.scheme_of(version)
        reasons = scheme.check_enrolment(
            loan_principal=loan.principal,
            borrower_enrolled_principal=_enrolled_principal(
                session, borrower_id=loan.borrower_id, year=today.year, exclude=loan.id
            ),
            total_enrolled_principal=_enrolled_principal(session, exclude=loan.id),
            pool_balance=pool.pool_balance(session, today),
            bank_suspended=pool.live_suspension(session, loan.bank_id) is not None,
        )
        loan.scheme_version_id = version.id
        if reasons:
            loan.enrolment = Enrolment.NOT_ENROLLED
            loan.enrolment_reasons = reasons
        else:
            loan.enrolment = Enrolment.ENROLLED
            loan.enrolment_reasons = []
            loan.enrolled_on = today
    session.add(loan)
    audit.record(
        session,
        actor=actor,
        action="loan.enrol" if loan.enrolment is Enrolment.ENROLLED else "loan.not_enrolled",
        obj=loan,
        before=before,
        after=audit.snapshot(loan),
        organisation_id=loan.bank_id,
    )


def _enrolled_principal(
    session: Session,
    *,
    borrower_id: int | None = None,
    year: int | None = None,
    exclude: int | None = None,
) -> int:
    """Principal of live enrolled loans (optionally one borrower's, enrolled in one year)."""
    query = select(func.coalesce(func.sum(Loan.principal), 0)).where(
        Loan.enrolment == Enrolment.ENROLLED, col(Loan.status).in_(LIVE_LOAN_STATUSES)
    )
    if borrower_id is not None:
        query = query.where(Loan.borrower_id == borrower_id)
    if year is not None:
        query = query.where(
            col(Loan.enrolled_on) >= date(year, 1, 1), col(Loan.enrolled_on) <= date(year, 12, 31)
        )
    if exclude is not None:
        query = query.where(col(Loan.id) != exclude)
    return int(session.exec(query).one())


__all__ = [
    "LOAN_TRANSITIONS",
    "OfferInput",
    "RequestInput",
    "accept_offer",
    "create_request",
    "decide_offer",
    "decline_request",
    "propose_offer",
    "withdraw_request",
]
