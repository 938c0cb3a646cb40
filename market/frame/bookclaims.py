"""The defaulted loans of a generated book (claim filed, approved with the scheme's split and
the pool's payment, or closed after a recovery) and the pool's funding on the ledger."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from market.domain.kinds import LedgerAccount
from market.domain.schedule import add_months
from market.domain.states import LoanStatus
from market.frame.bookcast import noon
from market.models import Claim, LedgerEntry, Receivable, Recovery
from market.services.claims import OWING_PARTIES
from riskpool import Scheme

if TYPE_CHECKING:
    from market.frame.bookgen import Story

POOL_PER_LOAN = 30_000_000  # fen of opening contribution per generated loan


def post(story: Story, day: date, lines: list[tuple[LedgerAccount, int, int]], memo: str,
         **links: Any) -> None:
    """One balanced ledger transaction (all its lines queued together)."""
    txn = f"{story.rng.getrandbits(128):032x}"
    for account, debit, credit in lines:
        story.w.add(LedgerEntry, {
            "id": story.w.new_id(LedgerEntry), "txn": txn, "posted_on": day, "account": account,
            "debit": debit, "credit": credit, "memo": memo, "loan_id": links.get("loan_id"),
            "claim_id": links.get("claim_id"), "recovery_id": links.get("recovery_id"),
            "reverses_txn": None, "created_by_id": story.cast.bureau_user,
            "created_at": noon(day)})


def fund_pool(story: Story, *, opening: bool, after: int = 0) -> int:
    """Opening: the first contribution and monthly top-ups; after: cover any shortfall."""
    cast = story.cast
    if opening:
        # Sized from the book: the loans' expected compensation with a wide margin.
        amount = POOL_PER_LOAN * max(1, story.loans_planned)
        post(story, cast.start, [(LedgerAccount.POOL_CASH, amount, 0),
                                 (LedgerAccount.FUNDING, 0, amount)],
             "Municipal budget: risk-compensation pool")
        month, total = 1, amount
        while (day := add_months(cast.start, month)) <= cast.today:
            top_up = amount // 100
            post(story, day, [(LedgerAccount.POOL_CASH, top_up, 0),
                              (LedgerAccount.FUNDING, 0, top_up)], "Monthly budget top-up")
            total += top_up
            month += 1
        story.pool_cash = total
        return total
    if story.pool_cash < 0:
        short = -story.pool_cash
        post(story, cast.today, [(LedgerAccount.POOL_CASH, short, 0),
                                 (LedgerAccount.FUNDING, 0, short)], "Supplementary budget")
    return after


def default_story(story: Story, loan: dict[str, Any], bank: tuple[int, int, int],
                  unpaid_since: date, loss: int) -> None:
    """A loan whose borrower stopped paying: the bank's claim and what the bureau decided."""
    cast, rng, w = story.cast, story.rng, story.w
    filed = min(cast.today, unpaid_since + timedelta(days=91 + rng.randint(0, 40)))
    claim_id = w.new_id(Claim)
    draw = rng.random()
    decided = min(cast.today, filed + timedelta(days=rng.randint(5, 40)))
    claim: dict[str, Any] = {
        "id": claim_id, "loan_id": loan["id"], "bank_id": bank[0],
        "scheme_version_id": cast.scheme_id, "loss": loss, "filed_on": filed,
        "deadline_on": unpaid_since + timedelta(days=91 + 180), "filed_by_id": bank[1],
        "note": "Borrower stopped paying; pledge enforced.", "status": "filed",
        "decided_by_id": None, "decided_on": None, "decision_reason": "",
        "pool_balance_at_decision": None, "split": {}, "split_notes": []}
    story.audit(filed, bank[1], bank[0], "claim.file", "Claim", claim_id, {"loss": loss})
    loan["status"] = LoanStatus.IN_CLAIM
    if draw < 0.35 or decided <= filed:
        w.add(Claim, claim)
        return
    if draw < 0.40:
        claim.update(status="rejected", decided_by_id=cast.bureau_user, decided_on=decided,
                     decision_reason="Collection record incomplete.")
        loan["status"] = LoanStatus.ACTIVE
        w.add(Claim, claim)
        return
    scheme = Scheme.from_dict(cast.scheme_document)
    split = scheme.split(loss, loan_principal=loan["principal"], pool_balance=story.pool_cash)
    amounts = split.as_dict()
    claim.update(status="approved", decided_by_id=cast.bureau_user, decided_on=decided,
                 decision_reason="Collection record and pledge documents complete.",
                 pool_balance_at_decision=story.pool_cash, split=amounts,
                 split_notes=list(split.notes))
    w.add(Claim, claim)
    loan["status"] = LoanStatus.COMPENSATED
    # A compensated loan keeps the class it had when the bureau paid (no longer recounted).
    late = (decided - unpaid_since).days
    loan["classification"] = "doubtful" if late > 270 else "substandard"
    loan["days_past_due"] = late
    loan["npl_since"] = unpaid_since + timedelta(days=91)
    paid = amounts.get("pool", 0)
    if paid > 0:
        story.pool_cash -= paid
        post(story, decided, [(LedgerAccount.COMPENSATION, paid, 0),
                              (LedgerAccount.POOL_CASH, 0, paid)],
             f"Compensation on loan {loan['id']}", loan_id=loan["id"], claim_id=claim_id)
    for party in OWING_PARTIES:
        owed = amounts.get(party, 0)
        if owed > 0:
            org = cast.partners.get(party)
            w.add(Receivable, {
                "id": w.new_id(Receivable), "claim_id": claim_id, "party": party,
                "organisation_id": org, "amount": owed,
                "settled": owed if rng.random() < 0.5 else 0, "created_on": decided})
    story.audit(decided, cast.bureau_user, None, "claim.approved", "Claim", claim_id,
                {"status": "approved"})
    if draw < 0.75:
        return
    received = min(cast.today, decided + timedelta(days=rng.randint(20, 200)))
    proceeds = loss * rng.randint(5, 40) // 100
    parts = scheme.split_recovery(proceeds, paid=amounts).as_dict()
    rec_id = w.new_id(Recovery)
    w.add(Recovery, {
        "id": rec_id, "loan_id": loan["id"], "claim_id": claim_id, "disposal": "auction",
        "proceeds": proceeds, "received_on": received, "counterparty": "Provincial IP exchange",
        "closes_disposal": True, "distribution": parts, "recorded_by_id": bank[1],
        "created_at": noon(received)})
    back = parts.get("pool", 0)
    if back > 0:
        story.pool_cash += back
        post(story, received, [(LedgerAccount.POOL_CASH, back, 0),
                               (LedgerAccount.RECOVERIES, 0, back)],
             f"Recovery on loan {loan['id']} (auction)", loan_id=loan["id"],
             claim_id=claim_id, recovery_id=rec_id)
    loan["status"] = LoanStatus.CLOSED
    loan["closed_on"] = received
