"""Comparing schemes and designing one, on common random numbers (CRN).

Every run uses the same seed and chunk size, so the factor draws and defaults are the same
across the runs: differences between schemes are the schemes', not Monte Carlo noise. The
pool's starting balance does not enter the draws, and a larger balance never runs dry where a
smaller one did, so P(run dry) is exactly monotone in the balance (and in the leverage, which
sets it); a binary search over a grid of candidates then finds the same answer as trying every
grid point. For the pool's share nothing guarantees that (the splits' rounding and caps, the
annual budget and the recoveries all depend on it), so the designer does not assume it: it
tries the shares from the largest down and stops at the first that meets the target, which is
the largest such grid value whatever the shape of P(run dry).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from market.domain.messages import N_
from market.services import forecast_engine
from market.services.forecast_engine import ForecastParams, Progress
from riskpool import Portfolio, Scheme

WHATS = ("leverage", "pool", "share")
Z95 = 1.959964


def _scaled(progress: Progress | None, part: int, parts: int, total: int) -> Progress | None:
    if progress is None:
        return None
    reported = progress

    def inner(done: int, _of: int) -> None:
        reported((part * total + done) // parts, total)

    return inner


def compare(
    book: Portfolio,
    schemes: list[Scheme],
    labels: list[str],
    params: ForecastParams,
    *,
    seed: int,
    pool_balance: int,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Each scheme on the same portfolio and the same random numbers, side by side."""
    out = []
    for k, scheme in enumerate(schemes):
        result = forecast_engine.run(
            book, scheme, params, seed=seed, pool_balance=pool_balance,
            progress=_scaled(progress, k, len(schemes), params.scenarios),
        )  # fmt: skip
        out.append({"label": labels[k], "summary": forecast_engine.summary(result)})
    return {"schemes": out}


