"""Loss-sharing schemes: who shares a defaulted loan's principal loss, with which caps.

`Scheme` is `SchemeTerms` (riskpool.terms: the validated fields and per-loan rules) plus what a
caller does with a scheme: load and save it, split a loss or a recovery (riskpool.waterfall),
check an enrolment, decide whether a bank's claims wait, compute deadlines and subsidies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from riskpool.context import NO_CONTEXT, ClaimContext
from riskpool.errors import SchemeError
from riskpool.money import format_cny, fraction_of, require_fen, round_half_up
from riskpool.presets import preset_data
from riskpool.terms import (
    DEADLINE_TRIGGERS,
    FULL_BP,
    RECOVERY_RULES,
    SUSPENSION_EFFECTS,
    SchemeTerms,
    Tier,
)
from riskpool.waterfall import RecoverySplit, Split, split, split_recovery
from riskpool.workdays import add_working_days

__all__ = [
    "DEADLINE_TRIGGERS",
    "FULL_BP",
    "RECOVERY_RULES",
    "SUSPENSION_EFFECTS",
    "Scheme",
    "Tier",
]


class Scheme(SchemeTerms):
    """A risk-compensation scheme (see `SchemeTerms` for the fields and docs/schemes.md)."""

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

    def split(
        self,
        loss: int,
        *,
        loan_principal: int,
        pool_balance: int | None,
        ip_pledge: bool = True,
        budget_remaining: int | None = None,
        context: ClaimContext = NO_CONTEXT,
    ) -> Split:
        """Split a principal loss (fen) between the parties; see `riskpool.waterfall.split`."""
        return split(
            self,
            loss,
            loan_principal=loan_principal,
            pool_balance=pool_balance,
            ip_pledge=ip_pledge,
            budget_remaining=budget_remaining,
            context=context,
        )

    def split_recovery(self, amount: int, *, paid: Mapping[str, int]) -> RecoverySplit:
        """Split a recovery (fen) back to the payers; see `riskpool.waterfall.split_recovery`."""
        return split_recovery(self, amount, paid=paid)

    # ------------------------------------------------------------------ suspension
    def bank_suspended(self, npl_losses_this_year: int, enrolled_principal: int) -> bool:
        """True if the bank's NPL losses this year exceed the suspension trigger.

        What a suspension stops is `suspension_effect`: new enrolments ("enrolment"), or the
        payment of the bank's claims ("compensation", see `compensation_suspended`).
        """
        losses = require_fen(npl_losses_this_year, "npl_losses_this_year")
        enrolled = require_fen(enrolled_principal, "enrolled_principal")
        if self.suspension_npl_bp is None:
            return False
        return losses * FULL_BP > self.suspension_npl_bp * enrolled

    def compensation_suspended(self, context: ClaimContext) -> bool:
        """True if the bank's claims must wait this year (the loans stay enrolled).

        Guangzhou 2025 (穗金管规字〔2025〕1号): a bank whose NPL losses this year exceed 3% of
        the principal it enrolled this year has its compensation suspended (暂缓补偿); enrolment
        goes on. Uses `context.bank_losses_this_year` and `context.bank_enrolled_this_year`.
        """
        if self.suspension_effect != "compensation":
            return False
        return self.bank_suspended(context.bank_losses_this_year, context.bank_enrolled_this_year)

    # ------------------------------------------------------------------ enrolment
    def check_enrolment(
        self,
        *,
        loan_principal: int,
        borrower_enrolled_principal: int,
        total_enrolled_principal: int,
        pool_balance: int,
        bank_suspended: bool,
        ip_pledge: bool = True,
        borrower_guaranteed_balance: int = 0,
    ) -> list[str]:
        """Reasons why a loan may NOT be enrolled in the scheme (an empty list: eligible).

        `borrower_guaranteed_balance` is the borrower's outstanding guaranteed balance on its
        other loans (checked against `max_borrower_balance`). `bank_suspended` only blocks
        enrolment when the scheme's suspension stops enrolment; under a scheme that suspends
        compensation instead, enrolment goes on.
        """
        principal = require_fen(loan_principal, "loan_principal")
        borrower = require_fen(borrower_enrolled_principal, "borrower_enrolled_principal")
        total = require_fen(total_enrolled_principal, "total_enrolled_principal")
        balance = require_fen(pool_balance, "pool_balance")
        guaranteed = require_fen(borrower_guaranteed_balance, "borrower_guaranteed_balance")
        reasons: list[str] = []
        if principal <= 0:
            reasons.append("the loan principal must be positive")
        if self.max_loan_size is not None and principal > self.max_loan_size:
            reasons.append(
                f"the loan of {format_cny(principal)} exceeds the scheme's maximum loan size "
                f"of {format_cny(self.max_loan_size)}"
            )
        # Guangzhou 2025 (穗金管规字〔2025〕1号): the tiers end at 30m CNY.
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
        # Anhui 4321 (cdbulang.com): 单户在保余额2000万元(含)以下, the borrower's whole
        # outstanding guaranteed balance, this loan included, is at most 20m CNY.
        if self.max_borrower_balance is not None and guaranteed + principal > (
            self.max_borrower_balance
        ):
            reasons.append(
                f"the borrower's guaranteed balance would be {format_cny(guaranteed + principal)}, "
                f"above the scheme's limit of {format_cny(self.max_borrower_balance)} a borrower"
            )
        # Zhongshan 2021 and Shenzhen 2018: enrolled loans at most 10 x the pool.
        if self.leverage is not None and Decimal(total + principal) > self.leverage * balance:
            headroom = max(0, int(self.leverage * balance) - total)
            reasons.append(
                f"the pool's leverage limit ({self.leverage} x {format_cny(balance)}) leaves "
                f"{format_cny(headroom)} of headroom, less than the loan"
            )
        if bank_suspended and self.suspension_effect == "enrolment":
            reasons.append(
                "the bank is suspended: its NPL losses this year exceed the scheme's trigger"
            )
        return reasons

    # ------------------------------------------------------------------ deadlines
    def claim_deadline(
        self,
        start: date,
        *,
        holidays: Iterable[date] = (),
        makeup_workdays: Iterable[date] = (),
    ) -> date | None:
        """The last day to file a claim, counted from `start` (None: no deadline).

        `start` is the day named by `claim_deadline_trigger` (the loan becoming non-performing,
        or the bureau confirming the loss). Working days are Monday to Friday; pass the year's
        public holidays and make-up working days (调休) to count them as China does.
        Weihai: 10 working days after the provincial bureau confirms the loss.
        """
        if self.claim_deadline_working_days is not None:
            return add_working_days(
                start,
                self.claim_deadline_working_days,
                holidays=holidays,
                makeup_workdays=makeup_workdays,
            )
        if self.claim_deadline_days is not None:
            return start + timedelta(days=self.claim_deadline_days)
        return None

    # ------------------------------------------------------------------ subsidies
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

    def premium_subsidy(self, premium: int, *, loan_year: int) -> int:
        """The part (fen, rounded down) of a premium paid in `loan_year` (1 = first) that the
        government pays back; 0 after the years the scheme lists.

        Qingdao (qzxia.com; ipraction.cn 2019-09): 80%, 60% and 40% of the premium in years 1-3.
        """
        amount = require_fen(premium, "premium")
        if amount < 0:
            raise ValueError("premium must not be negative")
        if isinstance(loan_year, bool) or not isinstance(loan_year, int) or loan_year < 1:
            raise ValueError(f"loan_year must be an integer >= 1, got {loan_year!r}")
        if loan_year > len(self.premium_subsidy_bp_by_year):
            return 0
        return amount * self.premium_subsidy_bp_by_year[loan_year - 1] // FULL_BP
