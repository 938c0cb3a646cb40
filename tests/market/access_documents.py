"""Rows of the permission matrix for documents and papers: (endpoint, method) -> who may use
it, and the objects its URLs need (the claim of tests.market.lending_fixtures.LendingWorld with
one piece of evidence). `sme` is the borrower, `bank_officer`/`bank_approver` the lender."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlmodel import Session

from market.domain.kinds import DocumentKind
from market.services import documents
from market.services.doc_storage import store_for
from tests.market.conftest import World

READERS = frozenset({"sme", "bank_officer", "bank_approver", "bureau", "admin"})
LENDERS = frozenset({"bank_officer", "bank_approver"})
DOCUMENT_ARGS = {"word", "record_id", "document_id"}

ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("documents.subject", "GET"): READERS,
    ("documents.upload", "POST"): LENDERS,  # evidence for a claim: the lending bank adds it
    ("documents.download", "GET"): READERS,
    ("documents.loan_contract", "GET"): READERS,
    ("documents.pledge_sheet", "GET"): READERS,
    ("documents.repayment_schedule", "GET"): READERS,
    ("documents.valuation_report", "GET"): READERS,  # banks: the asset is in a request to them
}


def document_args(
    app: Flask, session: Session, world: World, folder: Path, claim_id: int
) -> dict[str, object]:
    """The lending world's claim with one piece of evidence, kept under `folder`."""
    app.config["UPLOAD_FOLDER"] = str(folder)
    row = documents.upload(
        session, actor=world.users["bank_officer"], store=store_for(app.config),
        kind=DocumentKind.CLAIM_EVIDENCE, subject_id=claim_id, file_name="evidence.pdf",
        data=b"%PDF-1.7\n%%EOF\n", max_bytes=app.config["UPLOAD_MAX_BYTES"],
    )
    return {"word": "claim", "record_id": claim_id, "document_id": row.id}
