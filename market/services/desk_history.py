"""The desk's history: the pool's ledger and the enrolled book by month, and NPL ratios by
bank, IP kind, industry and region. Every figure is a SQL aggregate (no query per row)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from market.domain.kinds import LedgerAccount
from market.domain.schedule import Classification
from market.domain.states import ClaimStatus, Enrolment, LoanStatus
from market.models.lending import Loan
from market.models.orgs import Organisation
from market.models.pool import Claim, LedgerEntry
from market.services.requests import LIVE_LOAN_STATUSES

NPL_CLASSES = tuple(c for c in Classification if c.is_npl)


def month_key(day: date) -> str:
    """'2026-03' for any day of March 2026."""
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month key from `first` to `last` inclusive."""
    year, month = int(first[:4]), int(first[5:])
    out: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _ym(column: Any) -> tuple[Any, Any]:
    return (
        sa.cast(sa.extract("year", column), sa.Integer),
        sa.cast(sa.extract("month", column), sa.Integer),
    )


@dataclass
class MonthRow:
    """One month of the pool: flows in fen and the position at the month's end."""

    month: str
    contributions: int = 0
    compensation: int = 0
    recoveries: int = 0
    subsidies: int = 0  # interest subsidies earned that month (the ledger's subsidies account)
    pool_cash: int = 0  # net movement of the pool's cash in the month
    balance: int = 0  # pool cash at the end of the month
    enrolled: int = 0  # principal enrolled during the month
    closed: int = 0  # principal of enrolled loans closed during the month
    live_principal: int = 0  # live enrolled principal at the month's end
    leverage_limit: int | None = None  # leverage x balance at the month's end

    @property
    def leverage_used_x100(self) -> int | None:
        """Live enrolled principal / balance in hundredths (1000 = 10x); None if no balance."""
        return self.live_principal * 100 // self.balance if self.balance > 0 else None


def _since_before(column: Any, since: date | None, before: date | None) -> list[Any]:
    where: list[Any] = []
    if since is not None:
        where.append(col(column) >= since)
    if before is not None:
        where.append(col(column) < before)
    return where


def _flows_by_month(
    session: Session, since: date | None = None, before: date | None = None
) -> dict[str, dict[LedgerAccount, int]]:
    """Net movement (debit - credit) of every account per month."""
    year, month = _ym(LedgerEntry.posted_on)
    query = (
        select(
            year,
            month,
            LedgerEntry.account,
            func.coalesce(func.sum(LedgerEntry.debit), 0)
            - func.coalesce(func.sum(LedgerEntry.credit), 0),
        )
        .where(*_since_before(LedgerEntry.posted_on, since, before))
        .group_by(year, month, LedgerEntry.account)
    )
    out: dict[str, dict[LedgerAccount, int]] = {}
    for y, m, account, net in session.exec(query).all():
        out.setdefault(f"{int(y):04d}-{int(m):02d}", {})[LedgerAccount(account)] = int(net)
    return out


def _sums_by_month(
    session: Session, day_column: Any, values: tuple[Any, ...], *where: Any
) -> list[dict[str, int]]:
    """Per value, its sum by the month of `day_column` (one query for all of them)."""
    year, month = _ym(day_column)
    query = (
        sa.select(year, month, *[func.coalesce(func.sum(v), 0) for v in values])
        .where(col(day_column).is_not(None), *where)
        .group_by(year, month)
    )
    out: list[dict[str, int]] = [{} for _ in values]
    for y, m, *sums in session.execute(query).all():
        for k, v in enumerate(sums):
            out[k][f"{int(y):04d}-{int(m):02d}"] = int(v)
    return out


def movements(
    session: Session, *, since: date | None = None, before: date | None = None
) -> dict[str, MonthRow]:
    """Each month's flows, pool cash movement, enrolments and closures (no running totals),
    for days from `since` and before `before` (either open)."""
    flows = _flows_by_month(session, since, before)
    enrolled_only = col(Loan.enrolment) == Enrolment.ENROLLED
    (enrolled,) = _sums_by_month(
        session, Loan.enrolled_on, (Loan.principal,), enrolled_only,
        *_since_before(Loan.enrolled_on, since, before),
    )  # fmt: skip
    (closed,) = _sums_by_month(
        session, Loan.closed_on, (Loan.principal,), enrolled_only,
        *_since_before(Loan.closed_on, since, before),
    )  # fmt: skip
    out: dict[str, MonthRow] = {}
    for key in sorted(set(flows) | set(enrolled) | set(closed)):
        net = flows.get(key, {})
        out[key] = MonthRow(
            month=key,
            contributions=-net.get(LedgerAccount.FUNDING, 0),
            compensation=net.get(LedgerAccount.COMPENSATION, 0),
            recoveries=-net.get(LedgerAccount.RECOVERIES, 0),
            # Interest subsidies (贴息) earned plus fee and premium subsidies paid.
            subsidies=net.get(LedgerAccount.SUBSIDIES, 0) + net.get(LedgerAccount.FEE_SUBSIDIES, 0),
            pool_cash=net.get(LedgerAccount.POOL_CASH, 0),
            enrolled=enrolled.get(key, 0),
            closed=closed.get(key, 0),
        )
    return out


