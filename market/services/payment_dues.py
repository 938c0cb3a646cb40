"""What a company can pay now: report fees of its latest valuations, premiums and guarantee
fees of its loans, each with the payment that holds it (if any)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from market.domain.errors import DomainError
from market.domain.payments import PaymentPurpose
from market.domain.states import AssetStatus, LoanStatus
from market.models.assets import IPAsset
from market.models.lending import Loan
from market.models.payments import Payment
from market.models.valuations import AssetValuation
from market.services.clock import business_date
from market.services.payment_fees import loan_years_begun, subject_for


@dataclass(frozen=True)
class Due:
    """One fee the company may pay now."""

    purpose: PaymentPurpose
    subject_id: int
    title: str
    gross: int
    loan_year: int = 1  # the loan year of a premium (later years fall due on anniversaries)


def dues(session: Session, *, company_id: int) -> list[Due]:
    """Fees not yet paid: the latest valuation of each live asset, the loans' premiums and
    guarantee fees (where the loan has insurance or its scheme a guarantor), and the premium
    of each later loan year begun while the loan is active."""
    found: list[Due] = []
    latest: dict[int, tuple[AssetValuation, IPAsset]] = {}
    rows = session.exec(
        select(AssetValuation, IPAsset)
        .join(IPAsset, col(IPAsset.id) == AssetValuation.asset_id)
        .where(IPAsset.owner_id == company_id, IPAsset.status == AssetStatus.ACTIVE)
        .order_by(col(AssetValuation.id))
    ).all()
    for valuation, asset in rows:
        latest[asset.id] = (valuation, asset)  # type: ignore[index]
    for valuation, asset in latest.values():
        if valuation.report_released_on is None:
            _add(session, found, PaymentPurpose.VALUATION_FEE, valuation.id, asset.title)  # type: ignore[arg-type]
    today = business_date(session)
    loans = session.exec(
        select(Loan).where(
            Loan.borrower_id == company_id,
            col(Loan.status).in_([LoanStatus.AWAITING_DISBURSEMENT, LoanStatus.ACTIVE]),
        )
    ).all()
    for loan in loans:
        title = f"#{loan.id}"
        if loan.insured and loan.insurance_in_force_on is None:
            _add(session, found, PaymentPurpose.INSURANCE_PREMIUM, loan.id, title)  # type: ignore[arg-type]
        if loan.insured and loan.status is LoanStatus.ACTIVE:
            for year in range(2, loan_years_begun(loan, today) + 1):
                _add(session, found, PaymentPurpose.INSURANCE_PREMIUM, loan.id, title, year)  # type: ignore[arg-type]
        if loan.guarantee_in_force_on is None:
            _add(session, found, PaymentPurpose.GUARANTEE_FEE, loan.id, title)  # type: ignore[arg-type]
    return found


def _add(
    session: Session,
    found: list[Due],
    purpose: PaymentPurpose,
    subject_id: int,
    title: str,
    loan_year: int = 1,
) -> None:
    try:
        subject = subject_for(session, purpose, subject_id, loan_year)
    except DomainError:
        return  # not payable (e.g. no guarantor in the loan's scheme)
    paid = session.exec(
        select(Payment.id).where(
            Payment.purpose == purpose,
            Payment.subject_key == subject.key,
            Payment.status == "succeeded",
        )
    ).first()
    if paid is None:
        found.append(Due(purpose=purpose, subject_id=subject_id, title=title, gross=subject.gross,
                         loan_year=loan_year))
