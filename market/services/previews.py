"""Previews of money actions: the figures a user confirms, and the digest that ties the final
posting to them.

A service that moves money or cannot be undone plans its figures in one function, used both
to show the preview and, inside the posting transaction after its locks, to post. The preview
carries a digest of the planned figures; the posting re-plans, and refuses with StalePreview
(nothing posted) when the digest of what it would post differs from the one previewed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from market.domain.errors import Conflict
from market.domain.kinds import LedgerAccount
from market.domain.messages import N_

POOL_CASH = LedgerAccount.POOL_CASH.value

#: The form field carrying the digest of the previewed figures.
FIELD = "preview_digest"

STALE = N_(
    "The figures changed since your preview (someone else acted meanwhile). Nothing was "
    "posted: check the new figures and confirm again."
)


class StalePreview(Conflict):
    """The figures to post differ from the ones the user previewed: nothing is posted."""


def digest(figures: Mapping[str, Any]) -> str:
    """A short fingerprint of the figures (canonical JSON, SHA-256)."""
    text = json.dumps(figures, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def require_digest(expected: str | None, actual: str) -> None:
    """Refuse (StalePreview) when a preview's digest is given and differs from the digest
    of the figures about to be posted."""
    if expected is not None and expected != actual:
        raise StalePreview(STALE)


@dataclass(frozen=True)
class ContributionPlan:
    """Government money paid into the pool today. The digest holds what is posted (amount,
    memo, day): the balance shown beside it does not change the posting."""

    amount: int
    memo: str
    day: date
    balance_before: int

    @property
    def balance_after(self) -> int:
        """The pool's balance once the money is in."""
        return self.balance_before + self.amount

    @property
    def digest(self) -> str:
        """The fingerprint of the figures the bureau confirms."""
        return digest(
            {"action": "contribute", "amount": self.amount, "memo": self.memo, "day": self.day}
        )


@dataclass(frozen=True)
class ReversalPlan:
    """A mirror posting: the lines that reverse `subject` (account, debit, credit) and the
    pool's balance before and after it."""

    subject: str
    lines: tuple[tuple[str, int, int], ...]
    balance_before: int

    @property
    def cash_change(self) -> int:
        """What the mirror posting does to the pool's cash (negative: it leaves the pool)."""
        return sum(debit - credit for account, debit, credit in self.lines if account == POOL_CASH)

    @property
    def balance_after(self) -> int:
        """The pool's balance after the mirror posting."""
        return self.balance_before + self.cash_change

    @property
    def digest(self) -> str:
        """The fingerprint of the figures the user confirms."""
        return digest(
            {
                "action": "reverse",
                "subject": self.subject,
                "lines": self.lines,
                "balance": self.balance_before,
            }
        )
