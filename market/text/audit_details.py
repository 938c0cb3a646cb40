"""An audit event's before/after details as "label: value" lines in the reader's language.

The audit trail stores plain JSON (column names and values: money in fen, rates in basis
points, enum codes, ISO dates). Shown, each key gets its label and each value its reader's form:
money as CNY, basis points as a percentage, yes/no, dates and times in the reader's format,
codes as their labels. Technical keys (row versions, whole valuation inputs) are left out; an
unknown key is shown by its name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from market.domain.messages import N_, _l, translate
from market.domain.money import format_fen
from market.domain.payments import PAYMENT_STATUS_LABELS, PURPOSE_LABELS
from market.domain.states import (
    CLAIM_STATUS_LABELS,
    ENROLMENT_LABELS,
    LOAN_STATUS_LABELS,
    OFFER_STATUS_LABELS,
    PLEDGE_STATUS_LABELS,
    REQUEST_STATUS_LABELS,
)
from market.text.labels import (
    CLASSIFICATION_LABELS,
    DISPOSAL_LABELS,
    PARTY_LABELS,
    REPAYMENT_KIND_LABELS,
    REPAYMENT_TYPE_LABELS,
)
from market.text.pool_labels import ACCOUNT_LABELS
from market.text.reference import (
    INDUSTRY_LABELS,
    KIND_LABELS,
    ORG_KIND_LABELS,
    ROLE_LABELS,
    SIZE_LABELS,
    STATUS_LABELS,
)

# Keys kept for the record but not worth a line: versions and whole documents.
HIDDEN = frozenset(
    {"row_version", "session_version", "inputs", "result", "document", "rows", "params"}
)

MONEY = frozenset(
    {
        "amount", "annual_revenue", "development_cost", "principal", "interest", "penalty",
        "subsidy", "gross", "proceeds", "loss", "max_loan", "other_collateral", "value_p10",
        "value_p50", "value_p90", "liquidation_value", "adjusted_value", "insurance_premium",
        "interest_subsidy", "compound_accrued", "penalty_accrued", "penalty_paid", "npl_losses",
        "enrolled_principal", "pool_balance_at_decision", "yearly_cap", "settled", "total",
        "floor", "target_value", "regional_output_value", "licence_income",
        "holder_fee_income", "own_sales_under_mark", "valuation_fee_invention_patent",
        "valuation_fee_utility_model", "valuation_fee_design_patent",
        "valuation_fee_trademark", "valuation_fee_gi_mark",
    }
)  # fmt: skip

FIELD_LABELS: dict[str, Any] = {
    "amount": _l("Amount"),
    "annual_revenue": _l("Annual revenue"),
    "development_cost": _l("Development cost"),
    "principal": _l("Principal"),
    "interest": _l("Interest"),
    "penalty": _l("Penalty interest"),
    "subsidy": _l("Subsidy"),
    "gross": _l("Gross amount"),
    "proceeds": _l("Proceeds"),
    "loss": _l("Loss"),
    "max_loan": _l("Maximum loan"),
    "other_collateral": _l("Other collateral"),
    "value_p10": _l("Value P10"),
    "value_p50": _l("Value P50"),
    "value_p90": _l("Value P90"),
    "liquidation_value": _l("Liquidation value"),
    "adjusted_value": _l("Bank's value"),
    "insurance_premium": _l("Insurance premium"),
    "interest_subsidy": _l("Interest subsidy"),
    "compound_accrued": _l("Compound interest accrued"),
    "penalty_accrued": _l("Penalty interest accrued"),
    "penalty_paid": _l("Penalty interest paid"),
    "npl_losses": _l("NPL losses"),
    "enrolled_principal": _l("Enrolled principal"),
    "pool_balance_at_decision": _l("Pool balance at the decision"),
    "yearly_cap": _l("Yearly cap"),
    "total": _l("Total"),
    "status": _l("Status"),
    "classification": _l("Classification"),
    "enrolment": _l("Enrolment"),
    "enrolment_reasons": _l("Enrolment reasons"),
    "reason": _l("Reason"),
    "rejection_reason": _l("Reason sent back"),
    "decision_reason": _l("Reason for the decision"),
    "override_reason": _l("Reason for exceeding the maximum loan"),
    "release_reason": _l("Reason for release"),
    "lift_reason": _l("Reason for lifting"),
    "refund_reason": _l("Reason for the refund"),
    "note": _l("Note"),
    "memo": _l("Memo"),
    "conditions": _l("Conditions"),
    "purpose": _l("Purpose"),
    "rate_bp": _l("Interest rate"),
    "pledge_rate_bp": _l("Pledge rate"),
    "penalty_markup_bp": _l("Penalty markup"),
    "trigger_bp": _l("Trigger"),
    "revenue_growth_bp": _l("Expected growth"),
    "revenue_growth": _l("Expected growth"),
    "term_months": _l("Term (months)"),
    "repayment_type": _l("Repayment type"),
    "kind": _l("Kind"),
    "disposal": _l("Disposal"),
    "account": _l("Account"),
    "party": _l("Party"),
    "role": _l("Role"),
    "size": _l("Size"),
    "industry": _l("Industry"),
    "legal_status": _l("Legal status"),
    "region": _l("Region"),
    "name": _l("Name"),
    "title": _l("Title"),
    "email": _l("E-mail"),
    "locale": _l("Language"),
    "uscc": _l("Unified social credit code"),
    "high_tech": _l("High-tech enterprise"),
    "is_active": _l("Active"),
    "insured": _l("Insured"),
    "wants_insurance": _l("Guarantee insurance wanted"),
    "relending": _l("Relending"),
    "registry_number": _l("Registry number"),
    "registration_number": _l("Registration number"),
    "holder_name": _l("Registered holder"),
    "filing_date": _l("Filing date"),
    "grant_date": _l("Grant or registration date"),
    "expiry_date": _l("Protection ends"),
    "business_date": _l("Business date"),
    "as_of": _l("As of"),
    "due_on": _l("Due on"),
    "paid_on": _l("Paid on"),
    "filed_on": _l("Filed on"),
    "decided_on": _l("Decided on"),
    "deadline_on": _l("Deadline"),
    "disbursed_on": _l("Disbursed on"),
    "maturity_on": _l("Matures on"),
    "accepted_on": _l("Accepted on"),
    "enrolled_on": _l("Enrolled on"),
    "closed_on": _l("Closed on"),
    "expires_on": _l("Expires on"),
    "registered_on": _l("Registered on"),
    "released_on": _l("Released on"),
    "received_on": _l("Received on"),
    "suspended_on": _l("Suspended on"),
    "lifted_on": _l("Lifted on"),
    "effective_from": _l("In force from"),
    "grade": _l("Grade"),
    "rating_grade": _l("Rating grade"),
    "model_version": _l("Model version"),
    "version": _l("Version"),
    "year": _l("Year"),
    "days_past_due": _l("Days past due"),
    "counterparty": _l("Counterparty"),
    "reference": _l("Reference"),
    "txn": _l("Transaction"),
    "reverses": _l("Reverses"),
    "distribution": _l("Distribution"),
    "split": _l("Split"),
    "thresholds": _l("Thresholds"),
    "facts": _l("Facts"),
    "asset_ids": _l("Assets"),
    "instalments": _l("Instalments"),
    "request_id": _l("Request"),
    "offer_id": _l("Offer"),
    "loan_id": _l("Loan"),
    "asset_id": _l("Asset"),
    "claim_id": _l("Claim"),
    "bank_id": _l("Bank"),
    "borrower_id": _l("Borrower"),
    "organisation_id": _l("Organisation"),
    "created_at": _l("Created at"),
    "decided_at": _l("Decided at"),
    "withdrawn_at": _l("Withdrawn at"),
    "last_login_at": _l("Last sign-in"),
    "id": _l("Number"),
}


def _by_value(table: Mapping[Any, Any]) -> dict[str, Any]:
    return {getattr(code, "value", code): label for code, label in table.items()}


# Codes shown by their label: by key, and for "status" by the kind of object.
CODES: dict[str, dict[str, Any]] = {
    "classification": _by_value(CLASSIFICATION_LABELS),
    "enrolment": _by_value(ENROLMENT_LABELS),
    "repayment_type": _by_value(REPAYMENT_TYPE_LABELS),
    "disposal": _by_value(DISPOSAL_LABELS),
    "account": _by_value(ACCOUNT_LABELS),
    "party": _by_value(PARTY_LABELS),
    "role": _by_value(ROLE_LABELS),
    "size": _by_value(SIZE_LABELS),
    "industry": _by_value(INDUSTRY_LABELS),
    "legal_status": _by_value(STATUS_LABELS),
    "purpose": _by_value(PURPOSE_LABELS),
    "prepay_mode": _by_value(REPAYMENT_KIND_LABELS),
}
STATUS_BY_OBJECT: dict[str, dict[str, Any]] = {
    "FinancingRequest": _by_value(REQUEST_STATUS_LABELS),
    "Offer": _by_value(OFFER_STATUS_LABELS),
    "Loan": _by_value(LOAN_STATUS_LABELS),
    "Claim": _by_value(CLAIM_STATUS_LABELS),
    "Pledge": _by_value(PLEDGE_STATUS_LABELS),
    "Payment": _by_value(PAYMENT_STATUS_LABELS),
}
KIND_BY_OBJECT: dict[str, dict[str, Any]] = {
    "IPAsset": _by_value(KIND_LABELS),
    "Organisation": _by_value(ORG_KIND_LABELS),
}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class DetailLine:
    """One key of an audit event: its label, the value before (if recorded) and after."""

    label: str
    before: str | None
    after: str


@dataclass(frozen=True)
class Formats:
    """The reader's date and time formats (the frame passes Flask-Babel's)."""

    day: Callable[[date], str]
    time: Callable[[datetime], str]


def label(key: str) -> str:
    """The reader's label of an audit key (the key itself when it has none)."""
    found = FIELD_LABELS.get(key)
    return str(found) if found is not None else key.replace("_", " ")


