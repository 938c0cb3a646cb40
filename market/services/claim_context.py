"""What the scheme rules need to know about a claim beyond the loss: riskpool's ClaimContext
built from the database, and the claim deadline in working days.

Sources of each rule are in riskpool/presets/*.json and docs/schemes.md; the inputs:
- IP-backed principal: the loan's principal less the part secured by other collateral
  (Guangzhou 2023, Weihai: only the IP part of a combined loan is compensated);
- relending: the offer said the loan is funded by a monetary-policy tool (Guangzhou 2025, +5);
- the borrower's covered principal this year on its other loans (Guangzhou 2023: 20m a year);
- the scheme's business year, counted from the first version of the scheme (Weihai caps);
- what the pool paid this calendar year (annual budget caps);
- the bank's compensated losses and the principal it enrolled, both this calendar year
  (Guangzhou 2025: above 3% its compensation is suspended for the year).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, func, select

from market.domain.kinds import LedgerAccount
from market.domain.states import Enrolment
from market.models.lending import Loan
from market.models.pool import LedgerEntry, SchemeVersion
from market.services.claims import enrolled_principal, npl_losses
from market.services.holiday_calendar import add_working_days_known
from riskpool import Scheme
from riskpool.context import ClaimContext


def _year(day_in_year: int) -> tuple[date, date]:
    return date(day_in_year, 1, 1), date(day_in_year, 12, 31)


def ip_backed_principal(loan: Loan) -> int | None:
    """The IP-backed part of the principal, or None when IP secures all of it."""
    if loan.other_collateral <= 0:
        return None
    return max(0, loan.principal - loan.other_collateral)


def pool_paid_in(session: Session, year: int) -> int:
    """What the pool paid on claims in `year`, net of reversals."""
    first, last = _year(year)
    query = select(func.coalesce(func.sum(LedgerEntry.debit - LedgerEntry.credit), 0)).where(
        LedgerEntry.account == LedgerAccount.COMPENSATION,
        col(LedgerEntry.posted_on) >= first,
        col(LedgerEntry.posted_on) <= last,
    )
    return int(session.exec(query).one())


def business_year(session: Session, version: SchemeVersion, day: date) -> int:
    """The scheme's business year on `day`: 1 until the first anniversary of the day its first
    version took effect, then 2, and so on."""
    start = session.exec(
        select(func.min(SchemeVersion.effective_from)).where(SchemeVersion.name == version.name)
    ).one()
    first: date = start or version.effective_from
    years = day.year - first.year - ((day.month, day.day) < (first.month, first.day))
    return max(1, years + 1)


def borrower_covered_before(session: Session, scheme: Scheme, loan: Loan) -> int:
    """Covered principal of the borrower's other loans enrolled earlier in the same year.

    Each earlier loan counts with its own IP part and per-loan cap, in enrolment order, within
    the borrower's yearly cap (Guangzhou 2023: 单一企业累计不超过2000万元的部分).
    """
    if loan.enrolled_on is None:
        return 0
    first, last = _year(loan.enrolled_on.year)
    earlier = session.exec(
        select(Loan)
        .where(
            Loan.borrower_id == loan.borrower_id,
            Loan.enrolment == Enrolment.ENROLLED,
            col(Loan.enrolled_on) >= first,
            col(Loan.enrolled_on) <= last,
            col(Loan.id) != loan.id,
        )
        .order_by(col(Loan.enrolled_on), col(Loan.id))
    ).all()
    covered = 0
    for other in earlier:
        if (other.enrolled_on, other.id or 0) > (loan.enrolled_on, loan.id or 0):
            continue
        context = ClaimContext(
            ip_backed_principal=ip_backed_principal(other), borrower_covered_this_year=covered
        )
        covered += scheme.covered_principal(other.principal, context)
    return covered


def claim_context(
    session: Session, *, scheme: Scheme, version: SchemeVersion, loan: Loan, day: date
) -> ClaimContext:
    """The ClaimContext of a claim on `loan` decided on `day` under `scheme`."""
    return ClaimContext(
        ip_backed_principal=ip_backed_principal(loan),
        relending=loan.relending,
        borrower_covered_this_year=borrower_covered_before(session, scheme, loan),
        business_year=business_year(session, version, day),
        budget_used_this_year=pool_paid_in(session, day.year),
        bank_losses_this_year=npl_losses(session, bank_id=loan.bank_id, year=day.year),
        bank_enrolled_this_year=enrolled_principal(session, bank_id=loan.bank_id, year=day.year),
    )


def claim_deadline(
    session: Session, scheme: Scheme, *, npl_since: date | None, loss_confirmed_on: date | None
) -> date | None:
    """The last day to file, counted from the day the scheme names (None: no deadline yet).

    Calendar days, or working days skipping China's public holidays and counting make-up
    working days (market.services.holiday_calendar; Weihai: 10 working days after the
    provincial bureau confirms the loss). A count reaching a year without a calendar raises
    CalendarMissing rather than treating that year as holiday-free.
    """
    start = loss_confirmed_on if scheme.claim_deadline_trigger == "loss_confirmed" else npl_since
    if start is None:
        return None
    if scheme.claim_deadline_working_days is not None:
        return add_working_days_known(session, start, scheme.claim_deadline_working_days)
    return scheme.claim_deadline(start)
