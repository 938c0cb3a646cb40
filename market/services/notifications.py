"""Notifications (issue 16): raised inside the transaction of the event they tell of, one row
per recipient by one INSERT ... SELECT over the users (so the number of statements does not
depend on how many people are told), and each recipient's e-mail queued in the outbox unless
they chose not to get that kind by e-mail. The e-mail's words are written when it is sent, in
the recipient's language (services/mail_delivery.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from market.domain.errors import NotFound
from market.domain.kinds import NoticeKind, OrgKind, Role
from market.domain.messages import N_
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.lending import FinancingRequest, Offer
from market.models.notifications import NoticeEmailChoice, Notification
from market.models.orgs import Organisation, User
from market.models.outbox import OutboxEmail
from market.models.pool import BankSuspension, Claim
from market.models.types import UTCDateTime
from market.services import audit
from market.services.clock import business_date
from market.services.dayend_sql import table

#: The kinds of notice each role can receive (the preferences page offers these).
KINDS_BY_ROLE: dict[Role, tuple[NoticeKind, ...]] = {
    Role.SME: (NoticeKind.OFFER_RECEIVED, NoticeKind.PAYMENT_DUE, NoticeKind.PAYMENT_OVERDUE),
    Role.BANK_OFFICER: (
        NoticeKind.NEW_REQUEST,
        NoticeKind.OFFER_SENT_BACK,
        NoticeKind.CLAIM_DECIDED,
        NoticeKind.SUSPENSION,
    ),
    Role.BANK_APPROVER: (
        NoticeKind.OFFER_TO_APPROVE,
        NoticeKind.CLAIM_DECIDED,
        NoticeKind.SUSPENSION,
    ),
    Role.BUREAU: (NoticeKind.CLAIM_FILED,),
}

#: The bell shows at most this many unread notices ("99+" above).
UNREAD_CAP = 100

BANK_STAFF = (Role.BANK_OFFICER, Role.BANK_APPROVER)


def notice_insert(rows: sa.Select[Any]) -> sa.Insert:
    """INSERT INTO notification (user_id, kind, object_id, params, created_at, created_on)
    SELECT ... (rows in that order)."""
    columns = ["user_id", "kind", "object_id", "params", "created_at", "created_on"]
    return sa.insert(table(Notification)).from_select(columns, rows)


def not_told_yet(user_id: Any, kind: Any, object_id: Any) -> sa.ColumnElement[bool]:
    """No notice of this kind about this object for this user yet (a notice is raised once)."""
    n = table(Notification).alias("told")
    return ~sa.exists().where(n.c.user_id == user_id, n.c.kind == kind, n.c.object_id == object_id)


def raise_notice(
    session: Session,
    *,
    kind: NoticeKind,
    object_id: int,
    params: dict[str, Any],
    recipients: sa.ColumnElement[bool],
    today: date | None = None,
) -> None:
    """Tell every active user matching `recipients` (a condition on user_account) about an
    event, in the caller's transaction; queue their e-mails."""
    user = table(User)
    rows = sa.select(
        user.c.id,
        sa.literal(kind.value),
        sa.literal(object_id),
        sa.literal(params, sa.JSON()),
        sa.literal(utcnow(), UTCDateTime()),
        sa.literal(today or business_date(session), sa.Date()),
    ).where(recipients, user.c.is_active, not_told_yet(user.c.id, kind.value, object_id))
    session.execute(notice_insert(rows))
    queue_notice_emails(session, table(Notification).c.kind == kind.value,
                        table(Notification).c.object_id == object_id)


def queue_notice_emails(session: Session, *where: sa.ColumnElement[bool]) -> None:
    """Queue an e-mail for each notice matching `where` whose reader wants that kind by
    e-mail and that has none queued yet (subject and body are written when it is sent)."""
    n = table(Notification)
    user = table(User)
    choice = table(NoticeEmailChoice)
    outbox = table(OutboxEmail)
    opted_out = sa.exists().where(
        choice.c.user_id == n.c.user_id, choice.c.kind == n.c.kind, choice.c.email.is_(False)
    )
    queued = sa.exists().where(outbox.c.notification_id == n.c.id)
    rows = (
        sa.select(
            sa.literal(utcnow(), UTCDateTime()),
            user.c.email,
            sa.literal(""),
            sa.literal(""),
            sa.cast(n.c.kind, sa.String()),
            n.c.id,
        )
        .select_from(n.join(user, user.c.id == n.c.user_id))
        .where(*where, user.c.is_active, ~opted_out, ~queued)
    )
    columns = ["created_at", "to_address", "subject", "body", "kind", "notification_id"]
    session.execute(sa.insert(outbox).from_select(columns, rows))


