"""A bank's own view of the scheme: its enrolled loans, claims, NPL against the trigger, and
the capital relief its retained share brings (Basel IRB via riskpool.analytic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from market.domain.errors import PermissionDenied
from market.domain.kinds import Role
from market.domain.messages import N_
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pool import Claim, SchemeVersion
from market.services import forecast_engine
from market.services.desk_history import BankTrigger, bank_triggers
from market.services.pool import scheme_of
from riskpool import Scheme
from riskpool.analytic import basel_irb_capital

BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_APPROVER})
#: LGD for the capital figures: 1 - the desk's default recovery rate (DOMAIN.md, inference:
#: recovery 10-30% of the defaulted amount).
CAPITAL_LGD = 0.8


def require_bank(actor: User) -> int:
    """The actor's bank id (only bank staff have a bank's view)."""
    if actor.role not in BANK_ROLES:
        raise PermissionDenied(N_("Only a bank's staff see the bank's view."))
    return actor.organisation_id


@dataclass(frozen=True)
class CapitalRelief:
    """IRB capital (fen) on the whole loss of the bank's live enrolled loans and on the part
    the bank keeps under the scheme."""

    loans: int
    exposure: int
    capital_whole: int
    capital_retained: int

    @property
    def relief(self) -> int:
        """Capital the scheme saves the bank."""
        return self.capital_whole - self.capital_retained

    @property
    def retained_bp(self) -> int | None:
        """Retained capital as a share of the whole, bp."""
        return self.capital_retained * 10_000 // self.capital_whole if self.capital_whole else None


def retained_share(scheme: Scheme, exposure: int, principal: int) -> float:
    """The bank's share of a total loss of `exposure` on a loan of `principal` (unlimited pool)."""
    split = scheme.split(exposure, loan_principal=principal, pool_balance=None)
    return dict(split.amounts).get("bank", 0) / exposure


def capital_relief(session: Session, *, bank_id: int, today: date) -> CapitalRelief:
    """Basel IRB capital (99.9%, LGD CAPITAL_LGD, maturity = years left, 1 to 5) on each live
    enrolled loan, whole and times the bank's retained share of a loss."""
    rows = [r for r in forecast_engine.live_rows(session, today) if r[4] == bank_id]
    if not rows:
        return CapitalRelief(0, 0, 0, 0)
    ids = [r[0] for r in rows]
    loans = {
        loan.id: loan for loan in session.exec(select(Loan).where(col(Loan.id).in_(ids))).all()
    }
    schemes: dict[int, Scheme] = {}
    whole = retained = 0.0
    for loan_id, exposure, grade, months, _bank, _borrower, _industry in rows:
        loan = loans[loan_id]
        pd = forecast_engine.DEFAULT_PD_BP.get(
            str(grade).upper(), forecast_engine.DEFAULT_OTHER_PD_BP
        )
        maturity = min(5.0, max(1.0, months / 12))
        k = float(basel_irb_capital(pd / 10_000, CAPITAL_LGD, maturity))
        share = 1.0
        if loan.scheme_version_id is not None:
            if loan.scheme_version_id not in schemes:
                version = session.get(SchemeVersion, loan.scheme_version_id)
                assert version is not None
                schemes[loan.scheme_version_id] = scheme_of(version)
            share = retained_share(schemes[loan.scheme_version_id], exposure, loan.principal)
        whole += k * exposure
        retained += k * exposure * share
    return CapitalRelief(
        loans=len(rows),
        exposure=sum(r[1] for r in rows),
        capital_whole=round(whole),
        capital_retained=round(retained),
    )


def bank_trigger(session: Session, *, bank_id: int, year: int) -> BankTrigger | None:
    """The bank's losses this year against its enrolled principal."""
    rows = bank_triggers(session, year=year, bank_id=bank_id)
    return rows[0] if rows else None


def bank_claims(session: Session, *, bank_id: int, limit: int = 200) -> list[Claim]:
    """The bank's claims, newest first."""
    query = (
        select(Claim).where(Claim.bank_id == bank_id).order_by(col(Claim.id).desc()).limit(limit)
    )
    return list(session.exec(query).all())
