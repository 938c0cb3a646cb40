"""Loan-level loss splits for many loans at once, equal to `Scheme.split` row by row.

The simulator needs every loan's split for every year it may default in (hundreds of thousands
of splits for a large book). `split_rows` computes them with numpy: the eligible-loss cap, the
effective shares of each loan (`Scheme.shares_for`), the largest-remainder allocation with the
fixed party order, and the pool's per-loan payout cap, exactly as `riskpool.waterfall.split`
does with no pool balance and no budget limit (those apply later, per scenario). It only does
so for the scheme fields it knows and checks a sample of rows against `Scheme.split`; any
other scheme is split loan by loan with `Scheme.split` itself.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
from numpy.typing import NDArray

from riskpool.parties import party_rank
from riskpool.scheme import Scheme

#: Scheme fields whose effect on a single loan's split `split_rows` reproduces with no claim
#: context (the whole loan IP-backed, no relending, first business year, no other loans of the
#: borrower this year), or that do not affect a split. A scheme that sets any other field away
#: from its default is split with `Scheme.split` loan by loan.
KNOWN_FIELDS = frozenset(
    {
        "name",
        "shares",
        "version",
        "source",
        "superseded_by",
        "tiers",
        "ip_pledge_bonus_bp",
        "relending_bonus_bp",
        "max_pool_share_bp",
        "remainder_party",
        "ip_part_only",
        "covered_principal_cap_per_loan",
        "borrower_covered_cap_per_year",
        "eligible_loss_cap_per_loan",
        "pool_payout_cap_per_loan",
        "pool_payout_cap_after_first_year",
        "per_borrower_annual_cap",
        "max_borrower_balance",
        "annual_budget_cap",
        "max_loan_size",
        "pool_size",
        "leverage",
        "recovery_rule",
        "suspension_npl_bp",
        "suspension_effect",
        "claim_deadline_days",
        "claim_deadline_working_days",
        "claim_deadline_trigger",
        "interest_subsidy_bp",
        "interest_subsidy_cap_per_year",
        "insurance_premium_bp",
        "premium_subsidy_bp_by_year",
        "fallback_party",
        "notes",
    }
)
#: Rows checked against `Scheme.split` after a vectorised split.
CHECKED_ROWS = 64


def scalar_rows(
    scheme: Scheme, loss: NDArray[np.int64], principal: NDArray[np.int64], ip: NDArray[np.bool_]
) -> NDArray[np.int64]:
    """Rows (m, parties) with `Scheme.split` per loan (loans above max_loan_size: all bank)."""
    parties = scheme.parties
    bank = parties.index("bank")
    rows = np.zeros((loss.size, len(parties)), dtype=np.int64)
    cache: dict[tuple[int, int, bool], tuple[int, ...]] = {}
    max_size = scheme.max_loan_size
    for i, (ls, pr, ipl) in enumerate(
        zip(loss.tolist(), principal.tolist(), ip.tolist(), strict=True)
    ):
        if max_size is not None and pr > max_size:
            rows[i, bank] = ls  # too large to be enrolled: the bank keeps the whole loss
            continue
        key = (ls, pr, ipl)
        row = cache.get(key)
        if row is None:
            result = scheme.split(ls, loan_principal=pr, pool_balance=None, ip_pledge=ipl)
            row = tuple(result[p] for p in parties)
            cache[key] = row
        rows[i] = row
    return rows


def _vector_rows(
    scheme: Scheme, loss: NDArray[np.int64], principal: NDArray[np.int64], ip: NDArray[np.bool_]
) -> NDArray[np.int64]:
    parties = scheme.parties
    width = len(parties)
    # effective shares (bp) per distinct (principal, ip)
    keys, inverse = np.unique(
        np.stack([principal, ip.astype(np.int64)]), axis=1, return_inverse=True
    )
    table = np.array(
        [
            [scheme.shares_for(int(p), ip_pledge=bool(b)).get(q, 0) for q in parties]
            for p, b in keys.T.tolist()
        ],
        dtype=np.int64,
    ).reshape(-1, width)
    weights = table[inverse.ravel()]
    denominator = weights.sum(axis=1)
    # only the covered part of a loan counts: loss x covered / principal, down to the fen
    covered = principal.copy()
    for limit in (scheme.covered_principal_cap_per_loan, scheme.borrower_covered_cap_per_year):
        if limit is not None:
            covered = np.minimum(covered, limit)
    partial = covered < principal
    # loss x covered fits in int64 below 2^62; beyond, Python's exact integers
    huge = partial & (loss > (1 << 62) // np.maximum(covered, 1))
    scaled = np.where(huge, 0, loss) * covered // principal
    eligible = np.where(partial, scaled, loss)
    for i in np.flatnonzero(huge).tolist():
        eligible[i] = int(loss[i]) * int(covered[i]) // int(principal[i])
    cap = scheme.eligible_loss_cap_per_loan
    if cap is not None:
        eligible = np.minimum(eligible, cap)
    product = eligible[:, None] * weights
    rows = product // denominator[:, None]
    remainder = product % denominator[:, None]
    left = eligible - rows.sum(axis=1)
    # largest remainder first; equal remainders to the party earlier in PARTY_ORDER
    rank = np.array([party_rank(q) for q in parties], dtype=np.int64)
    key = remainder * 16 + (15 - rank)[None, :]
    order = np.argsort(-key, axis=1, kind="stable")
    place = np.empty_like(order)
    np.put_along_axis(place, order, np.arange(width)[None, :].repeat(loss.size, 0), axis=1)
    rows += place < left[:, None]
    bank = parties.index("bank")
    rows[:, bank] += loss - eligible
    if "pool" in parties and scheme.pool_payout_cap_per_loan is not None:
        pool = parties.index("pool")
        moved = np.maximum(rows[:, pool] - scheme.pool_payout_cap_per_loan, 0)
        rows[:, pool] -= moved
        rows[:, parties.index(scheme.fallback_party)] += moved
    if scheme.max_loan_size is not None:
        big = principal > scheme.max_loan_size
        rows[big] = 0
        rows[big, bank] = loss[big]
    out: NDArray[np.int64] = rows
    return out


def split_rows(
    scheme: Scheme, loss: NDArray[np.int64], principal: NDArray[np.int64], ip: NDArray[np.bool_]
) -> NDArray[np.int64]:
    """Each loan's loss split by party (m, len(scheme.parties)), int64 fen, as `Scheme.split`
    gives it with no balance or budget limit; loans above max_loan_size stay with the bank."""
    loss = np.asarray(loss, dtype=np.int64)
    principal = np.asarray(principal, dtype=np.int64)
    ip = np.asarray(ip, dtype=np.bool_)
    if loss.size == 0:
        return np.zeros((0, len(scheme.parties)), dtype=np.int64)
    unknown = [f for f in fields(scheme) if f.init and f.name not in KNOWN_FIELDS]
    if any(getattr(scheme, f.name) != f.default for f in unknown):
        return scalar_rows(scheme, loss, principal, ip)
    rows = _vector_rows(scheme, loss, principal, ip)
    # a sample (the largest losses and evenly spaced rows) checked against Scheme.split
    sample = np.unique(
        np.concatenate(
            [
                np.argsort(loss)[-CHECKED_ROWS // 2 :],
                np.linspace(0, loss.size - 1, CHECKED_ROWS // 2).astype(np.int64),
            ]
        )
    )
    if not np.array_equal(
        rows[sample], scalar_rows(scheme, loss[sample], principal[sample], ip[sample])
    ):
        return scalar_rows(scheme, loss, principal, ip)
    return rows
