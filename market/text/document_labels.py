"""Display labels of uploaded documents and of the generated papers (translated lazily)."""

from __future__ import annotations

from market.domain.kinds import DocumentKind
from market.domain.messages import _l

DOCUMENT_KIND_LABELS = {
    DocumentKind.REGISTRATION_CERTIFICATE: _l("Registration certificate"),
    DocumentKind.FINANCIAL_STATEMENT: _l("Financial statements"),
    DocumentKind.CLAIM_EVIDENCE: _l("Evidence for the claim"),
    DocumentKind.DISPOSAL_CONTRACT: _l("Disposal contract"),
}

CONTENT_TYPE_LABELS = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
}
