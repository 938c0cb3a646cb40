"""The simulated loan book: every cohort's loans, their exposure and loss split in each year."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from riskpool.portfolio import Portfolio
from riskpool.scheme import Scheme
from riskpool.splits import split_rows


@dataclass(frozen=True, eq=False)
class LoanBook:
    """All loans of a simulation: the portfolio plus yearly growth cohorts.

    Loan i is at risk in years [start[i], end[i]) of the horizon. `exposure[t, i]` is its
    exposure at default if it defaults in year t (the principal outstanding at the start of
    that year; 0 outside its years) and `rows[t, i]` that loss (exposure x LGD, to the fen)
    split by party (columns `parties`) with `Scheme.split` and no aggregate limit.
    """

    parties: tuple[str, ...]
    years: int
    pd: NDArray[np.float64]
    rho: NDArray[np.float64]
    sector: NDArray[np.str_]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    principal: NDArray[np.int64]
    exposure: NDArray[np.int64]
    rows: NDArray[np.int64]
    new_principal: NDArray[np.int64]

    @property
    def size(self) -> int:
        """Number of loans over all cohorts."""
        return int(self.pd.size)


def outstanding_share(
    kind: NDArray[np.str_], term: NDArray[np.float64], rate_bp: NDArray[np.int64], age: int
) -> NDArray[np.float64]:
    """Share of the principal still outstanding `age` whole years after origination.

    bullet: 1 until maturity. linear (equal principal repayments): 1 - age / term. annuity
    (equal monthly instalments at the yearly rate rate_bp / 10000, n = 12 term months): after
    m = 12 age payments, ((1 + i)^n - (1 + i)^m) / ((1 + i)^n - 1) with i = rate / 12 (linear
    when the rate is 0). 0 from maturity on.
    """
    alive = age < np.ceil(term - 1e-9)
    share = np.where(alive, 1.0, 0.0)
    linear = np.clip(1.0 - age / term, 0.0, 1.0)
    share = np.where(kind == "linear", linear, share)
    annuity = kind == "annuity"
    if annuity.any():
        i = rate_bp[annuity] / 10_000 / 12
        n = 12.0 * term[annuity]
        m = min(12.0 * age, 1e9)
        with np.errstate(divide="ignore", invalid="ignore"):
            growth_n = np.power(1.0 + i, n)
            value = (growth_n - np.power(1.0 + i, np.minimum(m, n))) / (growth_n - 1.0)
        value = np.where(i > 0, value, linear[annuity])
        share[annuity] = np.clip(value, 0.0, 1.0)
    out: NDArray[np.float64] = np.where(alive, share, 0.0)
    return out


def build_book(portfolio: Portfolio, scheme: Scheme, *, years: int, growth: float) -> LoanBook:
    """Expand a portfolio into a LoanBook over `years` with new cohorts growing at `growth`.

    The cohort originated at the start of year t >= 1 holds round(n x growth x (1 + growth)^(t-1))
    new loans like the existing ones: a systematic sample of the portfolio (loans at evenly
    spaced positions, repeated if the cohort is larger than the portfolio), so the book's loan
    count, and about its principal, grow by `growth` a year while loan sizes, grades and
    schedules stay realistic. Loans of the portfolio are taken as just originated. A loan is at
    risk for ceil(term) whole years from its origination (the annual pd applies in each of
    them); its exposure follows its schedule (`outstanding_share`), rounded half up to the fen.
    """
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ValueError("years must be an integer >= 1")
    if not math.isfinite(growth) or growth < 0:
        raise ValueError("growth must be a finite rate >= 0")
    n = len(portfolio)
    cohorts = [(0, portfolio)]
    for t in range(1, years if growth > 0 else 1):
        count = round(n * growth * (1 + growth) ** (t - 1))
        if count > 0:
            picks = (np.arange(count) * n) // count if count <= n else np.arange(count) % n
            cohorts.append((t, portfolio.subset(picks)))
    new_principal = np.zeros(years, dtype=np.int64)
    for t, cohort in cohorts:
        new_principal[t] = cohort.total_principal

    def joined(name: str) -> NDArray[np.generic]:
        return np.concatenate([getattr(c, name) for _, c in cohorts])

    start = np.concatenate([np.full(len(c), t, dtype=np.int64) for t, c in cohorts])
    term = joined("term").astype(np.float64)
    end = np.minimum(start + np.ceil(term - 1e-9).astype(np.int64), years)
    principal = joined("principal").astype(np.int64)
    lgd = joined("lgd").astype(np.float64)
    kind = joined("amortisation").astype(np.str_)
    rate = joined("rate_bp").astype(np.int64)
    ip = joined("ip_pledge").astype(np.bool_)
    size = principal.size
    exposure = np.zeros((years, size), dtype=np.int64)
    loss = np.zeros((years, size), dtype=np.int64)
    for t in range(years):
        live = (start <= t) & (t < end)
        age = t - start[live]
        for a in np.unique(age).tolist():
            idx = np.flatnonzero(live)[age == a]
            share = outstanding_share(kind[idx], term[idx], rate[idx], int(a))
            ead = np.floor(principal[idx] * share + 0.5).astype(np.int64)
            exposure[t, idx] = ead
            loss[t, idx] = np.floor(ead * lgd[idx] + 0.5).astype(np.int64)
    rows = np.zeros((years, size, len(scheme.parties)), dtype=np.int64)
    active = loss > 0
    t_idx, i_idx = np.nonzero(active)
    rows[t_idx, i_idx] = split_rows(scheme, loss[active], principal[i_idx], ip[i_idx])
    book = LoanBook(
        parties=scheme.parties,
        years=years,
        pd=joined("pd").astype(np.float64),
        rho=joined("rho").astype(np.float64),
        sector=joined("sector").astype(np.str_),
        start=start,
        end=end,
        principal=principal,
        exposure=exposure,
        rows=rows,
        new_principal=new_principal,
    )
    for arr in (book.pd, book.rho, book.start, book.end, book.exposure, book.rows):
        arr.setflags(write=False)
    return book
