"""Accepting an offer makes the loan in one transaction: the pledges are registered on every
asset and the loan is enrolled in the scheme in force that day (or told why not)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from market.domain.errors import Conflict, NotFound, PermissionDenied
from market.domain.kinds import Role, collateral_kind
from market.domain.messages import N_, msg
from market.domain.statemachine import require_transition
from market.domain.states import (
    OFFER_TRANSITIONS,
    REQUEST_TRANSITIONS,
    AssetStatus,
    OfferStatus,
    PledgeStatus,
    RequestStatus,
)
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.assets import IPAsset
from market.models.lending import Loan, Offer, RequestAsset
from market.models.orgs import User
from market.models.pledges import Pledge
from market.models.valuations import AssetValuation
from market.services import audit
from market.services.clock import business_date
from market.services.enrolment import enrol
from market.services.requests import lapse_others, lock_request, move_offer


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
            request = lock_request(session, offer.request_id)
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
            move_offer(session, actor=actor, offer=offer, target=OfferStatus.ACCEPTED)
            lapse_others(session, actor=actor, request_id=request.id or 0, keep=offer.id)
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
                other_collateral=min(request.other_collateral, offer.amount),
                relending=offer.relending,
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
            kinds = _register_pledges(session, actor=actor, loan=loan, today=today)
            loan.collateral_kind = collateral_kind(kinds)
            enrol(session, actor=actor, loan=loan, today=today)
    except IntegrityError as exc:
        # A concurrent acceptance or pledge won the race: the partial unique indexes decide.
        raise Conflict(
            N_("Another acceptance or pledge of these assets happened at the same time; reload.")
        ) from exc
    return loan


def _register_pledges(session: Session, *, actor: User, loan: Loan, today: date) -> list[str]:
    """Register a pledge on every asset of the request (each asset row locked first); returns
    the kinds of the pledged assets."""
    assert loan.id is not None
    kinds: list[str] = []
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
        kinds.append(asset.kind)
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
    return kinds
