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
    # the search tried far fewer points than the grid, each with its standard error
    assert len(found["evaluated"]) < len(grid)
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
