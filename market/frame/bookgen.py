"""`ipmarket generate-book`: a realistic book of N loans written with bulk inserts.

Each loan is a story: an SME's request against one or two pledged assets (copies of the demo
assets, valued by the model), the accepted offer (sometimes beside a lapsed one from another
bank), the loan with its exact schedule, the repayments a good payer made, and for some the
arrears, the claim, the bureau's split (riskpool), receivables, recoveries and the pool's
ledger. Open requests with live, expired and sent-back offers come on top. Rows respect every
constraint and trigger; the day-end then classifies the loans set-wise.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from market.domain.schedule import RepaymentType, add_months, build_schedule
from market.domain.states import Enrolment, LoanStatus, OfferStatus, RequestStatus
from market.frame.bookcast import Cast, build_cast, noon, registry_number
from market.frame.bookclaims import default_story, fund_pool
from market.frame.bookwriter import BulkWriter
from market.models import (
    AssetValuation,
    AuditEvent,
    FinancingRequest,
    Instalment,
    IPAsset,
    Loan,
    Offer,
    Pledge,
    Repayment,
    RequestAsset,
    RequestDecline,
)
from market.services import desk_rollup
from market.services.dayend import reclassify_set, refresh_days_past_due

AMOUNTS = tuple(n * 100_000_00 for n in (3, 5, 8, 10, 15, 20, 30, 50, 80, 100))  # fen
RATES = (365, 385, 420, 450, 480, 520, 580)
TERMS = (12, 12, 24, 24, 36)
PURPOSES = ("Working capital for raw materials", "New production line",
            "R&D of the next product generation", "Export orders", "Upgrading equipment")
GRADES = ("A", "A", "BBB", "BBB", "BB")


@dataclass(frozen=True)
class BookReport:
    loans: int
    rows: dict[str, int]


@lru_cache(maxsize=4096)
def _parts(
    principal: int, rate_bp: int, months: int, kind: RepaymentType
) -> tuple[tuple[int, int], ...]:
    """(principal, interest) of each instalment; the amounts do not depend on the start date."""
    rows = build_schedule(principal=principal, rate_bp=rate_bp, months=months,
                          repayment_type=kind, start=date(2001, 1, 1))
    return tuple((r.principal, r.interest) for r in rows)


class Story:
    """Writes one request and, when accepted, its loan."""

    def __init__(self, w: BulkWriter, cast: Cast, rng: random.Random, loans: int) -> None:
        self.w, self.cast, self.rng = w, cast, rng
        self.loans_planned = loans
        self.pool_cash = 0  # the pool's cash as the stories go (claims are paid from it)

    def audit(self, day: date, actor: int | None, org: int | None, action: str, obj: str,
              obj_id: int, after: dict[str, Any]) -> None:
        self.w.add(AuditEvent, {
            "id": self.w.new_id(AuditEvent), "at": noon(day), "business_on": day,
            "actor_id": actor,
            "organisation_id": org, "action": action, "object_type": obj, "object_id": obj_id,
            "before": {}, "after": after, "remote_addr": None})

    def asset(self, org: int, holder: str, day: date) -> tuple[int, int, int]:
        """A fresh asset of the SME copied from a template: (asset, valuation, max loan)."""
        tpl = self.rng.choice(self.cast.templates)
        asset_id = self.w.new_id(IPAsset)
        row = tpl.row
        self.w.add(IPAsset, {
            "id": asset_id, "owner_id": org, "kind": tpl.kind,
            "registry_number": registry_number(tpl.kind, asset_id, int(row["filing_date"][:4])),
            "title": row["title"], "holder_name": holder, "industry": row["industry"],
            "legal_status": row["legal_status"],
            "filing_date": date.fromisoformat(row["filing_date"]),
            "grant_date": date.fromisoformat(row["grant_date"]) if row.get("grant_date") else None,
            "expiry_date": None, "annual_revenue": row.get("annual_revenue"),
            "development_cost": row.get("development_cost"),
            "revenue_growth_bp": row.get("revenue_growth_bp"), "facts": row.get("facts", {}),
            "status": "active", "row_version": 1, "created_at": noon(day),
            "updated_at": noon(day), "withdrawn_at": None})
        val_id = self.w.new_id(AssetValuation)
        self.w.add(AssetValuation, {
            "id": val_id, "asset_id": asset_id, "asset_row_version": 1,
            "created_at": noon(day), "created_by_id": None, **tpl.valuation})
        return asset_id, val_id, tpl.max_loan

    def request(self, sme: tuple[int, int, str, str], day: date, status: RequestStatus,
                bank: int | None) -> tuple[int, int, list[tuple[int, int]]]:
        """A request against one or two new assets: (request id, max loan, assets)."""
        org, user = sme[0], sme[1]
        pledged = [self.asset(org, "", day - timedelta(days=30))]
        if self.rng.random() < 0.2:
            pledged.append(self.asset(org, "", day - timedelta(days=30)))
        max_loan = sum(p[2] for p in pledged)
        amount = max([a for a in AMOUNTS if a <= max_loan] or [max_loan // 1_000_000 * 1_000_000])
        amount = self.rng.choice([a for a in AMOUNTS if a <= amount] or [amount])
        req_id = self.w.new_id(FinancingRequest)
        self.w.add(FinancingRequest, {
            "id": req_id, "borrower_id": org, "created_by_id": user, "bank_id": bank,
            "amount": amount, "term_months": self.rng.choice(TERMS),
            "purpose": self.rng.choice(PURPOSES), "wants_insurance": self.rng.random() < 0.3,
            "max_loan": max_loan, "status": status, "created_on": day,
            "created_at": noon(day), "closed_at": None if status is RequestStatus.OPEN
            else noon(day + timedelta(days=10))})
        for asset_id, val_id, _ in pledged:
            self.w.add(RequestAsset, {"id": self.w.new_id(RequestAsset), "request_id": req_id,
                                      "asset_id": asset_id, "valuation_id": val_id})
        self.audit(day, user, org, "request.create", "FinancingRequest", req_id,
                   {"amount": amount, "status": status.value})
        return req_id, amount, [(a, v) for a, v, _ in pledged]

    def offer(self, req: int, bank: tuple[int, int, int], amount: int, term: int,
              status: OfferStatus, day: date) -> tuple[int, int, RepaymentType]:
        offer_id = self.w.new_id(Offer)
        rate = self.rng.choice(RATES)
        kind = self.rng.choice(list(RepaymentType))
        approved = status is not OfferStatus.PENDING_APPROVAL
        self.w.add(Offer, {
            "id": offer_id, "request_id": req, "bank_id": bank[0], "amount": amount,
            "rate_bp": rate, "term_months": term, "repayment_type": kind,
            "rating_grade": self.rng.choice(GRADES), "override_reason": "",
            "conditions": "Pledge registration at CNIPA before disbursement.",
            "status": status, "proposed_by_id": bank[1],
            "approved_by_id": bank[2] if approved and status is not OfferStatus.REJECTED else None,
            "rejection_reason": "Rate below the floor." if status is OfferStatus.REJECTED else "",
            "expires_on": day + timedelta(days=30) if approved else None,
            "created_at": noon(day), "decided_at": noon(day) if approved else None})
        self.audit(day, bank[1], bank[0], "offer.propose", "Offer", offer_id, {"amount": amount})
        return offer_id, rate, kind

    def open_request(self, sme: tuple[int, int, str, str]) -> None:
        """A request still open (or withdrawn), with offers in every live state."""
        day = self.cast.today - timedelta(days=self.rng.randint(0, 45))
        status = RequestStatus.WITHDRAWN if self.rng.random() < 0.1 else RequestStatus.OPEN
        req, amount, _ = self.request(sme, day, status, None)
        banks = self.rng.sample(self.cast.banks, self.rng.randint(0, 3))
        for i, bank in enumerate(banks):
            if status is RequestStatus.WITHDRAWN:
                state = OfferStatus.LAPSED
            else:
                state = (OfferStatus.APPROVED, OfferStatus.PENDING_APPROVAL,
                         OfferStatus.REJECTED)[i % 3]
            self.offer(req, bank, amount, self.rng.choice(TERMS), state, day + timedelta(days=2))
        if status is RequestStatus.OPEN and self.rng.random() < 0.1:
            bank = self.rng.choice([b for b in self.cast.banks if b not in banks])
            self.w.add(RequestDecline, {
                "id": self.w.new_id(RequestDecline), "request_id": req, "bank_id": bank[0],
                "declined_by_id": bank[1], "reason": "Outside our lending region.",
                "created_at": noon(day)})

    def loan(self, sme: tuple[int, int, str, str]) -> None:
        """A request that became a loan, and what happened to the loan since."""
        cast, rng = self.cast, self.rng
        waiting = rng.random() < 0.02  # accepted in the last fortnight, not yet paid out
        span = 14 if waiting else (cast.today - cast.start).days
        accepted = cast.today - timedelta(days=rng.randint(0, span))
        bank = rng.choice(cast.banks)
        req, amount, pledged = self.request(
            sme, accepted - timedelta(days=7), RequestStatus.ACCEPTED,
            bank[0] if rng.random() < 0.5 else None)
        term = rng.choice(TERMS)
        if rng.random() < 0.3:
            other = rng.choice([b for b in cast.banks if b is not bank])
            self.offer(req, other, amount, term, OfferStatus.LAPSED, accepted - timedelta(days=4))
        offer_id, rate, kind = self.offer(req, bank, amount, term, OfferStatus.ACCEPTED,
                                          accepted - timedelta(days=3))
        loan_id = self.w.new_id(Loan)
        disbursed = None if waiting else accepted + timedelta(days=rng.randint(1, 5))
        if disbursed is not None and disbursed > cast.today:
            disbursed = cast.today
        parts = _parts(amount, rate, term, kind)
        enrolled = rng.random() < 0.95
        insured = rng.random() < 0.3
        loan: dict[str, Any] = {
            "id": loan_id, "request_id": req, "offer_id": offer_id, "borrower_id": sme[0],
            "bank_id": bank[0], "principal": amount, "rate_bp": rate, "term_months": term,
            "repayment_type": kind, "insured": insured,
            "status": LoanStatus.AWAITING_DISBURSEMENT, "accepted_on": accepted,
            "disbursed_on": disbursed,
            "maturity_on": add_months(disbursed, term) if disbursed else None,
            "scheme_version_id": cast.scheme_id if enrolled else None,
            "enrolment": Enrolment.ENROLLED if enrolled else Enrolment.NOT_ENROLLED,
            "enrolment_reasons": [] if enrolled else ["The bank is suspended from the scheme."],
            "enrolled_on": accepted if enrolled else None,
            "interest_subsidy": sum(i for _, i in parts) // 2 if enrolled else 0,
            "insurance_premium": amount * 200 // 10_000 if insured else 0,
            "classification": "normal", "days_past_due": 0, "npl_since": None,
            "outstanding_principal": 0,
            "closed_on": None, "created_at": noon(accepted)}
        self.audit(accepted, sme[1], sme[0], "loan.create", "Loan", loan_id, {"principal": amount})
        if disbursed is not None:
            self.audit(disbursed, bank[1], bank[0], "loan.disburse", "Loan", loan_id,
                       {"status": "active"})
            self.serviced(loan, bank, parts, disbursed, enrolled)
        self.w.add(Loan, loan)
        released = loan["status"] in (LoanStatus.REPAID, LoanStatus.CLOSED)
        for asset_id, val_id in pledged:
            pledge_id = self.w.new_id(Pledge)
            self.w.add(Pledge, {
                "id": pledge_id, "loan_id": loan_id, "asset_id": asset_id,
                "valuation_id": val_id, "registration_number": f"ZY{accepted.year}{pledge_id:08d}",
                "status": "released" if released else "active", "registered_on": accepted,
                "released_on": loan["closed_on"] if released else None,
                "release_reason": ("loan repaid" if loan["status"] is LoanStatus.REPAID
                                   else "disposal closed") if released else "",
                "created_at": noon(accepted)})

    def serviced(self, loan: dict[str, Any], bank: tuple[int, int, int],
                 parts: tuple[tuple[int, int], ...], start: date, enrolled: bool) -> None:
        """Schedule, repayments and, for a defaulter, the claim and what followed."""
        cast, rng = self.cast, self.rng
        dues = [add_months(start, n) for n in range(1, len(parts) + 1)]
        due_before = sum(1 for d in dues if d < cast.today)
        draw = rng.random()
        paid = due_before
        story = "good"
        if due_before and draw >= 0.80:
            paid = rng.randint(max(0, due_before - 14), due_before - 1)
            story = "late"
            if draw >= 0.90 and enrolled and dues[paid] < cast.today - timedelta(days=150):
                story = "default"
        loan["status"] = LoanStatus.ACTIVE
        principal_paid = 0
        for n, ((p, i), due) in enumerate(zip(parts, dues, strict=True), start=1):
            done = n <= paid
            self.w.add(Instalment, {
                "id": self.w.new_id(Instalment), "loan_id": loan["id"], "number": n,
                "due_on": due, "principal_due": p, "interest_due": i,
                "principal_paid": p if done else 0, "interest_paid": i if done else 0})
            if done:
                principal_paid += p
                self.w.add(Repayment, {
                    "id": self.w.new_id(Repayment), "loan_id": loan["id"], "paid_on": due,
                    "kind": "scheduled", "amount": p + i, "principal": p, "interest": i,
                    "recorded_by_id": bank[1], "reference": f"Transfer {loan['id']}-{n}",
                    "created_at": noon(due)})
        loan["outstanding_principal"] = loan["principal"] - principal_paid
        if paid == len(parts):
            loan["status"] = LoanStatus.REPAID
            loan["closed_on"] = dues[-1]
        elif story == "default":
            default_story(self, loan, bank, dues[paid], loan["principal"] - principal_paid)


def generate_book(session: Session, *, loans: int, seed: int, password: str = "book-pass-2026",
                  progress: Callable[[int], None] | None = None) -> BookReport:
    """Write `loans` loan stories (plus open requests) in bulk, then classify the loans."""
    if loans < 1:
        raise ValueError("at least one loan")
    rng = random.Random(seed)
    w = BulkWriter(session)
    cast = build_cast(session, w, rng, smes=max(3, loans * 6 // 10), password=password)
    story = Story(w, cast, rng, loans)
    ledger = fund_pool(story, opening=True)
    step = max(1, loans // 100)
    for n in range(loans):
        sme = cast.smes[n % len(cast.smes)] if n < len(cast.smes) else rng.choice(cast.smes)
        story.loan(sme)
        if n % 10 == 0:
            story.open_request(rng.choice(cast.smes))
        w.maybe_flush()
        if progress is not None and (n + 1) % step == 0:
            progress(step)
    fund_pool(story, opening=False, after=ledger)
    w.finish()
    refresh_days_past_due(session, today=cast.today)
    reclassify_set(session, actor=None, today=cast.today)
    desk_rollup.fill_collateral_kinds(session)
    desk_rollup.refresh(session, today=cast.today)
    return BookReport(loans=loans, rows=dict(w.counts))