def running(moved: dict[str, MonthRow], *, today: date, leverage: float | None) -> list[MonthRow]:
    """Every month from the first movement to `today`'s month, with the balance, the live
    enrolled principal and the leverage limit carried from month to month."""
    if not moved:
        return []
    rows: list[MonthRow] = []
    balance = live = 0
    for key in months_between(min(moved), max(max(moved), month_key(today))):
        row = replace(moved[key]) if key in moved else MonthRow(month=key)
        balance += row.pool_cash
        live += row.enrolled - row.closed
        row.balance, row.live_principal = balance, live
        if leverage is not None:
            row.leverage_limit = int(leverage * max(balance, 0))
        rows.append(row)
    return rows


def monthly(session: Session, *, today: date, leverage: float | None) -> list[MonthRow]:
    """The pool month by month, from its first posting or enrolment up to `today`'s month."""
    return running(movements(session), today=today, leverage=leverage)


@dataclass
class NplRow:
    """Live enrolled loans of one group and the non-performing part of them."""

    key: str
    label: str
    loans: int
    principal: int
    npl_loans: int
    npl_principal: int

    @property
    def ratio_bp(self) -> int | None:
        """NPL principal / principal in basis points (rounded down)."""
        return self.npl_principal * 10_000 // self.principal if self.principal else None


def _npl_case() -> Any:
    return sa.case((col(Loan.classification).in_(NPL_CLASSES), 1), else_=0)


def _live_enrolled() -> Any:
    return sa.and_(
        col(Loan.enrolment) == Enrolment.ENROLLED, col(Loan.status).in_(LIVE_LOAN_STATUSES)
    )


def _npl_rows(
    session: Session, key: Any, *joins: tuple[Any, Any], where: Any = None
) -> list[tuple[Any, ...]]:
    npl = _npl_case()
    query = sa.select(
        key,
        func.count(),
        func.coalesce(func.sum(Loan.principal), 0),
        func.coalesce(func.sum(npl), 0),
        func.coalesce(func.sum(npl * Loan.principal), 0),
    ).select_from(Loan)
    for target, on in joins:
        query = query.join(target, on)
    query = query.where(_live_enrolled()).group_by(key)
    if where is not None:
        query = query.where(where)
    return [tuple(r) for r in session.execute(query).all()]


def npl_total(session: Session, *, bank_id: int | None = None) -> NplRow:
    """Every live enrolled loan (of one bank if given)."""
    where = None if bank_id is None else col(Loan.bank_id) == bank_id
    rows = _npl_rows(session, sa.literal("all"), where=where)
    if not rows:
        return NplRow("all", "", 0, 0, 0, 0)
    _k, n, p, nn, npp = rows[0]
    return NplRow("all", "", int(n), int(p), int(nn), int(npp))


def npl_by(session: Session, dimension: str) -> list[NplRow]:
    """NPL figures grouped by "bank", "kind" (of pledged IP), "industry", "region" or
    "bank_id" (each bank by its id: names need not be unique)."""
    if dimension == "bank_id":
        raw = _npl_rows(session, col(Loan.bank_id))
    elif dimension == "bank":
        raw = _npl_rows(
            session,
            Organisation.name,
            (Organisation, col(Organisation.id) == col(Loan.bank_id)),
        )
    elif dimension in ("industry", "region"):
        column = Organisation.industry if dimension == "industry" else Organisation.region
        raw = _npl_rows(
            session,
            func.coalesce(column, ""),
            (Organisation, col(Organisation.id) == col(Loan.borrower_id)),
        )
    elif dimension == "kind":  # the loan's collateral kind, set at acceptance
        kind = col(Loan.collateral_kind)
        raw = _npl_rows(session, kind, where=kind.is_not(None))
    else:
        raise ValueError(f"unknown dimension {dimension!r}")
    rows = [
        NplRow(str(k or ""), str(k or ""), int(n), int(p), int(nn), int(npp))
        for k, n, p, nn, npp in raw
    ]
    return sorted(rows, key=lambda r: (-r.principal, r.key))


