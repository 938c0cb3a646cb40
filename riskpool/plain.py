"""The plain engine's draw: one normal per loan per scenario and year (the reference)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from riskpool.book import LoanBook
from riskpool.factors import FactorModel


def draw_reference(
    book: LoanBook,
    model: FactorModel,
    rng: np.random.Generator,
    y: NDArray[np.float64],
    scale: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Dues (C, Y, P) and default counts (C,): loan i, alive and at risk in year t, defaults
    when sqrt(rho) Y_t,s(i) + sqrt(1 - rho) eps_it < F^-1(pd) m_t, eps_it ~ N(0, 1) independent
    (m_t = 1 for the Gaussian copula, sqrt(chi2 / dof) for the Student-t)."""
    chunk, years, _ = y.shape
    threshold = model.threshold(book.pd)
    factor = model.factor_of(book.sector)
    a = np.sqrt(book.rho)
    b = np.sqrt(1.0 - book.rho)
    alive = np.ones((chunk, book.size), dtype=bool)
    due = np.zeros((chunk, years, book.rows.shape[2]), dtype=np.int64)
    defaults = np.zeros(chunk, dtype=np.int64)
    for t in range(years):
        at_risk = (book.start <= t) & (t < book.end)
        eps = rng.standard_normal((chunk, book.size))
        latent = a * y[:, t, :][:, factor] + b * eps
        hit = alive & at_risk & (latent < threshold * scale[:, t : t + 1])
        alive &= ~hit
        # float64 BLAS product of integer fen: exact while sums stay below 2**53
        rows = book.rows[t].astype(np.float64)
        due[:, t, :] = np.rint(hit.astype(np.float64) @ rows).astype(np.int64)
        defaults += hit.sum(axis=1)
    return due, defaults
