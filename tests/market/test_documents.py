"""Uploaded documents: registration certificates (asset), financial statements (company),
evidence for a claim and disposal contracts (recovery). Types are recognised from the bytes,
sizes are limited, files are kept under random names, and only the company, the bank(s) of its
loans and requests, and the bureau see them; uploads and downloads are audited.

Magic bytes used below, from the formats' specifications: PDF files begin "%PDF-"
(ISO 32000-1, 7.5.2), PNG files with 89 50 4E 47 0D 0A 1A 0A (ISO/IEC 15948, 5.2), JPEG files
with the SOI marker FF D8 followed by a marker FF (ITU-T T.81, B.1.1.3); GIF begins "GIF89a"
and is not accepted.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from market.domain.kinds import DisposalKind, DocumentKind, OrgKind
from market.models.audit import AuditEvent
from market.models.documents import Document
from market.models.orgs import User
from market.services import claim_decision, recoveries, servicing
from market.services import documents as svc
from market.services.doc_storage import LocalStore
from market.services.idempotency import FIELD
from tests.market.conftest import World, make_test_app, sign_in
from tests.market.factories import make_asset, make_org, make_user
from tests.market.lending_fixtures import make_claim, make_loan, make_npl, setup_pool

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 40
LIMIT = 4096  # bytes, for these tests (UPLOAD_MAX_BYTES)


@pytest.fixture()
def upload_dir(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture()
def app(connection: Connection, upload_dir: Path) -> Flask:
    return make_test_app(connection, UPLOAD_FOLDER=str(upload_dir), UPLOAD_MAX_BYTES=LIMIT)


@dataclass
class Subjects:
    asset_id: int
    company_id: int
    claim_id: int
    recovery_id: int

    def ids(self) -> dict[str, int]:
        return {
            "asset": self.asset_id,
            "company": self.company_id,
            "claim": self.claim_id,
            "recovery": self.recovery_id,
        }


def _subjects(session: Session, world: World) -> Subjects:
    """A compensated loan of the world's SME (request addressed to the world's bank only),
    its claim and one recovery."""
    setup_pool(session, world)
    loan = make_loan(session, world, bank_id=world.bank.id)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason="ok"
    )
    recovery = recoveries.record_recovery(
        session, actor=world.users["bank_officer"], loan_id=loan.id or 0,
        disposal=DisposalKind.SALE, proceeds=20_000_000,
    )
    asset_id = servicing.pledges(session, loan.id or 0)[0].asset_id
    return Subjects(asset_id, world.sme_org.id or 0, claim.id or 0, recovery.id or 0)


def _upload(
    client: FlaskClient, word: str, subject_id: int, data: bytes, name: str = "paper.pdf",
    key: str | None = None, note: str = "",
) -> object:
    form = {
        "file": (io.BytesIO(data), name),
        "note": note,
        FIELD: key or uuid.uuid4().hex,
    }
    return client.post(
        f"/documents/{word}/{subject_id}/upload", data=form, content_type="multipart/form-data"
    )


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Document)).one()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_upload_is_kept_under_a_random_name_and_downloads_as_sent(
    session: Session, world: World, client: FlaskClient, upload_dir: Path
) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.sme)
    name = "专利证书 certificate.pdf"
    response = _upload(client, "asset", asset.id or 0, PDF, name, note="CNIPA")
    assert response.status_code == 302  # type: ignore[attr-defined]
    row = session.exec(select(Document)).one()
    assert row.kind is DocumentKind.REGISTRATION_CERTIFICATE and row.asset_id == asset.id
    assert row.content_type == "application/pdf" and row.size_bytes == len(PDF)
    assert row.file_name == "专利证书 certificate.pdf" and row.note == "CNIPA"
    # On disk: one file, named by 64 random hex digits, holding the bytes sent.
    (stored,) = _files(upload_dir)
    assert re.fullmatch(r"[0-9a-f]{64}", stored.name) and stored.name == row.storage_key
    assert "certificate" not in str(stored) and stored.read_bytes() == PDF
    page = client.get(f"/documents/asset/{asset.id}").get_data(as_text=True)
    assert "专利证书 certificate.pdf" in page and "CNIPA" in page
    download = client.get(f"/documents/file/{row.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.object_type == "Document")
    ).all()
    assert sorted(actions) == ["document.download", "document.upload"]


def test_the_type_is_read_from_the_bytes_not_the_name(
    session: Session, world: World, client: FlaskClient, upload_dir: Path
) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.sme)
    refused = _upload(client, "asset", asset.id or 0, GIF, "looks-like.pdf")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    html = refused.get_data(as_text=True)  # type: ignore[attr-defined]
    # The message stands next to the file field, and nothing is kept.
    assert re.search(r'has-error">\s*<label for="file"', html)
    assert "Only PDF, PNG and JPEG files are accepted" in html
    assert _count(session) == 0 and _files(upload_dir) == []
    client.set_cookie("lang", "zh", domain="localhost")
    zh = _upload(client, "asset", asset.id or 0, GIF, "x.pdf", key="z" * 32)
    assert "仅接受 PDF、PNG 和 JPEG 文件" in zh.get_data(as_text=True)  # type: ignore[attr-defined]
    # A PNG named .pdf is taken as what it is; a JPEG too.
    assert _upload(client, "asset", asset.id or 0, PNG, "scan.pdf").status_code == 302  # type: ignore[attr-defined]
    assert _upload(client, "asset", asset.id or 0, JPEG, "photo.jpeg").status_code == 302  # type: ignore[attr-defined]
    rows = session.exec(select(Document).order_by(col(Document.id))).all()
    assert [(r.content_type, r.file_name) for r in rows] == [
        ("image/png", "scan.pdf.png"),
        ("image/jpeg", "photo.jpeg"),
    ]
    empty = _upload(client, "asset", asset.id or 0, b"", "empty.pdf")
    assert empty.status_code == 422 and _count(session) == 2  # type: ignore[attr-defined]


def test_the_size_limit_gives_a_clear_message_and_keeps_nothing(
    session: Session, world: World, client: FlaskClient, upload_dir: Path
) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.sme)
    just_over = PDF + b"0" * (LIMIT + 1 - len(PDF))  # LIMIT + 1 bytes
    response = _upload(client, "asset", asset.id or 0, just_over)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "The file is larger than 0.00390625 MB." in response.get_data(as_text=True)  # type: ignore[attr-defined]
    at_limit = PDF + b"0" * (LIMIT - len(PDF))
    assert _upload(client, "asset", asset.id or 0, at_limit).status_code == 302  # type: ignore[attr-defined]
    # Far beyond the limit, the request itself is refused (413) before it is read.
    huge = PDF + b"0" * (200 * 1024)
    refused = _upload(client, "asset", asset.id or 0, huge, key="h" * 32)
    assert refused.status_code == 413  # type: ignore[attr-defined]
    assert "Please upload a smaller file" in refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert _count(session) == 1 and len(_files(upload_dir)) == 1


def test_the_same_form_sent_twice_keeps_one_document(
    session: Session, world: World, client: FlaskClient, upload_dir: Path
) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.sme)
    first = _upload(client, "asset", asset.id or 0, PDF, key="s" * 32)
    again = _upload(client, "asset", asset.id or 0, PDF, key="s" * 32)
    assert first.status_code == again.status_code == 302  # type: ignore[attr-defined]
    assert _count(session) == 1 and len(_files(upload_dir)) == 1


def test_the_database_refuses_a_document_on_the_wrong_record(
    session: Session, world: World
) -> None:
    asset = make_asset(session, world.sme)
    row = Document(
        kind=DocumentKind.CLAIM_EVIDENCE, asset_id=asset.id, storage_key="a" * 64,
        file_name="x.pdf", content_type="application/pdf", size_bytes=1, sha256="0" * 64,
        uploaded_by_id=world.sme.id or 0, uploaded_by_org_id=world.sme_org.id or 0,
    )
    session.add(row)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


# Who sees (page and download) and who adds documents, for each subject. "bank" is the lending
# bank (officer or approver); the request was addressed to it alone.
READERS = {"sme", "bank_officer", "bank_approver", "bureau", "admin"}
UPLOADERS = {
    "asset": {"sme"},
    "company": {"sme"},
    "claim": {"bank_officer", "bank_approver"},
    "recovery": {"bank_officer", "bank_approver"},
}
WHO = [*sorted(READERS), "other_sme", "other_bank", "insurer", "guarantor", "valuer"]


def _user(session: Session, world: World, who: str) -> User:
    if who == "other_bank":
        return make_user(session, make_org(session, OrgKind.BANK))
    return world.users[who]


@pytest.mark.parametrize("who", WHO)
def test_only_those_entitled_see_and_add_documents(
    session: Session, world: World, client: FlaskClient, upload_dir: Path, who: str
) -> None:
    subjects = _subjects(session, world)
    store = LocalStore(upload_dir)
    uploader = {"asset": world.sme, "company": world.sme}
    ids: dict[str, int] = {}
    for word, subject_id in subjects.ids().items():
        doc = svc.upload(
            session, actor=uploader.get(word, world.users["bank_officer"]), store=store,
            kind={"asset": DocumentKind.REGISTRATION_CERTIFICATE,
                  "company": DocumentKind.FINANCIAL_STATEMENT,
                  "claim": DocumentKind.CLAIM_EVIDENCE,
                  "recovery": DocumentKind.DISPOSAL_CONTRACT}[word],
            subject_id=subject_id, file_name=f"{word}.pdf", data=PDF, max_bytes=LIMIT,
        )
        ids[word] = doc.id or 0
    sign_in(client, _user(session, world, who))
    for word, subject_id in subjects.ids().items():
        reads = who in READERS
        page = client.get(f"/documents/{word}/{subject_id}")
        assert page.status_code == (200 if reads else 403), (who, word)
        download = client.get(f"/documents/file/{ids[word]}")
        assert download.status_code == (200 if reads else 403), (who, word)
        assert (download.data == PDF) is reads
        if reads:
            html = page.get_data(as_text=True)
            assert f"{word}.pdf" in html
            assert ('enctype="multipart/form-data"' in html) is (who in UPLOADERS[word])
        added = _upload(client, word, subject_id, PNG, f"new-{word}.png")
        assert added.status_code == (302 if who in UPLOADERS[word] else 403), (who, word)  # type: ignore[attr-defined]
    assert _count(session) == 4 + sum(who in u for u in UPLOADERS.values())


def test_a_request_to_every_bank_opens_the_asset_and_company_papers_to_every_bank(
    session: Session, world: World, client: FlaskClient, upload_dir: Path
) -> None:
    """As on the asset page: a bank asked for money may study the collateral's papers."""
    setup_pool(session, world)
    asset = make_asset(session, world.sme)
    doc = svc.upload(
        session, actor=world.sme, store=LocalStore(upload_dir),
        kind=DocumentKind.REGISTRATION_CERTIFICATE, subject_id=asset.id or 0,
        file_name="c.pdf", data=PDF, max_bytes=LIMIT,
    )
    stranger = make_user(session, make_org(session, OrgKind.BANK))
    sign_in(client, stranger)
    assert client.get(f"/documents/file/{doc.id}").status_code == 403
    make_loan(session, world, assets=[asset])  # the request goes to every bank
    assert client.get(f"/documents/file/{doc.id}").status_code == 200
    assert client.get(f"/documents/company/{world.sme_org.id}").status_code == 200
    assert client.get(f"/assets/{asset.id}").status_code == 200  # the same reach as the page
    # Not a company: no documents page.
    assert client.get(f"/documents/company/{world.bank.id}").status_code == 404
    assert client.get("/documents/nothing/1").status_code == 404


def test_the_limit_holds_before_the_csrf_check_reads_the_form(
    connection: Connection, session: Session, world: World, upload_dir: Path
) -> None:
    """With CSRF on (as in production) the form is read by a hook before the view: an upload
    under the upload limit is not cut by the site's smaller limit, one over it gets the 413."""
    app = make_test_app(
        connection, UPLOAD_FOLDER=str(upload_dir), UPLOAD_MAX_BYTES=LIMIT,
        WTF_CSRF_ENABLED=True, MAX_CONTENT_LENGTH=1024,
    )
    asset = make_asset(session, world.sme)
    client = sign_in(app.test_client(), world.sme)
    client.set_cookie("lang", "zh", domain="localhost")
    under = PDF + b"0" * (2048 - len(PDF))  # over the site's 1,024 bytes, under LIMIT
    response = _upload(client, "asset", asset.id or 0, under)
    assert response.status_code == 400  # type: ignore[attr-defined]  # no CSRF token: refused as such
    huge = PDF + b"0" * (200 * 1024)
    refused = _upload(client, "asset", asset.id or 0, huge)
    assert refused.status_code == 413  # type: ignore[attr-defined]
    assert "请上传较小的文件" in refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert _count(session) == 0 and _files(upload_dir) == []