def request_created(session: Session, request: FinancingRequest) -> None:
    """Tell the officers of the addressed bank (or of every active bank) of a new request."""
    assert request.id is not None
    company = session.get(Organisation, request.borrower_id)
    user = table(User)
    org = table(Organisation)
    banks = (
        user.c.organisation_id == request.bank_id
        if request.bank_id is not None
        else user.c.organisation_id.in_(
            sa.select(org.c.id).where(org.c.kind == OrgKind.BANK.value, org.c.is_active)
        )
    )
    raise_notice(
        session,
        kind=NoticeKind.NEW_REQUEST,
        object_id=request.id,
        params={"request": request.id, "company": company.name if company else "",
                "amount": request.amount, "months": request.term_months},
        recipients=sa.and_(user.c.role == Role.BANK_OFFICER.value, banks),
        today=request.created_on,
    )


def offer_proposed(session: Session, offer: Offer, officer: User) -> None:
    """Tell the approvers of the offer's bank that it waits for them."""
    assert offer.id is not None
    user = table(User)
    raise_notice(
        session,
        kind=NoticeKind.OFFER_TO_APPROVE,
        object_id=offer.id,
        params={"request": offer.request_id, "offer": offer.id, "officer": officer.name,
                "amount": offer.amount, "rate": offer.rate_bp},
        recipients=sa.and_(
            user.c.role == Role.BANK_APPROVER.value, user.c.organisation_id == offer.bank_id
        ),
    )


def offer_decided(session: Session, offer: Offer, request: FinancingRequest) -> None:
    """An approved offer reaches the SME; one sent back reaches the officer who proposed it."""
    assert offer.id is not None
    user = table(User)
    if offer.approved_by_id is not None:
        bank = session.get(Organisation, offer.bank_id)
        raise_notice(
            session,
            kind=NoticeKind.OFFER_RECEIVED,
            object_id=offer.id,
            params={"request": offer.request_id, "offer": offer.id,
                    "bank": bank.name if bank else "", "amount": offer.amount,
                    "rate": offer.rate_bp,
                    "expires": offer.expires_on.isoformat() if offer.expires_on else ""},
            recipients=sa.and_(
                user.c.role == Role.SME.value, user.c.organisation_id == request.borrower_id
            ),
        )
        return
    raise_notice(
        session,
        kind=NoticeKind.OFFER_SENT_BACK,
        object_id=offer.id,
        params={"request": offer.request_id, "offer": offer.id, "amount": offer.amount,
                "reason": offer.rejection_reason},
        recipients=user.c.id == offer.proposed_by_id,
    )


def claim_filed(session: Session, claim: Claim) -> None:
    """Tell the bureau's users that a bank filed a claim."""
    assert claim.id is not None
    bank = session.get(Organisation, claim.bank_id)
    raise_notice(
        session,
        kind=NoticeKind.CLAIM_FILED,
        object_id=claim.id,
        params={"claim": claim.id, "loan": claim.loan_id, "bank": bank.name if bank else "",
                "loss": claim.loss},
        recipients=table(User).c.role == Role.BUREAU.value,
        today=claim.filed_on,
    )


def claim_decided(session: Session, claim: Claim) -> None:
    """Tell the claiming bank's staff the bureau's decision."""
    assert claim.id is not None
    user = table(User)
    raise_notice(
        session,
        kind=NoticeKind.CLAIM_DECIDED,
        object_id=claim.id,
        params={"claim": claim.id, "loan": claim.loan_id, "outcome": claim.status.value,
                "loss": claim.loss, "paid": (claim.split or {}).get("pool", 0),
                "reason": claim.decision_reason},
        recipients=sa.and_(
            user.c.role.in_([r.value for r in BANK_STAFF]), user.c.organisation_id == claim.bank_id
        ),
        today=claim.decided_on,
    )


