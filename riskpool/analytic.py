"""Analytic references: Vasicek, Basel IRB, exact finite-pool and CreditRisk+ distributions."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln, ndtr, ndtri


def vasicek_quantile(pd: ArrayLike, rho: ArrayLike, q: ArrayLike) -> NDArray[np.float64]:
    """Large-pool loss-rate q-quantile N((N^-1(PD) + sqrt(rho) N^-1(q)) / sqrt(1 - rho))."""
    p, r, qq = (np.asarray(x, dtype=np.float64) for x in (pd, rho, q))
    out: NDArray[np.float64] = ndtr((ndtri(p) + np.sqrt(r) * ndtri(qq)) / np.sqrt(1.0 - r))
    return out


def basel_correlation(
    pd: ArrayLike, *, sales_eur_m: ArrayLike | None = None
) -> NDArray[np.float64]:
    """Basel II corporate asset correlation R, with the SME firm-size adjustment if sales given."""
    p = np.asarray(pd, dtype=np.float64)
    w = (1.0 - np.exp(-50.0 * p)) / (1.0 - math.exp(-50.0))
    r: NDArray[np.float64] = 0.12 * w + 0.24 * (1.0 - w)
    if sales_eur_m is not None:
        s = np.clip(np.asarray(sales_eur_m, dtype=np.float64), 5.0, 50.0)
        r = r - 0.04 * (1.0 - (s - 5.0) / 45.0)
    return r


def basel_irb_capital(
    pd: ArrayLike,
    lgd: ArrayLike,
    maturity: ArrayLike = 2.5,
    *,
    sales_eur_m: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Basel II IRB capital requirement K per unit of exposure (corporate, 99.9%).

    K = [LGD N((N^-1(PD) + sqrt(R) N^-1(0.999)) / sqrt(1 - R)) - PD LGD] (1 + (M - 2.5) b)
    / (1 - 1.5 b), b = (0.11852 - 0.05478 ln PD)^2; R from `basel_correlation`.
    """
    p = np.asarray(pd, dtype=np.float64)
    if np.any((p <= 0) | (p >= 1)):
        raise ValueError("pd must lie in (0, 1)")
    loss = np.asarray(lgd, dtype=np.float64)
    m = np.asarray(maturity, dtype=np.float64)
    r = basel_correlation(p, sales_eur_m=sales_eur_m)
    b = (0.11852 - 0.05478 * np.log(p)) ** 2
    stressed = ndtr((ndtri(p) + np.sqrt(r) * ndtri(0.999)) / np.sqrt(1.0 - r))
    k: NDArray[np.float64] = (loss * stressed - p * loss) * (1.0 + (m - 2.5) * b) / (1.0 - 1.5 * b)
    return k


