"""Read-only figures of the pool pages: leverage used, the NPL book by bank, alerts, the
ledger grouped by transaction. Nothing here writes; the services own every change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from market.domain.kinds import LedgerAccount
from market.domain.schedule import Classification
from market.domain.states import ClaimStatus, Enrolment, LoanStatus
from market.models.lending import Loan
from market.models.orgs import Organisation
from market.models.pool import Claim, LedgerEntry, SchemeVersion
from market.services import pool
from market.services import requests as request_svc
from riskpool import Scheme

FULL_BP = 10_000
LEVERAGE_ALERT = Decimal("0.8")  # warn once 80% of the leverage limit is used
TRIGGER_REACH = Decimal("0.8")  # warn once a bank's loss ratio reaches 80% of the trigger
SERVICED = (LoanStatus.ACTIVE, LoanStatus.IN_CLAIM)
NPL_CLASSES = tuple(c for c in Classification if c.is_npl)


def _live_enrolled() -> Any:
    return and_(
        col(Loan.enrolment) == Enrolment.ENROLLED,
        col(Loan.status).in_(request_svc.LIVE_LOAN_STATUSES),
    )


def live_enrolled_principal(session: Session) -> int:
    """Principal of every live loan enrolled in the scheme (what the leverage limit counts)."""
    query = select(func.coalesce(func.sum(Loan.principal), 0)).where(_live_enrolled())
    return int(session.exec(query).one())


@dataclass(frozen=True)
class Leverage:
    """Enrolled principal against the scheme's limit (leverage x pool balance)."""

    used: int
    leverage: Decimal | None
    limit: int | None
    headroom: int | None
    percent_used: Decimal | None  # of the limit, e.g. 83.4

    @property
    def high(self) -> bool:
        return self.percent_used is not None and self.percent_used >= LEVERAGE_ALERT * 100

    @property
    def over(self) -> bool:
        return self.limit is not None and self.used > self.limit


def leverage_used(
    session: Session, scheme: Scheme | None, balance: int, *, used: int | None = None
) -> Leverage:
    """How much of the leverage limit the live enrolled loans use (`used` if already summed)."""
    if used is None:
        used = live_enrolled_principal(session)
    if scheme is None or scheme.leverage is None:
        return Leverage(used=used, leverage=None, limit=None, headroom=None, percent_used=None)
    limit = int(scheme.leverage * max(balance, 0))
    if limit > 0:
        percent = (Decimal(used) * 100 / limit).quantize(Decimal("0.1"))
    else:
        percent = Decimal(100) if used else Decimal(0)
    return Leverage(
        used=used,
        leverage=scheme.leverage,
        limit=limit,
        headroom=max(0, limit - used),
        percent_used=percent,
    )


@dataclass
class BankRow:
    """One bank's enrolled book, NPLs and losses against the scheme's suspension trigger."""

    bank: Organisation
    enrolled_principal: int = 0  # every loan ever enrolled: the trigger's base
    live_loans: int = 0
    live_principal: int = 0
    npl_loans: int = 0
    npl_outstanding: int = 0
    losses_this_year: int = 0
    trigger_bp: int | None = None
    suspended: bool = False

    @property
    def loss_ratio(self) -> Decimal | None:
        """Approved losses this year as a percentage of the enrolled principal."""
        if self.enrolled_principal <= 0:
            return None
        return (Decimal(self.losses_this_year) * 100 / self.enrolled_principal).quantize(
            Decimal("0.01")
        )

    @property
    def trigger_percent(self) -> Decimal | None:
        return None if self.trigger_bp is None else Decimal(self.trigger_bp) / 100

    @property
    def over_trigger(self) -> bool:
        return (
            self.trigger_bp is not None
            and self.losses_this_year * FULL_BP > self.trigger_bp * self.enrolled_principal
        )

    @property
    def near_trigger(self) -> bool:
        """Within reach of the trigger (80% of it or more) but not past it."""
        if self.trigger_bp is None or self.losses_this_year <= 0 or self.over_trigger:
            return False
        reach = TRIGGER_REACH * self.trigger_bp * self.enrolled_principal
        return self.losses_this_year * FULL_BP >= reach


