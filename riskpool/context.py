"""What the site knows about a claim beyond the loss itself: the inputs the scheme rules need.

Every field has a default equal to the behaviour before these rules existed (the whole loan is
IP-backed, no other loans of the borrower, first business year, nothing spent, no losses), so a
caller that passes no context gets the old split.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskpool.money import require_fen


@dataclass(frozen=True)
class ClaimContext:
    """Facts about one claim that the scheme rules use (money in integer fen).

    Passed to `Scheme.split(..., context=...)`, `Scheme.covered_principal` and
    `Scheme.compensation_suspended`. The loss, the loan's principal, the pool's balance, the
    IP-pledge flag and the remaining budget are passed to `split` directly, as before.

    - `ip_backed_principal`: the part of the principal secured by IP when the loan also has
      other collateral (None: all of it). Used when the scheme has `ip_part_only`
      (Guangzhou 2023, Weihai: only the IP-backed part of a mixed-collateral loan counts).
    - `relending`: the loan is funded by a PBoC monetary-policy tool such as relending
      (Guangzhou 2025: +5 points).
    - `borrower_covered_this_year`: covered principal already counted this year for the same
      borrower on its other loans (Guangzhou 2023: at most 20m CNY per borrower a year).
    - `business_year`: the scheme's business year the claim falls in, 1 = the first
      (Weihai: the city pays at most 1m CNY a claim in the first year, 1.5m later).
    - `budget_used_this_year`: what the pool has already paid this calendar year under its
      annual budget cap (None: not known; then only `budget_remaining` limits the pool).
    - `bank_losses_this_year`, `bank_enrolled_this_year`: the claiming bank's compensated
      principal losses this year and the principal it enrolled this year (Guangzhou 2025:
      above 3% its compensation is suspended for the year).
    """

    ip_backed_principal: int | None = None
    relending: bool = False
    borrower_covered_this_year: int = 0
    business_year: int = 1
    budget_used_this_year: int | None = None
    bank_losses_this_year: int = 0
    bank_enrolled_this_year: int = 0

    def __post_init__(self) -> None:
        for name in (
            "ip_backed_principal",
            "borrower_covered_this_year",
            "budget_used_this_year",
            "bank_losses_this_year",
            "bank_enrolled_this_year",
        ):
            value = getattr(self, name)
            if value is not None and require_fen(value, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if not isinstance(self.relending, bool):
            raise TypeError("relending must be True or False")
        year = self.business_year
        if isinstance(year, bool) or not isinstance(year, int) or year < 1:
            raise ValueError(f"business_year must be an integer >= 1, got {year!r}")


#: The context of a claim about which nothing more is known (the old behaviour).
NO_CONTEXT = ClaimContext()
