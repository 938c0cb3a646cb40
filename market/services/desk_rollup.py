"""The desk's roll-ups, kept by the day-end so the dashboard reads a few dozen rows instead of
scanning the book (issue 13: 2.8 s at 100,000 loans computed live).

`refresh` (run by every day-end, and by `ipmarket desk-rollup`) stores, from SQL aggregates:
- for the days *before* its business date D, by month: ledger flows, the pool's cash movement,
  principal enrolled and closed (`DeskMonth`);
- the NPL figures of the live enrolled loans overall and by bank, IP kind, industry and region,
  the same by bank id (the pool overview's live and NPL loans per bank), and each bank's
  principal enrolled before D (`DeskGroup`);
- D itself (setting `desk.rollup_as_of`; the time it ran is the setting's `updated_at`).

The readers add what happened from D on, computed live: postings, enrolments and closures
carry the business date of the day they happen, which never goes backwards, so the days before
D are final and the split by day counts nothing twice (however late in D a refresh ran); the
live part is a day or so of rows found by index. A bank's approved losses are read live. The
NPL tables are as of the last day-end, and the page says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from market.domain.kinds import MIXED_COLLATERAL
from market.domain.timeutil import utcnow
from market.models.assets import IPAsset
from market.models.lending import Loan
from market.models.pledges import Pledge
from market.models.rollups import DeskGroup, DeskMonth
from market.models.settings import Setting
from market.services import desk_history
from market.services.desk_history import BankTrigger, MonthRow, NplRow, OwedGroup

AS_OF_KEY = "desk.rollup_as_of"
DIMENSIONS = ("bank", "kind", "industry", "region")
ALL = "all"
BANK_ENROLLED = "bank_enrolled"
BANK_BOOK = "bank_id"
NPL_OWED = "npl_owed"  # key "bank:version:size"; loans, and principal = outstanding principal
MONTH_FIELDS = (
    "contributions", "compensation", "recoveries", "subsidies", "pool_cash", "enrolled", "closed"
)  # fmt: skip


@dataclass(frozen=True)
class Stamp:
    """When the roll-ups were taken: the business date and the clock time."""

    as_of: date
    taken_at: datetime


def stamp(session: Session) -> Stamp | None:
    """The roll-ups' date and time, or None if no day-end has written them yet."""
    row = session.get(Setting, AS_OF_KEY)
    if row is None:
        return None
    return Stamp(date.fromisoformat(row.value), row.updated_at)


