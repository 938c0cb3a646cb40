"""What the lending lists (requests, loans, receivables) sort and filter by."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists
from sqlmodel import col, select

from market.domain.kinds import AssetKind
from market.domain.messages import _l
from market.domain.schedule import Classification
from market.domain.states import (
    CLAIM_STATUS_LABELS,
    LOAN_STATUS_LABELS,
    REQUEST_STATUS_LABELS,
    ClaimStatus,
    LoanStatus,
    RequestStatus,
)
from market.models.assets import IPAsset
from market.models.lending import FinancingRequest, Loan, RequestAsset
from market.models.orgs import Organisation
from market.models.pledges import Pledge
from market.models.pool import Claim, Receivable
from market.text.labels import CLASSIFICATION_LABELS
from market.text.reference import KIND_LABELS
from market.views.paging import Filter, ListSpec

KINDS = tuple((k.value, KIND_LABELS[k]) for k in AssetKind)


def _loan_pledges_kind(value: str) -> Any:
    return exists(
        select(Pledge.id)
        .join(IPAsset, col(IPAsset.id) == Pledge.asset_id)
        .where(Pledge.loan_id == Loan.id, IPAsset.kind == value)
    )


def _request_pledges_kind(value: str) -> Any:
    return exists(
        select(RequestAsset.id)
        .join(IPAsset, col(IPAsset.id) == RequestAsset.asset_id)
        .where(RequestAsset.request_id == FinancingRequest.id, IPAsset.kind == value)
    )


REQUESTS = ListSpec(
    sorts={"id": col(FinancingRequest.id), "amount": col(FinancingRequest.amount),
           "date": col(FinancingRequest.created_on), "borrower": col(Organisation.name)},
    default_sort="id",
    search=(col(Organisation.name), col(Organisation.uscc), col(FinancingRequest.purpose)),
    choices={"status": col(FinancingRequest.status)},
    clauses={"kind": _request_pledges_kind},
    numbers={"borrower_id": col(FinancingRequest.borrower_id)},
    date_column=col(FinancingRequest.created_on),
    filters=(
        Filter("q", _l("Borrower, credit code or purpose")),
        Filter("status", _l("Status"), "choice",
               tuple((s.value, REQUEST_STATUS_LABELS[s]) for s in RequestStatus)),
        Filter("kind", _l("IP kind"), "choice", KINDS),
        Filter("from", _l("Sent from"), "date"),
        Filter("to", _l("Sent to"), "date"),
    ),
)

LOANS = ListSpec(
    sorts={"id": col(Loan.id), "principal": col(Loan.principal),
           "dpd": col(Loan.days_past_due), "date": col(Loan.accepted_on),
           "borrower": col(Organisation.name)},
    default_sort="id",
    search=(col(Organisation.name), col(Organisation.uscc)),
    choices={"status": col(Loan.status), "class": col(Loan.classification),
             "bank": col(Loan.bank_id)},
    clauses={"kind": _loan_pledges_kind},
    numbers={"borrower_id": col(Loan.borrower_id)},
    date_column=col(Loan.accepted_on),
    filters=(
        Filter("q", _l("Borrower or credit code")),
        Filter("status", _l("Status"), "choice",
               tuple((s.value, LOAN_STATUS_LABELS[s]) for s in LoanStatus)),
        Filter("class", _l("Classification"), "choice",
               tuple((c.value, CLASSIFICATION_LABELS[c]) for c in Classification)),
        Filter("bank", _l("Bank"), "choice"),
        Filter("kind", _l("IP kind"), "choice", KINDS),
        Filter("from", _l("Accepted from"), "date"),
        Filter("to", _l("Accepted to"), "date"),
    ),
)

RECEIVABLES = ListSpec(
    sorts={"id": col(Receivable.id), "amount": col(Receivable.amount),
           "date": col(Receivable.created_on)},
    default_sort="id",
    search=(col(Receivable.party),),
    numbers={"claim": col(Receivable.claim_id)},
    date_column=col(Receivable.created_on),
    filters=(
        Filter("q", _l("Party")),
        Filter("claim", _l("Claim number"), "number"),
        Filter("from", _l("Since"), "date"),
        Filter("to", _l("Until"), "date"),
    ),
)

BANK_CLAIMS = ListSpec(
    sorts={"id": col(Claim.id), "filed": col(Claim.filed_on), "loss": col(Claim.loss),
           "deadline": col(Claim.deadline_on), "borrower": col(Organisation.name)},
    default_sort="id",
    search=(col(Organisation.name), col(Organisation.uscc)),
    choices={"status": col(Claim.status)},
    numbers={"loan": col(Claim.loan_id)},
    date_column=col(Claim.filed_on),
    filters=(
        Filter("q", _l("Borrower or credit code")),
        Filter("status", _l("Status"), "choice",
               tuple((s.value, CLAIM_STATUS_LABELS[s]) for s in ClaimStatus)),
        Filter("loan", _l("Loan number"), "number"),
        Filter("from", _l("Filed from"), "date"),
        Filter("to", _l("Filed to"), "date"),
    ),
)
