"""Benchmark of riskpool.simulate: speed, memory and accuracy (prints figures, not a test).

Run: .venv/bin/python bench/riskpool.py [--scenarios N]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import ndtri

# this file is itself called riskpool.py: keep its folder off the path so that
# `import riskpool` finds the package (the repository root), not this script
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from riskpool import Portfolio, Scheme, simulate  # noqa: E402
from riskpool.analytic import grade_loss_distribution  # noqa: E402
from riskpool.book import build_book  # noqa: E402
from riskpool.reference import simulate_reference  # noqa: E402

N_LOANS = 10_000
GRADES = 20
RHO = 0.15
PDS = np.geomspace(0.0005, 0.10, GRADES)  # rating grades from 0.05% to 10% a year
MILLION = 1_000_000 * 100  # fen in 1m CNY
POOL = 4_000 * MILLION  # a 4bn CNY pool: the ~30bn CNY book is within Zhongshan's 10 x leverage


def mixed_portfolio(seed: int = 1) -> Portfolio:
    """10,000 loans in 20 grades, principals log-normal around 3m CNY (0.1m .. 30m)."""
    rng = np.random.default_rng(seed)
    grade = np.arange(N_LOANS) % GRADES
    principal = np.clip(
        rng.lognormal(np.log(3 * MILLION), 0.8, N_LOANS), 0.1 * MILLION, 30 * MILLION
    )
    return Portfolio(
        principal=principal.astype(np.int64),
        pd=PDS[grade],
        lgd=rng.choice([0.4, 0.6, 0.8], N_LOANS),
        rho=RHO,
        term=rng.choice([1, 2, 3], N_LOANS),
        ip_pledge=rng.random(N_LOANS) < 0.8,
    )


def homogeneous_portfolio() -> tuple[Portfolio, list[int]]:
    """Same grades, but every loan of grade g lends units[g] x 1m CNY with LGD 1."""
    units = [1 + g % 5 for g in range(GRADES)]
    grade = np.arange(N_LOANS) % GRADES
    principal = np.array(units)[grade] * MILLION
    return Portfolio(principal=principal, pd=PDS[grade], lgd=1.0, rho=RHO), units


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"  {label:<58} {seconds:8.2f} s", flush=True)
    return out, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenarios", type=int, default=1_000_000)
    parser.add_argument("--reference-scenarios", type=int, default=2_000)
    args = parser.parse_args()
    n = args.scenarios
    scheme = Scheme.preset("zhongshan-2021")
    print(
        f"riskpool benchmark: {N_LOANS:,} loans, {GRADES} grades (pd {PDS[0]:.2%}..{PDS[-1]:.0%},"
        f" rho {RHO}), scheme {scheme.name}, {os.cpu_count()} cores"
    )
    portfolio = mixed_portfolio()
    print(
        f"  mean pd {portfolio.pd.mean():.2%}: about {portfolio.pd.sum():.0f} defaults a scenario"
    )

    print("\n1. Speed, one year, mixed principals")
    simulate(portfolio, scheme, scenarios=10_000, seed=0)  # warm-up (imports, page faults)
    fast, fast_s = timed(
        f"fast engine, {n:,} scenarios",
        simulate,
        portfolio,
        scheme,
        scenarios=n,
        seed=1,
        pool_balance=POOL,
    )
    ref, ref_s = timed(
        f"reference engine, {args.reference_scenarios:,} scenarios",
        simulate_reference,
        portfolio,
        scheme,
        scenarios=args.reference_scenarios,
        seed=2,
        pool_balance=POOL,
    )
    _, setup_s = timed(
        "book set-up alone (in both timings above)",
        build_book,
        portfolio,
        scheme,
        years=1,
        growth=0.0,
    )
    per_fast = fast_s / n
    per_ref = ref_s / args.reference_scenarios
    print(
        f"  per scenario: fast {per_fast * 1e6:.2f} us, reference {per_ref * 1e6:.0f} us "
        f"-> speed ratio {per_ref / per_fast:,.0f}x (reference timed on fewer scenarios)"
    )
    marginal_fast = max(fast_s - setup_s, 1e-9) / n
    marginal_ref = max(ref_s - setup_s, 1e-9) / args.reference_scenarios
    print(
        f"  without the set-up: fast {marginal_fast * 1e6:.2f} us, reference "
        f"{marginal_ref * 1e6:.0f} us a scenario -> {marginal_ref / marginal_fast:,.0f}x"
    )
    print(
        f"  mean loss fast {fast.mean_loss() / 100:,.0f} CNY vs reference "
        f"{ref.mean_loss() / 100:,.0f} CNY (+- {2 * ref.mean_loss_se() / 100:,.0f})"
    )
    print(
        f"  99.9% loss quantile {fast.loss_quantile(0.999) / 100:,.0f} CNY, "
        f"ES99.9 {fast.expected_shortfall(0.999) / 100:,.0f} CNY, "
        f"depletion probability {fast.depletion_probability:.3%}"
    )
    print(f"  peak memory (max RSS) so far: {peak_rss_mb():,.0f} MB")
    del fast, ref

    print("\n2. Accuracy of the 99.9% quantile, homogeneous exposure per grade")
    homo, units = homogeneous_portfolio()
    counts = [N_LOANS // GRADES] * GRADES
    exact_dist, _ = timed(
        "exact distribution (grade_loss_distribution)",
        grade_loss_distribution,
        counts,
        PDS.tolist(),
        units,
        RHO,
    )
    exact_cdf = np.cumsum(exact_dist)
    k = int(np.searchsorted(exact_cdf, 0.999))
    exact_q = k * MILLION
    # plain Monte Carlo: the quantile's standard error is sqrt(q (1 - q) / n) / density
    density = (exact_cdf[k + 25] - exact_cdf[k - 25]) / 50
    plain_se = math.sqrt(0.999 * 0.001 / n) / density / k
    sim, _ = timed(f"fast engine, {n:,} scenarios", simulate, homo, scheme, scenarios=n, seed=3)
    got = sim.loss_quantile(0.999)
    print(
        f"  exact 99.9% quantile {exact_q / 100:,.0f} CNY; simulated {got / 100:,.0f} CNY; "
        f"error {abs(got - exact_q) / exact_q:.3%} (plain Monte Carlo, standard error "
        f"{plain_se:.2%})"
    )
    shift = -float(ndtri(0.999))  # the factor's mean moved to where 99.9% tails happen
    tilted, _ = timed(
        f"fast engine, {n:,} scenarios, factor mean shifted to {shift:.2f}",
        simulate,
        homo,
        scheme,
        scenarios=n,
        seed=3,
        importance_shift=shift,
    )
    got = tilted.loss_quantile(0.999)
    print(
        f"  importance sampling of the factor: simulated {got / 100:,.0f} CNY; "
        f"error {abs(got - exact_q) / exact_q:.3%}"
    )
    print(
        "  (exact: given the factor the grades' default counts are independent binomials;\n"
        "   their loss distributions are convolved by FFT and integrated over the factor)"
    )
    del sim, tilted

    print("\n3. Three years, 10% yearly loan growth, 10% recoveries after a year, mixed principals")
    multi, _ = timed(
        f"fast engine, {n:,} scenarios x 3 years",
        simulate,
        portfolio,
        scheme,
        scenarios=n,
        years=3,
        seed=4,
        growth=0.10,
        recovery_rate=0.1,
        pool_balance=POOL,
        top_ups=[0, 500 * MILLION, 500 * MILLION],
    )
    print(
        f"  new principal per year: {', '.join(f'{x / 100:,.0f}' for x in multi.new_principal)} CNY"
    )
    print(
        f"  mean loss {multi.mean_loss() / 100:,.0f} CNY; 99.9% quantile "
        f"{multi.loss_quantile(0.999) / 100:,.0f} CNY; depletion {multi.depletion_probability:.2%}"
    )
    q = multi.balance_quantiles((0.01, 0.5))
    for label, row in (("1% quantile", q[0]), ("median", q[1])):
        years = ", ".join(f"{x / 100:,.0f}" for x in row)
        print(f"  pool balance at year ends, {label}: {years} CNY")
    print(f"\npeak memory (max RSS) of the whole run: {peak_rss_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
