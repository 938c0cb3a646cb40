"""Command line: `python -m riskpool simulate ...` and `python -m riskpool presets`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from riskpool.errors import PortfolioError, SchemeError
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
    """A text progress bar, redrawn in place on a stream (stderr by default)."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        """Redraw the bar for `done` of `total`."""
        filled = int(self.width * done / max(total, 1))
        elapsed = time.perf_counter() - self.started
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done:,}/{total:,} scenarios  {elapsed:5.1f}s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def summary_table(result: SimulationResult) -> str:
    """The summary printed by `simulate`: loss statistics and loss by party."""
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
    lines.append(f"  {'party':<14}{'mean loss':>26}{'99% quantile':>26}")
    for party in result.parties:
        mean = format_cny_float(result.mean_loss(party))
        q99 = format_cny_float(result.loss_quantile(0.99, party))
        lines.append(f"  {party:<14}{mean:>26}{q99:>26}")
    return "\n".join(lines)


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
    except (SchemeError, PortfolioError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
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
            progress=None if args.no_progress else ProgressBar(),
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary_table(result))
    return 0
