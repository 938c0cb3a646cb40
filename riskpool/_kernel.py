"""Compiled inner loop of the fast engine (numba): per scenario, bucket and year, a Binomial
count of candidates, a uniform subset of the live loans, each kept with probability p_i / p_hi
(exact thinning, see riskpool.buckets), the kept loans' losses summed into dues.

Random numbers: a xoshiro256** stream per chunk (seeded from the chunk's numpy Generator) for
the uniforms of the count inversions and the picks; the chunk's numpy Generator itself for the
rare large-mean counts (numba's port of numpy's BTPE binomial). Both are seeded from the chunk's
SeedSequence child, so a chunk's draws do not depend on threads or on the other chunks.

Imported lazily by `riskpool.simulate` (numba's import and first compilation are not free);
the functions are compiled on first use and cached next to this file when it is writable.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from riskpool.buckets import BucketPlan
from riskpool.parties import SCHEME_PARTIES

#: Most parties a row may have: every scheme party.
WIDTH = len(SCHEME_PARTIES)
#: Counts with a smaller mean are drawn by inversion; larger ones by numpy's BTPE binomial.
_INVERSION_MAX_MEAN = 60.0
_SQRT_HALF = 0.7071067811865476
_INV_SQRT_TWO_PI = 0.3989422804014327
#: Reciprocals 1 / k of the counts the inversion steps through most often.
_TABLE = 512
_RECIPROCAL = 1.0 / np.maximum(np.arange(_TABLE, dtype=np.float64), 1.0)
#: Relative safety margin of the squeeze bounds against rounding (far above it, far below 1).
_MARGIN = 1e-12
_INV_TWO_POW_53 = 1.0 / 9007199254740992.0
_U5 = np.uint64(5)
_U7 = np.uint64(7)
_U9 = np.uint64(9)
_U11 = np.uint64(11)
_U17 = np.uint64(17)
_U19 = np.uint64(19)
_U45 = np.uint64(45)
_U57 = np.uint64(57)


def _uniform_py(
    s0: np.uint64, s1: np.uint64, s2: np.uint64, s3: np.uint64
) -> tuple[float, np.uint64, np.uint64, np.uint64, np.uint64]:
    """xoshiro256** step: a uniform double in [0, 1) (53 bits) and the new state."""
    x = s1 * _U5
    out = ((x << _U7) | (x >> _U57)) * _U9
    t = s1 << _U17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _U45) | (s3 >> _U19)
    return float(np.float64(out >> _U11) * _INV_TWO_POW_53), s0, s1, s2, s3


_uniform = numba.njit(inline="always", cache=True)(_uniform_py)


def _binomial_py(
    n: int,
    p: float,
    rng: np.random.Generator,
    s0: np.uint64,
    s1: np.uint64,
    s2: np.uint64,
    s3: np.uint64,
) -> tuple[int, np.uint64, np.uint64, np.uint64, np.uint64]:
    """A Binomial(n, p) draw, 0 < p < 1 (see _tail_binomial)."""
    flip = p > 0.5
    tail = 1.0 - p if flip else p
    return _tail_binomial(
        n, tail, math.log1p(-tail), tail / (1.0 - tail), flip, rng, s0, s1, s2, s3
    )


def _tail_binomial_py(
    n: int,
    tail: float,
    log_rest: float,
    ratio: float,
    flip: bool,
    rng: np.random.Generator,
    s0: np.uint64,
    s1: np.uint64,
    s2: np.uint64,
    s3: np.uint64,
) -> tuple[int, np.uint64, np.uint64, np.uint64, np.uint64]:
    """Binomial(n, p) with tail = min(p, 1 - p) in (0, 1/2], log_rest = log(1 - tail), ratio =
    tail / (1 - tail) and flip = p > 1/2: inversion (pmf recurrence from 0) when the tail's
    mean is below _INVERSION_MAX_MEAN, numpy's BTPE otherwise."""
    mean = n * tail
    k = 0
    if mean < _INVERSION_MAX_MEAN:
        u, s0, s1, s2, s3 = _uniform(s0, s1, s2, s3)
        # (1 - tail)^n >= 1 - n tail: below that, the inversion stops at 0 without any pmf
        if u > 1.0 - mean:
            first = math.exp(n * log_rest)
            while True:
                pmf = first
                cdf = first
                k = 0
                while u > cdf and k < n:
                    k += 1
                    # 1 / k from a table: a division would dominate the step
                    pmf *= ratio * (n - k + 1) * (_RECIPROCAL[k] if k < _TABLE else 1.0 / k)
                    cdf += pmf
                if u <= cdf:
                    break
                # u above the rounded total probability (about 1e-15 likely): draw again
                u, s0, s1, s2, s3 = _uniform(s0, s1, s2, s3)
    else:
        k = rng.binomial(n, tail)
    return (n - k if flip else k), s0, s1, s2, s3


