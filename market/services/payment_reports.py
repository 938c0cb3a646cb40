"""What the bureau reads about payments: totals and subsidies by month, and the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from market.domain.payments import PaymentPurpose, PaymentStatus
from market.models.orgs import Organisation
from market.models.payments import Payment

REPORTED = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)
CSV_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class MonthRow:
    """Paid payments of one month and purpose (refunded ones counted apart)."""

    month: str  # YYYY-MM of the business date the payment succeeded
    purpose: PaymentPurpose
    count: int
    gross: int
    subsidy: int
    paid: int
    refunded: int


def _month(session: Session) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(Payment.paid_on, "YYYY-MM")
    return func.strftime("%Y-%m", Payment.paid_on)


def by_month(session: Session) -> list[MonthRow]:
    """Payments that succeeded, by month and purpose, newest month first (SQL aggregates)."""
    month = _month(session).label("month")
    paid = col(Payment.status).in_(list(REPORTED))
    keys = (month, col(Payment.purpose))
    counts = session.exec(
        select(month, Payment.purpose, func.count(), func.sum(Payment.gross))
        .where(paid).group_by(*keys).order_by(month.desc(), col(Payment.purpose))
    ).all()
    money = {
        (m, p): (int(s), int(a))
        for m, p, s, a in session.exec(
            select(month, Payment.purpose, func.sum(Payment.subsidy), func.sum(Payment.amount))
            .where(paid).group_by(*keys)
        ).all()
    }
    refunds = {
        (m, p): int(a)
        for m, p, a in session.exec(
            select(month, Payment.purpose, func.sum(Payment.amount))
            .where(Payment.status == PaymentStatus.REFUNDED).group_by(*keys)
        ).all()
    }
    return [
        MonthRow(
            month=str(m),
            purpose=PaymentPurpose(p),
            count=int(n),
            gross=int(g),
            subsidy=money[(m, p)][0],
            paid=money[(m, p)][1],
            refunded=refunds.get((m, p), 0),
        )
        for m, p, n, g in counts
    ]


CSV_HEADER = (
    "month", "payment_id", "paid_on", "company", "purpose", "gross_fen", "subsidy_fen",
    "paid_fen", "status", "refunded_on", "stripe_payment_intent", "simulated",
)


def csv_lines(session: Session, *, batch: int = 500) -> Iterator[str]:
    """The paid and refunded payments as CSV text, one chunk per line (streamed)."""
    yield _line(CSV_HEADER)
    query = (
        select(Payment, Organisation.name)
        .join(Organisation, col(Organisation.id) == Payment.company_id)
        .where(col(Payment.status).in_(list(REPORTED)))
        .order_by(col(Payment.paid_on), col(Payment.id))
        .execution_options(yield_per=batch)
    )
    for payment, company in session.exec(query):
        yield _line(
            (
                payment.paid_on.strftime("%Y-%m") if payment.paid_on else "",
                payment.id,
                payment.paid_on.isoformat() if payment.paid_on else "",
                company,
                payment.purpose.value,
                payment.gross,
                payment.subsidy,
                payment.amount,
                payment.status.value,
                payment.refunded_on.isoformat() if payment.refunded_on else "",
                payment.stripe_payment_intent_id or "",
                "yes" if payment.simulated else "no",
            )
        )


def _line(values: tuple[Any, ...]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_safe(v) for v in values])
    return out.getvalue()


def _safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_START):
        return "'" + value
    return value
