"""Generated papers (PDF, WeasyPrint): the loan contract summary, the pledge registration sheet,
the repayment schedule and the valuation report carry the loan's figures, render Chinese on the
Chinese site (CJK fonts embedded: the text extracts back), and are shown to exactly those who
may see the page they summarise.

The loan (lending_fixtures.make_loan): 1,000,000.00 CNY at 4.35% for 12 months, paid out on
2026-01-05, first due 2026-02-05, day count actual/360 (the default). Worked by hand: the first
month's interest is 100,000,000 fen x 4.35% x 31/360 = 374,583.33 -> 374,583 fen = ¥3,745.83.
"""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlmodel import Session

from market.domain.kinds import OrgKind
from market.domain.money import format_fen
from market.models.lending import Loan
from market.models.valuations import AssetValuation
from market.services import servicing
from tests.market.conftest import World, sign_in
from tests.market.factories import make_org, make_user
from tests.market.lending_fixtures import make_loan, setup_pool


def _text(data: bytes) -> str:
    """All the text of a PDF, as pypdf extracts it."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _fonts(data: bytes) -> set[str]:
    """The base names of the fonts embedded in a PDF."""
    found = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            found.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return found


def _loan(session: Session, world: World) -> Loan:
    setup_pool(session, world)
    return make_loan(session, world, bank_id=world.bank.id)


def _get_pdf(client: FlaskClient, url: str, lang: str) -> str:
    client.set_cookie("lang", lang, domain="localhost")
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    return _text(response.data)


def test_loan_papers_carry_the_figures_in_english_and_chinese(
    session: Session, world: World, client: FlaskClient
) -> None:
    loan = _loan(session, world)
    rows = servicing.instalments(session, loan.id or 0)
    assert rows[0].interest_due == 374_583  # 1,000,000.00 x 4.35% x 31/360, by hand
    pledges = servicing.pledges(session, loan.id or 0)
    sign_in(client, world.users["bank_officer"])
    base = f"/documents/loans/{loan.id}"

    contract = _get_pdf(client, f"{base}/contract.pdf", "zh")
    # The Chinese is drawn with the embedded Noto Sans CJK SC, and only with it (no fallback).
    assert _fonts(client.get(f"{base}/contract.pdf").data) == {
        "Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"
    }
    assert "借款合同摘要" in contract and "本金" in contract
    assert "¥1,000,000.00" in contract and "4.35%" in contract
    assert world.sme_org.name in contract and world.bank.name in contract
    assert all(p.registration_number in contract for p in pledges)
    assert "Loan contract summary" in _get_pdf(client, f"{base}/contract.pdf", "en")

    sheet = _get_pdf(client, f"{base}/pledges.pdf", "zh")
    assert "质押登记表" in sheet and "出质人" in sheet and "质权人" in sheet
    assert all(p.registration_number in sheet for p in pledges)
    assert "¥1,000,000.00" in sheet

    schedule = _get_pdf(client, f"{base}/schedule.pdf", "zh")
    assert "还款计划" in schedule and "利息" in schedule
    assert "¥3,745.83" in schedule  # the first month's interest, by hand
    # The principal column adds up to the loan: its total row shows the principal.
    assert schedule.count("¥1,000,000.00") >= 2  # the terms and the total row
    assert "Repayment schedule" in _get_pdf(client, f"{base}/schedule.pdf", "en")


def test_valuation_report_pdf_in_chinese(
    session: Session, world: World, client: FlaskClient
) -> None:
    loan = _loan(session, world)
    pledge = servicing.pledges(session, loan.id or 0)[0]
    valuation = session.get(AssetValuation, pledge.valuation_id)
    assert valuation is not None
    sign_in(client, world.sme)
    text = _get_pdf(
        client, f"/documents/assets/{pledge.asset_id}/valuation.pdf?v={valuation.id}", "zh"
    )
    assert "评估报告" in text and "最高可贷金额" in text
    assert format_fen(valuation.value_p50) in text and format_fen(valuation.max_loan) in text


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("sme", 200),
        ("bank_officer", 200),
        ("bureau", 200),
        ("admin", 200),
        ("other_sme", 403),
        ("other_bank", 403),
        ("insurer", 403),
        ("guarantor", 403),
        ("valuer", 403),
    ],
)
def test_loan_papers_follow_the_loan_page_permissions(
    session: Session, world: World, client: FlaskClient, who: str, status: int
) -> None:
    loan = _loan(session, world)
    if who == "other_bank":
        user = make_user(session, make_org(session, OrgKind.BANK))
    else:
        user = world.users[who]
    sign_in(client, user)
    page = client.get(f"/loans/{loan.id}").status_code
    for paper in ("contract", "pledges", "schedule"):
        response = client.get(f"/documents/loans/{loan.id}/{paper}.pdf")
        assert response.status_code == status, (who, paper)
        assert response.status_code == page, (who, paper, "differs from the loan page")
    asset_id = servicing.pledges(session, loan.id or 0)[0].asset_id
    report = client.get(f"/assets/{asset_id}/valuation").status_code
    assert client.get(f"/documents/assets/{asset_id}/valuation.pdf").status_code == report
    assert report == status


def test_papers_need_a_signed_in_user(session: Session, world: World, client: FlaskClient) -> None:
    loan = _loan(session, world)
    sign_in(client, None)
    response = client.get(f"/documents/loans/{loan.id}/contract.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/documents/loans/999999/contract.pdf").status_code == 302