_tail_binomial = numba.njit(inline="always", cache=True)(_tail_binomial_py)
_binomial = numba.njit(inline="always", cache=True)(_binomial_py)


def _phi_py(x: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x * _SQRT_HALF)


_phi = numba.njit(inline="always", cache=True)(_phi_py)


def _draw_py(
    state: NDArray[np.uint64],
    rng: np.random.Generator,
    y: NDArray[np.float64],
    scale: NDArray[np.float64],
    factor: NDArray[np.int64],
    start: NDArray[np.int64],
    end: NDArray[np.int64],
    offset: NDArray[np.int64],
    size: NDArray[np.int64],
    c_lo: NDArray[np.float64],
    c_hi: NDArray[np.float64],
    a_lo: NDArray[np.float64],
    a_hi: NDArray[np.float64],
    pure: NDArray[np.bool_],
    cb: NDArray[np.float64],
    ab: NDArray[np.float64],
    order: NDArray[np.int64],
    rows: NDArray[np.int64],
    due: NDArray[np.int64],
    defaults: NDArray[np.int64],
) -> None:
    """Fill due (C, Y, P) and defaults (C,); see draw_buckets."""
    chunk = y.shape[0]
    width = rows.shape[2]
    buckets = size.size
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    # bucket by bucket over all scenarios of the chunk (buckets are independent given the
    # factors): a bucket's rows stay in cache however large the book
    for b in range(buckets):
        f = factor[b]
        for c in range(chunk):
            dead = 0
            for t in range(start[b], end[b]):
                live = size[b] - dead
                if live == 0:
                    break
                yv = y[c, t, f]
                m = scale[c, t]
                # the bound on ab that maximises -yv ab
                x_hi = m * c_hi[b] - yv * (a_hi[b] if yv < 0.0 else a_lo[b])
                p_hi = _phi(x_hi)
                if p_hi <= 0.0:
                    continue
                if p_hi >= 1.0:
                    k = live
                else:
                    tail = 1.0 - p_hi if p_hi > 0.5 else p_hi
                    k, s0, s1, s2, s3 = _tail_binomial(
                        live,
                        tail,
                        math.log1p(-tail),
                        tail / (1.0 - tail),
                        p_hi > 0.5,
                        rng,
                        s0,
                        s1,
                        s2,
                        s3,
                    )
                if k == 0:
                    continue
                base = offset[b] + dead
                is_pure = pure[b]
                p_lo = 1.0
                x_lo = 0.0
                tangent = 0.0
                chord = 0.0
                convex = False
                if not is_pure:
                    if yv < 0.0:
                        x_lo = m * c_lo[b] - yv * a_lo[b]
                        x_hi = m * c_hi[b] - yv * a_hi[b]
                    else:
                        x_lo = m * c_lo[b] - yv * a_hi[b]
                        x_hi = m * c_hi[b] - yv * a_lo[b]
                    p_lo = _phi(x_lo)
                    if x_hi <= 0.0 and x_hi - x_lo > 1e-9:
                        # N is convex below 0: its tangent at x_hi lies below it and its chord
                        # over [x_lo, x_hi] above it, so most candidates need no N(x_i)
                        tangent = math.exp(-0.5 * x_hi * x_hi) * _INV_SQRT_TWO_PI
                        chord = (p_hi - p_lo) / (x_hi - x_lo)
                        convex = True
                kept = 0
                for j in range(k):
                    # partial Fisher-Yates: a uniform pick among the live loans not yet drawn
                    # this year, order[base + j : base + live]
                    u, s0, s1, s2, s3 = _uniform(s0, s1, s2, s3)
                    r = j + int(u * (live - j))
                    if r >= live:
                        r = live - 1
                    loan = order[base + r]
                    order[base + r] = order[base + j]
                    if not is_pure:
                        # keep with probability p_i / p_hi: v < p_i for v uniform on [0, p_hi)
                        v, s0, s1, s2, s3 = _uniform(s0, s1, s2, s3)
                        v *= p_hi
                        x = m * cb[loan] - yv * ab[loan]
                        lower = p_lo
                        upper = 2.0
                        if convex:
                            lower = max(p_lo, p_hi + tangent * (x - x_hi) - _MARGIN * p_hi)
                            upper = p_lo + chord * (x - x_lo) + _MARGIN * p_hi
                        # below a lower bound of p_i: kept without computing p_i
                        if v >= lower and (v >= upper or v >= _phi(x)):
                            order[base + j] = loan
                            continue
                    # a default: it joins the dead loans at the front of the bucket
                    order[base + j] = order[base + kept]
                    order[base + kept] = loan
                    kept += 1
                dead += kept
                defaults[c] += kept
                # the defaulted loans' losses, summed after the picks: their row loads are
                # independent of each other, so the cache misses of a large book overlap
                for q in range(width):
                    acc = 0
                    for j in range(kept):
                        acc += rows[t, order[base + j], q]
                    due[c, t, q] += acc
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


