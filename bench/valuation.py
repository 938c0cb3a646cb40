"""Benchmark of the valuation library: batch scoring speed and one-asset valuation latency.

Run: .venv/bin/python bench/valuation.py
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

# This file is named like the package; drop its folder from the path so `import valuation`
# finds the library, not this script.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

import valuation  # noqa: E402
from valuation.vocab import INDUSTRIES, LEGAL_STATUSES, MATURITIES  # noqa: E402

AS_OF = date(2025, 6, 1)
N_BATCH = 1_000_000
N_LOOP = 2_000
N_VALUE = 200


def synthetic_patents(n: int, seed: int = 1) -> dict[str, NDArray[Any]]:
    """Columns of n random invention patents (strings for choices, as a caller would pass)."""
    rng = np.random.default_rng(seed)
    filing = np.datetime64("2006-01-01") + rng.integers(0, 7000, n).astype("timedelta64[D]")
    family = rng.integers(1, 30, n)
    claims = rng.integers(1, 40, n)
    return {
        "industry": np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), n)],
        "legal_status": np.array(LEGAL_STATUSES)[rng.choice(5, n, p=[0.1, 0.75, 0.05, 0.05, 0.05])],
        "filing_date": filing,
        "annual_revenue": np.ma.MaskedArray(rng.integers(0, 10**11, n), mask=rng.random(n) < 0.2),
        "revenue_growth": rng.uniform(-0.05, 0.2, n),
        "licences": rng.integers(0, 10, n),
        "litigation_won": rng.integers(0, 3, n),
        "litigation_lost": rng.integers(0, 2, n),
        "claims": claims,
        "independent_claims": np.minimum(rng.integers(1, 5, n), claims),
        "family_size": family,
        "countries": np.minimum(rng.integers(1, 20, n), family),
        "forward_citations": rng.integers(0, 60, n),
        "invalidation_survived": rng.integers(0, 3, n),
        "invalidation_pending": rng.random(n) < 0.05,
        "standard_essential": rng.random(n) < 0.05,
        "maturity": np.array(MATURITIES)[rng.integers(0, len(MATURITIES), n)],
    }


def rows_as_facts(columns: dict[str, NDArray[Any]], n: int) -> list[valuation.Facts]:
    """The first n rows of the columns as facts records (for the one-asset path)."""
    out: list[valuation.Facts] = []
    for i in range(n):
        row: dict[str, Any] = {"kind": "invention_patent"}
        for name, col in columns.items():
            if np.ma.isMaskedArray(col) and col.mask[i]:
                continue
            value = col[i]
            row[name] = value.item() if hasattr(value, "item") else value
        row["filing_date"] = row["filing_date"].isoformat()
        out.append(valuation.facts_from_dict(row))
    return out


def main() -> None:
    """Print the benchmark figures."""
    columns = synthetic_patents(N_BATCH)
    valuation.score_many("invention_patent", synthetic_patents(1000), as_of=AS_OF)  # warm-up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        scores = valuation.score_many("invention_patent", columns, as_of=AS_OF)
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    print(f"score_many, {N_BATCH:,} synthetic invention patents (3 runs):")
    print(f"  best   {best:.3f} s  = {N_BATCH / best:,.0f} assets/s")
    print(f"  median {median:.3f} s  = {N_BATCH / median:,.0f} assets/s   (goal >= 1,000,000/s)")

    facts = rows_as_facts(columns, N_LOOP)
    start = time.perf_counter()
    loop_scores = [valuation.value_asset(f, as_of=AS_OF).score for f in facts]
    per_asset_full = (time.perf_counter() - start) / N_LOOP
    start = time.perf_counter()
    for f in facts:
        one_row = valuation.columns_from_facts([f])
        valuation.score_many("invention_patent", one_row, as_of=AS_OF)
    per_asset_score = (time.perf_counter() - start) / N_LOOP
    assert np.array_equal(np.array(loop_scores), scores[:N_LOOP]), "loop and batch disagree"
    per_asset_batch = median / N_BATCH
    print(f"one-asset path in a loop, measured on {N_LOOP:,} assets, extrapolated per asset:")
    print(
        f"  score only (score_many on one row) {per_asset_score * 1e6:,.0f} us/asset"
        f" -> batch is {per_asset_score / per_asset_batch:,.0f}x faster"
    )
    print(
        f"  full value_asset (score+value+loan) {per_asset_full * 1e6:,.0f} us/asset"
        f" -> batch is {per_asset_full / per_asset_batch:,.0f}x faster"
    )
    print("  (loop scores equal the batch scores for all sampled assets)")

    # A valid patent with revenue, so the full income approach with uncertainty runs.
    one = next(f for f in facts if f.legal_status == "valid" and f.annual_revenue)
    latencies = []
    for _ in range(N_VALUE):
        start = time.perf_counter()
        valuation.value_asset(one, seed=7, as_of=AS_OF)
        latencies.append((time.perf_counter() - start) * 1000)
    v = valuation.value_asset(one, seed=7, as_of=AS_OF)
    print(
        f"value_asset with uncertainty ({v.income.simulations if v.income else 0} simulations,"
        f" method {v.value_method}), {N_VALUE} runs:"
    )
    print(
        f"  median {statistics.median(latencies):.2f} ms, p90 "
        f"{np.percentile(latencies, 90):.2f} ms   (goal <= 20 ms)"
    )
    gi = valuation.GIMarkFacts(
        industry="agriculture",
        legal_status="valid",
        filing_date=date(2012, 4, 1),
        gi_type="certification",
        regional_output_value=10**12,
        holder_fee_income=50_000_000,
    )
    no_revenue = valuation.facts_from_dict(
        {**one.to_dict(), "annual_revenue": None, "development_cost": 100_000_000}
    )
    for label, asset in (("GI mark on holder fees", gi), ("patent, cost approach", no_revenue)):
        runs = []
        for _ in range(N_VALUE):
            start = time.perf_counter()
            result = valuation.value_asset(asset, seed=7, as_of=AS_OF)
            runs.append((time.perf_counter() - start) * 1000)
        print(
            f"value_asset, {label} (method {result.value_method}): median "
            f"{statistics.median(runs):.2f} ms, p90 {np.percentile(runs, 90):.2f} ms"
        )


if __name__ == "__main__":
    main()