@dataclass(frozen=True)
class OwedGroup:
    """NPL loans of one bank, scheme version and size, and the principal they still owe."""

    bank_id: int
    version_id: int | None
    principal: int  # each loan's principal (the pool's share depends on it)
    loans: int
    outstanding: int


SERVICED = (LoanStatus.ACTIVE, LoanStatus.IN_CLAIM)


def npl_owed(session: Session) -> list[OwedGroup]:
    """The live enrolled NPL loans' outstanding principal (the loan's column) by bank, scheme
    version and loan size: an index-only scan of ix_loan_npl_owed."""
    query = (
        sa.select(
            col(Loan.bank_id), col(Loan.scheme_version_id), col(Loan.principal), func.count(),
            func.sum(Loan.outstanding_principal),
        )
        .where(
            _live_enrolled(),
            col(Loan.status).in_(SERVICED),
            col(Loan.classification).in_(NPL_CLASSES),
            col(Loan.outstanding_principal) > 0,
        )
        .group_by(col(Loan.bank_id), col(Loan.scheme_version_id), col(Loan.principal))
    )  # fmt: skip
    return [
        OwedGroup(int(b), None if v is None else int(v), int(p), int(n), int(o or 0))
        for b, v, p, n, o in session.execute(query).all()
    ]


@dataclass
class BankTrigger:
    """A bank's approved losses this year against the enrolled principal the trigger counts."""

    bank_id: int
    name: str
    enrolled_principal: int
    losses_this_year: int

    def ratio_bp(self) -> int | None:
        """Losses / enrolled principal in basis points."""
        if self.enrolled_principal <= 0:
            return None
        return self.losses_this_year * 10_000 // self.enrolled_principal


def enrolled_by_bank(
    session: Session,
    *,
    since: date | None = None,
    before: date | None = None,
    bank_id: int | None = None,
) -> dict[int, int]:
    """Principal of the loans each bank enrolled (any state), by enrolment day if given."""
    query = (
        select(Loan.bank_id, func.sum(Loan.principal))
        .where(
            Loan.enrolment == Enrolment.ENROLLED,
            *_since_before(Loan.enrolled_on, since, before),
        )
        .group_by(col(Loan.bank_id))
    )
    if bank_id is not None:
        query = query.where(Loan.bank_id == bank_id)
    return {int(b): int(p) for b, p in session.exec(query).all()}


def bank_triggers(
    session: Session,
    *,
    year: int,
    bank_id: int | None = None,
    enrolled: dict[int, int] | None = None,
) -> list[BankTrigger]:
    """Per bank with enrolled loans: enrolled principal (`enrolled` if given, else counted
    now) and this year's approved losses."""
    if enrolled is None:
        enrolled = enrolled_by_bank(session, bank_id=bank_id)
    if not enrolled:
        return []
    losses = select(col(Claim.bank_id), func.sum(Claim.loss)).where(
        Claim.status == ClaimStatus.APPROVED,
        col(Claim.decided_on) >= date(year, 1, 1),
        col(Claim.decided_on) <= date(year, 12, 31),
        col(Claim.bank_id).in_(list(enrolled)),
    )
    lost = {int(b): int(x) for b, x in session.exec(losses.group_by(col(Claim.bank_id))).all()}
    names = session.exec(
        select(col(Organisation.id), Organisation.name).where(
            col(Organisation.id).in_(list(enrolled))
        )
    ).all()
    rows = [BankTrigger(b, str(n), enrolled[b], lost.get(b, 0)) for b, n in names if b is not None]
    return sorted(rows, key=lambda r: (r.name, r.bank_id))


def waiting_claims(session: Session, *, limit: int = 50) -> list[tuple[Claim, str, str]]:
    """Claims awaiting the bureau's decision, oldest first, with bank and borrower names."""
    borrower = sa.orm.aliased(Organisation)
    bank = sa.orm.aliased(Organisation)
    query = (
        select(Claim, bank.name, borrower.name)
        .join(Loan, col(Loan.id) == col(Claim.loan_id))
        .join(bank, col(bank.id) == col(Claim.bank_id))
        .join(borrower, col(borrower.id) == col(Loan.borrower_id))
        .where(Claim.status == ClaimStatus.FILED)
        .order_by(col(Claim.filed_on), col(Claim.id))
        .limit(limit)
    )
    return [(c, str(b), str(s)) for c, b, s in session.exec(query).all()]