_draw = numba.njit(nogil=True, cache=True)(_draw_py)


def draw_buckets(
    state: NDArray[np.uint64],
    rng: np.random.Generator,
    y: NDArray[np.float64],
    scale: NDArray[np.float64],
    plan: BucketPlan,
    order: NDArray[np.int64],
    due: NDArray[np.int64],
    defaults: NDArray[np.int64],
) -> None:
    """Draw one chunk of scenarios into `due` (C, Y, P) and `defaults` (C,), both zeroed.

    y (C, Y, K) are the sector factors and scale (C, Y) the copula's threshold scales m of each
    scenario and year. Each year, bucket b draws Binomial(live, p_hi) candidates among its live
    loans (a partial Fisher-Yates shuffle of its part of `order`, a working copy of
    plan.order that stays a permutation of each bucket: the picks are uniform whatever the
    arrangement earlier scenarios left) and keeps each with probability p_i / p_hi (see
    `riskpool.buckets`). The defaulted loans move to the front of the bucket, so a loan
    defaults at most once per scenario. `state` (4 uint64, not all 0) is the xoshiro256**
    state, advanced in place.
    """
    _draw(
        state,
        rng,
        y,
        scale,
        plan.factor,
        plan.start,
        plan.end,
        plan.offset,
        plan.size,
        plan.c_lo,
        plan.c_hi,
        plan.a_lo,
        plan.a_hi,
        plan.pure,
        plan.cb,
        plan.ab,
        order,
        plan.rows,
        due,
        defaults,
    )


def binomial_sample(
    n: int, p: float, size: int, rng: np.random.Generator, state: NDArray[np.uint64]
) -> NDArray[np.int64]:
    """`size` draws of the engine's Binomial(n, p) sampler (for tests)."""
    return np.asarray(_binomial_sample(n, p, size, rng, state), dtype=np.int64)


def _binomial_sample_py(
    n: int, p: float, size: int, rng: np.random.Generator, state: NDArray[np.uint64]
) -> NDArray[np.int64]:
    out = np.empty(size, dtype=np.int64)
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(size):
        if p <= 0.0:
            out[i] = 0
        elif p >= 1.0:
            out[i] = n
        else:
            out[i], s0, s1, s2, s3 = _binomial(n, p, rng, s0, s1, s2, s3)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return out


_binomial_sample = numba.njit(cache=True)(_binomial_sample_py)