@dataclass(frozen=True)
class DesignGoal:
    """The designer's question: the most `what` (leverage x100, pool fen as its smallest,
    pool share bp) keeping P(run dry within `within_years`) <= target_bp, searched over the
    grid lo, lo + step, ..., hi."""

    what: str
    target_bp: int
    within_years: int
    lo: int
    hi: int
    step: int

    def errors(self, years_max: int) -> dict[str, str]:
        """Field -> English message for each value out of range."""
        out: dict[str, str] = {}
        if self.what not in WHATS:
            out["what"] = N_("Choose what to search for.")
        if not 1 <= self.target_bp <= 5_000:
            out["target"] = N_("Enter a target probability between 0.01 and 50 per cent.")
        if not 1 <= self.within_years <= years_max:
            out["within_years"] = N_("Enter a number of years between 1 and the horizon.")
        if self.step <= 0 or self.lo < 0 or self.hi < self.lo:
            out["lo"] = N_("Enter a range from low to high with a positive step.")
        elif (self.hi - self.lo) // self.step > 400:
            out["step"] = N_("Use a coarser step: at most 400 grid points.")
        if self.what == "share" and self.hi > 10_000:
            out["hi"] = N_("A share cannot exceed 100 per cent.")
        if self.what == "leverage" and self.lo <= 0:
            out["lo"] = N_("A leverage must be above zero.")
        return out

    @property
    def grid(self) -> list[int]:
        """The candidates, low to high."""
        return list(range(self.lo, self.hi + 1, self.step))

    def to_dict(self) -> dict[str, Any]:
        """As stored with the job."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DesignGoal:
        """From a stored job."""
        return cls(**data)


def with_pool_share(scheme: Scheme, share_bp: int) -> Scheme:
    """The scheme with the pool's share set to `share_bp`, the remainder party taking the
    difference (a scheme with size tiers is refused: edit a draft instead)."""
    if scheme.tiers:
        raise ValueError("the scheme sets the pool's share by loan size; edit a draft instead")
    shares = dict(scheme.shares)
    if "pool" not in shares:
        raise ValueError("the scheme has no pool")
    other = scheme.remainder_party
    diff = share_bp - shares["pool"]
    if shares.get(other, 0) - diff < 0:
        raise ValueError(f"the {other}'s share cannot go below zero")
    shares["pool"] = share_bp
    shares[other] = shares.get(other, 0) - diff
    return Scheme.from_dict({**scheme.to_dict(), "shares": shares})


Evaluate = Callable[[int], tuple[float, float]]


def search(
    grid: list[int],
    evaluate: Evaluate,
    target: float,
    *,
    increasing: bool,
    monotone: bool = True,
) -> dict[str, Any]:
    """The most favourable grid value with P(dry) <= target: the largest if P grows with the
    value (`increasing`), else the smallest. With `monotone` (P provably monotone on the
    grid) by binary search; otherwise by trying the values from the favourable end until one
    meets the target (exact whatever P's shape; every value past the answer is tried).

    Returns the answer, the method, every value evaluated with P and its standard error, and
    the grid values whose P lies within 1.96 standard errors of the target (the answer's Monte
    Carlo uncertainty)."""
    seen: dict[int, tuple[float, float]] = {}

    def ok(i: int) -> bool:
        if grid[i] not in seen:
            seen[grid[i]] = evaluate(grid[i])
        return seen[grid[i]][0] <= target

    lo, hi = 0, len(grid) - 1
    answer: int | None = None
    if not monotone:
        order = range(hi, -1, -1) if increasing else range(len(grid))
        answer = next((i for i in order if ok(i)), None)
    elif increasing:  # largest i with ok(i); ok holds on a prefix
        while lo <= hi:
            mid = (lo + hi) // 2
            if ok(mid):
                answer, lo = mid, mid + 1
            else:
                hi = mid - 1
    else:  # smallest i with ok(i); ok holds on a suffix
        while lo <= hi:
            mid = (lo + hi) // 2
            if ok(mid):
                answer, hi = mid, mid - 1
            else:
                lo = mid + 1
    near = sorted(v for v, (p, se) in seen.items() if abs(p - target) <= Z95 * max(se, 1e-12))
    return {
        "answer": None if answer is None else grid[answer],
        "method": "bisection" if monotone else "scan",
        "evaluated": sorted([v, p, se] for v, (p, se) in seen.items()),
        "uncertain": [near[0], near[-1]] if near else [],
    }


def design(
    book: Portfolio,
    scheme: Scheme,
    params: ForecastParams,
    goal: DesignGoal,
    *,
    seed: int,
    pool_balance: int,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Answer the designer's question by binary search over CRN simulations."""
    run_params = replace(params, years=goal.within_years)
    principal = book.total_principal
    grid = goal.grid
    if goal.what == "share":  # the remainder party can give up at most its own share
        most = scheme.shares.get("pool", 0) + scheme.shares.get(scheme.remainder_party, 0)
        grid = [v for v in grid if v <= most] or [min(goal.lo, most)]
    monotone = goal.what != "share"  # see the module's docstring
    steps = max(1, math.ceil(math.log2(len(grid) + 1))) if monotone else len(grid)
    calls = [0]

    def evaluate(value: int) -> tuple[float, float]:
        chosen, balance = scheme, pool_balance
        if goal.what == "leverage":
            balance = principal * 100 // value
        elif goal.what == "pool":
            balance = value
        else:
            chosen = with_pool_share(scheme, value)
        result = forecast_engine.run(
            book, chosen, run_params, seed=seed, pool_balance=balance,
            progress=_scaled(progress, min(calls[0], steps - 1), steps, params.scenarios),
        )  # fmt: skip
        calls[0] += 1
        p = result.depletion_probability
        return p, math.sqrt(p * (1 - p) / result.scenarios)

    # P(dry) grows with the leverage and the share, falls with the pool's size
    found = search(
        grid, evaluate, goal.target_bp / 10_000, increasing=goal.what != "pool", monotone=monotone
    )
    found.update(goal.to_dict())
    found["principal"] = principal
    found["scenarios"] = params.scenarios
    return found
