"""The result of a portfolio loss simulation and its (weighted) statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Per-scenario outcomes of `simulate` (all money int64 fen, exact sums of loan splits).

    - `gross_loss` (S,): principal losses of the defaulted loans over the horizon;
    - `total_loss` (S,): gross loss minus recoveries received within the horizon;
    - `party_loss` (S, P): what each party of `parties` paid minus what it got back
      (the "treasury" column, under the treasury rule, is negative: money it received);
      rows add up to `total_loss`;
    - `pool_balance` (S, Y): the pool's balance at the end of each year (full path, not
      quantiles: memory grows as scenarios x years, never with the number of loans);
    - `pool_shortfall` / `budget_shortfall` (S,): what the pool owed but could not pay because
      of its balance / the annual budget (borne by the fallback party);
    - `dry_year` (S,): the first year (from 0) in which the pool could not pay in full for
      lack of balance, -1 if it never ran dry;
    - `defaults` (S,): number of defaulted loans; `weights` (S,) likelihood ratios under
      importance sampling (None: plain Monte Carlo). Every statistic honours the weights.
    """

    parties: tuple[str, ...]
    years: int
    gross_loss: NDArray[np.int64]
    total_loss: NDArray[np.int64]
    party_loss: NDArray[np.int64]
    recovered: NDArray[np.int64]
    pool_balance: NDArray[np.int64]
    pool_shortfall: NDArray[np.int64]
    budget_shortfall: NDArray[np.int64]
    dry_year: NDArray[np.int64]
    defaults: NDArray[np.int64]
    weights: NDArray[np.float64] | None
    new_principal: NDArray[np.int64]
    top_ups: tuple[int, ...]
    engine: str
    seed: int | None

    @property
    def scenarios(self) -> int:
        """Number of simulated scenarios."""
        return int(self.total_loss.size)

    def losses(self, party: str | None = None) -> NDArray[np.int64]:
        """Per-scenario loss of `party` (None: the total loss), fen."""
        if party is None:
            return self.total_loss
        if party not in self.parties:
            raise KeyError(f"unknown party {party!r}; parties: {self.parties}")
        column: NDArray[np.int64] = self.party_loss[:, self.parties.index(party)]
        return column

    def _w(self) -> NDArray[np.float64]:
        if self.weights is None:
            return np.ones(self.scenarios)
        return self.weights

    def mean_loss(self, party: str | None = None) -> float:
        """Expected loss (fen) of `party` or of the total."""
        return float(np.mean(self._w() * self.losses(party)))

    def mean_loss_se(self, party: str | None = None) -> float:
        """Monte Carlo standard error of `mean_loss`."""
        values = self._w() * self.losses(party)
        return float(np.std(values, ddof=1) / math.sqrt(values.size))

    def party_means(self) -> dict[str, float]:
        """Mean loss (fen) of every party."""
        return {p: self.mean_loss(p) for p in self.parties}

    def tail_probability(self, threshold: float, party: str | None = None) -> float:
        """P(loss > threshold)."""
        return float(np.mean(self._w() * (self.losses(party) > threshold)))

    def tail_probability_se(self, threshold: float, party: str | None = None) -> float:
        """Monte Carlo standard error of `tail_probability`."""
        values = self._w() * (self.losses(party) > threshold)
        return float(np.std(values, ddof=1) / math.sqrt(values.size))

    def loss_quantile(self, q: float, party: str | None = None) -> float:
        """The q-quantile (value at risk): the smallest x with P(loss <= x) >= q."""
        if not 0.0 < q < 1.0:
            raise ValueError("q must lie in (0, 1)")
        values, tail = self._tail(party)
        # tail[i] = estimated P(loss > values[i]); take the first value whose tail <= 1 - q
        i = int(np.searchsorted(-tail, -(1.0 - q) - 1e-15, side="left"))
        return float(values[min(i, values.size - 1)])

    def _tail(self, party: str | None) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        losses = self.losses(party)
        order = np.argsort(losses, kind="stable")
        values = losses[order]
        w = self._w()[order] / losses.size
        # P(L > values[i]) = total weight of strictly larger values
        above = np.cumsum(w[::-1])[::-1]
        uniq_last = np.ones(values.size, dtype=bool)
        uniq_last[:-1] = values[1:] != values[:-1]
        idx = np.flatnonzero(uniq_last)
        tail = np.append(above[idx[:-1] + 1], 0.0) if idx.size else above
        return values[idx], tail

    def expected_shortfall(self, q: float, party: str | None = None) -> float:
        """Expected shortfall (Acerbi-Tasche): mean loss in the worst 1 - q of the weight."""
        var = self.loss_quantile(q, party)
        losses = self.losses(party)
        w = self._w() / losses.size
        beyond = losses > var
        exceed = float(np.sum(w[beyond] * losses[beyond]))
        p_beyond = float(np.sum(w[beyond]))
        return (exceed + var * (1.0 - q - p_beyond)) / (1.0 - q)

    @property
    def depletion_probability(self) -> float:
        """P(the pool cannot pay its share in full at some point within the horizon)."""
        return float(np.mean(self._w() * (self.pool_shortfall > 0)))

    def dry_by_year(self) -> NDArray[np.float64]:
        """P(the pool has run dry by the end of year t), for t = 1..years (cumulative)."""
        w = self._w()
        ran_dry = np.array(
            [np.mean(w * ((self.dry_year >= 0) & (self.dry_year <= t))) for t in range(self.years)]
        )
        return ran_dry

    def balance_quantiles(self, qs: tuple[float, ...] = (0.01, 0.5, 0.99)) -> NDArray[np.float64]:
        """Quantiles of the end-of-year pool balance, shape (len(qs), years) (unweighted
        scenarios are exact order statistics; weighted ones use the weighted CDF)."""
        out = np.empty((len(qs), self.years))
        w = self._w()
        for t in range(self.years):
            col = self.pool_balance[:, t]
            order = np.argsort(col, kind="stable")
            cum = np.cumsum(w[order]) / col.size
            for k, q in enumerate(qs):
                i = int(np.searchsorted(cum, q - 1e-15, side="left"))
                out[k, t] = col[order[min(i, col.size - 1)]]
        return out