def bank_suspended(session: Session, row: BankSuspension) -> None:
    """Tell the suspended bank's staff."""
    assert row.id is not None
    user = table(User)
    raise_notice(
        session,
        kind=NoticeKind.SUSPENSION,
        object_id=row.id,
        params={"year": row.year, "losses": row.npl_losses, "enrolled": row.enrolled_principal,
                "pct": f"{row.trigger_bp / 100:g}"},
        recipients=sa.and_(
            user.c.role.in_([r.value for r in BANK_STAFF]), user.c.organisation_id == row.bank_id
        ),
        today=row.suspended_on,
    )


# --- the reader's side ---------------------------------------------------------------------


def unread_count(session: Session, user_id: int) -> int:
    """The user's unread notices, counted up to UNREAD_CAP (one indexed statement)."""
    n = table(Notification)
    capped = (
        sa.select(n.c.id)
        .where(n.c.user_id == user_id, n.c.read_at.is_(None))
        .limit(UNREAD_CAP)
        .subquery()
    )
    return int(session.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one())


def notices_of(user_id: int) -> Any:
    """The query of a user's notices (the list page paginates it)."""
    return select(Notification).where(Notification.user_id == user_id)


def mark_read(session: Session, *, actor: User, notice_id: int) -> Notification:
    """Mark one of the actor's own notices read (again: nothing changes); audited."""
    with transaction(session):
        notice = session.get(Notification, notice_id)
        if notice is None or notice.user_id != actor.id:
            raise NotFound(N_("No such notification."))
        if notice.read_at is None:
            notice.read_at = utcnow()
            session.add(notice)
            audit.record(session, actor=actor, action="notice.read", obj=notice,
                         after={"kind": notice.kind.value, "object_id": notice.object_id})
    return notice


def mark_all_read(session: Session, *, actor: User) -> int:
    """Mark every unread notice of the actor read, in one statement; audited with the count."""
    with transaction(session):
        n = table(Notification)
        result = session.execute(
            sa.update(n)
            .where(n.c.user_id == actor.id, n.c.read_at.is_(None))
            .values(read_at=sa.literal(utcnow(), UTCDateTime()))
        )
        count = int(result.rowcount)  # type: ignore[attr-defined]
        if count:
            audit.record(session, actor=actor, action="notice.read_all", obj=actor,
                         after={"count": count})
    return count


def email_choices(session: Session, user: User) -> dict[NoticeKind, bool]:
    """Which of the kinds the user's role receives come by e-mail too (default: all)."""
    kinds = KINDS_BY_ROLE.get(user.role, ())
    stored = {
        row.kind: row.email
        for row in session.exec(
            select(NoticeEmailChoice).where(NoticeEmailChoice.user_id == user.id)
        ).all()
    }
    return {kind: stored.get(kind, True) for kind in kinds}


def set_email_choices(
    session: Session, *, actor: User, wanted: Collection[NoticeKind]
) -> dict[NoticeKind, bool]:
    """Store which kinds the actor wants by e-mail (kinds outside the role are ignored);
    audited when something changed. In-app notices are always kept."""
    with transaction(session):
        before = email_choices(session, actor)
        after = {kind: kind in wanted for kind in before}
        rows = {
            row.kind: row
            for row in session.exec(
                select(NoticeEmailChoice).where(
                    NoticeEmailChoice.user_id == actor.id,
                    col(NoticeEmailChoice.kind).in_(list(after)),
                )
            ).all()
        }
        for kind, email in after.items():
            row = rows.get(kind) or NoticeEmailChoice(user_id=actor.id or 0, kind=kind)
            row.email = email
            session.add(row)
        if after != before:
            audit.record(
                session,
                actor=actor,
                action="notice.email_choices",
                obj=actor,
                before={k.value: v for k, v in before.items()},
                after={k.value: v for k, v in after.items()},
            )
    return after

