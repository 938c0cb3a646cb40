"""One clock and the reader's words (issue 16): records show the business date of the event
(the wall clock in a tooltip), audit details and valuation facts as "label: value" lines in
the reader's units and language, ledger memos and suspension reasons in the reader's language.

Expected texts are written by hand from the rule: money in fen shown as CNY with two decimals
(5,000,000.00 CNY is 500,000,000 fen), the labels of market/text and the zh catalog."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from market.domain.messages import stored, word
from market.frame.db import transaction
from market.frame.web import audit_details, indicator_facts
from market.models.audit import AuditEvent
from market.models.lending import Offer
from market.models.pool import BankSuspension, LedgerEntry
from market.services import claim_decision, pool
from market.services.clock import business_date
from market.services.requests import decline_request
from market.services.valuations import record_bank_value
from market.text.stored_text import shown
from tests.market.conftest import World, sign_in
from tests.market.factories import make_asset
from tests.market.lending_fixtures import (
    START,
    make_claim,
    make_loan,
    make_npl,
    make_offer,
    make_request,
    set_day,
    setup_pool,
)

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def _events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
    return list(session.exec(query).all())


def test_every_audit_event_records_the_business_date_not_the_wall_clock(
    session: Session, world: World
) -> None:
    # The business date (2026-01-05) is not today's calendar date: events must carry it.
    setup_pool(session, world)
    contribution = _events(session, "pool.contribution")[-1]
    assert contribution.business_on == START
    assert contribution.at.date() != START  # the wall clock is kept beside it
    # The day-end writes its events with INSERT ... SELECT: they carry the day-end's date.
    request = make_request(session, world)
    offer = make_offer(session, world, request.id or 0)
    day = offer.expires_on + timedelta(days=1)
    set_day(session, day)
    expired = [e for e in _events(session, "offer.expired") if e.object_id == offer.id]
    assert [e.business_on for e in expired] == [day]
    assert session.get(Offer, offer.id).expires_on < day  # type: ignore[union-attr]


def test_timeline_shows_the_business_date_with_the_wall_clock_in_a_tooltip(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    sign_in(client, world.sme)
    created = _events(session, "request.create")[-1]
    assert created.business_on == START
    for headers, day_text, wall_text in (
        (EN, "Jan 5, 2026", "Coordinated Universal Time"),
        (ZH, "2026年1月5日", "协调世界时"),
    ):
        page = client.get(f"/financing/{request.id}", headers=headers).get_data(as_text=True)
        stamp = re.search(r'<time datetime="2026-01-05" title="([^"]+)">([^<]+)</time>', page)
        assert stamp is not None, page
        assert stamp.group(2) == day_text
        assert wall_text in stamp.group(1)  # the full wall-clock time, with its timezone
        # The request's details: 1,000,000.00 CNY (100,000,000 fen) under the reader's label.
        label = "Amount" if headers is EN else "金额"
        assert f"<dt>{label}</dt><dd>¥1,000,000.00</dd>" in page


def test_audit_log_shows_details_as_labelled_values_in_the_readers_language(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)  # contributes 40,000,000.00 CNY = 4,000,000,000 fen
    sign_in(client, world.users["admin"])
    en = client.get("/admin/audit?action=pool.contribution", headers=EN).get_data(as_text=True)
    assert "<dt>Amount</dt><dd>¥40,000,000.00</dd>" in en
    assert "4000000000" not in en and "{&#39;" not in en
    zh = client.get("/admin/audit?action=pool.contribution", headers=ZH).get_data(as_text=True)
    assert "<dt>金额</dt><dd>¥40,000,000.00</dd>" in zh
    assert "<th>业务日期</th>" in zh and "2026年1月5日" in zh
    # The date filter is by business date (the wall clock of these events is another day).
    url = "/admin/audit?action=pool.contribution&from={0}&to={0}"
    assert "¥40,000,000.00" in client.get(url.format("2026-01-05")).get_data(as_text=True)
    assert "¥40,000,000.00" not in client.get(url.format("2026-01-06")).get_data(as_text=True)


def test_valuation_facts_are_shown_in_the_readers_units_and_language(
    client: FlaskClient, session: Session, world: World
) -> None:
    # The factory's patent: revenue 5,000,000.00 CNY (500,000,000 fen), 10 claims, maturity
    # "mass_production"; its valuation reads those facts.
    asset = make_asset(session, world.sme)
    sign_in(client, world.sme)
    en = client.get(f"/assets/{asset.id}/valuation", headers=EN).get_data(as_text=True)
    assert "annual_revenue =" not in en and "500000000" not in en
    assert '<span class="muted">Annual revenue:</span> ¥5,000,000.00' in en
    assert '<span class="muted">Number of claims:</span> 10' in en
    assert '<span class="muted">Technology maturity:</span> Mass production' in en
    zh = client.get(f"/assets/{asset.id}/valuation", headers=ZH).get_data(as_text=True)
    assert '<span class="muted">年收入:</span> ¥5,000,000.00' in zh
    assert '<span class="muted">权利要求项数:</span> 10' in zh
    assert "规模化量产" in zh


def test_ledger_memos_show_in_the_readers_language_and_old_rows_keep_their_text(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)  # its memo "Opening funds" was typed: shown as typed
    pool.contribute(session, actor=world.users["bureau"], amount=100_00, memo="")
    entry = session.exec(select(LedgerEntry).order_by(col(LedgerEntry.id).desc())).first()
    assert entry is not None
    assert entry.memo == "Government contribution"  # the English text is kept on the row
    assert entry.memo_message == {"key": "Government contribution", "params": {}}
    sign_in(client, world.users["bureau"])
    zh = client.get("/pool/ledger", headers=ZH).get_data(as_text=True)
    assert "政府注资" in zh and "Opening funds" in zh
    assert "Government contribution" not in zh
    en = client.get("/pool/ledger", headers=EN).get_data(as_text=True)
    assert "Government contribution" in en
    csv_zh = client.get("/pool/ledger?format=csv", headers=ZH).get_data(as_text=True)
    assert "政府注资" in csv_zh and "Opening funds" in csv_zh


def test_a_stored_memo_names_its_words_by_label_in_each_language(app: Flask) -> None:
    memo = stored("Recovery on loan %(loan)s (%(kind)s)", loan=7, kind=word("disposal", "auction"))
    assert memo.text() == "Recovery on loan 7 (auction)"
    with app.test_request_context(headers=ZH):
        assert shown(memo.text(), memo.as_json()) == "贷款 7 追偿回收（拍卖）"
    with app.test_request_context(headers=EN):
        assert shown(memo.text(), memo.as_json()) == "Recovery on loan 7 (Auction)"
        assert shown("Typed by a person", None) == "Typed by a person"


def test_a_suspension_reason_shows_in_chinese_on_the_chinese_site(
    client: FlaskClient, session: Session, world: World
) -> None:
    # The demo scheme suspends a bank past 3% NPL losses; one compensated loan passes it.
    setup_pool(session, world)
    loan = make_loan(session, world)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason="ok"
    )
    row = pool.live_suspension(session, world.bank.id or 0)
    assert row is not None and row.reason_message is not None
    year = business_date(session).year
    assert row.reason.startswith("NPL losses of ¥")  # English text kept on the row
    sign_in(client, world.users["bureau"])
    zh = client.get("/pool/", headers=ZH).get_data(as_text=True)
    assert f"{year} 年不良损失 ¥" in zh
    assert "NPL losses of" not in zh
    en = client.get("/pool/", headers=EN).get_data(as_text=True)
    assert "NPL losses of ¥" in en


def test_an_old_suspension_without_a_key_keeps_its_stored_text(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    row = BankSuspension(
        bank_id=world.bank.id or 0, year=2026, npl_losses=1, enrolled_principal=1,
        trigger_bp=300, suspended_on=date(2026, 1, 5), reason="Written before message keys",
    )
    with transaction(session):
        session.add(row)
    sign_in(client, world.users["bureau"])
    zh = client.get("/pool/", headers=ZH).get_data(as_text=True)
    assert "Written before message keys" in zh


def test_indicator_facts_in_each_language(app: Flask) -> None:
    # Values as the valuation library reads them: counts, a (survived, pending) pair with the
    # flag as 0/1, growth as a fraction (0.08 = 8.0 %), ISO dates, codes.
    patent = "invention_patent"
    items = [
        {"fact": "litigation_won, litigation_lost", "fact_value": [2, 1]},
        {"fact": "invalidation_survived, invalidation_pending", "fact_value": [1, 1]},
        {"fact": "revenue_growth", "fact_value": 0.08},
        {"fact": "expiry_date", "fact_value": "2039-03-01"},
        {"fact": "legal_status", "fact_value": "valid"},
        {"fact": "first_use_date, grant_date, filing_date", "fact_value": "2018-05-01"},
    ]
    with app.test_request_context(headers=EN):
        shown_en = [indicator_facts(item, patent) for item in items]
    assert shown_en == [
        [("Infringement suits won", "2"), ("Infringement suits lost", "1")],
        [("Invalidation requests survived", "1"), ("Invalidation request pending", "Yes")],
        [("Expected growth", "8.0 %")],
        [("Protection ends", "Mar 1, 2039")],
        [("Legal status", "Valid")],
        [("First use / Grant or registration date / Filing date", "May 1, 2018")],
    ]
    with app.test_request_context(headers=ZH):
        shown_zh = [indicator_facts(item, patent) for item in items]
    assert shown_zh == [
        [("侵权诉讼胜诉次数", "2"), ("侵权诉讼败诉次数", "1")],
        [("经无效宣告请求后维持有效的次数", "1"), ("存在尚未审结的无效宣告请求", "是")],
        [("预计增长率", "8.0 %")],
        [("保护期届满日", "2039年3月1日")],
        [("法律状态", "有效")],
        [("首次使用日期 / 授权/注册日 / 申请日", "2018年5月1日")],
    ]


def test_audit_details_read_rates_flags_and_states(app: Flask) -> None:
    # 450 basis points = 4.5 %, 500 = 5 %; an offer's "approved" is its state label.
    event = AuditEvent(
        action="offer.approve",
        object_type="Offer",
        before={"rate_bp": 450, "status": "pending_approval"},
        after={"rate_bp": 500, "status": "approved", "relending": False, "row_version": 3},
    )
    with app.test_request_context(headers=EN):
        lines = [(x.label, x.before, x.after) for x in audit_details(event)]
    assert lines == [
        ("Interest rate", "4.5 %", "5 %"),
        ("Status", "Waiting for approval", "Approved"),
        ("Relending", None, "No"),
    ]
    with app.test_request_context(headers=ZH):
        lines = [(x.label, x.before, x.after) for x in audit_details(event)]
    assert lines[0] == ("利率", "4.5 %", "5 %") and lines[2] == ("再贷款", None, "否")
    assert lines[1][0] == "状态" and lines[1][2] == "已批准"


def test_a_decline_shows_its_business_date(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    decline_request(
        session, actor=world.users["bank_officer"], request_id=request.id or 0, reason="Too early"
    )
    sign_in(client, world.sme)
    page = client.get(f"/financing/{request.id}", headers=EN).get_data(as_text=True)
    declines = page.split('class="plain declines"')[1].split("</ul>")[0]
    assert '<time datetime="2026-01-05"' in declines and ">Jan 5, 2026</time>" in declines


def test_a_bank_value_shows_the_business_date_it_was_recorded_on(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)  # business date Mon 5 Jan 2026; the wall clock is another day
    asset = make_asset(session, world.sme)
    make_request(session, world, assets=[asset])
    record_bank_value(
        session, actor=world.users["bank_officer"], asset_id=asset.id or 0,
        adjusted_value=1_500_000_00, reason="Narrower market than modelled",
    )
    sign_in(client, world.sme)
    page = client.get(f"/assets/{asset.id}/valuation", headers=EN).get_data(as_text=True)
    section = page.split('id="bank-values"')[1].split("</table>")[0]
    assert '<time datetime="2026-01-05"' in section and ">Jan 5, 2026</time>" in section
