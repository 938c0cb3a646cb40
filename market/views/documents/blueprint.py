"""The documents blueprint: uploads on assets, companies, claims and recoveries, and the
generated papers (PDF) of loans and valuations."""

from __future__ import annotations

from flask import Blueprint, abort

from market.domain.kinds import DocumentKind, Role

bp = Blueprint("documents", __name__, url_prefix="/documents")

READERS = (Role.SME, Role.BANK_OFFICER, Role.BANK_APPROVER, Role.BUREAU, Role.ADMIN)

# The URL word of each kind's subject (/documents/asset/7, /documents/company/3, ...).
SUBJECT_WORDS = {
    "asset": DocumentKind.REGISTRATION_CERTIFICATE,
    "company": DocumentKind.FINANCIAL_STATEMENT,
    "claim": DocumentKind.CLAIM_EVIDENCE,
    "recovery": DocumentKind.DISPOSAL_CONTRACT,
}


def kind_of(word: str) -> DocumentKind:
    """The document kind kept on the subject named by `word` (404 for any other word)."""
    kind = SUBJECT_WORDS.get(word)
    if kind is None:
        abort(404)
    return kind
