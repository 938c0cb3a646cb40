"""Vectorised loan splits equal Scheme.split row by row, for every preset."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from riskpool import Scheme, list_presets
from riskpool.splits import _vector_rows, scalar_rows, split_rows


@pytest.mark.parametrize("name", list_presets())
def test_vector_split_equals_scheme_split(name: str) -> None:
    scheme = Scheme.preset(name)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    m = 4_000
    edges = [t.up_to for t in scheme.tiers] + [t.above + 1 for t in scheme.tiers]
    if scheme.max_loan_size is not None:
        edges += [scheme.max_loan_size, scheme.max_loan_size + 1]
    principal = np.concatenate(
        [rng.integers(1, 5 * 10**9, m - 2 * len(edges) - 2), edges, edges, [1, 10**11]]
    ).astype(np.int64)
    loss = np.floor(principal * rng.uniform(0, 1, principal.size)).astype(np.int64)
    loss[:7] = [0, 1, 2, 3, 9_999, 10_001, 99_999]
    ip = rng.random(principal.size) < 0.6
    expected = scalar_rows(scheme, loss, principal, ip)
    assert np.array_equal(_vector_rows(scheme, loss, principal, ip), expected)
    assert np.array_equal(split_rows(scheme, loss, principal, ip), expected)
    enrolled = principal <= (scheme.max_loan_size or principal.max())
    assert np.array_equal(expected.sum(axis=1), loss)  # shares add up to the loss exactly
    assert (expected[enrolled] >= 0).all()


def test_payout_cap_goes_to_the_fallback_party() -> None:
    scheme = Scheme.preset("zhongshan-2021").new_version(pool_payout_cap_per_loan=1_000)
    loss = np.array([10_000, 1_000, 100], dtype=np.int64)
    rows = split_rows(scheme, loss, np.full(3, 50_000), np.ones(3, dtype=bool))
    pool = scheme.parties.index("pool")
    assert rows[:, pool].max() <= 1_000
    for i in range(3):
        split = scheme.split(int(loss[i]), loan_principal=50_000, pool_balance=None)
        assert rows[i].tolist() == [split[p] for p in scheme.parties]
