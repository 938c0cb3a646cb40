"""The claim waterfall: who pays what of a loss, and who gets what of a recovery, to the fen."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from riskpool.context import NO_CONTEXT, ClaimContext
from riskpool.money import format_cny, require_fen
from riskpool.parties import PARTY_ORDER, party_rank
from riskpool.terms import SchemeTerms

_COVERED_WHY = {
    "ip_part_only": "the IP-backed part of a loan with other collateral",
    "covered_principal_cap": "the scheme's cap on the covered part of a loan",
    "borrower_covered_cap": "what is left of the borrower's yearly cap",
}


def allocate(total: int, weights: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Share `total` fen in proportion to integer `weights`, exactly (largest remainder).

    Each party first gets floor(total x weight / sum). The fen left over go one each to the
    parties with the largest remainders; equal remainders are broken by the fixed party order
    `riskpool.parties.PARTY_ORDER` (pool, bank, insurer, guarantor, re_guarantor, valuer,
    province, treasury, borrower): the party earlier in that order gets the fen.
    """
    denominator = sum(w for _, w in weights)
    if total < 0 or any(w < 0 for _, w in weights):
        raise ValueError("allocate needs a non-negative total and non-negative weights")
    if denominator == 0:
        if total:
            raise ValueError("cannot allocate a positive amount over zero weights")
        return {p: 0 for p, _ in weights}
    out: dict[str, int] = {}
    remainders: list[tuple[int, int, str]] = []
    for party, weight in weights:
        q, r = divmod(total * weight, denominator)
        out[party] = q
        remainders.append((-r, party_rank(party), party))
    left = total - sum(out.values())
    for _, _, party in sorted(remainders)[:left]:
        out[party] += 1
    return out


@dataclass(frozen=True)
class Adjustment:
    """Money moved away from a party by a rule (a cap, the pool's balance, the budget)."""

    rule: str
    from_party: str
    to_party: str
    amount: int
    reason: str


class _PartyAmounts(Mapping[str, int]):
    """Shared Mapping behaviour of Split and RecoverySplit (party -> fen)."""

    amounts: tuple[tuple[str, int], ...]

    def __getitem__(self, party: str) -> int:
        for name, value in self.amounts:
            if name == party:
                return value
        raise KeyError(party)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.amounts)

    def __len__(self) -> int:
        return len(self.amounts)

    def as_dict(self) -> dict[str, int]:
        """The amounts as a plain dict."""
        return dict(self.amounts)


@dataclass(frozen=True, eq=False)
class Split(_PartyAmounts):
    """A loss split: a Mapping party -> fen, plus what was capped or shortfalled and why.

    `shares_bp` are the effective shares used for the eligible loss; `adjustments` list every
    move away from the plain share split (in the order applied).
    """

    loss: int
    eligible_loss: int
    amounts: tuple[tuple[str, int], ...]
    shares_bp: tuple[tuple[str, int], ...]
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def pool_shortfall(self) -> int:
        """Fen the pool owed but could not pay because its balance ran out."""
        return sum(a.amount for a in self.adjustments if a.rule == "pool_balance")

    @property
    def capped(self) -> bool:
        """True if any cap, budget or balance limit changed the plain share split."""
        return bool(self.adjustments)

    @property
    def notes(self) -> list[str]:
        """Human-readable reasons for every adjustment."""
        return [a.reason for a in self.adjustments]


@dataclass(frozen=True, eq=False)
class RecoverySplit(_PartyAmounts):
    """A recovery split: a Mapping party -> fen (may include "treasury" and "borrower")."""

    amount: int
    amounts: tuple[tuple[str, int], ...]
    rule: str


