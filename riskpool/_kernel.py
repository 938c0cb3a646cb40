"""Compiled inner loop of the fast engine (numba): per scenario, cell of exchangeable loans and
year, a Binomial default count, then which loans defaulted as a uniform subset, summed into dues.

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

#: Width of the padded per-loan rows: every scheme party (riskpool.parties.SCHEME_PARTIES).
WIDTH = 6
#: Counts with a smaller mean are drawn by inversion; larger ones by numpy's BTPE binomial.
_INVERSION_MAX_MEAN = 30.0
_SQRT_HALF = 0.7071067811865476
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
                    pmf *= ratio * (n - k + 1) / k
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


def _draw_py(
    state: NDArray[np.uint64],
    rng: np.random.Generator,
    z: NDArray[np.float64],
    threshold: NDArray[np.float64],
    loading: NDArray[np.float64],
    idio: NDArray[np.float64],
    group_cells: NDArray[np.int64],
    group_uniform: NDArray[np.int64],
    cell_start: NDArray[np.int64],
    cell_end: NDArray[np.int64],
    cell_offset: NDArray[np.int64],
    cell_size: NDArray[np.int64],
    order: NDArray[np.int64],
    rows: NDArray[np.int64],
    due: NDArray[np.int64],
    defaults: NDArray[np.int64],
) -> None:
    """Fill due (C, Y, WIDTH) and defaults (C,) for the factors z (C, Y); see draw_cells."""
    chunk, years = z.shape
    groups = threshold.size
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    pz = np.empty((groups, years))
    tails = np.empty((groups, years))
    log_rest = np.empty((groups, years))
    ratios = np.empty((groups, years))
    for c in range(chunk):
        # conditional default probabilities (and what the Binomial draws need of them) first:
        # these calls are independent of each other, so they overlap
        for g in range(groups):
            for t in range(years):
                x = (threshold[g] - loading[g] * z[c, t]) / idio[g]
                p = 0.5 * math.erfc(-x * _SQRT_HALF)
                pz[g, t] = p
                tail = 1.0 - p if p > 0.5 else p
                tails[g, t] = tail
                log_rest[g, t] = math.log1p(-tail)
                ratios[g, t] = tail / (1.0 - tail)
        total = 0
        for g in range(groups):
            uniform_from = group_uniform[g]
            for cell in range(group_cells[g], group_cells[g + 1]):
                live = cell_size[cell]
                head = cell_offset[cell]
                for t in range(cell_start[cell], cell_end[cell]):
                    p = pz[g, t]
                    if live == 0:
                        break
                    if p <= 0.0:
                        continue
                    if p >= 1.0:
                        d = live
                    else:
                        d, s0, s1, s2, s3 = _tail_binomial(
                            live,
                            tails[g, t],
                            log_rest[g, t],
                            ratios[g, t],
                            p > 0.5,
                            rng,
                            s0,
                            s1,
                            s2,
                            s3,
                        )
                    if d == 0:
                        continue
                    total += d
                    if cell >= uniform_from:
                        loan = order[head]
                        live -= d
                        for q in range(WIDTH):
                            due[c, t, q] += d * rows[loan, q]
                        continue
                    a0 = 0
                    a1 = 0
                    a2 = 0
                    a3 = 0
                    a4 = 0
                    a5 = 0
                    for _ in range(d):
                        # partial Fisher-Yates: a uniform pick among the cell's live loans,
                        # order[head : head + live], whatever their arrangement
                        u, s0, s1, s2, s3 = _uniform(s0, s1, s2, s3)
                        r = int(u * live)
                        if r >= live:
                            r = live - 1
                        loan = order[head + r]
                        order[head + r] = order[head]
                        order[head] = loan
                        head += 1
                        live -= 1
                        a0 += rows[loan, 0]
                        a1 += rows[loan, 1]
                        a2 += rows[loan, 2]
                        a3 += rows[loan, 3]
                        a4 += rows[loan, 4]
                        a5 += rows[loan, 5]
                    due[c, t, 0] += a0
                    due[c, t, 1] += a1
                    due[c, t, 2] += a2
                    due[c, t, 3] += a3
                    due[c, t, 4] += a4
                    due[c, t, 5] += a5
        defaults[c] = total
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


_draw = numba.njit(nogil=True, cache=True)(_draw_py)


def draw_cells(
    state: NDArray[np.uint64],
    rng: np.random.Generator,
    z: NDArray[np.float64],
    threshold: NDArray[np.float64],
    loading: NDArray[np.float64],
    idio: NDArray[np.float64],
    group_cells: NDArray[np.int64],
    group_uniform: NDArray[np.int64],
    cell_start: NDArray[np.int64],
    cell_end: NDArray[np.int64],
    cell_offset: NDArray[np.int64],
    cell_size: NDArray[np.int64],
    order: NDArray[np.int64],
    rows: NDArray[np.int64],
    due: NDArray[np.int64],
    defaults: NDArray[np.int64],
) -> None:
    """Draw one chunk of scenarios into `due` (C, Y, WIDTH, zeroed) and `defaults` (C,).

    Group g's loans default in year t with p = N((threshold_g - loading_g z_t) / idio_g). Its
    cells are group_cells[g] .. group_cells[g + 1] - 1, the uniform ones (all rows equal) from
    group_uniform[g] on; cell k holds the loans order[offset_k : offset_k + size_k], at risk in
    years [start_k, end_k). Each year Binomial(live, p) of a cell's live loans default: a
    uniform cell adds the count times its row; any other cell picks them uniformly among its
    live loans (a partial Fisher-Yates shuffle of its part of `order`, which stays a
    permutation of the cell: the picks are uniform whatever the arrangement earlier scenarios
    left). `state` (4 uint64, not all 0) is the xoshiro256** state, advanced in place.
    """
    _draw(
        state,
        rng,
        z,
        threshold,
        loading,
        idio,
        group_cells,
        group_uniform,
        cell_start,
        cell_end,
        cell_offset,
        cell_size,
        order,
        rows,
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
