"""The simulated loan book: every cohort's loans, their per-party splits and risk buckets."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from riskpool.portfolio import Portfolio
from riskpool.scheme import Scheme


@dataclass(frozen=True, eq=False)
class LoanBook:
    """All loans of a simulation (the portfolio plus yearly growth cohorts), sorted by bucket.

    `rows[i]` is loan i's loss split by party (int64 fen, columns `parties`) computed once with
    `Scheme.split` and no aggregate limit; a loan is at risk in years [start, end). Loans in
    one bucket share pd, rho, start and end, so their default counts are exchangeable.
    """

    parties: tuple[str, ...]
    rows: NDArray[np.int64]
    loss: NDArray[np.int64]
    pd: NDArray[np.float64]
    rho: NDArray[np.float64]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    bucket_offset: NDArray[np.int64]
    bucket_size: NDArray[np.int64]
    bucket_pd: NDArray[np.float64]
    bucket_rho: NDArray[np.float64]
    bucket_start: NDArray[np.int64]
    bucket_end: NDArray[np.int64]
    new_principal: NDArray[np.int64]

    @property
    def size(self) -> int:
        """Number of loans over all cohorts."""
        return int(self.loss.size)

    @property
    def buckets(self) -> int:
        """Number of homogeneous buckets."""
        return int(self.bucket_size.size)


def _split_rows(
    scheme: Scheme, loss: NDArray[np.int64], principal: NDArray[np.int64], ip: NDArray[np.bool_]
) -> NDArray[np.int64]:
    parties = scheme.parties
    bank = parties.index("bank")
    rows = np.zeros((loss.size, len(parties)), dtype=np.int64)
    cache: dict[tuple[int, int, bool], tuple[int, ...]] = {}
    max_size = scheme.max_loan_size
    for i, (ls, pr, ipl) in enumerate(
        zip(loss.tolist(), principal.tolist(), ip.tolist(), strict=True)
    ):
        if max_size is not None and pr > max_size:
            # too large to be enrolled: the bank keeps the whole loss
            rows[i, bank] = ls
            continue
        key = (ls, pr, ipl)
        row = cache.get(key)
        if row is None:
            result = scheme.split(ls, loan_principal=pr, pool_balance=None, ip_pledge=ipl)
            row = tuple(result[p] for p in parties)
            cache[key] = row
        rows[i] = row
    return rows


def build_book(portfolio: Portfolio, scheme: Scheme, *, years: int, growth: float) -> LoanBook:
    """Expand a portfolio into a LoanBook over `years` with new cohorts growing at `growth`.

    The cohort originated at the start of year t >= 1 holds round(n x growth x (1 + growth)^(t-1))
    new loans like the existing ones: a systematic sample of the portfolio (loans at evenly
    spaced positions, repeated if the cohort is larger than the portfolio), so the book's loan
    count, and about its principal, grow by `growth` a year while loan sizes, grades and
    per-loan caps stay realistic. A loan is at risk for ceil(term) whole years from its
    origination (the annual pd applies in each of them).
    """
    if years < 1:
        raise ValueError("years must be at least 1")
    if not math.isfinite(growth) or growth < 0:
        raise ValueError("growth must be a finite rate >= 0")
    n = len(portfolio)
    cohorts = [(0, portfolio)]
    for t in range(1, years if growth > 0 else 1):
        count = round(n * growth * (1 + growth) ** (t - 1))
        if count > 0:
            picks = (np.arange(count) * n) // count if count <= n else np.arange(count) % n
            cohorts.append((t, portfolio.subset(picks)))
    parts: list[tuple[NDArray[np.int64], ...]] = []
    floats: list[tuple[NDArray[np.float64], NDArray[np.float64]]] = []
    new_principal = np.zeros(years, dtype=np.int64)
    for t, book in cohorts:
        loss = book.loss_given_default
        rows = _split_rows(scheme, loss, book.principal, book.ip_pledge)
        start = np.full(len(book), t, dtype=np.int64)
        end = np.minimum(start + np.ceil(book.term - 1e-9).astype(np.int64), years)
        parts.append((rows, loss, start, end))
        floats.append((book.pd, book.rho))
        new_principal[t] = book.total_principal
    pd = np.concatenate([f[0] for f in floats])
    rho = np.concatenate([f[1] for f in floats])
    start = np.concatenate([p[2] for p in parts])
    end = np.concatenate([p[3] for p in parts])
    order = np.lexsort((end, start, rho, pd))
    rows = np.concatenate([p[0] for p in parts])[order]
    loss = np.concatenate([p[1] for p in parts])[order]
    pd, rho, start, end = pd[order], rho[order], start[order], end[order]
    n = loss.size
    change = np.ones(n, dtype=bool)
    change[1:] = (
        (pd[1:] != pd[:-1])
        | (rho[1:] != rho[:-1])
        | (start[1:] != start[:-1])
        | (end[1:] != end[:-1])
    )
    offset = np.flatnonzero(change).astype(np.int64)
    size = np.diff(np.append(offset, n)).astype(np.int64)
    for arr in (rows, loss, pd, rho, start, end):
        arr.setflags(write=False)
    return LoanBook(
        parties=scheme.parties,
        rows=rows,
        loss=loss,
        pd=pd,
        rho=rho,
        start=start,
        end=end,
        bucket_offset=offset,
        bucket_size=size,
        bucket_pd=pd[offset],
        bucket_rho=rho[offset],
        bucket_start=start[offset],
        bucket_end=end[offset],
        new_principal=new_principal,
    )
