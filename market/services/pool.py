"""The bureau's pool: scheme versions in force, the double-entry ledger, contributions,
corrections and bank suspensions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, func, select

from market.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.domain.kinds import LedgerAccount, OrgKind, Role
from market.domain.messages import N_, Stored, msg, stored
from market.frame.db import transaction
from market.models.integrity import LedgerReversal
from market.models.orgs import Organisation, User
from market.models.pool import BankSuspension, LedgerEntry, SchemeVersion
from market.services import audit
from market.services.clock import business_date
from market.services.previews import ContributionPlan, ReversalPlan, require_digest
from market.text.labels import PARTY_LABELS
from riskpool import Scheme, SchemeError

BUREAU_ROLES = frozenset({Role.BUREAU})
POOL_READERS = frozenset({Role.BUREAU, Role.ADMIN})


def require_bureau(actor: User) -> None:
    """Only bureau staff run the pool."""
    if actor.role not in BUREAU_ROLES:
        raise PermissionDenied(N_("Only the IP bureau's staff can do this."))


# --- scheme versions -------------------------------------------------------------------------


def scheme_in_force(session: Session, day: date) -> SchemeVersion | None:
    """The scheme version in force on `day` (the latest to take effect on or before it)."""
    query = (
        select(SchemeVersion)
        .where(SchemeVersion.effective_from <= day)
        .order_by(col(SchemeVersion.effective_from).desc(), col(SchemeVersion.id).desc())
    )
    return session.exec(query).first()


def scheme_of(version: SchemeVersion) -> Scheme:
    """The riskpool Scheme a stored version holds."""
    return Scheme.from_dict(version.document)


def list_scheme_versions(session: Session) -> list[SchemeVersion]:
    """Every scheme version, newest first."""
    query = select(SchemeVersion).order_by(
        col(SchemeVersion.effective_from).desc(), col(SchemeVersion.id).desc()
    )
    return list(session.exec(query).all())


def add_scheme_version(
    session: Session,
    *,
    actor: User | None,
    document: dict[str, Any],
    effective_from: date,
    partners: dict[str, int] | None = None,
) -> SchemeVersion:
    """Store a new version of a scheme, in force from `effective_from` (today or later).

    Loans keep the version they were enrolled under; a new version only affects new loans.
    """
    if actor is not None:
        require_bureau(actor)
    with transaction(session):
        if actor is not None and effective_from < business_date(session):
            raise ValidationFailed(
                N_("A new scheme version cannot take effect in the past."),
                errors={"effective_from": N_("Must be today or later.")},
            )
        try:
            scheme = Scheme.from_dict(document)
        except (SchemeError, TypeError, ValueError) as exc:
            raise ValidationFailed(
                msg("The scheme is not valid: %(error)s", error=str(exc)),
                errors={"document": str(exc)},
            ) from exc
        clean_partners = _check_partners(session, scheme, partners or {})
        latest = session.exec(
            select(func.max(SchemeVersion.version)).where(SchemeVersion.name == scheme.name)
        ).one()
        number = (latest or 0) + 1
        data = scheme.to_dict()
        data["version"] = number
        row = SchemeVersion(
            name=scheme.name,
            version=number,
            effective_from=effective_from,
            document=data,
            partners=clean_partners,
            created_by_id=actor.id if actor else None,
        )
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="scheme.version",
            obj=row,
            after={"name": row.name, "version": number, "effective_from": str(effective_from)},
        )
    return row


PARTY_KINDS = {
    "insurer": OrgKind.INSURER,
    "guarantor": OrgKind.GUARANTOR,
    "re_guarantor": OrgKind.GUARANTOR,
    "valuer": OrgKind.VALUER,
}


def _check_partners(session: Session, scheme: Scheme, partners: dict[str, int]) -> dict[str, int]:
    """Each non-bank party of the scheme maps to an organisation of the right kind."""
    clean: dict[str, int] = {}
    for party in scheme.parties:
        kind = PARTY_KINDS.get(party)
        if kind is None:
            continue
        org_id = partners.get(party)
        org = session.get(Organisation, org_id) if org_id else None
        if org is None or org.kind is not kind:
            raise ValidationFailed(
                msg(
                    "Choose the %(party)s that stands behind this scheme.",
                    party=str(PARTY_LABELS.get(party, party)),
                ),
                errors={f"partner_{party}": N_("Choose an organisation of this kind.")},
            )
        clean[party] = org.id  # type: ignore[assignment]
    return clean


# --- ledger ----------------------------------------------------------------------------------


def lock_pool(session: Session) -> None:
    """Make this transaction the pool's only writer until it ends.

    PostgreSQL: a row lock on the one row of pool_lock (a second writer waits). SQLite: a write
    to that row takes the database's write lock (a second writer waits, or fails if it read
    before the first committed). Whatever is read after this call is current.
    """
    if session.get_bind().dialect.name == "postgresql":
        locked = session.execute(text("SELECT id FROM pool_lock WHERE id = 1 FOR UPDATE"))
    else:
        locked = session.execute(text("UPDATE pool_lock SET id = 1 WHERE id = 1 RETURNING id"))
    if locked.first() is None:
        raise RuntimeError("the pool_lock row is missing: run `ipmarket db upgrade`")


def pool_balance(session: Session, day: date | None = None, *, for_update: bool = False) -> int:
    """The pool's cash on `day` (default: every posting): debits minus credits of pool_cash.

    `for_update=True` first takes the pool's lock (see `lock_pool`): use it when the balance
    decides what is posted.
    """
    if for_update:
        lock_pool(session)
    query = select(
        func.coalesce(func.sum(LedgerEntry.debit), 0)
        - func.coalesce(func.sum(LedgerEntry.credit), 0)
    ).where(LedgerEntry.account == LedgerAccount.POOL_CASH)
    if day is not None:
        query = query.where(LedgerEntry.posted_on <= day)
    return int(session.exec(query).one())


def post(
    session: Session,
    *,
    actor: User | None,
    day: date,
    lines: list[tuple[LedgerAccount, int, int]],
    memo: str | Stored,
    loan_id: int | None = None,
    claim_id: int | None = None,
    recovery_id: int | None = None,
    reverses_txn: str | None = None,
) -> str:
    """Append one balanced transaction (account, debit, credit lines); returns its id.

    Takes the pool's lock first, so postings are serial; a reversal records its one
    `LedgerReversal` row (a second reversal of the same transaction fails in the database).
    """
    if sum(d for _, d, _ in lines) != sum(c for _, _, c in lines) or not lines:
        raise ValueError("a ledger transaction must balance")
    lock_pool(session)
    txn = uuid.uuid4().hex
    text, message = (memo.text(), memo.as_json()) if isinstance(memo, Stored) else (memo, None)
    if reverses_txn is not None:
        session.add(LedgerReversal(reversed_txn=reverses_txn, reversal_txn=txn))
        session.flush()
    for account, debit, credit in lines:
        session.add(
            LedgerEntry(
                txn=txn,
                posted_on=day,
                account=account,
                debit=debit,
                credit=credit,
                memo=text,
                memo_message=message,
                loan_id=loan_id,
                claim_id=claim_id,
                recovery_id=recovery_id,
                reverses_txn=reverses_txn,
                created_by_id=actor.id if actor else None,
            )
        )
    session.flush()
    return txn


def ledger(session: Session, *, limit: int = 200) -> list[LedgerEntry]:
    """The newest ledger lines first."""
    query = select(LedgerEntry).order_by(col(LedgerEntry.id).desc()).limit(limit)
    return list(session.exec(query).all())


def contribution_plan(session: Session, *, amount: int, memo: str) -> ContributionPlan:
    """What recording a contribution posts today (nothing is written)."""
    if amount <= 0:
        raise ValidationFailed(
            N_("A contribution must be a positive amount."),
            errors={"amount": N_("Enter a positive amount.")},
        )
    return ContributionPlan(
        amount=amount,
        memo=memo.strip() or N_("Government contribution"),
        day=business_date(session),
        balance_before=pool_balance(session),
    )


def contribute(
    session: Session, *, actor: User, amount: int, memo: str, expected: str | None = None
) -> str:
    """Record government money paid into the pool (on the business date); refused
    (StalePreview) if `expected`, the previewed digest, no longer matches."""
    require_bureau(actor)
    with transaction(session):
        plan = contribution_plan(session, amount=amount, memo=memo)
        require_digest(expected, plan.digest)
        note = memo.strip() or stored(N_("Government contribution"))  # plan.memo is its text
        txn = post(
            session,
            actor=actor,
            day=plan.day,
            lines=[(LedgerAccount.POOL_CASH, amount, 0), (LedgerAccount.FUNDING, 0, amount)],
            memo=note,
        )
        entry = session.exec(select(LedgerEntry).where(LedgerEntry.txn == txn)).first()
        assert entry is not None
        audit.record(
            session,
            actor=actor,
            action="pool.contribution",
            obj=entry,
            after={"txn": txn, "amount": amount, "memo": plan.memo},
        )
    return txn


def reversal_plan(session: Session, *, txn: str, day: date, lock: bool = False) -> ReversalPlan:
    """The mirror posting that would reverse `txn` (nothing is written), after the checks."""
    lines = list(session.exec(select(LedgerEntry).where(LedgerEntry.txn == txn)).all())
    if not lines:
        raise NotFound(N_("No such ledger transaction."))
    if lines[0].reverses_txn is not None:
        raise Conflict(N_("A reversal cannot itself be reversed; post a new entry instead."))
    if session.get(LedgerReversal, txn) is not None:
        raise Conflict(N_("This transaction has already been reversed."))
    if lines[0].claim_id is not None or lines[0].recovery_id is not None:
        raise Conflict(N_("Claim payments and recoveries cannot be reversed here."))
    plan = ReversalPlan(
        subject=txn,
        lines=tuple((x.account.value, x.credit, x.debit) for x in lines),
        balance_before=pool_balance(session, day, for_update=lock),
    )
    if plan.balance_after < 0:
        raise Conflict(N_("Reversing this would leave the pool with a negative balance."))
    return plan


def reverse(
    session: Session, *, actor: User, txn: str, reason: str, expected: str | None = None
) -> str:
    """Correct a posting by a new transaction that mirrors it (the original stays); refused
    (StalePreview) if `expected`, the previewed digest, no longer matches."""
    require_bureau(actor)
    with transaction(session):
        if not reason.strip():
            raise ValidationFailed(
                N_("Say why the posting is reversed."), errors={"reason": N_("Required.")}
            )
        lock_pool(session)  # before the checks: a concurrent reversal has committed or waits
        day = business_date(session)
        plan = reversal_plan(session, txn=txn, day=day)  # the pool is locked above
        require_digest(expected, plan.digest)
        new_txn = post(
            session,
            actor=actor,
            day=day,
            lines=[(LedgerAccount(a), debit, credit) for a, debit, credit in plan.lines],
            memo=stored(N_("Reversal: %(reason)s"), reason=reason.strip()),
            reverses_txn=txn,
        )
        first = session.exec(select(LedgerEntry).where(LedgerEntry.txn == txn)).first()
        assert first is not None
        audit.record(
            session,
            actor=actor,
            action="pool.reversal",
            obj=first,
            after={"txn": new_txn, "reverses": txn, "reason": reason.strip()},
        )
    return new_txn


def ledger_is_balanced(session: Session) -> bool:
    """Every transaction's debits equal its credits (an invariant the tests check)."""
    query = (
        select(LedgerEntry.txn)
        .group_by(col(LedgerEntry.txn))
        .having(func.sum(LedgerEntry.debit) != func.sum(LedgerEntry.credit))
    )
    return session.exec(query).first() is None


