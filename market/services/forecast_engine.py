"""The one place the site calls riskpool's simulator: the live portfolio as a snapshot,
forecast parameters, a riskpool Portfolio built from both, and the run summarised as plain
JSON-ready numbers. When the simulator's signature changes, only this module changes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from market.domain.messages import N_
from market.domain.states import Enrolment
from market.models.lending import Loan, Offer
from market.models.orgs import Organisation
from market.models.servicing import Repayment
from market.services.requests import LIVE_LOAN_STATUSES
from riskpool import Portfolio, Scheme, SimulationResult, simulate

#: Default yearly PD by the banks' rating grade, basis points. DOMAIN.md: no published
#: default rate for IP pledge loans; (inference) base PD ~2% a year, stress 5-8%.
DEFAULT_PD_BP: dict[str, int] = {
    "AAA": 30, "AA": 60, "A": 100, "BBB": 200, "BB": 400, "B": 700, "CCC": 1500,
}  # fmt: skip
OTHER_GRADE = "other"
DEFAULT_OTHER_PD_BP = 300
CHUNK = 8192  # scenarios per chunk: fixed, so a stored seed reproduces the same numbers
MAX_SCENARIOS = 200_000
MAX_YEARS = 10
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HISTOGRAM_BINS = 40

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ForecastParams:
    """What the bureau sets for a forecast (rates in basis points, money in fen)."""

    pd_bp: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PD_BP))
    other_pd_bp: int = DEFAULT_OTHER_PD_BP
    rho_bp: int = 2000
    recovery_bp: int = 2000
    recovery_lag: int = 1
    growth_bp: int = 0
    top_up: int = 0
    years: int = 3
    scenarios: int = 20_000

    def errors(self) -> dict[str, str]:
        """Field -> English message for every value out of range (empty when valid)."""
        out: dict[str, str] = {}
        for grade, value in [*self.pd_bp.items(), (OTHER_GRADE, self.other_pd_bp)]:
            if not 1 <= value <= 9_999:
                out[f"pd_{grade}"] = N_("Enter a PD between 0.01 and 99.99 per cent.")
        if not 0 <= self.rho_bp <= 9_900:
            out["rho"] = N_("Enter a correlation between 0 and 99 per cent.")
        if not 0 <= self.recovery_bp <= 10_000:
            out["recovery"] = N_("Enter a recovery rate between 0 and 100 per cent.")
        if not 0 <= self.recovery_lag <= MAX_YEARS:
            out["recovery_lag"] = N_("Enter a lag between 0 and 10 years.")
        if not -5_000 <= self.growth_bp <= 10_000:
            out["growth"] = N_("Enter a loan growth between -50 and 100 per cent a year.")
        if not 0 <= self.top_up <= 10**15:
            out["top_up"] = N_("Enter a top-up between 0 and 10 trillion.")
        if not 1 <= self.years <= MAX_YEARS:
            out["years"] = N_("Enter a horizon between 1 and 10 years.")
        if not 100 <= self.scenarios <= MAX_SCENARIOS:
            out["scenarios"] = N_("Enter between 100 and 200,000 scenarios.")
        return out

    def to_dict(self) -> dict[str, Any]:
        """As stored with the job."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ForecastParams:
        """From a stored job."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "pd_bp"}
        return cls(pd_bp={str(g): int(v) for g, v in dict(data["pd_bp"]).items()}, **known)


# --- the live portfolio ----------------------------------------------------------------------

#: Snapshot row: [loan_id, exposure_fen, grade, term_months_left, bank_id, borrower_id, industry]
Row = list[Any]


def _months_left(maturity: date | None, term_months: int, today: date) -> int:
    if maturity is None:
        return term_months
    return max(1, (maturity.year - today.year) * 12 + maturity.month - today.month)


def live_rows(session: Session, today: date) -> list[Row]:
    """The live enrolled loans with their outstanding principal, ordered by loan id."""
    repaid = (
        select(col(Repayment.loan_id).label("loan_id"), func.sum(Repayment.principal).label("p"))
        .group_by(col(Repayment.loan_id))
        .subquery()
    )
    query = (
        sa.select(
            col(Loan.id),
            Loan.principal - func.coalesce(repaid.c.p, 0),
            col(Offer.rating_grade),
            col(Loan.maturity_on),
            col(Loan.term_months),
            col(Loan.bank_id),
            col(Loan.borrower_id),
            func.coalesce(Organisation.industry, ""),
        )
        .join(Offer, col(Offer.id) == col(Loan.offer_id))
        .join(Organisation, col(Organisation.id) == col(Loan.borrower_id))
        .outerjoin(repaid, repaid.c.loan_id == col(Loan.id))
        .where(
            col(Loan.enrolment) == Enrolment.ENROLLED,
            col(Loan.status).in_(LIVE_LOAN_STATUSES),
        )
        .order_by(col(Loan.id))
    )
    rows: list[Row] = []
    result = session.execute(query)
    for loan_id, exposure, grade, maturity, term, bank, borrower, industry in result:
        if int(exposure) > 0:
            months = _months_left(maturity, int(term), today)
            rows.append([loan_id, int(exposure), grade, months, bank, borrower, industry])
    return rows


def digest(rows: list[Row]) -> str:
    """SHA-256 of the snapshot's canonical JSON: equal loans, equal digest."""
    text = json.dumps(rows, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def portfolio(rows: list[Row], params: ForecastParams) -> Portfolio:
    """The snapshot as a riskpool Portfolio: PD by grade, one correlation, LGD 100% (the
    recovery rate is applied by the simulator after the lag)."""
    pds = [params.pd_bp.get(str(r[2]).upper(), params.other_pd_bp) / 10_000 for r in rows]
    return Portfolio(
        principal=np.array([r[1] for r in rows], dtype=np.int64),
        pd=np.array(pds),
        lgd=1.0,
        rho=params.rho_bp / 10_000,
        term=np.array([r[3] / 12 for r in rows]),
        bank=np.array([str(r[4]) for r in rows]),
        borrower=np.array([str(r[5]) for r in rows]),
        sector=np.array([str(r[6]) for r in rows]),
    )


def run(
    book: Portfolio,
    scheme: Scheme,
    params: ForecastParams,
    *,
    seed: int,
    pool_balance: int,
    progress: Progress | None = None,
) -> SimulationResult:
    """riskpool.simulate with the forecast's parameters (fixed chunk size: reproducible)."""
    return simulate(
        book,
        scheme,
        scenarios=params.scenarios,
        years=params.years,
        seed=seed,
        growth=params.growth_bp / 10_000,
        pool_balance=pool_balance,
        top_ups=params.top_up,
        recovery_rate=params.recovery_bp / 10_000,
        recovery_lag=params.recovery_lag,
        chunk=CHUNK,
        progress=progress,
    )


# --- the summary the pages show --------------------------------------------------------------


def dry_by_year(result: SimulationResult) -> list[float]:
    """P(the pool's balance is exhausted at the end of year t), t = 1..years."""
    path = result.pool_balance
    return [float(np.mean(path[:, t] <= 0)) for t in range(result.years)]


def _histogram(losses: np.ndarray[Any, Any]) -> dict[str, list[float]]:
    lo, hi = float(losses.min()), float(losses.max())
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(losses, bins=HISTOGRAM_BINS, range=(lo, hi))
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def summary(result: SimulationResult) -> dict[str, Any]:
    """What a forecast page shows: balance fan, run-dry probabilities, loss histogram with
    its 99% and 99.9% marks, each party's expected and tail loss (fen as whole numbers)."""
    fan = result.balance_quantiles(QUANTILES)
    parties = []
    for party in result.parties:
        parties.append(
            {
                "party": party,
                "mean": round(result.mean_loss(party)),
                "mean_se": round(result.mean_loss_se(party)),
                "var99": round(result.loss_quantile(0.99, party)),
                "var999": round(result.loss_quantile(0.999, party)),
                "es99": round(result.expected_shortfall(0.99, party)),
            }
        )
    p = result.depletion_probability
    n = result.scenarios
    return {
        "scenarios": n,
        "years": result.years,
        "fan": {"q": list(QUANTILES), "paths": [[round(v) for v in row] for row in fan]},
        "dry_by_year": dry_by_year(result),
        "depletion": p,
        "depletion_se": float(np.sqrt(p * (1 - p) / n)),
        "loss": {
            "mean": round(result.mean_loss()),
            "var99": round(result.loss_quantile(0.99)),
            "var999": round(result.loss_quantile(0.999)),
            "es99": round(result.expected_shortfall(0.99)),
            "histogram": _histogram(result.total_loss),
        },
        "parties": parties,
        "mean_defaults": float(np.mean(result.defaults)),
    }