@dataclass
class NplBook:
    """The enrolled loans' NPLs by bank, and the pool's share of what they still owe."""

    banks: list[BankRow] = field(default_factory=list)
    npl_outstanding: int = 0
    pool_exposure: int = 0  # outstanding principal of NPL loans x the pool's share
    live_principal: int = 0  # of every live enrolled loan (what the leverage limit counts)


def npl_book(session: Session, *, today: date, scheme: Scheme | None) -> NplBook:
    """Per bank: enrolled principal, live and NPL loans, this year's losses, the trigger.

    Every figure is an SQL aggregate: the number of queries does not grow with the book.
    """
    trigger = scheme.suspension_npl_bp if scheme is not None else None
    bank_ids = {b.id for b in request_svc.participating_banks(session) if b.id is not None}
    live = _live_enrolled()
    npl = and_(col(Loan.status).in_(SERVICED), col(Loan.classification).in_(NPL_CLASSES))
    enrolled_loan = col(Loan.enrolment) == Enrolment.ENROLLED
    # One pass over the enrolled loans, an index-only scan of ix_loan_enrolled_book grouped
    # by (bank, state, class) and folded here: live count and principal, NPLs, all-time
    # principal (a CASE per row in SQL costs more than the few hundred groups in Python).
    per_bank: dict[int, list[int]] = {}  # bank -> [live loans, live principal, NPLs, all]
    for bank_id, status, klass, count, principal in session.execute(
        sa_select(
            col(Loan.bank_id), col(Loan.status), col(Loan.classification), func.count(),
            func.coalesce(func.sum(Loan.principal), 0),
        )
        .where(enrolled_loan)
        .group_by(col(Loan.bank_id), col(Loan.status), col(Loan.classification))
    ).all():
        sums = per_bank.setdefault(int(bank_id), [0, 0, 0, 0])
        sums[3] += int(principal)
        if LoanStatus(status) in request_svc.LIVE_LOAN_STATUSES:
            sums[0] += int(count)
            sums[1] += int(principal)
            if LoanStatus(status) in SERVICED and Classification(klass) in NPL_CLASSES:
                sums[2] += int(count)
    enrolled = {bank_id: sums[3] for bank_id, sums in per_bank.items()}
    losses = dict(
        session.exec(
            select(Claim.bank_id, func.sum(Claim.loss))
            .where(
                Claim.status == ClaimStatus.APPROVED,
                col(Claim.decided_on) >= date(today.year, 1, 1),
                col(Claim.decided_on) <= date(today.year, 12, 31),
            )
            .group_by(col(Claim.bank_id))
        ).all()
    )
    suspensions = pool.suspensions(session)
    suspended = {s.bank_id for s in suspensions if s.lifted_on is None}
    all_suspended = {s.bank_id for s in suspensions}
    # Outstanding principal of the NPL loans (the loan's column), by bank and by (scheme
    # version, loan size): the pool's share depends on the loan's size.
    outstanding = session.exec(
        select(
            Loan.bank_id,
            Loan.scheme_version_id,
            Loan.principal,
            func.sum(Loan.outstanding_principal),
        )
        .where(live, npl, col(Loan.outstanding_principal) > 0)
        .group_by(col(Loan.bank_id), col(Loan.scheme_version_id), col(Loan.principal))
    ).all()
    ids = bank_ids | set(per_bank) | all_suspended
    orgs = {
        o.id: o
        for o in session.exec(select(Organisation).where(col(Organisation.id).in_(ids))).all()
    }
    rows = {
        i: BankRow(bank=orgs[i], trigger_bp=trigger, suspended=i in suspended)
        for i in ids
        if i in orgs
    }
    for bank_id, (count, principal, npl_count, _all) in per_bank.items():
        row = rows[bank_id]
        row.live_loans, row.live_principal, row.npl_loans = count, principal, npl_count
    for bank_id, row in rows.items():
        row.enrolled_principal = int(enrolled.get(bank_id) or 0)
        row.losses_this_year = int(losses.get(bank_id) or 0)
    book = NplBook()
    versions = {
        v.id: pool.scheme_of(v)
        for v in session.exec(
            select(SchemeVersion).where(
                col(SchemeVersion.id).in_({r[1] for r in outstanding if r[1] is not None})
            )
        ).all()
    }
    for bank_id, version_id, principal, owed in outstanding:
        owed = int(owed or 0)
        rows[bank_id].npl_outstanding += owed
        book.npl_outstanding += owed
        if version_id in versions:
            share = versions[version_id].pool_share_bp(int(principal))
            book.pool_exposure += owed * share // FULL_BP
    book.banks = sorted(rows.values(), key=lambda r: r.bank.name)
    book.live_principal = sum(r.live_principal for r in rows.values())
    return book


