"""Financing requests: who may see which request, an SME asks, withdraws or a bank declines.

Offers on a request lapse when the request closes (`lapse_others`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, or_, select

from market.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.domain.kinds import OrgKind, Role
from market.domain.messages import N_, msg
from market.domain.statemachine import require_transition
from market.domain.states import (
    OFFER_TRANSITIONS,
    REQUEST_TRANSITIONS,
    AssetStatus,
    LoanStatus,
    OfferStatus,
    PledgeStatus,
    RequestStatus,
)
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.assets import IPAsset
from market.models.lending import FinancingRequest, Loan, Offer, RequestAsset, RequestDecline
from market.models.orgs import Organisation, User
from market.models.pledges import Pledge
from market.models.valuations import AssetValuation
from market.services import audit, notifications
from market.services.clock import business_date
from market.services.pledgeability import pledge_refusal
from market.services.valuations import latest_for_assets

BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_APPROVER})


READ_ALL_ROLES = frozenset({Role.BUREAU, Role.ADMIN})


MAX_TERM_MONTHS = 60


LIVE_LOAN_STATUSES = (LoanStatus.AWAITING_DISBURSEMENT, LoanStatus.ACTIVE, LoanStatus.IN_CLAIM)


@dataclass(frozen=True, kw_only=True)
class RequestInput:
    asset_ids: list[int]
    amount: int
    term_months: int
    purpose: str
    wants_insurance: bool = False
    bank_id: int | None = None  # None: every participating bank
    other_collateral: int = 0  # part of the amount secured by non-IP collateral


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


def request_errors(session: Session, *, actor: User, data: RequestInput) -> dict[str, str]:
    """The fields of an SME's request that break its rules (field -> English message)."""
    errors: dict[str, str] = {}
    chosen = {a.id: (a, v) for a, v in eligible_assets(session, actor=actor)}
    ids = list(dict.fromkeys(data.asset_ids))
    if not ids:
        errors["asset_ids"] = N_("Choose at least one asset to pledge.")
    elif any(i not in chosen for i in ids):
        errors["asset_ids"] = N_(
            "Only your own live, valued assets that are not already pledged can be chosen."
        )
    else:
        lister = session.get(Organisation, actor.organisation_id)
        assert lister is not None
        refusals = [pledge_refusal(chosen[i][0], chosen[i][1], lister) for i in ids]
        if any(refusals):
            errors["asset_ids"] = " ".join(r for r in refusals if r)
    if data.amount <= 0:
        errors["amount"] = N_("Enter the amount you want to borrow.")
    if data.other_collateral < 0 or (
        data.other_collateral and data.other_collateral >= data.amount
    ):
        errors["other_collateral"] = N_(
            "The part secured by other collateral must be less than the amount: "
            "a pledge loan is at least partly backed by IP."
        )
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
    return errors


def create_request(session: Session, *, actor: User, data: RequestInput) -> FinancingRequest:
    """An SME asks for a pledge loan against one or several of its valued assets."""
    if actor.role is not Role.SME:
        raise PermissionDenied(N_("Only an SME can ask for a pledge loan."))
    with transaction(session):
        errors = request_errors(session, actor=actor, data=data)
        if errors:
            raise ValidationFailed(N_("Please correct the marked fields."), errors=errors)
        chosen = {a.id: (a, v) for a, v in eligible_assets(session, actor=actor)}
        ids = list(dict.fromkeys(data.asset_ids))
        max_loan = sum(chosen[i][1].max_loan for i in ids)
        row = FinancingRequest(
            borrower_id=actor.organisation_id,
            created_by_id=actor.id or 0,
            bank_id=data.bank_id,
            amount=data.amount,
            term_months=data.term_months,
            purpose=data.purpose.strip(),
            wants_insurance=data.wants_insurance,
            other_collateral=data.other_collateral,
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
        notifications.request_created(session, row)
    return row


def withdraw_request(session: Session, *, actor: User, request_id: int) -> FinancingRequest:
    """The SME takes back an open request; pending offers lapse."""
    with transaction(session):
        row = lock_request(session, request_id)
        if actor.role is not Role.SME or row.borrower_id != actor.organisation_id:
            raise PermissionDenied(N_("Only the company that asked can withdraw the request."))
        require_transition(
            REQUEST_TRANSITIONS, row.status, RequestStatus.WITHDRAWN, what=N_("request")
        )
        before = audit.snapshot(row)
        row.status = RequestStatus.WITHDRAWN
        row.closed_at = utcnow()
        session.add(row)
        lapse_others(session, actor=actor, request_id=request_id, keep=None)
        audit.record(
            session,
            actor=actor,
            action="request.withdraw",
            obj=row,
            before=before,
            after=audit.snapshot(row),
        )
    return row


def lock_request(session: Session, request_id: int) -> FinancingRequest:
    """Load a request FOR UPDATE (PostgreSQL serialises concurrent acceptances on it)."""
    row = session.exec(
        select(FinancingRequest).where(FinancingRequest.id == request_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(N_("No such financing request."))
    return row


def require_bank_on(actor: User, request: FinancingRequest) -> None:
    """Raise PermissionDenied unless the actor is a banker the request is addressed to."""
    if actor.role not in BANK_ROLES or not is_addressed_to(request, actor.organisation_id):
        raise PermissionDenied(N_("This financing request is not addressed to your bank."))


def declined(session: Session, request_id: int, bank_id: int) -> bool:
    """True if the bank has already declined the request."""
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
        request = lock_request(session, request_id)
        require_bank_on(actor, request)
        if request.status is not RequestStatus.OPEN:
            raise Conflict(N_("This request is no longer open."))
        if declined(session, request_id, actor.organisation_id):
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
            move_offer(session, actor=actor, offer=offer, target=OfferStatus.LAPSED)
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


def move_offer(session: Session, *, actor: User | None, offer: Offer, target: OfferStatus) -> None:
    """Move an offer to `target` (checked against the offer state machine) and audit it."""
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


def lapse_others(
    session: Session, *, actor: User | None, request_id: int, keep: int | None
) -> None:
    """Lapse the request's live offers, except `keep`."""
    query = select(Offer).where(
        Offer.request_id == request_id,
        col(Offer.status).in_([OfferStatus.PENDING_APPROVAL, OfferStatus.APPROVED]),
    )
    for offer in session.exec(query).all():
        if offer.id != keep:
            move_offer(session, actor=actor, offer=offer, target=OfferStatus.LAPSED)
