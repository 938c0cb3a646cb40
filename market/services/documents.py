"""Uploaded documents: who may see and add them, storing them, and reading them back.

Entitled readers of a document on a subject (docs/documents.md):
- the SME the subject belongs to (the asset's owner, the company, the loan's borrower);
- the bank(s) of the loan: for an asset, banks lending against it (pledge) or asked to (a
  request with it addressed to them or to every bank); for the company, likewise with its loans
  and requests; for a claim or a recovery, the loan's bank;
- the bureau (bureau users and the platform admin).
Uploading: the SME on its asset and company; the lending bank on its claim and recovery.
Every upload and every download is audited.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, func, or_, select

from market.domain.errors import NotFound, PermissionDenied, ValidationFailed
from market.domain.kinds import DocumentKind, OrgKind, Role
from market.domain.messages import N_, msg
from market.domain.uploads import check_upload, display_name
from market.frame.db import transaction
from market.models.assets import IPAsset
from market.models.documents import SUBJECT_COLUMN, Document
from market.models.lending import FinancingRequest, Loan, RequestAsset
from market.models.orgs import Organisation, User
from market.models.pledges import Pledge
from market.models.pool import Claim, Recovery
from market.services import audit
from market.services.doc_storage import DocumentStore, new_key

BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_APPROVER})
BUREAU_ROLES = frozenset({Role.BUREAU, Role.ADMIN})
NOTE_LIMIT = 200


@dataclass(frozen=True)
class Subject:
    """The record a document is kept on, and who is entitled to its documents."""

    kind: DocumentKind
    id: int
    owner_org_id: int  # the SME
    bank_ids: frozenset[int]  # banks entitled to read
    any_bank: bool  # a request of the SME is addressed to every bank
    uploader_org_id: int  # the SME (asset, company) or the lending bank (claim, recovery)
    loan_id: int | None = None


def _request_banks(session: Session, query_filter: object) -> tuple[set[int], bool]:
    """Banks addressed by the matching requests, and whether one of them went to every bank."""
    rows = session.exec(
        select(FinancingRequest.bank_id).where(query_filter).distinct()  # type: ignore[arg-type]
    ).all()
    return {b for b in rows if b is not None}, any(b is None for b in rows)


def _asset_subject(session: Session, asset_id: int) -> Subject:
    asset = session.get(IPAsset, asset_id)
    if asset is None:
        raise NotFound(N_("No such IP asset."))
    lenders = session.exec(
        select(Loan.bank_id).join(Pledge, col(Pledge.loan_id) == Loan.id).where(
            Pledge.asset_id == asset_id
        )
    ).all()
    asked_ids = select(RequestAsset.request_id).where(RequestAsset.asset_id == asset_id)
    banks, anyone = _request_banks(session, col(FinancingRequest.id).in_(asked_ids))
    return Subject(
        DocumentKind.REGISTRATION_CERTIFICATE, asset_id, asset.owner_id,
        frozenset(banks | set(lenders)), anyone, asset.owner_id,
    )


def _company_subject(session: Session, org_id: int) -> Subject:
    org = session.get(Organisation, org_id)
    if org is None or org.kind is not OrgKind.SME:
        raise NotFound(N_("No such company."))
    lenders = session.exec(select(Loan.bank_id).where(Loan.borrower_id == org_id)).all()
    banks, anyone = _request_banks(session, FinancingRequest.borrower_id == org_id)
    return Subject(
        DocumentKind.FINANCIAL_STATEMENT, org_id, org_id, frozenset(banks | set(lenders)),
        anyone, org_id,
    )


def _loan_subject(session: Session, kind: DocumentKind, subject_id: int, loan_id: int) -> Subject:
    loan = session.get(Loan, loan_id)
    assert loan is not None and loan.id is not None
    return Subject(
        kind, subject_id, loan.borrower_id, frozenset({loan.bank_id}), False, loan.bank_id,
        loan.id,
    )


def subject_of(session: Session, kind: DocumentKind, subject_id: int) -> Subject:
    """The subject of `kind` with id `subject_id` (NotFound if there is none)."""
    if kind is DocumentKind.REGISTRATION_CERTIFICATE:
        return _asset_subject(session, subject_id)
    if kind is DocumentKind.FINANCIAL_STATEMENT:
        return _company_subject(session, subject_id)
    if kind is DocumentKind.CLAIM_EVIDENCE:
        claim = session.get(Claim, subject_id)
        if claim is None:
            raise NotFound(N_("No such claim."))
        return _loan_subject(session, kind, subject_id, claim.loan_id)
    recovery = session.get(Recovery, subject_id)
    if recovery is None:
        raise NotFound(N_("No such recovery."))
    return _loan_subject(session, kind, subject_id, recovery.loan_id)


def can_view(actor: User, subject: Subject) -> bool:
    """True if the actor may see and download the subject's documents."""
    if actor.role in BUREAU_ROLES:
        return True
    if actor.role is Role.SME:
        return actor.organisation_id == subject.owner_org_id
    if actor.role in BANK_ROLES:
        return subject.any_bank or actor.organisation_id in subject.bank_ids
    return False