def risk_weight(
    pd: ArrayLike,
    lgd: ArrayLike,
    maturity: ArrayLike = 2.5,
    *,
    sales_eur_m: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Basel risk weight 12.5 x K (1.0 = 100%)."""
    out: NDArray[np.float64] = 12.5 * basel_irb_capital(pd, lgd, maturity, sales_eur_m=sales_eur_m)
    return out


def _normalised(values: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = values / float(values.sum())
    return out


def _factor_grid(n: int, rho: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Trapezoid nodes and weights for E[f(Z)], Z ~ N(0, 1), fine enough for n loans.

    Given Z, the default count of n loans is concentrated on a Z-interval of width about
    sqrt((1 - rho) / (rho n)); the step is a small fraction of that so the (smooth,
    fast-decaying) integrand is integrated to near machine precision on [-9.5, 9.5] (the
    normal density is below 1e-19 outside).
    """
    width = math.sqrt((1.0 - rho) / (rho * max(n, 1))) if rho > 0 else 1.0
    step = min(0.02, width / 4.0)
    nodes = np.arange(-9.5, 9.5 + step / 2, step)
    weights = np.exp(-0.5 * nodes * nodes) / math.sqrt(2.0 * math.pi) * step
    return nodes, weights / weights.sum()


def _binomial_logpmf(n: int, p: NDArray[np.float64]) -> NDArray[np.float64]:
    """log P(D = k | p) for k = 0..n (rows) and each p (columns)."""
    k = np.arange(n + 1, dtype=np.float64)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        logc = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
        out = logc + k * np.log(p)[None, :] + (n - k) * np.log1p(-p)[None, :]
    out = np.where((k == 0) & (p[None, :] == 0), 0.0, out)
    out = np.where((k == n) & (p[None, :] == 1), 0.0, out)
    return np.nan_to_num(out, nan=-np.inf)


def finite_pool_default_distribution(n: int, pd: float, rho: float) -> NDArray[np.float64]:
    """Exact P(D = k), k = 0..n, for n loans with one pd and asset correlation rho.

    The binomial probabilities given the factor are integrated over Z ~ N(0, 1) with a
    composite trapezoid rule on a grid adapted to n and rho; the result sums to 1.
    """
    if n < 0 or not 0.0 <= pd <= 1.0 or not 0.0 <= rho < 1.0:
        raise ValueError("need n >= 0, 0 <= pd <= 1 and 0 <= rho < 1")
    if rho == 0.0:
        out: NDArray[np.float64] = np.exp(_binomial_logpmf(n, np.array([pd]))[:, 0])
        return _normalised(out)
    nodes, weights = _factor_grid(n, rho)
    p = ndtr((ndtri(pd) - math.sqrt(rho) * nodes) / math.sqrt(1.0 - rho))
    total: NDArray[np.float64] = np.zeros(n + 1)
    logc = gammaln(n + 1) - gammaln(np.arange(n + 1) + 1) - gammaln(n - np.arange(n + 1) + 1)
    for pz, w in zip(p.tolist(), weights.tolist(), strict=True):
        # given Z the count is binomial: only k within 14 sd (+15) of n p carry weight
        spread = 14.0 * math.sqrt(n * pz * (1.0 - pz)) + 15.0
        lo = max(0, int(n * pz - spread))
        hi = min(n, int(n * pz + spread) + 1)
        k = np.arange(lo, hi + 1)
        if pz <= 0.0 or pz >= 1.0:
            total[0 if pz <= 0.0 else n] += w
            continue
        total[lo : hi + 1] += w * np.exp(
            logc[lo : hi + 1] + k * math.log(pz) + (n - k) * math.log1p(-pz)
        )
    return _normalised(total)


def grade_loss_distribution(
    counts: Sequence[int], pds: Sequence[float], units: Sequence[int], rho: float
) -> NDArray[np.float64]:
    """Exact loss distribution (in integer loss units) of homogeneous grades sharing one factor.

    Grade g has counts[g] loans with default probability pds[g] and loss units[g] each. Given
    Z the grades' default counts are independent binomials; their loss distributions are
    convolved (FFT) and the result integrated over Z. Returns P(L = u), u = 0..sum(counts x units).
    """
    if not (len(counts) == len(pds) == len(units)):
        raise ValueError("counts, pds and units must have the same length")
    size = int(sum(c * u for c, u in zip(counts, units, strict=True))) + 1
    length = 1 << (size - 1).bit_length()
    nodes, weights = _factor_grid(max(counts), rho)
    total = np.zeros(size)
    for z, w in zip(nodes.tolist(), weights.tolist(), strict=True):
        if w < 1e-300:
            continue
        spectrum = np.ones(length // 2 + 1, dtype=np.complex128)
        for n, pd, u in zip(counts, pds, units, strict=True):
            p = float(ndtr((ndtri(pd) - math.sqrt(rho) * z) / math.sqrt(1.0 - rho)))
            pmf = np.exp(_binomial_logpmf(int(n), np.array([p]))[:, 0])
            spread = np.zeros(length)
            spread[: (n + 1) * u : u] = pmf
            spectrum *= np.fft.rfft(spread)
        total += w * np.fft.irfft(spectrum, n=length)[:size]
    clipped: NDArray[np.float64] = np.clip(total, 0.0, None)
    return _normalised(clipped)


def creditriskplus(
    exposure_units: ArrayLike,
    pd: ArrayLike,
    relative_variance: float,
    *,
    max_units: int | None = None,
) -> NDArray[np.float64]:
    """Single-sector CreditRisk+ loss distribution P(L = u), u = 0..M-1, in integer loss units.

    Obligor i defaults Poisson(pd_i x G) given the sector factor G ~ Gamma with mean 1 and
    variance `relative_variance`, losing exposure_units[i]. The probability generating function
    G(z) = (1 - s2 sum_i pd_i (z^nu_i - 1))^(-1/s2) is evaluated on M roots of unity and
    inverted by FFT (no Panjer recursion, so no underflow for large portfolios); M doubles
    until the probability left beyond it is negligible (< 1e-12) unless max_units is given.
    """
    nu = np.asarray(exposure_units)
    if not np.issubdtype(nu.dtype, np.integer) or np.any(nu < 1):
        raise ValueError("exposure_units must be positive integers")
    p = np.broadcast_to(np.asarray(pd, dtype=np.float64), nu.shape)
    if np.any((p < 0) | (p > 1)) or relative_variance < 0:
        raise ValueError("pd must lie in [0, 1] and relative_variance must be >= 0")
    # group obligors by exposure: only sum(pd) per exposure size matters
    sizes, inverse = np.unique(nu, return_inverse=True)
    mass = np.bincount(inverse.ravel(), weights=p.ravel())
    mean = float(np.sum(sizes * mass))
    var = float(np.sum(sizes**2 * mass) + relative_variance * mean**2)
    length = 1 << max(6, int(mean + 12 * math.sqrt(var) + sizes.max() + 1).bit_length())
    while True:
        m = max_units or length
        if sizes.max() >= m:
            raise ValueError("max_units must exceed the largest exposure")
        # poly(w^k) = sum_s mass_s (w^(k s) - 1), w = exp(2 pi i / m): an inverse DFT
        spread = np.zeros(m)
        spread[sizes] = mass
        poly = m * np.fft.ifft(spread) - mass.sum()
        log_pgf = poly
        if relative_variance > 0:
            log_pgf = np.asarray(
                -np.log1p(-relative_variance * poly) / relative_variance, dtype=np.complex128
            )
        # P(L = u) = (1/M) sum_k G(w^k) w^(-k u): an inverse DFT of the PGF on the unit circle
        pmf: NDArray[np.float64] = np.clip(np.fft.fft(np.exp(log_pgf)).real / m, 0.0, None)
        if max_units is not None or pmf[-max(1, m // 16) :].sum() < 1e-12:
            return pmf
        length *= 2


def poisson_binomial_pmf(p: ArrayLike) -> NDArray[np.float64]:
    """P(K = k), k = 0..n, for independent Bernoulli(p_i): rows of p (..., n) give rows out."""
    probs = np.asarray(p, dtype=np.float64)
    n = probs.shape[-1]
    out = np.zeros((*probs.shape[:-1], n + 1))
    out[..., 0] = 1.0
    for i in range(n):
        q = probs[..., i : i + 1]
        out[..., 1:] = out[..., 1:] * (1.0 - q) + out[..., :-1] * q
        out[..., :1] = out[..., :1] * (1.0 - q)
    return out


def default_count_distribution(
    pd: ArrayLike,
    rho: ArrayLike,
    *,
    factor: ArrayLike | None = None,
    correlation: ArrayLike | None = None,
    dof: float | None = None,
    nodes: int = 48,
) -> NDArray[np.float64]:
    """Exact P(D = k), k = 0..n, for a small book of loans with their own pd and rho.

    Loan i loads on sector factor `factor[i]` (default 0) of factors with the `correlation`
    matrix, in a Gaussian copula or (dof given) a Student-t copula (see riskpool.factors).
    Given the factors the defaults are independent: a Poisson-binomial law, integrated over
    the factors (trapezoid rule for one factor, Gauss-Hermite per factor for several) and over
    the Student-t scale (Gauss-Legendre in its quantile).
    """
    p = np.asarray(pd, dtype=np.float64)
    r = np.broadcast_to(np.asarray(rho, dtype=np.float64), p.shape)
    f = np.zeros(p.size, dtype=np.int64) if factor is None else np.asarray(factor, dtype=np.int64)
    corr = np.ones((1, 1)) if correlation is None else np.asarray(correlation, dtype=np.float64)
    k = corr.shape[0]
    if k == 1:
        g, w = _factor_grid(p.size, float(np.max(r)) or 0.5)
        g = g[:, None]
    else:
        x, wx = np.polynomial.hermite_e.hermegauss(nodes)
        grids = np.meshgrid(*([x] * k), indexing="ij")
        g = np.stack([a.ravel() for a in grids], axis=1)
        w = np.prod(np.meshgrid(*([wx] * k), indexing="ij"), axis=0).ravel()
        w = w / w.sum()
    values, vectors = np.linalg.eigh(corr)
    y = g @ (vectors * np.sqrt(np.clip(values, 0.0, None))).T  # (nodes, k)
    if dof is None:
        scales, sw = np.ones(1), np.ones(1)
        threshold = ndtri(p)
    else:
        from scipy import stats

        u, uw = np.polynomial.legendre.leggauss(96)
        scales = np.sqrt(stats.chi2.ppf((u + 1.0) / 2.0, dof) / dof)
        sw = uw / uw.sum()
        threshold = stats.t.ppf(p, dof)
    total = np.zeros(p.size + 1)
    for m, wm in zip(scales.tolist(), sw.tolist(), strict=True):
        cond = ndtr((threshold * m - np.sqrt(r) * y[:, f]) / np.sqrt(1.0 - r))
        total += wm * (w[:, None] * poisson_binomial_pmf(cond)).sum(axis=0)
    return _normalised(total)