@dataclass(frozen=True)
class Alert:
    """Something the bureau should look at; the page words it by `kind`."""

    kind: str
    level: str  # "warning" or "error"
    params: dict[str, Any] = field(default_factory=dict)


def alerts(
    *, version: SchemeVersion | None, balance: int, leverage: Leverage, book: NplBook
) -> list[Alert]:
    """The pool's alerts, most serious first."""
    found: list[Alert] = []
    if version is None:
        found.append(Alert("no_scheme", "error"))
    if leverage.over:
        found.append(Alert("leverage_over", "error", {"percent": leverage.percent_used}))
    elif leverage.high:
        found.append(Alert("leverage_high", "warning", {"percent": leverage.percent_used}))
    if balance < book.pool_exposure:
        found.append(
            Alert(
                "pool_short",
                "error",
                {
                    "balance": balance,
                    "exposure": book.pool_exposure,
                    "gap": book.pool_exposure - balance,
                },
            )
        )
    for bank_row in book.banks:
        if bank_row.suspended:
            continue
        if bank_row.over_trigger:
            found.append(Alert("bank_over_trigger", "error", {"row": bank_row}))
        elif bank_row.near_trigger:
            found.append(Alert("bank_near_trigger", "warning", {"row": bank_row}))
    return found


def account_totals(session: Session) -> dict[LedgerAccount, tuple[int, int]]:
    """Debits and credits of every account."""
    query = select(
        LedgerEntry.account,
        func.coalesce(func.sum(LedgerEntry.debit), 0),
        func.coalesce(func.sum(LedgerEntry.credit), 0),
    ).group_by(LedgerEntry.account)
    totals = {account: (0, 0) for account in LedgerAccount}
    for account, debit, credit in session.exec(query).all():
        totals[LedgerAccount(account)] = (int(debit), int(credit))
    return totals


@dataclass
class LedgerTxn:
    """One ledger transaction: its lines, what it links to, and the pool's cash after it."""

    txn: str
    posted_on: date
    memo: str
    lines: list[LedgerEntry] = field(default_factory=list)
    loan_id: int | None = None
    claim_id: int | None = None
    recovery_id: int | None = None
    reverses_txn: str | None = None
    reversed_by: str | None = None
    cash_change: int = 0
    balance_after: int = 0

    @property
    def reversible(self) -> bool:
        """A plain posting (not a claim payment, recovery or reversal) not yet reversed."""
        return (
            self.reverses_txn is None
            and self.reversed_by is None
            and self.claim_id is None
            and self.recovery_id is None
        )


def ledger_txns(session: Session) -> list[LedgerTxn]:
    """Every transaction, oldest first, with the pool's running cash balance."""
    entries = session.exec(select(LedgerEntry).order_by(col(LedgerEntry.id))).all()
    by_txn: dict[str, LedgerTxn] = {}
    for entry in entries:
        txn = by_txn.get(entry.txn)
        if txn is None:
            txn = by_txn[entry.txn] = LedgerTxn(
                txn=entry.txn,
                posted_on=entry.posted_on,
                memo=entry.memo,
                loan_id=entry.loan_id,
                claim_id=entry.claim_id,
                recovery_id=entry.recovery_id,
                reverses_txn=entry.reverses_txn,
            )
        txn.lines.append(entry)
        if entry.account is LedgerAccount.POOL_CASH:
            txn.cash_change += entry.debit - entry.credit
    balance = 0
    for txn in by_txn.values():
        balance += txn.cash_change
        txn.balance_after = balance
        if txn.reverses_txn is not None and txn.reverses_txn in by_txn:
            by_txn[txn.reverses_txn].reversed_by = txn.txn
    return list(by_txn.values())
