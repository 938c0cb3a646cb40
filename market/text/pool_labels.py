"""Display labels of the pool's words: parties, claim states, ledger accounts, rules."""

from __future__ import annotations

from market.domain.kinds import LedgerAccount
from market.domain.messages import _l
from market.domain.schedule import Classification
from market.domain.states import ClaimStatus

PARTY_LABELS = {
    "pool": _l("Compensation pool"),
    "bank": _l("Bank"),
    "insurer": _l("Insurer"),
    "guarantor": _l("Guarantor"),
    "re_guarantor": _l("Re-guarantor"),
    "valuer": _l("Valuation firm"),
    "treasury": _l("Treasury"),
    "borrower": _l("Borrower"),
    "province": _l("Provincial fund"),
}

CLAIM_STATUS_LABELS = {
    ClaimStatus.FILED: _l("Awaiting decision"),
    ClaimStatus.APPROVED: _l("Approved"),
    ClaimStatus.REJECTED: _l("Rejected"),
}

ACCOUNT_LABELS = {
    LedgerAccount.POOL_CASH: _l("Pool cash"),
    LedgerAccount.FUNDING: _l("Government funding"),
    LedgerAccount.COMPENSATION: _l("Compensation paid"),
    LedgerAccount.RECOVERIES: _l("Recoveries"),
    LedgerAccount.SUBSIDIES: _l("Interest subsidies"),
    LedgerAccount.SUBSIDY_PAYABLE: _l("Subsidies payable"),
    LedgerAccount.FEE_SUBSIDIES: _l("Fee and premium subsidies"),
}

RECOVERY_RULE_LABELS = {
    "pro_rata": _l("Shared back pro rata to what each party paid"),
    "treasury": _l("The pool's part goes to the treasury"),
}

CLASSIFICATION_LABELS = {
    Classification.NORMAL: _l("Normal"),
    Classification.SPECIAL_MENTION: _l("Special mention"),
    Classification.SUBSTANDARD: _l("Substandard"),
    Classification.DOUBTFUL: _l("Doubtful"),
    Classification.LOSS: _l("Loss"),
}


def party_label(party: str) -> str:
    """The label of a party (the raw name if it is unknown)."""
    label = PARTY_LABELS.get(party)
    return str(label) if label is not None else party
