"""What the pool's lists (claims, ledger) sort and filter by."""

from __future__ import annotations

from sqlmodel import col

from market.domain.kinds import LedgerAccount
from market.domain.messages import _l
from market.models.orgs import Organisation
from market.models.pool import Claim
from market.text.pool_labels import ACCOUNT_LABELS
from market.views.paging import Filter, ListSpec

CLAIMS = ListSpec(
    sorts={"id": col(Claim.id), "filed": col(Claim.filed_on), "loss": col(Claim.loss)},
    default_sort="id",
    search=(col(Organisation.name),),
    numbers={"loan": col(Claim.loan_id)},
    choices={"bank": col(Claim.bank_id)},
    date_column=col(Claim.filed_on),
    filters=(
        Filter("q", _l("Borrower")),
        Filter("bank", _l("Bank"), "choice"),
        Filter("loan", _l("Loan number"), "number"),
        Filter("from", _l("Filed from"), "date"),
        Filter("to", _l("Filed to"), "date"),
    ),
)

LEDGER_FILTERS = (
    Filter("q", _l("Memo")),
    Filter("account", _l("Account"), "choice",
           tuple((a.value, ACCOUNT_LABELS.get(a, a.value)) for a in LedgerAccount)),
    Filter("loan", _l("Loan number"), "number"),
    Filter("from", _l("Posted from"), "date"),
    Filter("to", _l("Posted to"), "date"),
)
