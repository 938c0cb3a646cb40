"""The terms of a loss-sharing scheme as validated data, and the per-loan rules they imply.

`SchemeTerms` holds every field of a scheme and the rules that need nothing but the terms and
one loan's facts (shares by loan size, the covered part of a loan, the payout cap of a year).
The waterfall (riskpool.waterfall) and the `Scheme` class (riskpool.scheme) both build on it,
so neither imports the other's module for its types.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Self

from riskpool.context import NO_CONTEXT, ClaimContext
from riskpool.errors import SchemeError
from riskpool.parties import SCHEME_PARTIES, party_rank

RECOVERY_RULES: tuple[str, ...] = ("pro_rata", "treasury")
#: What a triggered suspension stops: new enrolments (the default) or the payment of claims
#: while enrolment goes on (Guangzhou 2025, 穗金管规字〔2025〕1号: 暂缓补偿).
SUSPENSION_EFFECTS: tuple[str, ...] = ("enrolment", "compensation")
#: When the claim deadline starts: the loan becoming non-performing (the default), or the
#: bureau confirming the loss (Weihai: the provincial market-regulation bureau's confirmation).
DEADLINE_TRIGGERS: tuple[str, ...] = ("non_performing", "loss_confirmed")
FULL_BP = 10_000

_FEN_FIELDS = (
    "eligible_loss_cap_per_loan",
    "covered_principal_cap_per_loan",
    "borrower_covered_cap_per_year",
    "pool_payout_cap_per_loan",
    "pool_payout_cap_after_first_year",
    "per_borrower_annual_cap",
    "max_borrower_balance",
    "annual_budget_cap",
    "max_loan_size",
    "interest_subsidy_cap_per_year",
)


@dataclass(frozen=True)
class Tier:
    """The pool's share (bp) for loans with above < principal <= up_to (fen)."""

    above: int
    up_to: int
    pool_bp: int

    def covers(self, principal: int) -> bool:
        """True if a loan of `principal` fen falls in this tier."""
        return self.above < principal <= self.up_to


