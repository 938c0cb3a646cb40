"""Command line: `python -m riskpool simulate ...` and `python -m riskpool presets`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Never, TextIO

from tqdm import tqdm

from riskpool.errors import PortfolioError, SchemeError
from riskpool.factors import FactorModel
from riskpool.money import format_cny, format_cny_float
from riskpool.portfolio import Portfolio
from riskpool.presets import list_presets
from riskpool.result import SimulationResult
from riskpool.scheme import Scheme
from riskpool.simulate import simulate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m riskpool", description="Loss-sharing schemes and portfolio loss simulation."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("presets", help="list the shipped scheme presets")
    sim = sub.add_parser("simulate", help="simulate a portfolio's losses under a scheme")
    sim.add_argument("--scheme", required=True, help="a preset name or a scheme JSON file")
    sim.add_argument("--portfolio", required=True, type=Path, help="portfolio CSV file")
    sim.add_argument("--scenarios", type=int, default=100_000)
    sim.add_argument("--years", type=int, default=1)
    sim.add_argument("--seed", type=int, default=None)
    sim.add_argument("--growth", type=float, default=0.0, help="yearly growth of new loans")
    sim.add_argument("--pool-balance", type=int, default=None, help="pool balance in fen")
    sim.add_argument("--top-up", type=int, default=0, help="fen added to the pool each year")
    sim.add_argument("--recovery-rate", type=float, default=0.0)
    sim.add_argument("--recovery-lag", type=int, default=1)
    sim.add_argument(
        "--sector-correlation",
        default=None,
        help="one factor per sector: a correlation between every two sectors (a number), or "
        'a JSON file {"sectors": [...], "correlation": [[...]]}',
    )
    sim.add_argument(
        "--dof", type=float, default=None, help="Student-t copula with these degrees of freedom"
    )
    sim.add_argument(
        "--importance-shift",
        type=float,
        default=None,
        help="mean of the factor draws (e.g. -3.09 for 99.9%% tails); results are reweighted",
    )
    sim.add_argument("--chunk", type=int, default=None, help="scenarios per chunk")
    sim.add_argument("--workers", type=int, default=None, help="threads on this machine")
    sim.add_argument(
        "--scheduler",
        default=None,
        help="run the chunks on a Dask distributed cluster, e.g. tcp://host:8786",
    )
    sim.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return parser


def load_scheme(spec: str) -> Scheme:
    """A preset by name, or a scheme JSON file by path."""
    if spec in list_presets():
        return Scheme.preset(spec)
    path = Path(spec)
    if path.suffix == ".json" or path.exists():
        return Scheme.load(path)
    raise SchemeError(
        "scheme", f"{spec!r} is neither a preset ({', '.join(list_presets())}) nor a JSON file"
    )


class ProgressBar:
    """A tqdm progress bar of simulated scenarios (on stderr by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.bar: tqdm[Never] | None = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        """Move the bar to `done` of `total`; close it at the end."""
        bar = self.bar
        if bar is None:
            bar = self.bar = tqdm(
                total=total,
                unit=" scenarios",
                unit_scale=False,
                file=self.stream,
                dynamic_ncols=True,
                mininterval=0.2,
            )
        bar.update(done - self.done)
        self.done = done
        if done >= total:
            bar.close()


def summary_table(result: SimulationResult) -> str:
    """The figures a bureau reads: loss statistics, each party's expected loss, quantiles and
    expected shortfall, and the probability that the pool has run dry by each year."""
    rows = [
        ("scenarios", f"{result.scenarios:,}"),
        ("years", str(result.years)),
        ("mean loss", format_cny_float(result.mean_loss())),
        ("99% loss quantile", format_cny_float(result.loss_quantile(0.99))),
        ("99.9% loss quantile", format_cny_float(result.loss_quantile(0.999))),
        ("99% expected shortfall", format_cny_float(result.expected_shortfall(0.99))),
        ("99.9% expected shortfall", format_cny_float(result.expected_shortfall(0.999))),
        ("pool depletion probability", f"{result.depletion_probability:.4%}"),
    ]
    width = max(len(k) for k, _ in rows)
    lines = ["Portfolio loss (net of recoveries within the horizon)"]
    lines += [f"  {k:<{width}}  {v:>26}" for k, v in rows]
    lines.append("")
    heads = ("expected loss", "99% quantile", "99.9% quantile", "99.9% exp. shortfall")
    lines.append(f"  {'party':<12}" + "".join(f"{h:>24}" for h in heads))
    for party in result.parties:
        figures = (
            result.mean_loss(party),
            result.loss_quantile(0.99, party),
            result.loss_quantile(0.999, party),
            result.expected_shortfall(0.999, party),
        )
        lines.append(f"  {party:<12}" + "".join(f"{format_cny_float(x):>24}" for x in figures))
    lines.append("")
    lines.append("  probability the pool has run dry by the end of year")
    for t, p in enumerate(result.dry_by_year().tolist(), start=1):
        lines.append(f"  {'year ' + str(t):<12}{p:>24.4%}")
    return "\n".join(lines)


def factor_model(spec: str | None, dof: float | None, portfolio: Portfolio) -> FactorModel | None:
    """The factor model of the command line (None: one Gaussian factor)."""
    if spec is None:
        return None if dof is None else FactorModel.make(dof=dof)
    try:
        value = float(spec)
    except ValueError:
        data = json.loads(Path(spec).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("the sector correlation file must hold a JSON object") from None
        if dof is not None:
            data = {**data, "dof": dof}
        return FactorModel.from_mapping(data)
    sectors = sorted(set(portfolio.sector.tolist()))
    return FactorModel.make(sectors=sectors, correlation=value, dof=dof)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (default sys.argv[1:]); returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "presets":
        for name in list_presets():
            scheme = Scheme.preset(name)
            shares = ", ".join(f"{p} {bp / 100:g}%" for p, bp in scheme.shares.items())
            print(f"{name:<16} {shares}")
            print(f"{'':<16} source: {scheme.source}")
        return 0
    try:
        scheme = load_scheme(args.scheme)
        portfolio = Portfolio.from_csv(args.portfolio)
        factors = factor_model(args.sector_correlation, args.dof, portfolio)
    except (SchemeError, PortfolioError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    client = None
    if args.scheduler is not None:
        try:
            client = connect(args.scheduler)
        except (OSError, TimeoutError, ValueError) as exc:
            print(f"error: cannot reach the scheduler at {args.scheduler}: {exc}", file=sys.stderr)
            return 2
    print(
        f"scheme {scheme.name} v{scheme.version}; {len(portfolio):,} loans, "
        f"{format_cny(portfolio.total_principal)} principal",
    )
    try:
        result = simulate(
            portfolio,
            scheme,
            scenarios=args.scenarios,
            years=args.years,
            seed=args.seed,
            growth=args.growth,
            pool_balance=args.pool_balance,
            top_ups=args.top_up,
            recovery_rate=args.recovery_rate,
            recovery_lag=args.recovery_lag,
            importance_shift=args.importance_shift,
            factors=factors,
            chunk=args.chunk,
            workers=args.workers,
            executor=client,
            progress=None if args.no_progress else ProgressBar(),
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            client.close()
    print(summary_table(result))
    return 0


def connect(address: str) -> Any:
    """A dask.distributed Client connected to the scheduler at `address`."""
    from distributed import Client

    return Client(address, timeout=10, set_as_default=False)  # type: ignore[no-untyped-call]
