"""Factor structures of the default model: sector factors with a correlation matrix, and a
Gaussian or Student-t copula.

Loan i of sector s has the latent variable X_i = S (sqrt(rho_i) Y_s + sqrt(1 - rho_i) e_i):
Y = L G with G ~ N(0, I) and L L' = the sector correlation matrix, e_i ~ N(0, 1) independent,
and S = 1 (Gaussian copula) or S = sqrt(dof / chi2_dof) (Student-t copula with dof degrees
of freedom; one S per scenario and year for the whole book, so bad years hit every sector). The
loan defaults in a year when X_i < F^-1(pd_i), F the standard normal or Student-t CDF, so its
annual default probability is pd_i whatever the structure. Given (Y, S) it defaults with
p_i = N((F^-1(pd_i) / S - sqrt(rho_i) Y_s) / sqrt(1 - rho_i)). Years are independent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from scipy.special import ndtri

from riskpool.errors import PortfolioError


@dataclass(frozen=True, eq=False)
class FactorModel:
    """Sectors (each with its own factor), their correlation matrix and the copula.

    `sectors` empty: one factor shared by every loan (the classic one-factor model).
    Build with `FactorModel.make`; `loading` is L (L L' = correlation).
    """

    sectors: tuple[str, ...]
    correlation: NDArray[np.float64]
    loading: NDArray[np.float64]
    dof: float | None

    @classmethod
    def make(
        cls,
        *,
        sectors: Sequence[str] = (),
        correlation: ArrayLike | float | None = None,
        dof: float | None = None,
    ) -> FactorModel:
        """Validate and build: `correlation` is a full matrix (one row per sector), or one
        number used between every two sectors; `dof` > 2 selects the Student-t copula."""
        names = tuple(str(s) for s in sectors)
        if len(set(names)) != len(names):
            raise ValueError("sectors must be distinct")
        k = max(1, len(names))
        if correlation is None:
            corr = np.eye(k) if names else np.ones((1, 1))
        elif np.ndim(correlation) == 0:
            value = float(np.asarray(correlation))
            if not -1.0 <= value <= 1.0:
                raise ValueError(f"sector correlation must lie in [-1, 1], got {value}")
            corr = np.full((k, k), value)
            np.fill_diagonal(corr, 1.0)
        else:
            corr = np.array(correlation, dtype=np.float64)
        if corr.shape != (k, k):
            raise ValueError(f"the correlation matrix must be {k} x {k}, got {corr.shape}")
        if not np.all(np.isfinite(corr)) or not np.allclose(corr, corr.T, atol=1e-12):
            raise ValueError("the correlation matrix must be finite and symmetric")
        if not np.allclose(np.diag(corr), 1.0) or np.any(np.abs(corr) > 1.0 + 1e-12):
            raise ValueError("the correlation matrix needs a unit diagonal and entries in [-1, 1]")
        values, vectors = np.linalg.eigh(corr)
        if values.min() < -1e-10:
            raise ValueError(
                f"the correlation matrix is not positive semi-definite (eigenvalue "
                f"{values.min():.3g})"
            )
        loading = vectors * np.sqrt(np.clip(values, 0.0, None))[None, :]
        if dof is not None:
            dof = float(dof)
            if not math.isfinite(dof) or dof <= 2.0:
                raise ValueError(f"dof (degrees of freedom) must be a finite number > 2, got {dof}")
        corr.setflags(write=False)
        loading.setflags(write=False)
        return cls(sectors=names, correlation=corr, loading=loading, dof=dof)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> FactorModel:
        """Build from JSON-like data {"sectors": [...], "correlation": [[...]], "dof": 5}."""
        unknown = set(data) - {"sectors", "correlation", "dof"}
        if unknown:
            raise ValueError(f"unknown factor model field(s) {sorted(unknown)}")
        sectors = data.get("sectors", [])
        if not isinstance(sectors, list | tuple):
            raise ValueError("sectors must be a list of names")
        dof = data.get("dof")
        if dof is not None and (isinstance(dof, bool) or not isinstance(dof, int | float)):
            raise ValueError("dof must be a number")
        corr = data.get("correlation")
        return cls.make(
            sectors=[str(s) for s in sectors],
            correlation=None if corr is None else np.asarray(corr, dtype=np.float64),
            dof=dof,
        )

    @property
    def factors(self) -> int:
        """Number of systematic factors."""
        return int(self.loading.shape[0])

    def factor_of(self, sector: NDArray[np.str_]) -> NDArray[np.int64]:
        """Each loan's factor index from its sector (any sector maps to 0 in a one-factor
        model); raises PortfolioError naming an unknown sector."""
        if not self.sectors:
            return np.zeros(sector.size, dtype=np.int64)
        index = {s: i for i, s in enumerate(self.sectors)}
        missing = sorted(set(sector.tolist()) - set(index))
        if missing:
            raise PortfolioError(
                f"sector(s) {missing} not in the factor model ({', '.join(self.sectors)})",
                column="sector",
            )
        return np.array([index[s] for s in sector.tolist()], dtype=np.int64)

    def threshold(self, pd: NDArray[np.float64]) -> NDArray[np.float64]:
        """F^-1(pd): the default threshold of the latent variable (-inf for pd 0)."""
        if self.dof is None:
            out: NDArray[np.float64] = ndtri(pd)
            return out
        return np.asarray(stats.t.ppf(pd, self.dof), dtype=np.float64)

    def shift_vector(self, shift: float | Sequence[float] | None) -> NDArray[np.float64]:
        """The mean of G under importance sampling: a vector (one per factor) as given, or a
        number s moving the normalised sum of the sector factors, 1'Y / |L'1|, by s."""
        k = self.factors
        if shift is None:
            return np.zeros(k)
        if np.ndim(shift) == 0:
            s = float(np.asarray(shift))
            if not math.isfinite(s):
                raise ValueError("importance_shift must be finite")
            direction = self.loading.T @ np.ones(k)
            norm = float(np.linalg.norm(direction))
            return s * direction / norm if norm > 0 else np.zeros(k)
        vector = np.asarray(shift, dtype=np.float64)
        if vector.shape != (k,) or not np.all(np.isfinite(vector)):
            raise ValueError(f"importance_shift must be a number or {k} finite numbers")
        return vector

    def draw(
        self, rng: np.random.Generator, scenarios: int, years: int, mean: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Sector factors Y (C, years, K), scales 1/S (C, years) and the likelihood ratios
        (C,) of G ~ N(0, I) to the sampled N(mean, I) (all 1 when mean is 0)."""
        g = rng.standard_normal((scenarios, years, self.factors))
        if mean.any():
            g += mean
            log_w = (-(g @ mean) + 0.5 * float(mean @ mean)).sum(axis=1)
            weights = np.exp(log_w)
        else:
            weights = np.ones(scenarios)
        y = g @ self.loading.T
        if self.dof is None:
            scale = np.ones((scenarios, years))
        else:
            scale = np.sqrt(rng.chisquare(self.dof, (scenarios, years)) / self.dof)
        return np.ascontiguousarray(y), scale, weights


ONE_FACTOR = FactorModel.make()
