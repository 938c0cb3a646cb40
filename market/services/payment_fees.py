"""The bureau's fee table and the quote an SME sees before paying: the fee, the subsidy and
what is left to pay, from the scheme version and the fee table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from sqlmodel import Session, col, func, select

from market.domain.errors import NotFound, PermissionDenied, ValidationFailed
from market.domain.kinds import AssetKind, Role
from market.domain.messages import N_, msg
from market.domain.payments import (
    FULL_BP,
    LIVE_STATUSES,
    OPEN_STATUSES,
    PaymentPurpose,
    Quote,
    loan_subject_key,
    split_subsidy,
)
from market.domain.states import LoanStatus
from market.frame.db import transaction
from market.models.assets import IPAsset
from market.models.lending import Loan
from market.models.orgs import User
from market.models.payments import FeeTable, Payment
from market.models.pool import SchemeVersion
from market.models.valuations import AssetValuation
from market.services import audit
from market.services.clock import business_date
from market.services.pool import pool_balance, scheme_in_force, scheme_of
from market.services.subsidies import loan_year
from riskpool.money import round_half_up

# Defaults of the fee table. Premium 2% a year and 80% of the first year's premium paid back:
# Qingdao (DOMAIN.md "Scheme details"; a scheme's own premium_subsidy_bp_by_year, e.g. Qingdao's
# 80/60/40% in years 1-3, takes precedence and is applied to each loan year's premium);
# guarantee fee 1% a year: the ceiling DOMAIN.md reports ("guarantee fee <= 1%").
# (inference) No published figure was found for valuation fees, the share of valuation and
# guarantee fees Liaoning pays back, or a per-company yearly cap: the values below are
# placeholders for the bureau to replace.
DEFAULT_FEES: dict[str, Any] = {
    "valuation_fee_invention_patent": 800_000,  # 8,000 CNY
    "valuation_fee_utility_model": 500_000,
    "valuation_fee_design_patent": 300_000,
    "valuation_fee_trademark": 500_000,
    "valuation_fee_gi_mark": 800_000,
    "guarantee_fee_bp": 100,
    "premium_bp": 200,
    "valuation_subsidy_bp": 5_000,
    "guarantee_subsidy_bp": 5_000,
    "premium_subsidy_bp": 8_000,
    "yearly_cap": 5_000_000,  # 50,000 CNY per company and year
}
FEE_FIELDS = tuple(DEFAULT_FEES)
BP_FIELDS = frozenset(name for name in FEE_FIELDS if name.endswith("_bp"))


def current_fees(session: Session) -> FeeTable:
    """The newest fee table (the defaults, unsaved, until the bureau edits it)."""
    row = session.exec(select(FeeTable).order_by(col(FeeTable.id).desc())).first()
    return row if row is not None else FeeTable(**DEFAULT_FEES)


def edit_fees(session: Session, *, actor: User, values: dict[str, int]) -> FeeTable:
    """The bureau saves a new fee table (the old rows stay, for the record)."""
    if actor.role is not Role.BUREAU:
        raise PermissionDenied(N_("Only the IP bureau's staff can do this."))
    errors: dict[str, str] = {}
    for name in FEE_FIELDS:
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[name] = N_("Enter an amount or rate of zero or more.")
        elif name in BP_FIELDS and value > FULL_BP:
            errors[name] = N_("A rate or share is at most 10,000 basis points (all of it).")
    if errors:
        raise ValidationFailed(N_("The fee table was not saved."), errors=errors)
    with transaction(session):
        before = audit.snapshot(current_fees(session))
        chosen: dict[str, Any] = {name: values[name] for name in FEE_FIELDS}
        row = FeeTable(**chosen, created_by_id=actor.id)
        session.add(row)
        audit.record(session, actor=actor, action="payments.fees", obj=row, before=before,
                     after=audit.snapshot(row))
    return row


@dataclass(frozen=True)
class Subject:
    """The thing a payment pays for and the company that pays."""

    purpose: PaymentPurpose
    key: str
    company_id: int
    valuation_id: int | None
    loan_id: int | None
    gross: int
    share_bp: int
    loan_year: int = 1  # the loan year a premium is for (1 for every other fee)


def valuation_fee_subject(session: Session, valuation_id: int) -> Subject:
    """The report fee of a stored valuation, by the asset's kind."""
    valuation = session.get(AssetValuation, valuation_id)
    asset = session.get(IPAsset, valuation.asset_id) if valuation else None
    if valuation is None or asset is None:
        raise NotFound(N_("No such valuation."))
    fees = current_fees(session)
    gross = int(getattr(fees, f"valuation_fee_{AssetKind(asset.kind).value}"))
    return Subject(
        purpose=PaymentPurpose.VALUATION_FEE,
        key=f"valuation:{valuation_id}",
        company_id=asset.owner_id,
        valuation_id=valuation_id,
        loan_id=None,
        gross=gross,
        share_bp=fees.valuation_subsidy_bp,
    )