def _opt_fen(value: object, name: str, *, allow_zero: bool = False) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SchemeError(name, f"must be an integer number of fen or null, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise SchemeError(name, f"must be positive, got {value}")
    return int(value)


def _bp(value: object, name: str, *, upper: int | None = FULL_BP) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SchemeError(name, f"must be an integer number of basis points, got {value!r}")
    value = int(value)
    if value < 0:
        raise SchemeError(name, f"must not be negative, got {value}")
    if upper is not None and value > upper:
        raise SchemeError(name, f"must be at most {upper} bp, got {value}")
    return value


def _positive_int(value: object, name: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        raise SchemeError(name, f"must be a positive integer, got {value!r}")


def _one_of(value: object, name: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SchemeError(name, f"must be one of {allowed}, got {value!r}")


@dataclass(frozen=True)
class SchemeTerms:
    """A risk-compensation scheme as data; validated on construction (raises SchemeError).

    Money fields are integer fen, shares and rates basis points (10000 = 100%).
    `shares` maps each party to its share of a principal loss. With `tiers`, the pool's share
    depends on the loan size (plus `ip_pledge_bonus_bp` for IP pledge loans and
    `relending_bonus_bp` for loans funded by monetary-policy tools, capped at
    `max_pool_share_bp`); the difference to the base pool share is taken from or given to
    `remainder_party`. The covered part of a loan (`covered_principal`) is limited by
    `ip_part_only`, `covered_principal_cap_per_loan` and `borrower_covered_cap_per_year`; the
    uncovered part of the loss stays with the bank. See docs/schemes.md for every field.
    """

    name: str
    shares: Mapping[str, int]
    version: int = 1
    source: str = ""
    superseded_by: str = ""
    tiers: tuple[Tier, ...] = ()
    ip_pledge_bonus_bp: int = 0
    relending_bonus_bp: int = 0
    max_pool_share_bp: int = FULL_BP
    remainder_party: str = "bank"
    ip_part_only: bool = False
    covered_principal_cap_per_loan: int | None = None
    borrower_covered_cap_per_year: int | None = None
    eligible_loss_cap_per_loan: int | None = None
    pool_payout_cap_per_loan: int | None = None
    pool_payout_cap_after_first_year: int | None = None
    per_borrower_annual_cap: int | None = None
    max_borrower_balance: int | None = None
    annual_budget_cap: int | None = None
    max_loan_size: int | None = None
    pool_size: int | None = None
    leverage: Decimal | None = None
    recovery_rule: str = "pro_rata"
    suspension_npl_bp: int | None = None
    suspension_effect: str = "enrolment"
    claim_deadline_days: int | None = None
    claim_deadline_working_days: int | None = None
    claim_deadline_trigger: str = "non_performing"
    interest_subsidy_bp: int = 0
    interest_subsidy_cap_per_year: int | None = None
    insurance_premium_bp: int = 0
    premium_subsidy_bp_by_year: tuple[int, ...] = ()
    fallback_party: str = "bank"
    notes: str = ""
    _order: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise SchemeError("name", "must be a non-empty string")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise SchemeError("version", f"must be a positive integer, got {self.version!r}")
        for text in ("source", "notes", "superseded_by"):
            if not isinstance(getattr(self, text), str):
                raise SchemeError(text, "must be a string")
        self._validate_shares()
        self._validate_tiers()
        for name in _FEN_FIELDS:
            _opt_fen(getattr(self, name), name)
        _opt_fen(self.pool_size, "pool_size", allow_zero=True)
        if self.leverage is not None:
            lev = self.leverage
            if isinstance(lev, bool) or not isinstance(lev, int | Decimal):
                raise SchemeError("leverage", f"must be a Decimal or int, got {lev!r}")
            if not Decimal(lev).is_finite() or lev <= 0:
                raise SchemeError("leverage", f"must be positive, got {lev}")
            object.__setattr__(self, "leverage", Decimal(lev))
        if not isinstance(self.ip_part_only, bool):
            raise SchemeError("ip_part_only", "must be true or false")
        _one_of(self.recovery_rule, "recovery_rule", RECOVERY_RULES)
        _one_of(self.suspension_effect, "suspension_effect", SUSPENSION_EFFECTS)
        _one_of(self.claim_deadline_trigger, "claim_deadline_trigger", DEADLINE_TRIGGERS)
        if self.suspension_npl_bp is not None:
            _bp(self.suspension_npl_bp, "suspension_npl_bp")
        _positive_int(self.claim_deadline_days, "claim_deadline_days")
        _positive_int(self.claim_deadline_working_days, "claim_deadline_working_days")
        _bp(self.interest_subsidy_bp, "interest_subsidy_bp")
        _bp(self.insurance_premium_bp, "insurance_premium_bp")
        by_year = self.premium_subsidy_bp_by_year
        if not isinstance(by_year, list | tuple):
            raise SchemeError("premium_subsidy_bp_by_year", "must be a list of basis points")
        for i, bp in enumerate(by_year):
            _bp(bp, f"premium_subsidy_bp_by_year[{i}]")
        object.__setattr__(self, "premium_subsidy_bp_by_year", tuple(int(b) for b in by_year))
        if self.fallback_party not in SCHEME_PARTIES or self.fallback_party == "pool":
            raise SchemeError(
                "fallback_party",
                f"must be one of {SCHEME_PARTIES[1:]} (not the pool), got {self.fallback_party!r}",
            )
        order = {*self.shares, "bank", self.fallback_party}
        object.__setattr__(self, "_order", tuple(p for p in SCHEME_PARTIES if p in order))

    def _validate_shares(self) -> None:
        if not isinstance(self.shares, Mapping) or not self.shares:
            raise SchemeError("shares", "must be a non-empty mapping of party -> basis points")
        for party, bp in self.shares.items():
            if party not in SCHEME_PARTIES:
                raise SchemeError(
                    "shares", f"unknown party {party!r}; known parties: {', '.join(SCHEME_PARTIES)}"
                )
            _bp(bp, f"shares.{party}")
        total = sum(self.shares.values())
        if total != FULL_BP:
            raise SchemeError("shares", f"must add up to 10000 bp (100%), got {total}")
        ordered = {p: int(self.shares[p]) for p in sorted(self.shares, key=party_rank)}
        object.__setattr__(self, "shares", MappingProxyType(ordered))
        _bp(self.ip_pledge_bonus_bp, "ip_pledge_bonus_bp")
        _bp(self.relending_bonus_bp, "relending_bonus_bp")
        _bp(self.max_pool_share_bp, "max_pool_share_bp")
        if self.remainder_party not in SCHEME_PARTIES or self.remainder_party == "pool":
            raise SchemeError(
                "remainder_party", f"must be a non-pool party, got {self.remainder_party!r}"
            )

    def _validate_tiers(self) -> None:
        tiers = tuple(self.tiers)
        if any(not isinstance(t, Tier) for t in tiers):
            raise SchemeError("tiers", "must be a sequence of Tier")
        object.__setattr__(self, "tiers", tiers)
        bonus = self.ip_pledge_bonus_bp + self.relending_bonus_bp
        if (tiers or bonus) and "pool" not in self.shares:
            raise SchemeError("tiers", "tiers and bonuses need a 'pool' party in shares")
        previous_up_to = -1
        for i, tier in enumerate(tiers):
            for attr in ("above", "up_to"):
                value = getattr(tier, attr)
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise SchemeError(
                        f"tiers[{i}].{attr}", f"must be a fen amount >= 0, got {value!r}"
                    )
            _bp(tier.pool_bp, f"tiers[{i}].pool_bp")
            if tier.up_to <= tier.above:
                raise SchemeError(
                    f"tiers[{i}]", f"up_to ({tier.up_to}) must exceed above ({tier.above})"
                )
            if tier.above < previous_up_to:
                raise SchemeError(
                    f"tiers[{i}]", "tiers must be ordered by loan size and must not overlap"
                )
            previous_up_to = tier.up_to
        if "pool" in self.shares:
            room = self.shares["pool"] + self.shares.get(self.remainder_party, 0)
            candidates = [t.pool_bp for t in tiers] or [self.shares["pool"]]
            for bp in candidates:
                if min(bp + bonus, self.max_pool_share_bp) > room:
                    raise SchemeError(
                        "tiers",
                        f"a pool share of {bp} bp (+ bonuses) exceeds what the pool and "
                        f"{self.remainder_party} hold together ({room} bp)",
                    )

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    # ----------------------------------------------------------------- data in and out
    @property
    def parties(self) -> tuple[str, ...]:
        """Parties that can bear part of a loss (share holders, the bank, the fallback)."""
        return self._order

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build a scheme from plain JSON-like data (raises SchemeError naming the field)."""
        if not isinstance(data, Mapping):
            raise SchemeError("scheme", "must be a JSON object")
        known = {f.name for f in fields(cls) if f.init}
        for key in data:
            if key not in known:
                raise SchemeError(str(key), "unknown field")
        kwargs: dict[str, Any] = dict(data)
        for required in ("name", "shares"):
            if required not in kwargs:
                raise SchemeError(required, "is required")
        raw_tiers = kwargs.get("tiers", [])
        if not isinstance(raw_tiers, list | tuple):
            raise SchemeError("tiers", "must be a list")
        tiers = []
        for i, raw in enumerate(raw_tiers):
            if not isinstance(raw, Mapping) or set(raw) != {"above", "up_to", "pool_bp"}:
                raise SchemeError(f"tiers[{i}]", "must be an object with above, up_to, pool_bp")
            tiers.append(Tier(above=raw["above"], up_to=raw["up_to"], pool_bp=raw["pool_bp"]))
        kwargs["tiers"] = tuple(tiers)
        if kwargs.get("leverage") is not None:
            raw_lev = kwargs["leverage"]
            if isinstance(raw_lev, bool | float):
                raise SchemeError("leverage", "write the leverage as an integer or a string")
            try:
                kwargs["leverage"] = Decimal(str(raw_lev))
            except InvalidOperation:
                raise SchemeError("leverage", f"not a number: {raw_lev!r}") from None
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; `Scheme.from_dict(s.to_dict()) == s`."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if not f.init:
                continue
            value = getattr(self, f.name)
            if f.name == "shares":
                value = dict(value)
            elif f.name == "tiers":
                value = [{"above": t.above, "up_to": t.up_to, "pool_bp": t.pool_bp} for t in value]
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Decimal):
                value = str(value)
            out[f.name] = value
        return out

    # ------------------------------------------------------------------- per-loan rules
    def pool_share_bp(
        self, loan_principal: int, *, ip_pledge: bool = True, relending: bool = False
    ) -> int:
        """The pool's share (bp) of a loss on a loan of this size; 0 if no tier covers it."""
        if "pool" not in self.shares:
            return 0
        if self.tiers:
            tier = next((t for t in self.tiers if t.covers(loan_principal)), None)
            if tier is None:
                return 0
            base = tier.pool_bp
        else:
            base = self.shares["pool"]
        # Guangzhou 2025 (穗金管规字〔2025〕1号): +15 points for IP pledge loans, +5 for loans
        # backed by monetary-policy tools, at most 50% in all.
        if ip_pledge:
            base += self.ip_pledge_bonus_bp
        if relending:
            base += self.relending_bonus_bp
        return min(base, self.max_pool_share_bp)

    def shares_for(
        self, loan_principal: int, *, ip_pledge: bool = True, relending: bool = False
    ) -> dict[str, int]:
        """Effective shares (bp) of every party for a loan of this size, adding to 10000."""
        shares = {p: self.shares.get(p, 0) for p in self.parties}
        if "pool" in self.shares:
            pool = self.pool_share_bp(loan_principal, ip_pledge=ip_pledge, relending=relending)
            shares[self.remainder_party] = (
                shares.get(self.remainder_party, 0) + shares["pool"] - pool
            )
            shares["pool"] = pool
        return shares

    def covered_limits(
        self, loan_principal: int, context: ClaimContext = NO_CONTEXT
    ) -> list[tuple[str, int]]:
        """The limits on the covered principal of a loan, in the order they apply.

        Each entry is (rule, limit in fen) for a rule of this scheme that applies:
        "ip_part_only" (the IP-backed part of a mixed-collateral loan), "covered_principal_cap"
        (the per-loan cap) and "borrower_covered_cap" (what is left of the borrower's yearly
        cap after its other loans).
        """
        limits: list[tuple[str, int]] = []
        # Guangzhou 2023 and Weihai: for a loan with IP and other collateral (组合贷), only the
        # IP-backed part is compensated.
        if self.ip_part_only and context.ip_backed_principal is not None:
            limits.append(("ip_part_only", context.ip_backed_principal))
        # Guangzhou 2023: 单笔不良贷款不超过1000万元 ... 的部分 (the part up to 10m CNY a loan).
        if self.covered_principal_cap_per_loan is not None:
            limits.append(("covered_principal_cap", self.covered_principal_cap_per_loan))
        # Guangzhou 2023: 单一企业累计不超过2000万元的部分; the part above is the bank's risk.
        if self.borrower_covered_cap_per_year is not None:
            room = self.borrower_covered_cap_per_year - context.borrower_covered_this_year
            limits.append(("borrower_covered_cap", max(0, room)))
        return [(rule, limit) for rule, limit in limits if limit < loan_principal]

    def covered_principal(self, loan_principal: int, context: ClaimContext = NO_CONTEXT) -> int:
        """The part of the loan's principal (fen) the scheme covers; the rest is the bank's."""
        limits = [limit for _, limit in self.covered_limits(loan_principal, context)]
        return min([loan_principal, *limits])

    def pool_payout_cap(self, business_year: int = 1) -> int | None:
        """The per-claim cap on the pool's payment in the scheme's `business_year` (1 = first).

        Weihai: at most 1m CNY a claim in the first business year, at most 1.5m later.
        """
        if business_year > 1 and self.pool_payout_cap_after_first_year is not None:
            return self.pool_payout_cap_after_first_year
        return self.pool_payout_cap_per_loan
