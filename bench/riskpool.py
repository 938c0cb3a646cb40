"""Benchmark of riskpool.simulate at portfolio scale (prints figures, not a test).

Run: .venv/bin/python bench/riskpool.py [--quick]

Each measured run happens in its own child process, so that its peak memory (max RSS) is its
own; the Dask runs use a LocalCluster of two worker processes (one thread each) on 127.0.0.1
and report the largest worker's peak too. Figures:
  A. 10,000 loans, each with its own pd (uniform 0.5%-5%), LGD (30%-70%) and principal,
     1,000,000 one-year scenarios; the plain numpy engine (one normal per loan per scenario,
     `riskpool.reference`) is timed in the same child on fewer scenarios and scaled per scenario.
  B. 100,000 such loans (terms 1-5 years, bullet / linear / annuity), 100,000 scenarios x 5
     years with 10% yearly growth.
  C. A and B again on the two-worker Dask cluster: the results must be identical bit for bit.
  D. Accuracy: the 99.9% quantile of a graded book against its exact distribution.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import ndtri

# this file is itself called riskpool.py: keep its folder off the path so that
# `import riskpool` finds the package (the repository root), not this script
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from riskpool import Portfolio, Scheme, simulate  # noqa: E402
from riskpool.analytic import grade_loss_distribution  # noqa: E402
from riskpool.reference import simulate_reference  # noqa: E402
from riskpool.result import SimulationResult  # noqa: E402

RHO = 0.15
MILLION = 1_000_000 * 100  # fen in 1m CNY
SCHEME = "zhongshan-2021"


def own_pd_book(n: int, *, seed: int, multi_year: bool) -> Portfolio:
    """n loans with their own pd (0.5%-5%), LGD (30%-70%) and principal (log-normal around
    3m CNY, 0.1m-30m); with multi_year, terms of 1-5 years on mixed schedules."""
    rng = np.random.default_rng(seed)
    principal = np.clip(
        rng.lognormal(np.log(3 * MILLION), 0.8, n), 0.1 * MILLION, 30 * MILLION
    ).astype(np.int64)
    extra: dict[str, Any] = {}
    if multi_year:
        extra = {
            "term": rng.integers(1, 6, n),
            "amortisation": rng.choice(["bullet", "linear", "annuity"], n),
            "rate_bp": rng.integers(300, 800, n),
        }
    return Portfolio(
        principal=principal,
        pd=rng.uniform(0.005, 0.05, n),
        lgd=rng.uniform(0.3, 0.7, n),
        rho=RHO,
        ip_pledge=rng.random(n) < 0.8,
        **extra,
    )


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def digest(result: SimulationResult) -> str:
    """A fingerprint of every per-scenario array of a result."""
    h = hashlib.sha256()
    for arr in (
        result.gross_loss,
        result.party_loss,
        result.recovered,
        result.pool_balance,
        result.pool_shortfall,
        result.dry_year,
        result.defaults,
    ):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]


def run_spec(spec: str, quick: bool) -> dict[str, Any]:
    """The run behind `spec` (one-year / five-year), its arguments and portfolio."""
    scheme = Scheme.preset(SCHEME)
    if spec == "one-year":
        portfolio = own_pd_book(10_000, seed=1, multi_year=False)
        kwargs: dict[str, Any] = {
            "scenarios": 100_000 if quick else 1_000_000,
            "seed": 1,
            "pool_balance": 4_000 * MILLION,
        }
    else:
        portfolio = own_pd_book(100_000, seed=2, multi_year=True)
        kwargs = {
            "scenarios": 10_000 if quick else 100_000,
            "years": 5,
            "seed": 2,
            "growth": 0.10,
            "recovery_rate": 0.3,
            "recovery_lag": 1,
            "pool_balance": 20_000 * MILLION,
            "top_ups": 2_000 * MILLION,
        }
    return {"portfolio": portfolio, "scheme": scheme, "kwargs": kwargs}


def child(part: str, quick: bool) -> dict[str, Any]:
    """Measure one part in this (child) process; returns its figures."""
    spec, _, where = part.partition("@")
    run = run_spec(spec, quick)
    portfolio, scheme, kwargs = run["portfolio"], run["scheme"], run["kwargs"]
    warm = {**kwargs, "scenarios": 2_000}
    out: dict[str, Any] = {"part": part}
    if where == "dask":
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            simulate(portfolio, scheme, executor=client, **warm)  # workers load the kernel
            before = sum(client.run(time.process_time).values())
            cpu = time.process_time()
            start = time.perf_counter()
            result = simulate(portfolio, scheme, executor=client, **kwargs)
            out["seconds"] = time.perf_counter() - start
            after = sum(client.run(time.process_time).values())
            out["cpu"] = time.process_time() - cpu + after - before
            rss = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            out["worker_rss_mb"] = max(rss.values())
    else:
        simulate(portfolio, scheme, **warm)  # compile / load the kernel, touch the pages
        cpu = time.process_time()
        start = time.perf_counter()
        result = simulate(portfolio, scheme, **kwargs)
        out["seconds"] = time.perf_counter() - start
        out["cpu"] = time.process_time() - cpu
    out["scenarios"] = result.scenarios
    out["defaults"] = int(result.defaults.sum())
    out["digest"] = digest(result)
    out["mean_loss"] = result.mean_loss()
    out["q999"] = result.loss_quantile(0.999)
    out["es999"] = result.expected_shortfall(0.999)
    out["dry"] = result.dry_by_year().tolist()
    out["rss_mb"] = peak_rss_mb()
    if spec == "one-year" and where != "dask":
        n_ref = 500 if quick else 4_000
        simulate_reference(portfolio, scheme, **{**kwargs, "scenarios": 200})  # warm-up
        cpu = time.process_time()
        start = time.perf_counter()
        ref = simulate_reference(portfolio, scheme, **{**kwargs, "scenarios": n_ref, "seed": 9})
        out["numpy_seconds"] = time.perf_counter() - start
        out["numpy_cpu"] = time.process_time() - cpu
        out["numpy_scenarios"] = n_ref
        out["numpy_mean_loss"] = ref.mean_loss()
        out["numpy_mean_loss_se"] = ref.mean_loss_se()
        out["rss_after_numpy_mb"] = peak_rss_mb()
    return out


def in_child(part: str, quick: bool) -> dict[str, Any]:
    """Run `child(part)` in a fresh interpreter and read back its figures."""
    cmd = [sys.executable, __file__, "--part", part] + (["--quick"] if quick else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"part {part} failed")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def accuracy(quick: bool) -> None:
    """D: 99.9% quantile of a graded book (10,000 loans, 20 grades) against the exact law."""
    grades, n = 20, 10_000
    pds = np.geomspace(0.0005, 0.10, grades)
    units = [1 + g % 5 for g in range(grades)]
    grade = np.arange(n) % grades
    homo = Portfolio(principal=np.array(units)[grade] * MILLION, pd=pds[grade], lgd=1.0, rho=RHO)
    exact = np.cumsum(grade_loss_distribution([n // grades] * grades, pds.tolist(), units, RHO))
    k = int(np.searchsorted(exact, 0.999))
    scenarios = 100_000 if quick else 1_000_000
    scheme = Scheme.preset(SCHEME)
    plain = simulate(homo, scheme, scenarios=scenarios, seed=3)
    tilted = simulate(
        homo, scheme, scenarios=scenarios, seed=3, importance_shift=-float(ndtri(0.999))
    )
    density = (exact[k + 25] - exact[k - 25]) / 50
    se = math.sqrt(0.999 * 0.001 / scenarios) / density / k
    for label, res in (("plain Monte Carlo", plain), ("importance sampling", tilted)):
        got = res.loss_quantile(0.999) / MILLION
        print(
            f"  {label:<22} 99.9% quantile {got:,.0f}m CNY vs exact {k:,}m CNY: error "
            f"{abs(got - k) / k:.3%}" + (f" (standard error {se:.2%})" if res is plain else "")
        )


def line(label: str, r: dict[str, Any]) -> str:
    """One row of the figures table."""
    return (
        f"  {label:<58}{r['seconds']:8.2f}s{r['cpu']:8.2f}s{r['defaults'] / r['seconds']:>13,.0f}"
        f"{r['rss_mb']:>8,.0f}MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the scenarios")
    parser.add_argument("--part", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask runs")
    args = parser.parse_args()
    if args.part is not None:
        print(json.dumps(child(args.part, args.quick)))
        return 0
    print(
        f"riskpool benchmark: scheme {SCHEME}, rho {RHO}, {os.cpu_count()} cores"
        + (" (--quick: a tenth of the scenarios)" if args.quick else "")
    )
    a = in_child("one-year", args.quick)
    b = in_child("five-year", args.quick)
    per_fast = a["seconds"] / a["scenarios"]
    per_numpy = a["numpy_seconds"] / a["numpy_scenarios"]
    rows = [
        ("A. 10,000 own-pd loans, {:,} one-year scenarios".format(a["scenarios"]), a),
        ("B. 100,000 loans x {:,} scenarios x 5 years, growth 10%".format(b["scenarios"]), b),
    ]
    head = f"  {'run':<58}{'wall':>9}{'CPU':>9}{'defaults/s':>13}{'peak RSS':>10}"
    print("\n" + head)
    for label, r in rows:
        print(line(label, r))
    print(
        f"  (wall clock with the machine's load average at {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores; CPU adds up both threads: on two idle cores wall ~ CPU / 2)"
    )
    print(
        f"\n  A: {a['defaults'] / a['scenarios']:.1f} defaults a scenario; numpy engine (one "
        f"normal per loan per scenario) timed on {a['numpy_scenarios']:,} scenarios in the "
        f"same process and scaled per scenario:"
    )
    cpu_fast = a["cpu"] / a["scenarios"]
    cpu_numpy = a["numpy_cpu"] / a["numpy_scenarios"]
    print(
        f"     wall {per_numpy * 1e6:,.0f} us vs fast {per_fast * 1e6:.2f} us a scenario -> "
        f"{per_numpy / per_fast:,.0f}x; CPU {cpu_numpy * 1e6:,.0f} us vs {cpu_fast * 1e6:.2f} us "
        f"-> {cpu_numpy / cpu_fast:,.0f}x (peak RSS with the numpy engine "
        f"{a['rss_after_numpy_mb']:,.0f}MB)"
    )
    print(
        f"     mean loss fast {a['mean_loss'] / 100:,.0f} CNY vs numpy "
        f"{a['numpy_mean_loss'] / 100:,.0f} CNY (+- {2 * a['numpy_mean_loss_se'] / 100:,.0f})"
    )
    for label, r in rows:
        dry = ", ".join(f"{p:.2%}" for p in r["dry"])
        print(
            f"  {label[:2]} 99.9% quantile {r['q999'] / 100:,.0f} CNY, ES99.9 "
            f"{r['es999'] / 100:,.0f} CNY; pool dry by year: {dry}"
        )
    if not args.no_dask:
        print("\n  C. the same runs on a two-worker Dask LocalCluster (processes, 127.0.0.1)")
        for label, r in rows:
            d = in_child(r["part"] + "@dask", args.quick)
            same = "identical" if d["digest"] == r["digest"] else "DIFFERENT"
            print(line(label, d))
            print(
                f"  {'':<58}driver {d['rss_mb']:,.0f}MB, largest worker "
                f"{d['worker_rss_mb']:,.0f}MB; results {same} to the single-process run "
                f"({d['digest']})"
            )
    print("\n  D. accuracy, 10,000 loans in 20 grades (exact law by FFT over the factor)")
    accuracy(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
