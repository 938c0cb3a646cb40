"""Interest subsidies (贴息) on interest actually paid and the premium subsidies of a scheme.

Each repayment's contract interest earns the scheme's subsidy (riskpool `interest_subsidy`:
the scheme's share, rounded down to the fen, within its yearly cap per loan year); it is posted
as earned (debit SUBSIDIES, credit SUBSIDY_PAYABLE) and the bureau pays what has accumulated
from the pool's cash when it chooses ("pay accrued subsidies"). Penalty and compound interest
earn no subsidy. Source: subsidies are paid on interest actually paid, after the borrower
proves payment (DOMAIN.md, "Loan servicing rules"); Qingdao pays half the interest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlmodel import Session, col, func, select

from market.domain.errors import Conflict
from market.domain.kinds import LedgerAccount
from market.domain.messages import N_, msg, stored
from market.domain.money import format_fen
from market.domain.schedule import add_months
from market.domain.states import Enrolment
from market.frame.db import transaction
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pool import LedgerEntry, SchemeVersion
from market.models.servicing import Repayment
from market.services import audit, pool
from market.services.clock import business_date


def loan_year(disbursed_on: date, day: date) -> tuple[int, date, date]:
    """The loan year (1 = first) that `day` falls in, with its first and its last day + 1."""
    year = 1
    while add_months(disbursed_on, 12 * year) <= day:
        year += 1
    return year, add_months(disbursed_on, 12 * (year - 1)), add_months(disbursed_on, 12 * year)


def subsidy_for(session: Session, *, loan: Loan, interest: int, day: date) -> int:
    """The subsidy that `interest` paid on `day` earns under the loan's scheme (0 when the
    loan is not enrolled or the scheme has none), within the cap of the current loan year."""
    if loan.enrolment is not Enrolment.ENROLLED or loan.scheme_version_id is None:
        return 0
    if interest <= 0 or loan.disbursed_on is None or loan.id is None:
        return 0
    version = session.get(SchemeVersion, loan.scheme_version_id)
    assert version is not None
    scheme = pool.scheme_of(version)
    earned = scheme.interest_subsidy(interest)
    if scheme.interest_subsidy_cap_per_year is not None:
        _, first, after = loan_year(loan.disbursed_on, day)
        so_far = session.exec(
            select(func.coalesce(func.sum(Repayment.subsidy), 0)).where(
                Repayment.loan_id == loan.id,
                col(Repayment.paid_on) >= first,
                col(Repayment.paid_on) < after,
            )
        ).one()
        earned = min(earned, max(0, scheme.interest_subsidy_cap_per_year - int(so_far)))
    return earned


def post_earned(
    session: Session, *, actor: User | None, loan: Loan, amount: int, day: date
) -> None:
    """Post a subsidy earned by a repayment (inside the caller's unit of work)."""
    if amount <= 0:
        return
    pool.post(
        session,
        actor=actor,
        day=day,
        lines=[(LedgerAccount.SUBSIDIES, amount, 0), (LedgerAccount.SUBSIDY_PAYABLE, 0, amount)],
        memo=stored(N_("Interest subsidy earned on loan %(loan)s"), loan=loan.id),
        loan_id=loan.id,
    )
    loan.interest_subsidy += amount
    session.add(loan)


def payable_by_loan(session: Session) -> dict[int, int]:
    """Subsidy earned and not yet paid, by loan (credit minus debit of SUBSIDY_PAYABLE)."""
    query = (
        select(
            LedgerEntry.loan_id,
            func.sum(LedgerEntry.credit) - func.sum(LedgerEntry.debit),
        )
        .where(LedgerEntry.account == LedgerAccount.SUBSIDY_PAYABLE)
        .group_by(col(LedgerEntry.loan_id))
    )
    return {int(k): int(v) for k, v in session.exec(query).all() if k is not None and v}


def paid_for_loan(session: Session, loan_id: int) -> int:
    """Subsidy the bureau has paid out on a loan (debits of SUBSIDY_PAYABLE)."""
    query = select(func.coalesce(func.sum(LedgerEntry.debit), 0)).where(
        LedgerEntry.account == LedgerAccount.SUBSIDY_PAYABLE, LedgerEntry.loan_id == loan_id
    )
    return int(session.exec(query).one())


def pay_accrued(session: Session, *, actor: User) -> int:
    """The bureau pays every subsidy earned and not yet paid, from the pool's cash (one posting
    per loan, debit SUBSIDY_PAYABLE, credit POOL_CASH); returns the total paid."""
    pool.require_bureau(actor)
    with transaction(session):
        owed = payable_by_loan(session)
        total = sum(owed.values())
        if total <= 0:
            raise Conflict(N_("No interest subsidy is waiting to be paid."))
        day = business_date(session)
        if pool.pool_balance(session, day, for_update=True) < total:
            raise Conflict(
                msg(
                    "The pool holds less than the %(amount)s of subsidies owed.",
                    amount=format_fen(total),
                )
            )
        txns = []
        for loan_id, amount in sorted(owed.items()):
            txns.append(
                pool.post(
                    session,
                    actor=actor,
                    day=day,
                    lines=[
                        (LedgerAccount.SUBSIDY_PAYABLE, amount, 0),
                        (LedgerAccount.POOL_CASH, 0, amount),
                    ],
                    memo=stored(N_("Interest subsidy paid on loan %(loan)s"), loan=loan_id),
                    loan_id=loan_id,
                )
            )
        entry = session.exec(select(LedgerEntry).where(LedgerEntry.txn == txns[0])).first()
        assert entry is not None
        audit.record(
            session,
            actor=actor,
            action="pool.subsidies_paid",
            obj=entry,
            after={"total": total, "loans": {str(k): v for k, v in owed.items()}, "txns": txns},
        )
    return total


@dataclass(frozen=True)
class PremiumYear:
    year: int
    premium: int
    subsidy: int


def premium_subsidies(session: Session, loan: Loan) -> list[PremiumYear]:
    """The guarantee-insurance premium of each loan year and the part the scheme pays back
    (riskpool `premium_subsidy`; Qingdao: 80/60/40% in years 1-3)."""
    if not loan.insured or loan.scheme_version_id is None:
        return []
    version = session.get(SchemeVersion, loan.scheme_version_id)
    assert version is not None
    scheme = pool.scheme_of(version)
    rows: list[PremiumYear] = []
    months_left, year = loan.term_months, 1
    while months_left > 0:
        months = min(12, months_left)
        premium = scheme.insurance_premium(loan.principal, Fraction(months, 12))
        rows.append(PremiumYear(year, premium, scheme.premium_subsidy(premium, loan_year=year)))
        months_left -= months
        year += 1
    return rows
