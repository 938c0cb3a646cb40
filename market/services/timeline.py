"""A loan's timeline: every audited step of its life, for the parties allowed to see it."""

from __future__ import annotations

from sqlmodel import Session, and_, col, or_, select

from market.domain.kinds import Role
from market.models.audit import AuditEvent
from market.models.lending import FinancingRequest, Loan, Offer
from market.models.orgs import User
from market.models.pledges import Pledge
from market.models.pool import Claim, Recovery
from market.models.servicing import Repayment


def _ids(
    session: Session, model: type[Pledge | Repayment | Claim | Recovery], loan_id: int
) -> list[int]:
    query = select(model.id).where(model.loan_id == loan_id)
    return [i for i in session.exec(query).all() if i is not None]


def request_timeline(
    session: Session, *, actor: User, request: FinancingRequest, loan: Loan | None = None
) -> list[AuditEvent]:
    """Audit events of a request and, once accepted, of its loan, oldest first.

    A bank sees its own offers and declines only, and the loan's history only when the loan is
    its own (a request sent to every bank must not show the winner's loan to the others); the
    SME sees approved offers only; everyone allowed to open the request or loan sees the rest.
    """
    assert request.id is not None
    offers = select(Offer.id).where(Offer.request_id == request.id)
    banker = actor.role in (Role.BANK_OFFICER, Role.BANK_APPROVER)
    if banker:
        offers = offers.where(Offer.bank_id == actor.organisation_id)
        if loan is not None and loan.bank_id != actor.organisation_id:
            loan = None
    elif actor.role is Role.SME:
        # An offer reaches the SME only once approved; so does its history.
        offers = offers.where(col(Offer.approved_by_id).is_not(None))
    objects: list[tuple[str, list[int]]] = [
        ("FinancingRequest", [request.id]),
        ("Offer", [i for i in session.exec(offers).all() if i is not None]),
    ]
    if loan is not None and loan.id is not None:
        objects += [
            ("Loan", [loan.id]),
            ("Pledge", _ids(session, Pledge, loan.id)),
            ("Repayment", _ids(session, Repayment, loan.id)),
            ("Claim", _ids(session, Claim, loan.id)),
            ("Recovery", _ids(session, Recovery, loan.id)),
        ]
    clauses = [
        and_(AuditEvent.object_type == kind, col(AuditEvent.object_id).in_(ids))
        for kind, ids in objects
        if ids
    ]
    if banker:
        # Declines are per bank too.
        clauses.append(
            and_(
                AuditEvent.object_type == "RequestDecline",
                AuditEvent.organisation_id == actor.organisation_id,
                col(AuditEvent.after)["request_id"].as_integer() == request.id,
            )
        )
    else:
        clauses.append(
            and_(
                AuditEvent.object_type == "RequestDecline",
                col(AuditEvent.after)["request_id"].as_integer() == request.id,
            )
        )
    query = select(AuditEvent).where(or_(*clauses)).order_by(col(AuditEvent.id))
    return list(session.exec(query).all())


__all__ = ["request_timeline"]
