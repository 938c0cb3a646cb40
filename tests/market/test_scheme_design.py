"""Comparing and designing schemes on common random numbers: the designer's binary search
finds what a brute-force grid finds, and compared schemes see the same defaults."""

from __future__ import annotations

from dataclasses import replace

import pytest

from market.services import forecast_engine, scheme_design
from market.services.forecast_engine import ForecastParams
from market.services.scheme_design import DesignGoal
from riskpool import Scheme

# 120 loans of 0.5m-1.6m CNY, 3 years left, grades BBB/BB: a small case
ROWS = [
    [i, (50 + (i % 12) * 10) * 1_000_000, ("BBB", "BB")[i % 2], 36, 1, i, ""] for i in range(120)
]
PARAMS = ForecastParams(scenarios=2000, years=3, pd_bp={"BBB": 300, "BB": 600}, recovery_bp=0)
SEED = 2026
SCHEME = Scheme.preset("zhongshan-2021")


def _p_dry(scheme: Scheme, balance: int, years: int) -> float:
    book = forecast_engine.portfolio(ROWS, PARAMS)
    run = forecast_engine.run(
        book, scheme, replace(PARAMS, years=years), seed=SEED, pool_balance=balance
    )
    return run.depletion_probability


@pytest.mark.parametrize(
    ("what", "lo", "hi", "step"),
    [
        ("pool", 0, 20_000_000_00, 1_000_000_00),  # 0 to 20m CNY in 1m steps
        ("leverage", 100, 4000, 100),  # 1x to 40x
        ("share", 1000, 9000, 500),  # pool share 10% to 90% (80% at most: 54 + 26)
    ],
)
def test_designer_matches_a_brute_force_grid(what: str, lo: int, hi: int, step: int) -> None:
    goal = DesignGoal(what=what, target_bp=1000, within_years=2, lo=lo, hi=hi, step=step)
    book = forecast_engine.portfolio(ROWS, PARAMS)
    balance = 6_000_000_00
    found = scheme_design.design(book, SCHEME, PARAMS, goal, seed=SEED, pool_balance=balance)
    grid = []
    for value in [v for v in goal.grid if what != "share" or v <= 8000]:
        if what == "pool":
            p = _p_dry(SCHEME, value, 2)
        elif what == "leverage":
            p = _p_dry(SCHEME, book.total_principal * 100 // value, 2)
        else:
            p = _p_dry(scheme_design.with_pool_share(SCHEME, value), balance, 2)
        grid.append((value, p))
    ok = [v for v, p in grid if p <= 0.10]
    expected = (min(ok) if what == "pool" else max(ok)) if ok else None
    assert found["answer"] == expected
    assert expected is not None and expected not in (lo, hi)  # the case really searches
    if what == "share":  # no monotonicity assumed: every share from the top down to the answer
        assert found["method"] == "scan"
        assert [v for v, _p, _se in found["evaluated"]] == [v for v, _p in grid if v >= expected]
    else:  # bisection: far fewer points than the grid
        assert found["method"] == "bisection" and len(found["evaluated"]) < len(grid)
    for value, p, se in found["evaluated"]:
        assert p == dict(grid)[value] and se >= 0
    # P(dry) falls with the pool's size (exactly, under common random numbers)
    if what == "pool":
        ps = [p for _v, p in grid]
        assert ps == sorted(ps, reverse=True)


def test_compared_schemes_share_their_random_numbers() -> None:
    book = forecast_engine.portfolio(ROWS, PARAMS)
    other = Scheme.preset("quanzhou-2023")
    out = scheme_design.compare(
        book, [SCHEME, other, SCHEME], ["a", "b", "a again"], PARAMS, seed=SEED,
        pool_balance=5_000_000_00,
    )  # fmt: skip
    a, b, again = (s["summary"] for s in out["schemes"])
    assert a == again  # same scheme, same numbers
    # different splits of the same defaults: the same total loss, scenario by scenario
    assert a["loss"] == b["loss"] and a["mean_defaults"] == b["mean_defaults"]
    assert a["parties"] != b["parties"]


def test_pool_share_edit_keeps_the_shares_whole() -> None:
    edited = scheme_design.with_pool_share(SCHEME, 6000)
    assert edited.shares["pool"] == 6000 and sum(edited.shares.values()) == 10_000
    with pytest.raises(ValueError):
        scheme_design.with_pool_share(SCHEME, 9500)  # the bank's 26% cannot give 41 points
    with pytest.raises(ValueError):
        scheme_design.with_pool_share(Scheme.preset("guangzhou-2025"), 3000)  # size tiers


def test_goal_errors_name_the_field() -> None:
    bad = DesignGoal(what="pool", target_bp=0, within_years=5, lo=10, hi=5, step=1)
    assert set(bad.errors(3)) == {"target", "within_years", "lo"}


def test_search_without_monotonicity_matches_brute_force() -> None:
    # A made-up P(run dry) that rises, falls and rises again over the grid 0..10: the values
    # meeting a 10% target are 0, 1, 3 and 8 (worked by hand), so the largest is 8 and the
    # smallest of a falling search is 0.
    table = [0.01, 0.02, 0.30, 0.05, 0.40, 0.50, 0.50, 0.60, 0.09, 0.70, 0.80]
    grid = list(range(11))

    def evaluate(v: int) -> tuple[float, float]:
        return table[v], 0.0

    largest = scheme_design.search(grid, evaluate, 0.10, increasing=True, monotone=False)
    assert largest["answer"] == 8 and largest["method"] == "scan"
    assert [v for v, _p, _se in largest["evaluated"]] == [8, 9, 10]  # stopped at the answer
    smallest = scheme_design.search(grid, evaluate, 0.10, increasing=False, monotone=False)
    assert smallest["answer"] == 0
    # bisection, which assumes monotonicity, is misled on this grid (why the designer scans):
    # 5 fails, 2 fails, 0 and 1 pass: it answers 1
    assert scheme_design.search(grid, evaluate, 0.10, increasing=True)["answer"] == 1
    never = scheme_design.search(grid, lambda v: (0.5, 0.0), 0.10, increasing=True, monotone=False)
    assert never["answer"] is None and len(never["evaluated"]) == len(grid)
