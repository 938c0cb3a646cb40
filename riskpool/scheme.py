"""Loss-sharing schemes: who shares a defaulted loan's principal loss, with which caps."""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

from riskpool.errors import SchemeError
from riskpool.money import format_cny, fraction_of, require_fen, round_half_up
from riskpool.parties import SCHEME_PARTIES, party_rank
from riskpool.presets import preset_data
from riskpool.waterfall import RecoverySplit, Split, split, split_recovery

RECOVERY_RULES: tuple[str, ...] = ("pro_rata", "treasury")
FULL_BP = 10_000


@dataclass(frozen=True)
class Tier:
    """The pool's share (bp) for loans with above < principal <= up_to (fen)."""

    above: int
    up_to: int
    pool_bp: int

    def covers(self, principal: int) -> bool:
        """True if a loan of `principal` fen falls in this tier."""
        return self.above < principal <= self.up_to


def _opt_fen(data: Mapping[str, Any], name: str, *, allow_zero: bool = False) -> int | None:
    value = data.get(name)
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


@dataclass(frozen=True)
class Scheme:
    """A risk-compensation scheme as data; validated on construction (raises SchemeError).

    Money fields are integer fen, shares and rates basis points (10000 = 100%).
    `shares` maps each party to its share of a principal loss. With `tiers`, the pool's share
    depends on the loan size (plus `ip_pledge_bonus_bp` for IP pledge loans, capped at
    `max_pool_share_bp`); the difference to the base pool share is taken from or given to
    `remainder_party`.
    """

    name: str
    shares: Mapping[str, int]
    version: int = 1
    source: str = ""
    tiers: tuple[Tier, ...] = ()
    ip_pledge_bonus_bp: int = 0
    max_pool_share_bp: int = FULL_BP
    remainder_party: str = "bank"
    eligible_loss_cap_per_loan: int | None = None
    pool_payout_cap_per_loan: int | None = None
    per_borrower_annual_cap: int | None = None
    annual_budget_cap: int | None = None
    max_loan_size: int | None = None
    pool_size: int | None = None
    leverage: Decimal | None = None
    recovery_rule: str = "pro_rata"
    suspension_npl_bp: int | None = None
    claim_deadline_days: int | None = None
    interest_subsidy_bp: int = 0
    interest_subsidy_cap_per_year: int | None = None
    insurance_premium_bp: int = 0
    fallback_party: str = "bank"
    notes: str = ""
    _order: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise SchemeError("name", "must be a non-empty string")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise SchemeError("version", f"must be a positive integer, got {self.version!r}")
        if not isinstance(self.source, str) or not isinstance(self.notes, str):
            raise SchemeError("source", "source and notes must be strings")
        self._validate_shares()
        self._validate_tiers()
        for name in (
            "eligible_loss_cap_per_loan",
            "pool_payout_cap_per_loan",
            "per_borrower_annual_cap",
            "annual_budget_cap",
            "max_loan_size",
            "interest_subsidy_cap_per_year",
        ):
            _opt_fen({name: getattr(self, name)}, name)
        _opt_fen({"pool_size": self.pool_size}, "pool_size", allow_zero=True)
        if self.leverage is not None:
            lev = self.leverage
            if isinstance(lev, bool) or not isinstance(lev, int | Decimal):
                raise SchemeError("leverage", f"must be a Decimal or int, got {lev!r}")
            if not Decimal(lev).is_finite() or lev <= 0:
                raise SchemeError("leverage", f"must be positive, got {lev}")
            object.__setattr__(self, "leverage", Decimal(lev))
        if self.recovery_rule not in RECOVERY_RULES:
            raise SchemeError(
                "recovery_rule", f"must be one of {RECOVERY_RULES}, got {self.recovery_rule!r}"
            )
        if self.suspension_npl_bp is not None:
            _bp(self.suspension_npl_bp, "suspension_npl_bp")
        if self.claim_deadline_days is not None:
            days = self.claim_deadline_days
            if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
                raise SchemeError(
                    "claim_deadline_days", f"must be a positive integer, got {days!r}"
                )
        _bp(self.interest_subsidy_bp, "interest_subsidy_bp")
        _bp(self.insurance_premium_bp, "insurance_premium_bp")
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
        if (tiers or self.ip_pledge_bonus_bp) and "pool" not in self.shares:
            raise SchemeError("tiers", "tiers and an IP bonus need a 'pool' party in shares")
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
                if min(bp + self.ip_pledge_bonus_bp, self.max_pool_share_bp) > room:
                    raise SchemeError(
                        "tiers",
                        f"a pool share of {bp} bp (+ bonus) exceeds what the pool and "
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
    def from_dict(cls, data: Mapping[str, Any]) -> Scheme:
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
            elif isinstance(value, Decimal):
                value = str(value)
            out[f.name] = value
        return out

    @classmethod
    def load(cls, path: str | Path) -> Scheme:
        """Load a scheme from a JSON file."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SchemeError("scheme", f"{path} is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    def save(self, path: str | Path) -> None:
        """Write the scheme as pretty JSON (UTF-8)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def preset(cls, name: str) -> Scheme:
        """A shipped preset by name (see `riskpool.list_presets()`)."""
        return cls.from_dict(preset_data(name))

    def new_version(self, **changes: Any) -> Scheme:
        """A copy with `changes` applied and the version number raised by one."""
        return replace(self, version=self.version + 1, **changes)

    # ------------------------------------------------------------------- shares and rules
    def pool_share_bp(self, loan_principal: int, *, ip_pledge: bool = True) -> int:
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
        if ip_pledge:
            base += self.ip_pledge_bonus_bp
        return min(base, self.max_pool_share_bp)

    def shares_for(self, loan_principal: int, *, ip_pledge: bool = True) -> dict[str, int]:
        """Effective shares (bp) of every party for a loan of this size, adding to 10000."""
        shares = {p: self.shares.get(p, 0) for p in self.parties}
        if "pool" in self.shares:
            pool = self.pool_share_bp(loan_principal, ip_pledge=ip_pledge)
            shares[self.remainder_party] = (
                shares.get(self.remainder_party, 0) + shares["pool"] - pool
            )
            shares["pool"] = pool
        return shares

    def split(
        self,
        loss: int,
        *,
        loan_principal: int,
        pool_balance: int | None,
        ip_pledge: bool = True,
        budget_remaining: int | None = None,
    ) -> Split:
        """Split a principal loss (fen) between the parties; see `riskpool.waterfall.split`."""
        return split(
            self,
            loss,
            loan_principal=loan_principal,
            pool_balance=pool_balance,
            ip_pledge=ip_pledge,
            budget_remaining=budget_remaining,
        )

    def split_recovery(self, amount: int, *, paid: Mapping[str, int]) -> RecoverySplit:
        """Split a recovery (fen) back to the payers; see `riskpool.waterfall.split_recovery`."""
        return split_recovery(self, amount, paid=paid)

    def bank_suspended(self, npl_losses_this_year: int, enrolled_principal: int) -> bool:
        """True if the bank's NPL losses this year exceed the suspension trigger."""
        losses = require_fen(npl_losses_this_year, "npl_losses_this_year")
        enrolled = require_fen(enrolled_principal, "enrolled_principal")
        if self.suspension_npl_bp is None:
            return False
        return losses * FULL_BP > self.suspension_npl_bp * enrolled

    def check_enrolment(
        self,
        *,
        loan_principal: int,
        borrower_enrolled_principal: int,
        total_enrolled_principal: int,
        pool_balance: int,
        bank_suspended: bool,
        ip_pledge: bool = True,
    ) -> list[str]:
        """Reasons why a loan may NOT be enrolled in the scheme (an empty list: eligible)."""
        principal = require_fen(loan_principal, "loan_principal")
        borrower = require_fen(borrower_enrolled_principal, "borrower_enrolled_principal")
        total = require_fen(total_enrolled_principal, "total_enrolled_principal")
        balance = require_fen(pool_balance, "pool_balance")
        reasons: list[str] = []
        if principal <= 0:
            reasons.append("the loan principal must be positive")
        if self.max_loan_size is not None and principal > self.max_loan_size:
            reasons.append(
                f"the loan of {format_cny(principal)} exceeds the scheme's maximum loan size "
                f"of {format_cny(self.max_loan_size)}"
            )
        if self.tiers and not any(t.covers(principal) for t in self.tiers):
            reasons.append(f"no tier of the scheme covers a loan of {format_cny(principal)}")
        if (
            self.per_borrower_annual_cap is not None
            and borrower + principal > self.per_borrower_annual_cap
        ):
            reasons.append(
                f"the borrower would have {format_cny(borrower + principal)} enrolled this year, "
                f"above the per-borrower cap of {format_cny(self.per_borrower_annual_cap)}"
            )
        if self.leverage is not None and Decimal(total + principal) > self.leverage * balance:
            headroom = max(0, int(self.leverage * balance) - total)
            reasons.append(
                f"the pool's leverage limit ({self.leverage} x {format_cny(balance)}) leaves "
                f"{format_cny(headroom)} of headroom, less than the loan"
            )
        if bank_suspended:
            reasons.append(
                "the bank is suspended: its NPL losses this year exceed the scheme's trigger"
            )
        return reasons

    def interest_subsidy(self, interest: int, *, years: int | Decimal = 1) -> int:
        """The government's interest subsidy in fen (rounded down), within the yearly cap."""
        amount = require_fen(interest, "interest")
        if amount < 0:
            raise ValueError("interest must not be negative")
        subsidy = amount * self.interest_subsidy_bp // FULL_BP
        if self.interest_subsidy_cap_per_year is not None:
            cap = fraction_of(years) * self.interest_subsidy_cap_per_year
            subsidy = min(subsidy, int(cap))
        return subsidy

    def insurance_premium(self, principal: int, years: int | Decimal | Fraction = 1) -> int:
        """Insurance premium in fen: principal x premium rate x years, rounded half up."""
        amount = require_fen(principal, "principal")
        span = fraction_of(years)
        if amount < 0 or span < 0:
            raise ValueError("principal and years must not be negative")
        return round_half_up(Fraction(amount * self.insurance_premium_bp, FULL_BP) * span)