def value_text(key: str, value: Any, formats: Formats, object_type: str = "") -> str:
    """One audit value in the reader's form."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return translate(N_("Yes")) if value else translate(N_("No"))
    if isinstance(value, int) and key in MONEY:
        return format_fen(value)
    if isinstance(value, int | float) and key.endswith("_bp"):
        return f"{value / 100:g} %"
    if isinstance(value, dict):
        return "; ".join(
            f"{label(str(k))}: {value_text(str(k), v, formats, object_type)}"
            for k, v in value.items()
        )
    if isinstance(value, list):
        return ", ".join(value_text(key, v, formats, object_type) for v in value)
    if isinstance(value, str):
        return _string(key, value, formats, object_type)
    return str(value)


def _string(key: str, value: str, formats: Formats, object_type: str) -> str:
    codes = CODES.get(key)
    if key == "status":
        codes = STATUS_BY_OBJECT.get(object_type)
    elif key == "kind":
        codes = KIND_BY_OBJECT.get(object_type)
    if codes is not None and value in codes:
        return str(codes[value])
    if _DATE.match(value):
        try:
            return formats.day(date.fromisoformat(value))
        except ValueError:
            return value
    if _DATETIME.match(value):
        try:
            return formats.time(datetime.fromisoformat(value))
        except ValueError:
            return value
    return translate(value) if key in ("release_reason", "reason") else value


def detail_lines(
    before: Mapping[str, Any], after: Mapping[str, Any], formats: Formats, object_type: str = ""
) -> list[DetailLine]:
    """The event's keys as lines, in the order recorded (technical keys left out)."""
    keys = [k for k in after if k not in HIDDEN]
    keys += [k for k in before if k not in HIDDEN and k not in after]
    return [
        DetailLine(
            label=label(k),
            before=value_text(k, before[k], formats, object_type) if k in before else None,
            after=value_text(k, after.get(k), formats, object_type),
        )
        for k in keys
    ]
