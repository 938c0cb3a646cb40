"""Read-only figures of the pool pages: leverage used, the NPL book by bank, alerts, the
ledger grouped by transaction. Nothing here writes; the services own every change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from market.domain.kinds import LedgerAccount, OrgKind
from market.domain.states import Enrolment, LoanStatus
from market.models.lending import Loan
from market.models.orgs import Organisation
from market.models.pool import BankSuspension, LedgerEntry, SchemeVersion
from market.services import desk_rollup, pool
from market.services.desk_history import MonthRow
from riskpool import Scheme

FULL_BP = 10_000
LEVERAGE_ALERT = Decimal("0.8")  # warn once 80% of the leverage limit is used
TRIGGER_REACH = Decimal("0.8")  # warn once a bank's loss ratio reaches 80% of the trigger


def live_enrolled_principal(session: Session, months: list[MonthRow]) -> int:
    """Principal of every live enrolled loan (what the leverage limit counts), exact and
    current: the desk's months (principal enrolled less principal closed, rolled up before the
    last day-end plus the days since) less the enrolled loans compensated and not yet closed
    (the pool has paid, the pledged IP is still being sold: no longer live)."""
    compensated = select(func.coalesce(func.sum(Loan.principal), 0)).where(
        Loan.status == LoanStatus.COMPENSATED, Loan.enrolment == Enrolment.ENROLLED
    )
    running = months[-1].live_principal if months else 0
    return running - int(session.exec(compensated).one())


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


def leverage_used(scheme: Scheme | None, balance: int, used: int) -> Leverage:
    """How much of the leverage limit `used` (the live enrolled principal) takes."""
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
    live_loans: int = 0  # as of the last day-end
    npl_loans: int = 0  # as of the last day-end
    npl_outstanding: int = 0  # as of the last day-end
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
    """The enrolled loans' NPLs by bank, the pool's share of what they still owe, the live
    enrolled principal and the ledger's totals; `as_of` is the day-end that the live and NPL
    loan counts, the NPL outstanding and the exposure come from (None: counted now)."""

    banks: list[BankRow] = field(default_factory=list)
    npl_outstanding: int = 0
    pool_exposure: int = 0  # outstanding principal of NPL loans x the pool's share
    live_principal: int = 0  # of every live enrolled loan (what the leverage limit counts)
    flows: MonthRow = field(default_factory=lambda: MonthRow(month=""))  # totals, all months
    as_of: desk_rollup.Stamp | None = None
    suspensions: list[BankSuspension] = field(default_factory=list)  # newest first


def npl_book(session: Session, *, today: date, scheme: Scheme | None) -> NplBook:
    """Per bank: enrolled principal, live and NPL loans, this year's losses, the trigger.

    Nothing here scans the book: the desk's roll-ups of the last day-end plus what changed
    since (found by index) give the enrolled principal, the live enrolled principal and the
    ledger's totals, exact and current; the live and NPL loan counts per bank, the NPL
    outstanding and the pool's exposure are the last day-end's (`as_of`).
    Every figure is an SQL aggregate: the number of queries does not grow with the book.
    """
    book = NplBook(as_of=desk_rollup.stamp(session))
    trigger = scheme.suspension_npl_bp if scheme is not None else None
    months = desk_rollup.monthly(session, today=today, leverage=None, as_of=book.as_of)
    for month in months:
        for name in ("contributions", "compensation", "recoveries", "pool_cash"):
            setattr(book.flows, name, getattr(book.flows, name) + getattr(month, name))
    book.live_principal = live_enrolled_principal(session, months)
    counts = desk_rollup.npl_by_bank(session, as_of=book.as_of)
    triggers = {
        t.bank_id: t for t in desk_rollup.bank_triggers(session, year=today.year, as_of=book.as_of)
    }
    book.suspensions = pool.suspensions(session)
    suspended = {s.bank_id for s in book.suspensions if s.lifted_on is None}
    # What the NPL loans still owed at the last day-end, by bank and by (scheme version, loan
    # size): the pool's share depends on the size.
    owed = desk_rollup.npl_owed(session, as_of=book.as_of)
    # Every active bank (request_svc.participating_banks) and any other with figures.
    ids = set(counts) | set(triggers) | {o.bank_id for o in owed}
    ids |= {s.bank_id for s in book.suspensions}
    kind, active = col(Organisation.kind), col(Organisation.is_active)
    active_bank = and_(kind == OrgKind.BANK, active.is_(True))
    orgs = session.exec(
        select(Organisation).where(or_(active_bank, col(Organisation.id).in_(ids)))
    ).all()
    rows = {
        o.id: BankRow(bank=o, trigger_bp=trigger, suspended=o.id in suspended)
        for o in orgs
        if o.id is not None
    }
    for bank_id, row in rows.items():
        if bank_id in counts:
            row.live_loans, row.npl_loans = counts[bank_id].loans, counts[bank_id].npl_loans
        if bank_id in triggers:
            row.enrolled_principal = triggers[bank_id].enrolled_principal
            row.losses_this_year = triggers[bank_id].losses_this_year
    version_ids = {o.version_id for o in owed if o.version_id is not None}
    versions = {
        v.id: pool.scheme_of(v)
        for v in session.exec(select(SchemeVersion).where(col(SchemeVersion.id).in_(version_ids)))
    }
    for o in owed:
        if o.bank_id in rows:
            rows[o.bank_id].npl_outstanding += o.outstanding
        book.npl_outstanding += o.outstanding
        if o.version_id in versions:
            share = versions[o.version_id].pool_share_bp(o.principal)
            book.pool_exposure += o.outstanding * share // FULL_BP
    book.banks = sorted(rows.values(), key=lambda r: r.bank.name)
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
