"""The ledger in pages and as a streamed CSV: transactions newest first with the pool's cash
after each (a running sum over the whole ledger, computed by a window function in SQL), and a
CSV export written row by row from a server-side cursor, so its memory does not grow with
the ledger."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from market.domain.kinds import LedgerAccount
from market.models.pool import LedgerEntry
from market.text.stored_text import shown
from market.views.paging import PER_PAGE, ListSpec, Page, apply_filters, bounded_int
from market.views.pool.figures import LedgerTxn
from market.views.pool.lists import LEDGER_FILTERS

LEDGER = ListSpec(
    sorts={"date": col(LedgerEntry.id)},
    default_sort="date",
    search=(col(LedgerEntry.memo),),
    choices={"account": col(LedgerEntry.account)},
    numbers={"loan": col(LedgerEntry.loan_id)},
    date_column=col(LedgerEntry.posted_on),
    filters=LEDGER_FILTERS,
)

CSV_FORMULA_START = ("=", "+", "-", "@")
CSV_HEADER = (
    "txn", "posted_on", "account", "debit_cny", "credit_cny", "memo", "loan_id", "claim_id",
    "recovery_id", "reverses_txn", "pool_cash_after_cny",
)


def _balances() -> Any:
    """Per transaction: its first line's id, its cash change, and the pool's cash after it."""
    cash = sa.func.sum(
        sa.case(
            (col(LedgerEntry.account) == LedgerAccount.POOL_CASH,
             col(LedgerEntry.debit) - col(LedgerEntry.credit)),
            else_=0,
        )
    )
    per_txn = (
        select(col(LedgerEntry.txn).label("txn"), sa.func.min(LedgerEntry.id).label("first_id"),
               cash.label("cash"))
        .group_by(col(LedgerEntry.txn))
        .subquery("per_txn")
    )
    running = sa.func.sum(per_txn.c.cash).over(order_by=per_txn.c.first_id)
    return select(per_txn.c.txn, per_txn.c.first_id, running.label("balance_after")).subquery(
        "balances"
    )


def ledger_page(session: Session, args: Mapping[str, str]) -> Page[LedgerTxn]:
    """One page of transactions (newest first) matching the filters, with running balances."""
    matching, kept = apply_filters(select(col(LedgerEntry.txn)), LEDGER, args)
    balances = _balances()
    query = select(balances.c.txn, balances.c.balance_after)
    if kept:
        query = query.where(balances.c.txn.in_(matching.scalar_subquery()))
    total = int(session.execute(
        select(sa.func.count()).select_from(query.subquery())
    ).scalar_one())
    per_page = bounded_int(args.get("per_page"), PER_PAGE, 1, 200)
    pages = max(1, -(-total // per_page))
    page = min(bounded_int(args.get("page"), 1, 1, 100_000), pages)
    desc = args.get("dir") != "asc"
    ordering = balances.c.first_id.desc() if desc else balances.c.first_id.asc()
    rows = session.execute(
        query.order_by(ordering).offset((page - 1) * per_page).limit(per_page)
    ).all()
    after = {str(txn): int(balance) for txn, balance in rows}
    txns = _txns(session, list(after), after)
    return Page(txns, total, page, per_page, "date", desc, kept, LEDGER.filters)


def _txns(session: Session, ids: list[str], after: dict[str, int]) -> list[LedgerTxn]:
    """The transactions `ids` (in that order) with their lines and reversals."""
    if not ids:
        return []
    by_txn: dict[str, LedgerTxn] = {}
    lines = session.exec(
        select(LedgerEntry).where(col(LedgerEntry.txn).in_(ids)).order_by(col(LedgerEntry.id))
    ).all()
    for entry in lines:
        txn = by_txn.get(entry.txn)
        if txn is None:
            txn = by_txn[entry.txn] = LedgerTxn(
                txn=entry.txn, posted_on=entry.posted_on,
                memo=shown(entry.memo, entry.memo_message),
                loan_id=entry.loan_id, claim_id=entry.claim_id, recovery_id=entry.recovery_id,
                reverses_txn=entry.reverses_txn, balance_after=after[entry.txn],
            )
        txn.lines.append(entry)
        if entry.account is LedgerAccount.POOL_CASH:
            txn.cash_change += entry.debit - entry.credit
    reversals = session.exec(
        select(LedgerEntry.reverses_txn, LedgerEntry.txn)
        .where(col(LedgerEntry.reverses_txn).in_(ids))
        .distinct()
    ).all()
    for original, reversal in reversals:
        if original in by_txn:
            by_txn[original].reversed_by = reversal
    return [by_txn[i] for i in ids if i in by_txn]


def _cny(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d}"


def _text(value: str) -> str:
    # A spreadsheet must not take a memo for a formula.
    return f"'{value}" if value.startswith(CSV_FORMULA_START) else value


def ledger_csv_rows(session: Session) -> Iterator[list[Any]]:
    """Every ledger line, oldest first, with the pool's cash after its transaction.

    Lines come from a server-side cursor in chunks; one transaction's lines are held at a
    time (its balance is known once its last line is read), so memory stays flat.
    """
    yield list(CSV_HEADER)
    query = select(LedgerEntry).order_by(col(LedgerEntry.id)).execution_options(yield_per=1000)
    balance = 0
    held: list[LedgerEntry] = []

    def flush() -> Iterator[list[Any]]:
        for line in held:
            yield [
                line.txn, line.posted_on.isoformat(), line.account.value, _cny(line.debit),
                _cny(line.credit), _text(shown(line.memo, line.memo_message)),
                line.loan_id or "", line.claim_id or "",
                line.recovery_id or "", line.reverses_txn or "", _cny(balance),
            ]

    for entry in session.exec(query):
        if held and entry.txn != held[0].txn:
            yield from flush()
            held.clear()
        held.append(entry)
        if entry.account is LedgerAccount.POOL_CASH:
            balance += entry.debit - entry.credit
        session.expunge(entry)
    yield from flush()


def csv_filename(today: date) -> str:
    """The export's file name."""
    return f"pool-ledger-{today}.csv"