def loan_fee_subject(
    session: Session, purpose: PaymentPurpose, loan_id: int, loan_year: int = 1
) -> Subject:
    """The insurance premium or guarantee fee of a loan not yet closed: the first loan year's,
    or (premiums only) that of a later loan year once it has begun."""
    loan = session.get(Loan, loan_id)
    if loan is None:
        raise NotFound(N_("No such loan."))
    if loan.status not in (LoanStatus.AWAITING_DISBURSEMENT, LoanStatus.ACTIVE):
        raise ValidationFailed(N_("Fees are paid only on loans not yet repaid or in claim."))
    if loan_year != 1:
        _check_later_year(session, loan, purpose, loan_year)
    fees = current_fees(session)
    version = (
        session.get(SchemeVersion, loan.scheme_version_id)
        if loan.scheme_version_id
        else scheme_in_force(session, business_date(session))
    )
    scheme = scheme_of(version) if version is not None else None
    span = Fraction(min(loan.term_months - 12 * (loan_year - 1), 12), 12)
    if purpose is PaymentPurpose.INSURANCE_PREMIUM:
        if not loan.insured:
            raise ValidationFailed(N_("This loan has no guarantee insurance."))
        if scheme is not None and scheme.insurance_premium_bp:
            gross = scheme.insurance_premium(loan.principal, span)
        else:
            gross = round_half_up(Fraction(loan.principal * fees.premium_bp, FULL_BP) * span)
        share = premium_share_bp(scheme.premium_subsidy_bp_by_year if scheme else (),
                                 fees.premium_subsidy_bp, loan_year)
    else:
        if scheme is None or "guarantor" not in scheme.parties:
            raise ValidationFailed(N_("The loan's scheme has no guarantor, so no guarantee fee."))
        gross = round_half_up(Fraction(loan.principal * fees.guarantee_fee_bp, FULL_BP) * span)
        share = fees.guarantee_subsidy_bp
    return Subject(
        purpose=purpose,
        key=loan_subject_key(loan_id, loan_year),
        company_id=loan.borrower_id,
        valuation_id=None,
        loan_id=loan_id,
        gross=gross,
        share_bp=share,
        loan_year=loan_year,
    )


def premium_share_bp(by_year: tuple[int, ...], first_year_bp: int, loan_year: int) -> int:
    """The share of a loan year's premium paid back: the scheme's share for that year (Qingdao:
    80/60/40% in years 1-3, none after), else the fee table's share, for the first year only."""
    if by_year:
        return by_year[loan_year - 1] if loan_year <= len(by_year) else 0
    return first_year_bp if loan_year == 1 else 0


def loan_years_begun(loan: Loan, day: date) -> int:
    """How many loan years of a disbursed loan have begun by `day` (within its term): year N
    begins on the (N-1)th anniversary of disbursement."""
    if loan.disbursed_on is None:
        return 0
    return min(loan_year(loan.disbursed_on, day)[0], -(-loan.term_months // 12))


def _check_later_year(session: Session, loan: Loan, purpose: PaymentPurpose, year: int) -> None:
    """A premium of loan year 2 or later is due once that year has begun on a live loan."""
    if purpose is not PaymentPurpose.INSURANCE_PREMIUM:
        raise ValidationFailed(N_("Only the insurance premium is billed for each loan year."))
    if year < 1 or 12 * (year - 1) >= loan.term_months:
        raise ValidationFailed(msg("The loan has no year %(year)s.", year=year))
    if loan.status is not LoanStatus.ACTIVE or year > loan_years_begun(
        loan, business_date(session)
    ):
        raise ValidationFailed(
            msg("The premium of loan year %(year)s is due once that year begins.", year=year)
        )


def subject_for(
    session: Session, purpose: PaymentPurpose, subject_id: int, loan_year: int = 1
) -> Subject:
    """The subject of a payment for `purpose` on valuation or loan `subject_id` (a loan's
    premium for `loan_year`)."""
    if purpose is PaymentPurpose.VALUATION_FEE:
        if loan_year != 1:
            raise NotFound(N_("No such valuation."))
        return valuation_fee_subject(session, subject_id)
    return loan_fee_subject(session, purpose, subject_id, loan_year)


def subsidy_used(session: Session, *, company_id: int, year: int) -> int:
    """Subsidies the company holds in `year`: paid ones and those reserved by open payments."""
    query = select(func.coalesce(func.sum(Payment.subsidy), 0)).where(
        Payment.company_id == company_id,
        Payment.subsidy_year == year,
        col(Payment.status).in_(list(LIVE_STATUSES)),
    )
    return int(session.exec(query).one())


def subsidy_reserved(session: Session) -> int:
    """Subsidies promised by open payments and not yet posted to the pool's ledger."""
    query = select(func.coalesce(func.sum(Payment.subsidy), 0)).where(
        col(Payment.status).in_(list(OPEN_STATUSES))
    )
    return int(session.exec(query).one())


def quote(session: Session, subject: Subject) -> Quote:
    """The fee, the subsidy (share, within the company's yearly cap and the pool's cash) and
    what the company pays."""
    year = business_date(session).year
    cap = current_fees(session).yearly_cap
    used = subsidy_used(session, company_id=subject.company_id, year=year)
    available = pool_balance(session) - subsidy_reserved(session)
    return split_subsidy(
        subject.gross, share_bp=subject.share_bp, cap_left=cap - used, available=available
    )


def fee_values(row: FeeTable) -> dict[str, Any]:
    """The table's editable values by name."""
    return {name: getattr(row, name) for name in FEE_FIELDS}