def can_upload(actor: User, subject: Subject) -> bool:
    """True if the actor may add a document to the subject."""
    if actor.organisation_id != subject.uploader_org_id:
        return False
    if subject.kind in (DocumentKind.CLAIM_EVIDENCE, DocumentKind.DISPOSAL_CONTRACT):
        return actor.role in BANK_ROLES
    return actor.role is Role.SME


def _visible_subject(
    session: Session, *, actor: User, kind: DocumentKind, subject_id: int
) -> Subject:
    subject = subject_of(session, kind, subject_id)
    if not can_view(actor, subject):
        raise PermissionDenied(N_("These documents are not yours to see."))
    return subject


def documents_for(
    session: Session, *, actor: User, kind: DocumentKind, subject_id: int
) -> tuple[Subject, list[Document]]:
    """The subject and its documents, newest first (403 unless the actor is entitled)."""
    subject = _visible_subject(session, actor=actor, kind=kind, subject_id=subject_id)
    return subject, documents_on(session, kind, [subject_id]).get(subject_id, [])


def documents_on(
    session: Session, kind: DocumentKind, subject_ids: Iterable[int]
) -> dict[int, list[Document]]:
    """Documents of `kind` on each of the subjects (one query), newest first."""
    ids = list(subject_ids)
    if not ids:
        return {}
    column = col(getattr(Document, SUBJECT_COLUMN[kind]))
    rows = session.exec(
        select(Document)
        .where(Document.kind == kind, column.in_(ids))
        .order_by(col(Document.id).desc())
    ).all()
    found: dict[int, list[Document]] = {}
    for row in rows:
        found.setdefault(getattr(row, SUBJECT_COLUMN[kind]), []).append(row)
    return found


def require_uploader(
    session: Session, *, actor: User, kind: DocumentKind, subject_id: int
) -> Subject:
    """The subject, if the actor may add documents to it (404 / 403 otherwise)."""
    subject = _visible_subject(session, actor=actor, kind=kind, subject_id=subject_id)
    if not can_upload(actor, subject):
        raise PermissionDenied(N_("You cannot add documents here."))
    return subject


def upload(
    session: Session,
    *,
    actor: User,
    store: DocumentStore,
    kind: DocumentKind,
    subject_id: int,
    file_name: str,
    data: bytes,
    max_bytes: int,
    note: str = "",
) -> Document:
    """Check, store and record one document (audited); nothing is kept if anything fails."""
    require_uploader(session, actor=actor, kind=kind, subject_id=subject_id)
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        text = msg("At most %(n)s characters.", n=NOTE_LIMIT)
        raise ValidationFailed(text, errors={"note": text})
    content_type, extension = check_upload(data, max_bytes=max_bytes)
    assert actor.id is not None
    row = Document(
        kind=kind,
        storage_key=new_key(),
        file_name=display_name(file_name, extension),
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        note=note,
        uploaded_by_id=actor.id,
        uploaded_by_org_id=actor.organisation_id,
    )
    setattr(row, SUBJECT_COLUMN[kind], subject_id)
    store.put(row.storage_key, data, content_type)
    try:
        with transaction(session):
            session.add(row)
            audit.record(
                session, actor=actor, action="document.upload", obj=row,
                after=audit.snapshot(row),
            )
    except BaseException:
        _forget(store, row.storage_key)
        raise
    return row


def _forget(store: DocumentStore, key: str) -> None:
    """Remove a stored file whose row was not written (logged, never raised)."""
    try:
        store.delete(key)
    except Exception:
        logging.getLogger(__name__).exception("could not remove unrecorded upload %s", key)


def open_document(
    session: Session, *, actor: User, store: DocumentStore, document_id: int
) -> tuple[Document, bytes]:
    """The document and its bytes, for an entitled reader (the download is audited)."""
    row = session.get(Document, document_id)
    if row is None:
        raise NotFound(N_("No such document."))
    subject_id = getattr(row, SUBJECT_COLUMN[row.kind])
    _visible_subject(session, actor=actor, kind=row.kind, subject_id=subject_id)
    try:
        data = store.get(row.storage_key)
    except FileNotFoundError as exc:
        raise NotFound(N_("The file of this document is missing from the store.")) from exc
    with transaction(session):
        audit.record(
            session, actor=actor, action="document.download", obj=row,
            after={"kind": row.kind.value, "file_name": row.file_name},
        )
    return row, data


def counts_on_loan(
    session: Session, *, claim_ids: list[int], recovery_ids: list[int]
) -> dict[tuple[DocumentKind, int], int]:
    """How many documents each of a loan's claims and recoveries has (one query, or none)."""
    if not claim_ids and not recovery_ids:
        return {}
    subject = func.coalesce(Document.claim_id, Document.recovery_id)
    rows = session.exec(
        select(Document.kind, subject, func.count())
        .where(
            or_(col(Document.claim_id).in_(claim_ids), col(Document.recovery_id).in_(recovery_ids))
        )
        .group_by(Document.kind, subject)
    ).all()
    return {(DocumentKind(kind), int(subject_id)): int(n) for kind, subject_id, n in rows}