def fill_collateral_kinds(session: Session) -> int:
    """Set the collateral kind of every loan that has none from its pledges, set-wise
    (for books written in bulk; acceptance sets it for each new loan)."""
    kind = col(IPAsset.kind)
    one_kind = (
        sa.select(
            sa.case(
                (sa.func.min(kind) == sa.func.max(kind), sa.cast(sa.func.min(kind), sa.String)),
                else_=sa.literal(MIXED_COLLATERAL, sa.String),
            )
        )
        .select_from(Pledge)
        .join(IPAsset, col(IPAsset.id) == col(Pledge.asset_id))
        .where(col(Pledge.loan_id) == col(Loan.id))
        .scalar_subquery()
    )
    result = session.execute(
        sa.update(Loan).where(col(Loan.collateral_kind).is_(None)).values(collateral_kind=one_kind)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def refresh(
    session: Session, *, today: date, progress: Callable[[str], None] | None = None
) -> Stamp:
    """Rewrite the roll-ups as of the business date `today` (in the caller's transaction)."""
    if progress is not None:
        progress("desk roll-ups")
    row = session.get(Setting, AS_OF_KEY, with_for_update=True)  # one refresh at a time
    if row is None:
        row = Setting(key=AS_OF_KEY, value=today.isoformat())
    session.execute(sa.delete(DeskMonth))
    session.execute(sa.delete(DeskGroup))
    months = [
        {"month": m.month, **{f: getattr(m, f) for f in MONTH_FIELDS}}
        for m in desk_history.movements(session, before=today).values()
    ]
    groups = [_group(ALL, ALL, desk_history.npl_total(session))]
    for dim in DIMENSIONS:
        groups += [_group(dim, r.key, r) for r in desk_history.npl_by(session, dim)]
    groups += [_group(BANK_BOOK, r.key, r) for r in desk_history.npl_by(session, BANK_BOOK)]
    for o in desk_history.npl_owed(session):
        key = f"{o.bank_id}:{'' if o.version_id is None else o.version_id}:{o.principal}"
        groups.append(
            {**_group(NPL_OWED, key, None), "loans": o.loans, "principal": o.outstanding}
        )
    for bank_id, principal in desk_history.enrolled_by_bank(session, before=today).items():
        groups.append({**_group(BANK_ENROLLED, str(bank_id), None), "principal": principal})
    if months:
        session.execute(sa.insert(DeskMonth), months)
    session.execute(sa.insert(DeskGroup), groups)
    row.value, row.updated_at = today.isoformat(), utcnow()
    session.add(row)
    session.flush()
    return Stamp(today, row.updated_at)


def _group(dimension: str, key: str, row: NplRow | None) -> dict[str, object]:
    return {
        "dimension": dimension,
        "key": key,
        "loans": row.loans if row else 0,
        "principal": row.principal if row else 0,
        "npl_loans": row.npl_loans if row else 0,
        "npl_principal": row.npl_principal if row else 0,
    }


def monthly(
    session: Session, *, today: date, leverage: float | None, as_of: Stamp | None
) -> list[MonthRow]:
    """The months of `desk_history.monthly`: the rolled-up days before the roll-up's date plus
    the days since, computed live (all live when there is no roll-up)."""
    if as_of is None:
        return desk_history.monthly(session, today=today, leverage=leverage)
    moved = {
        m.month: MonthRow(month=m.month, **{f: getattr(m, f) for f in MONTH_FIELDS})
        for m in session.exec(select(DeskMonth))
    }
    for key, live in desk_history.movements(session, since=as_of.as_of).items():
        row = moved.setdefault(key, MonthRow(month=key))
        for f in MONTH_FIELDS:
            setattr(row, f, getattr(row, f) + getattr(live, f))
    return desk_history.running(moved, today=today, leverage=leverage)


def npl(session: Session, *, as_of: Stamp | None) -> tuple[NplRow, dict[str, list[NplRow]]]:
    """The NPL figures overall and by dimension as of the last day-end (live if none yet)."""
    if as_of is None:
        return desk_history.npl_total(session), {
            dim: desk_history.npl_by(session, dim) for dim in DIMENSIONS
        }
    total = NplRow(ALL, "", 0, 0, 0, 0)
    by: dict[str, list[NplRow]] = {dim: [] for dim in DIMENSIONS}
    query = select(DeskGroup).where(col(DeskGroup.dimension).in_((ALL, *DIMENSIONS)))
    for g in session.exec(query):
        if g.dimension == ALL:
            total = replace(_npl_row(g), key=ALL, label="")
        else:
            by[g.dimension].append(_npl_row(g))
    for rows in by.values():
        rows.sort(key=lambda r: (-r.principal, r.key))
    return total, by


def _npl_row(g: DeskGroup) -> NplRow:
    return NplRow(g.key, g.key, g.loans, g.principal, g.npl_loans, g.npl_principal)


def _kept(session: Session, dimension: str, *, of: str) -> list[DeskGroup] | None:
    """The roll-up's rows of `dimension`, or None if it has none while its "all" row counts
    some loans (`of`: "loans" or "npl_loans"): a roll-up written before these rows were kept."""
    query = select(DeskGroup).where(col(DeskGroup.dimension).in_((ALL, dimension)))
    groups = list(session.exec(query))
    rows = [g for g in groups if g.dimension == dimension]
    if rows or not any(g.dimension == ALL and getattr(g, of) for g in groups):
        return rows
    return None


def npl_by_bank(session: Session, *, as_of: Stamp | None) -> dict[int, NplRow]:
    """Each bank's live enrolled loans and NPLs by bank id, as of the last day-end (computed
    now if there is none, or if it ran before these rows were kept)."""
    kept = _kept(session, BANK_BOOK, of="loans") if as_of is not None else None
    if kept is None:
        return {int(r.key): r for r in desk_history.npl_by(session, BANK_BOOK)}
    return {int(g.key): _npl_row(g) for g in kept}


def npl_owed(session: Session, *, as_of: Stamp | None) -> list[OwedGroup]:
    """`desk_history.npl_owed` as of the last day-end (computed now if there is none, or if it
    ran before these rows were kept)."""
    kept = _kept(session, NPL_OWED, of="npl_loans") if as_of is not None else None
    if kept is None:
        return desk_history.npl_owed(session)
    rows = []
    for g in kept:
        bank, version, size = g.key.split(":")
        rows.append(
            OwedGroup(int(bank), int(version) if version else None, int(size), g.loans, g.principal)
        )
    return rows


def bank_triggers(session: Session, *, year: int, as_of: Stamp | None) -> list[BankTrigger]:
    """`desk_history.bank_triggers`: enrolled principal rolled up before the roll-up's date
    plus the enrolments since; this year's approved losses live."""
    if as_of is None:
        return desk_history.bank_triggers(session, year=year)
    enrolled = {
        int(g.key): g.principal
        for g in session.exec(select(DeskGroup).where(DeskGroup.dimension == BANK_ENROLLED))
    }
    since = desk_history.enrolled_by_bank(session, since=as_of.as_of)
    for bank_id, principal in since.items():
        enrolled[bank_id] = enrolled.get(bank_id, 0) + principal
    return desk_history.bank_triggers(session, year=year, enrolled=enrolled)