def split(
    scheme: SchemeTerms,
    loss: int,
    *,
    loan_principal: int,
    pool_balance: int | None,
    ip_pledge: bool = True,
    budget_remaining: int | None = None,
    context: ClaimContext = NO_CONTEXT,
) -> Split:
    """Split a principal loss (fen) of one loan between the scheme's parties.

    Steps: (1) only the covered part of the loan counts: the loss is scaled by
    covered principal / principal (`SchemeTerms.covered_limits`: the IP-backed part, the
    per-loan cap, the borrower's yearly cap), rounded down to the fen; then only the first
    `eligible_loss_cap_per_loan` fen are shared. What is not eligible stays with the bank.
    (2) The eligible loss is shared by the effective shares for this loan (tiers, IP and
    relending bonuses) with `allocate` (largest remainder; ties to the party earlier in
    PARTY_ORDER). (3) The pool's part is cut to the per-claim payout cap of the business year,
    then to what is left of the annual budget (`budget_remaining`, and the scheme's
    `annual_budget_cap` less `context.budget_used_this_year`; None = no limit), then to
    `pool_balance` (None = unlimited); every cut goes to `fallback_party`. Parts add up to
    `loss` exactly and none is negative.
    """
    amount = require_fen(loss, "loss")
    principal = require_fen(loan_principal, "loan_principal")
    if amount < 0:
        raise ValueError("loss must not be negative")
    if principal <= 0:
        raise ValueError("loan_principal must be positive")
    balance = None if pool_balance is None else require_fen(pool_balance, "pool_balance")
    budget = None if budget_remaining is None else require_fen(budget_remaining, "budget_remaining")
    if (balance is not None and balance < 0) or (budget is not None and budget < 0):
        raise ValueError("pool_balance and budget_remaining must not be negative")
    if scheme.annual_budget_cap is not None and context.budget_used_this_year is not None:
        left = max(0, scheme.annual_budget_cap - context.budget_used_this_year)
        budget = left if budget is None else min(budget, left)

    shares = scheme.shares_for(principal, ip_pledge=ip_pledge, relending=context.relending)
    adjustments: list[Adjustment] = []
    eligible = amount
    covered = principal
    for rule, limit in scheme.covered_limits(principal, context):
        if limit >= covered:
            continue
        covered = limit
        # the loss on the covered part: loss x covered / principal, down to the fen
        scaled = amount * covered // principal
        adjustments.append(
            Adjustment(
                rule,
                "scheme",
                "bank",
                eligible - scaled,
                f"only {format_cny(covered)} of the loan's {format_cny(principal)} is covered "
                f"({_COVERED_WHY[rule]}); {format_cny(eligible - scaled)} of the loss stays "
                "with the bank",
            )
        )
        eligible = scaled
    cap = scheme.eligible_loss_cap_per_loan
    if cap is not None and eligible > cap:
        adjustments.append(
            Adjustment(
                "eligible_loss_cap",
                "scheme",
                "bank",
                eligible - cap,
                f"only the first {format_cny(cap)} of a loan's loss is shared; "
                f"{format_cny(eligible - cap)} stays with the bank",
            )
        )
        eligible = cap
    parts = allocate(eligible, list(shares.items()))
    parts["bank"] = parts.get("bank", 0) + (amount - eligible)

    fallback = scheme.fallback_party

    def cut(rule: str, limit: int | None, what: str) -> None:
        owed = parts.get("pool", 0)
        if limit is None or owed <= limit:
            return
        moved = owed - limit
        parts["pool"] = limit
        parts[fallback] += moved
        adjustments.append(
            Adjustment(
                rule,
                "pool",
                fallback,
                moved,
                f"the pool pays at most {format_cny(limit)} ({what}); "
                f"{format_cny(moved)} falls to the {fallback}",
            )
        )

    # Weihai: the per-claim cap (1m CNY in the first business year, 1.5m later) is written
    # under the city's 20%, so it limits the pool's (the city's) part only.
    cut(
        "pool_payout_cap_per_loan",
        scheme.pool_payout_cap(context.business_year),
        "per-loan payout cap",
    )
    # Guangzhou 2023 (50m CNY a year) and 2025 (1.5bn CNY a year): an annual budget cap.
    cut("annual_budget_cap", budget, "what is left of the annual budget")
    # Zhongshan 2021 (zs.gov.cn): the pool pays only up to its balance.
    cut("pool_balance", balance, "its balance")

    ordered = tuple((p, parts.get(p, 0)) for p in scheme.parties)
    return Split(
        loss=amount,
        eligible_loss=eligible,
        amounts=ordered,
        shares_bp=tuple(shares.items()),
        adjustments=tuple(adjustments),
    )


def split_recovery(scheme: SchemeTerms, amount: int, *, paid: Mapping[str, int]) -> RecoverySplit:
    """Split a recovery (fen) back to those who paid the loss (`paid`: an earlier split).

    Each payer gets a part in proportion to what it paid, never more than it paid (largest
    remainder, ties to the party earlier in PARTY_ORDER). Anything beyond the total paid goes
    to "borrower" (the surplus of a realised pledge belongs to the pledgor). Under the
    "treasury" recovery rule the pool's part goes to "treasury" instead of back to the pool.
    """
    total = require_fen(amount, "amount")
    if total < 0:
        raise ValueError("amount must not be negative")
    weights: list[tuple[str, int]] = []
    for party, value in paid.items():
        if party not in PARTY_ORDER[:-2]:
            raise ValueError(f"unknown party {party!r} in paid")
        fen = require_fen(value, f"paid[{party!r}]")
        if fen < 0:
            raise ValueError(f"paid[{party!r}] must not be negative")
        weights.append((party, fen))
    paid_total = sum(w for _, w in weights)
    back = min(total, paid_total)
    parts = allocate(back, weights) if paid_total else {p: 0 for p, _ in weights}
    # Guangzhou 2023 (nachuanchina.com): recoveries of the pool's part go back to the treasury.
    # Quanzhou 2023 (泉市监规〔2023〕8号): recoveries return in the 40:35:20:5 ratio = pro rata.
    if scheme.recovery_rule == "treasury" and "pool" in parts:
        parts["treasury"] = parts.pop("pool")
    if total > back:
        parts["borrower"] = total - back
    ordered = tuple(sorted(parts.items(), key=lambda item: party_rank(item[0])))
    return RecoverySplit(amount=total, amounts=ordered, rule=scheme.recovery_rule)