# --- suspensions -----------------------------------------------------------------------------


def live_suspension(session: Session, bank_id: int) -> BankSuspension | None:
    """The bank's suspension that the bureau has not lifted, if any."""
    query = select(BankSuspension).where(
        BankSuspension.bank_id == bank_id, col(BankSuspension.lifted_on).is_(None)
    )
    return session.exec(query).first()


def suspensions(session: Session) -> list[BankSuspension]:
    """Every suspension, newest first."""
    return list(session.exec(select(BankSuspension).order_by(col(BankSuspension.id).desc())).all())


def lift_suspension(
    session: Session, *, actor: User, suspension_id: int, reason: str
) -> BankSuspension:
    """The bureau lets a suspended bank enrol new loans again."""
    require_bureau(actor)
    with transaction(session):
        row = session.get(BankSuspension, suspension_id)
        if row is None:
            raise NotFound(N_("No such suspension."))
        if row.lifted_on is not None:
            raise Conflict(N_("This suspension has already been lifted."))
        if not reason.strip():
            raise ValidationFailed(
                N_("Say why the suspension is lifted."), errors={"reason": N_("Required.")}
            )
        before = audit.snapshot(row)
        row.lifted_on = business_date(session)
        row.lifted_by_id = actor.id
        row.lift_reason = reason.strip()
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="pool.suspension_lifted",
            obj=row,
            before=before,
            after=audit.snapshot(row),
            organisation_id=row.bank_id,
        )
    return row
