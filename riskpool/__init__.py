"""riskpool: loss-sharing schemes, the claim waterfall and portfolio loss simulation.

Pure library: plain values and numpy arrays in, dataclasses out; money is integer fen.
"""

from riskpool.context import ClaimContext
from riskpool.errors import PortfolioError, SchemeError
from riskpool.factors import FactorModel
from riskpool.portfolio import Portfolio
from riskpool.presets import list_presets
from riskpool.result import SimulationResult
from riskpool.scheme import Scheme, Tier
from riskpool.simulate import simulate
from riskpool.waterfall import Adjustment, RecoverySplit, Split

__all__ = [
    "Adjustment",
    "ClaimContext",
    "FactorModel",
    "Portfolio",
    "PortfolioError",
    "RecoverySplit",
    "Scheme",
    "SchemeError",
    "SimulationResult",
    "Split",
    "Tier",
    "list_presets",
    "simulate",
]
