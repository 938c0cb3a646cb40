"""The fast engine's buckets: loans cut into groups that share a factor and years at risk,
and within a group into ranges of default thresholds chosen for cheap exact thinning.

Given the year's factors (Y, scale m), loan i defaults with p_i = N(m cb_i - Y ab_i), where
cb_i = F^-1(pd_i) / sqrt(1 - rho_i) and ab_i = sqrt(rho_i) / sqrt(1 - rho_i). For a bucket with
cb in [c_lo, c_hi] and ab in [a_lo, a_hi] (and m >= 0), p_hi = N(m c_hi - Y (a_hi if Y < 0 else
a_lo)) bounds every p_i from above and p_lo = N(m c_lo - Y (a_lo if Y < 0 else a_hi)) from
below. Thinning: Binomial(live, p_hi) candidates, a uniform subset of the live loans, each
kept with probability p_i / p_hi, makes every loan default independently with p_i: exact,
with no rounding of any pd. A bucket's cost is a Binomial draw a year plus one step per
candidate, so buckets are chosen (dynamic programming over threshold cells) to minimise
BUCKET_COST + (loans x highest pd) summed over buckets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from riskpool.book import LoanBook
from riskpool.factors import FactorModel

#: Cost of a bucket's yearly Binomial draw, in units of one candidate's cost.
BUCKET_COST = 2.0
#: Threshold cells a group is cut into before the buckets are chosen.
MAX_CELLS = 192
#: Distinct correlations a factor may have before they are binned (by quantile) into groups.
MAX_RHO_VALUES = 16


@dataclass(frozen=True, eq=False)
class BucketPlan:
    """What the compiled kernel needs (see `riskpool._kernel.draw_buckets`).

    Loans are numbered by slot: slot j is the book's loan `loan[j]`. Bucket b holds the slots
    order[offset_b : offset_b + size_b] (initially offset_b ..), all driven by factor factor_b
    and at risk in years [start_b, end_b); c_lo/c_hi and a_lo/a_hi bound their cb and ab;
    `pure` buckets have a single (cb, ab) (every candidate defaults). cb, ab and `rows`
    (years, slots, parties: the book's rows) are per slot.
    """

    factor: NDArray[np.int64]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    offset: NDArray[np.int64]
    size: NDArray[np.int64]
    c_lo: NDArray[np.float64]
    c_hi: NDArray[np.float64]
    a_lo: NDArray[np.float64]
    a_hi: NDArray[np.float64]
    pure: NDArray[np.bool_]
    cb: NDArray[np.float64]
    ab: NDArray[np.float64]
    order: NDArray[np.int64]
    loan: NDArray[np.int64]
    rows: NDArray[np.int64]

    @property
    def buckets(self) -> int:
        """Number of buckets."""
        return int(self.size.size)


def _rho_bins(factor: NDArray[np.int64], rho: NDArray[np.float64]) -> NDArray[np.int64]:
    """A correlation class per loan: the exact rho, or a quantile bin of a factor's many rhos."""
    out = np.zeros(rho.size, dtype=np.int64)
    for f in np.unique(factor).tolist():
        mine = factor == f
        values, inverse = np.unique(rho[mine], return_inverse=True)
        if values.size <= MAX_RHO_VALUES:
            out[mine] = inverse.ravel()
        else:
            edges = np.quantile(rho[mine], np.linspace(0, 1, MAX_RHO_VALUES + 1)[1:-1])
            out[mine] = np.searchsorted(edges, rho[mine], side="right")
    return out


def _choose_buckets(count: NDArray[np.int64], pd_max: NDArray[np.float64]) -> list[int]:
    """Split cells 0..G-1 (sorted) into runs minimising sum(BUCKET_COST + loans x max pd);
    returns the first cell of every run."""
    g = count.size
    cum = np.concatenate(([0], np.cumsum(count)))
    best = np.zeros(g + 1)
    cut = np.zeros(g + 1, dtype=np.int64)
    for j in range(1, g + 1):
        highest = np.maximum.accumulate(pd_max[j - 1 :: -1])[::-1]  # max over cells i..j-1
        cost = best[:j] + BUCKET_COST + (cum[j] - cum[:j]) * highest
        i = int(np.argmin(cost))
        best[j] = cost[i]
        cut[j] = i
    starts: list[int] = []
    j = g
    while j > 0:
        starts.append(int(cut[j]))
        j = int(cut[j])
    return starts[::-1]


def plan_buckets(book: LoanBook, model: FactorModel, *, width: int) -> BucketPlan:
    """Cut `book` into buckets for `model` (loans with pd 0 never default and are left out)."""
    n_parties = book.rows.shape[2]
    if n_parties > width:
        raise ValueError(f"at most {width} parties are supported, got {n_parties}")
    factor = model.factor_of(book.sector)
    idio = np.sqrt(1.0 - book.rho)
    with np.errstate(divide="ignore"):
        cb = model.threshold(book.pd) / idio
    ab = np.sqrt(book.rho) / idio
    rho_bin = _rho_bins(factor, book.rho)
    at_risk = (book.pd > 0) & (book.end > book.start)
    candidates = np.flatnonzero(at_risk)
    # groups by (factor, start, end, rho class), loans by threshold within a group
    sort = np.lexsort(
        (
            cb[candidates],
            rho_bin[candidates],
            book.end[candidates],
            book.start[candidates],
            factor[candidates],
        )
    )
    order = candidates[sort]
    keys = np.stack([factor[order], book.start[order], book.end[order], rho_bin[order]])
    new_group = np.ones(order.size, dtype=bool)
    new_group[1:] = (keys[:, 1:] != keys[:, :-1]).any(axis=0)
    group_start = np.flatnonzero(new_group)
    group_end = np.append(group_start[1:], order.size)
    firsts: list[int] = []
    for lo, hi in zip(group_start.tolist(), group_end.tolist(), strict=True):
        firsts.extend(_group_buckets(cb[order[lo:hi]], book.pd[order[lo:hi]], lo))
    offset = np.array(firsts, dtype=np.int64)
    size = np.diff(np.append(offset, order.size)).astype(np.int64)
    loans_cb = cb[order]
    loans_ab = ab[order]
    c_lo = np.minimum.reduceat(loans_cb, offset) if offset.size else np.zeros(0)
    c_hi = np.maximum.reduceat(loans_cb, offset) if offset.size else np.zeros(0)
    a_lo = np.minimum.reduceat(loans_ab, offset) if offset.size else np.zeros(0)
    a_hi = np.maximum.reduceat(loans_ab, offset) if offset.size else np.zeros(0)
    # loans are renumbered by their slot in the bucket order: a bucket's rows in a year are
    # one contiguous block, so the random picks stay within a few cache-resident kilobytes
    rows = np.ascontiguousarray(book.rows[:, order, :])
    first = order[offset] if offset.size else np.zeros(0, dtype=np.int64)
    return BucketPlan(
        factor=factor[first].astype(np.int64),
        start=book.start[first].astype(np.int64),
        end=book.end[first].astype(np.int64),
        offset=offset,
        size=size,
        c_lo=c_lo,
        c_hi=c_hi,
        a_lo=a_lo,
        a_hi=a_hi,
        pure=(c_lo == c_hi) & (a_lo == a_hi),
        cb=np.ascontiguousarray(loans_cb),
        ab=np.ascontiguousarray(loans_ab),
        order=np.arange(order.size, dtype=np.int64),
        loan=np.ascontiguousarray(order, dtype=np.int64),
        rows=rows,
    )


def _group_buckets(cb: NDArray[np.float64], pd: NDArray[np.float64], base: int) -> list[int]:
    """First positions (offset by `base`) of the buckets of one group sorted by cb."""
    n = cb.size
    values, first, count = np.unique(cb, return_index=True, return_counts=True)
    if values.size == 1:
        return [base]
    if values.size > MAX_CELLS:
        # cells of about equal loan counts, cut only between distinct thresholds
        wanted = np.linspace(0, n, MAX_CELLS + 1)[1:-1].astype(np.int64)
        cuts = np.unique(first[np.searchsorted(first, wanted, side="right") - 1])
        first = np.unique(np.concatenate(([0], cuts)))
        count = np.diff(np.append(first, n))
    pd_max = np.maximum.reduceat(pd, first)
    runs = _choose_buckets(count.astype(np.int64), pd_max)
    return [base + int(first[i]) for i in runs]
