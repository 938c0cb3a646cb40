"""The bureau's pool pages: balance, contributions, claims, reversals, suspensions, scheme
versions, and the administrator's classification thresholds."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from datetime import timedelta

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlmodel import Session, col, func, select

from market.domain.money import format_fen
from market.domain.schedule import Classification
from market.domain.states import ClaimStatus, LoanStatus
from market.models.lending import Loan
from market.models.pool import BankSuspension, Claim, LedgerEntry, Receivable, SchemeVersion
from market.services import pool, servicing
from market.services.clock import business_date
from market.services.idempotency import FIELD
from market.services.previews import FIELD as PREVIEW_FIELD
from market.views.pool.blueprint import loan_url
from market.views.pool.figures import BankRow
from tests.market.conftest import World, make_test_app, sign_in
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import (
    DEMO_SCHEME,
    POOL_FUNDS,
    first_due,
    first_txn,
    lending_world,
    make_claim,
    make_loan,
    make_npl,
    make_suspension,
    set_day,
    setup_pool,
)
from tests.market.previewkit import confirmed, preview


def _ledger_lines(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(LedgerEntry)).one())


def _versions(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(SchemeVersion)).one())


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- every page, for the bureau and the administrator ------------------------------------------


def test_pool_pages_render_for_bureau_and_admin(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    for who in ("bureau", "admin"):
        sign_in(client, world.users[who])
        for url in (
            "/pool/",
            "/pool/claims",
            "/pool/claims?status=filed",
            "/pool/claims?status=approved",
            "/pool/claims?status=nonsense",
            "/pool/ledger",
            "/pool/schemes",
            "/pool/schemes?preset=anhui-4321",
        ):
            assert "<html" in _page(client, url), (who, url)
    sign_in(client, world.users["admin"])
    index = _page(client, "/pool/")
    assert "/pool/contributions" not in index  # the administrator only looks
    assert "/lift" not in index
    assert "/decide" not in _page(client, "/pool/claims")
    assert "/decide" not in _page(client, f"/pool/claims/{lw.claim_id}")
    assert "/reverse" not in _page(client, "/pool/ledger")
    assert 'id="new-version"' not in _page(client, "/pool/schemes")


def test_pool_pages_render_without_a_scheme(client: FlaskClient, world: World) -> None:
    sign_in(client, world.users["bureau"])
    index = _page(client, "/pool/")
    assert "No scheme version is in force" in index
    assert format_fen(0) in index
    assert "Nothing is posted yet." in _page(client, "/pool/ledger")
    schemes = _page(client, "/pool/schemes")
    assert "No scheme version yet." in schemes and "anhui-4321" in schemes


def test_index_shows_the_scheme_balance_and_leverage(
    client: FlaskClient, session: Session, world: World
) -> None:
    version = setup_pool(session, world)
    make_loan(session, world)
    sign_in(client, world.users["bureau"])
    page = _page(client, "/pool/")
    assert f'id="pool-balance">{format_fen(POOL_FUNDS)}<' in page
    assert version.name in page and "54%" in page  # the pool's share of a loss
    # 10 x the 40m balance = 400m of room; one 1m loan is enrolled.
    assert f'id="leverage-used">{format_fen(1_000_000_00)}<' in page
    assert format_fen(10 * POOL_FUNDS) in page
    assert f'id="leverage-headroom">{format_fen(10 * POOL_FUNDS - 1_000_000_00)}<' in page
    assert world.bank.name in page  # in the NPL-by-bank table
    assert "Opening funds" in page  # the latest ledger lines


# --- contributions ---------------------------------------------------------------------------


def test_a_contribution_through_the_page_raises_the_balance(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.users["bureau"])
    response = confirmed(
        client, "/pool/contributions", {"amount": "2,500,000.50", "memo": "Provincial top-up"}
    )
    assert response.status_code == 302
    expected = POOL_FUNDS + 2_500_000_50
    assert pool.pool_balance(session) == expected
    page = _page(client, "/pool/")
    assert f'id="pool-balance">{format_fen(expected)}<' in page
    assert "Provincial top-up" in page
    assert pool.ledger_is_balanced(session)


def test_a_bad_contribution_shows_an_error_and_changes_nothing(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.users["bureau"])
    before = _ledger_lines(session)
    for amount, message in (
        ("", "This field is required."),
        ("lots", "Enter an amount in CNY"),
        ("-5", "cannot be negative"),
        ("0", "Enter a positive amount."),
        ("1.234", "at most two decimals"),
    ):
        response = client.post("/pool/contributions", data=keyed({"amount": amount, "memo": "x"}))
        assert response.status_code == 422, amount
        assert message in response.get_data(as_text=True), amount
    assert _ledger_lines(session) == before
    assert pool.pool_balance(session) == POOL_FUNDS


def test_the_pool_forms_carry_their_csrf_token(
    connection: Connection, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    app = make_test_app(connection, WTF_CSRF_ENABLED=True)
    client = sign_in(app.test_client(), world.users["bureau"])
    for url, action, data in (
        ("/pool/", "/pool/contributions", {"amount": "100"}),
        ("/pool/", f"/pool/suspensions/{lw.suspension_id}/lift", {"reason": "Plan agreed"}),
        ("/pool/ledger", f"/pool/ledger/{lw.txn}/reverse", {"reason": "Wrong budget line"}),
        (f"/pool/claims/{lw.claim_id}", f"/pool/claims/{lw.claim_id}/decide",
         {"approve": "Approve"}),
    ):
        page = _page(client, url)
        form = page[page.index(f'action="{action}"') :]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
        assert token is not None, action
        assert client.post(action, data=data).status_code == 400, action
        # A money form also carries its idempotency key, as a browser sends it.
        own = form[: form.index("</form>")]
        key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', own)
        assert (key is not None) == ("/lift" not in action), action
        sent = {**data, "csrf_token": token.group(1), **({FIELD: key.group(1)} if key else {})}
        if "/lift" not in action:  # a money action is previewed, then confirmed
            sent[PREVIEW_FIELD] = preview(client, action, sent)[1]
        assert client.post(action, data=sent).status_code == 302
    # The opening funds reversed, the pool paid what it had left (100 CNY) on the claim.
    claim = session.get(Claim, lw.claim_id)
    assert claim is not None and claim.split["pool"] == 100_00
    assert pool.pool_balance(session) == 0


# --- claims ----------------------------------------------------------------------------------


def test_approving_a_claim_pays_exactly_the_pools_share_and_shows_the_split(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    claim = session.get(Claim, lw.claim_id)
    loan = session.get(Loan, lw.loan_id)
    assert claim is not None and loan is not None
    version = session.get(SchemeVersion, claim.scheme_version_id)
    assert version is not None
    balance = pool.pool_balance(session)
    expected = pool.scheme_of(version).split(
        claim.loss, loan_principal=loan.principal, pool_balance=balance
    )
    sign_in(client, world.users["bureau"])
    page = _page(client, "/pool/claims?status=filed")
    assert f'id="claim-{claim.id}"' in page and f'href="{_loan_link(client, loan.id)}"' in page
    response = confirmed(
        client, f"/pool/claims/{claim.id}/decide", {"approve": "Approve", "reason": "Checked"}
    )
    assert response.status_code == 302
    session.refresh(claim)
    session.refresh(loan)
    assert claim.status is ClaimStatus.APPROVED and loan.status is LoanStatus.COMPENSATED
    assert claim.split == expected.as_dict()
    assert pool.pool_balance(session) == balance - expected["pool"]
    assert claim.pool_balance_at_decision == balance
    owed = session.exec(select(Receivable).where(Receivable.claim_id == claim.id)).all()
    assert {r.party: r.amount for r in owed} == {
        p: v for p, v in expected.as_dict().items() if p not in ("pool", "bank") and v
    }
    assert response.headers["Location"].endswith(f"/pool/claims/{claim.id}")
    listed = _page(client, "/pool/claims?status=approved")
    # The queue is one row per claim with the pool's payment; the split is on the claim's page.
    row = listed[listed.index(f'id="claim-{claim.id}"') :]
    row = row[: row.index("</tr>")]
    assert format_fen(expected["pool"]) in row and 'data-party="pool"' not in listed
    assert f'href="/pool/claims/{claim.id}"' in row
    page = _page(client, f"/pool/claims/{claim.id}")
    assert f'id="claim-{claim.id}"' in page
    for party, amount in expected.as_dict().items():
        assert f'data-party="{party}"' in page and format_fen(amount) in page
    assert format_fen(balance) in page  # the pool's balance at the decision
    assert f"/pool/claims/{claim.id}/decide" not in page
    ledger = _page(client, "/pool/ledger")
    assert f"Claim {claim.id}" in ledger and format_fen(expected["pool"]) in ledger
    assert pool.ledger_is_balanced(session)


def test_rejecting_needs_a_reason_and_changes_nothing_without_one(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    balance = pool.pool_balance(session)
    lines = _ledger_lines(session)
    sign_in(client, world.users["bureau"])
    url = f"/pool/claims/{lw.claim_id}/decide"
    for data in ({"reject": "Reject"}, {"reject": "Reject", "reason": "  no "}, {}):
        response = client.post(url, data=keyed(data))
        assert response.status_code == 422, data
        text = response.get_data(as_text=True)
        assert f'id="claim-{lw.claim_id}"' in text
        assert "Write the reason the bank will read" in text or "approve or to reject" in text
    claim = session.get(Claim, lw.claim_id)
    loan = session.get(Loan, lw.loan_id)
    assert claim is not None and loan is not None
    assert claim.status is ClaimStatus.FILED and loan.status is LoanStatus.IN_CLAIM
    assert (pool.pool_balance(session), _ledger_lines(session)) == (balance, lines)

    reason = "The loan was not serviced under the rules of the scheme."
    response = client.post(url, data=keyed({"reject": "Reject", "reason": reason}))
    assert response.status_code == 302
    session.refresh(claim)
    session.refresh(loan)
    assert claim.status is ClaimStatus.REJECTED and claim.decision_reason == reason
    assert loan.status is LoanStatus.ACTIVE
    assert (pool.pool_balance(session), _ledger_lines(session)) == (balance, lines)
    assert f'id="claim-{lw.claim_id}"' in _page(client, "/pool/claims?status=rejected")
    assert reason in _page(client, f"/pool/claims/{lw.claim_id}")
    # A decided claim cannot be decided again.
    assert client.post(url, data=keyed({"approve": "Approve"})).status_code == 409


def test_deciding_an_unknown_claim_is_not_found(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.users["bureau"])
    missing = client.post("/pool/claims/999999/decide", data=keyed({"approve": "1"}))
    assert missing.status_code == 404


# --- the ledger ------------------------------------------------------------------------------


def test_a_reversal_is_a_new_transaction_and_the_original_stays(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    pool.contribute(session, actor=world.users["bureau"], amount=5_000_00, memo="Typo")
    original = session.exec(
        select(LedgerEntry).where(LedgerEntry.memo == "Typo").order_by(col(LedgerEntry.id))
    ).first()
    assert original is not None
    txn = original.txn
    lines = _ledger_lines(session)
    sign_in(client, world.users["bureau"])
    assert f"/pool/ledger/{txn}/reverse" in _page(client, "/pool/ledger")

    response = client.post(f"/pool/ledger/{txn}/reverse", data=keyed({"reason": " "}))
    assert response.status_code == 422
    assert _ledger_lines(session) == lines

    response = confirmed(client, f"/pool/ledger/{txn}/reverse", {"reason": "Entered twice"})
    assert response.status_code == 302
    assert _ledger_lines(session) == lines + 2
    kept = session.exec(select(LedgerEntry).where(LedgerEntry.txn == txn)).all()
    assert len(kept) == 2 and {e.id for e in kept} >= {original.id}
    mirror = session.exec(select(LedgerEntry).where(LedgerEntry.reverses_txn == txn)).all()
    assert len(mirror) == 2 and mirror[0].txn != txn
    assert pool.pool_balance(session) == POOL_FUNDS
    assert pool.ledger_is_balanced(session)

    page = _page(client, "/pool/ledger")
    assert f'id="t-{txn}"' in page and f'id="t-{mirror[0].txn}"' in page
    assert "Reversal: Entered twice" in page and "append-only" in page
    assert f"/pool/ledger/{txn}/reverse" not in page  # no second reversal offered
    assert f"/pool/ledger/{mirror[0].txn}/reverse" not in page
    again = client.post(f"/pool/ledger/{txn}/reverse", data=keyed({"reason": "Again"}))
    assert again.status_code == 409
    missing = client.post("/pool/ledger/nosuch/reverse", data=keyed({"reason": "x"}))
    assert missing.status_code == 404


def test_the_ledger_shows_a_running_balance_and_exports_csv(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    pool.contribute(session, actor=world.users["bureau"], amount=1_000_00, memo="Second")
    sign_in(client, world.users["admin"])
    page = _page(client, "/pool/ledger")
    assert format_fen(POOL_FUNDS) in page and format_fen(POOL_FUNDS + 1_000_00) in page
    response = client.get("/pool/ledger?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads Chinese right
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == _ledger_lines(session) == 4
    assert rows[-1]["memo"] == "Second" and rows[-1]["pool_cash_after_cny"] == "40001000.00"
    assert rows[0]["txn"] == first_txn(session)


# --- suspensions -----------------------------------------------------------------------------


def test_lifting_a_suspension(client: FlaskClient, session: Session, world: World) -> None:
    setup_pool(session, world)
    row = make_suspension(session, world)
    sign_in(client, world.users["bureau"])
    page = _page(client, "/pool/")
    assert "Test suspension" in page and f"/pool/suspensions/{row.id}/lift" in page

    response = client.post(f"/pool/suspensions/{row.id}/lift", data={"reason": ""})
    assert response.status_code == 422
    session.refresh(row)
    assert row.lifted_on is None

    response = client.post(
        f"/pool/suspensions/{row.id}/lift", data={"reason": "Recovery plan accepted"}
    )
    assert response.status_code == 302
    session.refresh(row)
    assert row.lifted_on == business_date(session)
    assert row.lift_reason == "Recovery plan accepted"
    assert world.bank.id is not None and pool.live_suspension(session, world.bank.id) is None
    assert "No bank is suspended." in _page(client, "/pool/")
    again = client.post(f"/pool/suspensions/{row.id}/lift", data={"reason": "Again"})
    assert again.status_code == 409
    assert session.exec(select(BankSuspension)).all() == [row]


# --- alerts ----------------------------------------------------------------------------------


def test_alerts_for_leverage_and_a_pool_short_of_its_npl_share(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world, funds=120_000_00)  # room for 1.2m of loans
    loan = make_loan(session, world)
    sign_in(client, world.users["bureau"])
    page = _page(client, "/pool/")
    assert "83.3% of the leverage limit is used" in page
    assert "less than its share of the non-performing" not in page
    make_npl(session, loan)
    page = _page(client, "/pool/")
    # About 1m outstanding x 54% is more than the 120k the pool holds.
    assert "less than its share of the non-performing" in page
    assert "NPL loans" in page


def test_a_bank_within_reach_of_its_trigger() -> None:
    row = BankRow(bank=None, enrolled_principal=100_000, losses_this_year=2_500, trigger_bp=300)  # type: ignore[arg-type]
    assert row.near_trigger and not row.over_trigger and str(row.loss_ratio) == "2.50"
    row.losses_this_year = 2_000
    assert not row.near_trigger
    row.losses_this_year = 3_001
    assert row.over_trigger and not row.near_trigger


# --- scheme versions -------------------------------------------------------------------------


def _scheme_form(session: Session, world: World, document: object, **more: str) -> dict[str, str]:
    text = document if isinstance(document, str) else json.dumps(document)
    data = {
        "document": text,
        "effective_from": business_date(session).isoformat(),
        "partner_insurer": str(world.users["insurer"].organisation_id),
        "partner_valuer": str(world.users["valuer"].organisation_id),
    }
    data.update(more)
    return data


def test_a_scheme_version_with_bad_json_shows_the_error_and_stores_nothing(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    count = _versions(session)
    sign_in(client, world.users["bureau"])
    bad_shares = copy.deepcopy(DEMO_SCHEME)
    bad_shares["shares"]["pool"] = 5000
    for document, message in (
        ('{"name": "x", ', "This is not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (bad_shares, "must add up to 10000 bp"),
        ({**DEMO_SCHEME, "colour": "red"}, "colour: unknown field"),
    ):
        response = client.post("/pool/schemes", data=_scheme_form(session, world, document))
        assert response.status_code == 422, document
        text = response.get_data(as_text=True)
        assert message in text, message
        assert 'class="field  has-error"' in text or "has-error" in text
    # A partner missing or in the past: the error is next to its field.
    response = client.post(
        "/pool/schemes", data=_scheme_form(session, world, DEMO_SCHEME, partner_insurer="")
    )
    assert response.status_code == 422
    assert "Choose an organisation of this kind." in response.get_data(as_text=True)
    yesterday = (business_date(session) - timedelta(days=1)).isoformat()
    response = client.post(
        "/pool/schemes",
        data=_scheme_form(session, world, DEMO_SCHEME, effective_from=yesterday),
    )
    assert response.status_code == 422
    assert "Must be today or later." in response.get_data(as_text=True)
    assert _versions(session) == count


def test_a_good_scheme_version_is_listed_and_loans_keep_theirs(
    client: FlaskClient, session: Session, world: World
) -> None:
    first = setup_pool(session, world)
    loan = make_loan(session, world)
    sign_in(client, world.users["bureau"])
    page = _page(client, "/pool/schemes")
    assert "demo-city-2026" in page and "in force" in page
    assert "Loans keep" in page or "keeps the version it was enrolled under" in page
    newer = copy.deepcopy(DEMO_SCHEME)
    newer["shares"] = {"pool": 6000, "bank": 2000, "insurer": 1600, "valuer": 400}
    later = business_date(session) + timedelta(days=30)
    response = client.post(
        "/pool/schemes",
        data=_scheme_form(session, world, newer, effective_from=later.isoformat()),
    )
    assert response.status_code == 302
    rows = pool.list_scheme_versions(session)
    assert [r.version for r in rows] == [2, 1]
    assert rows[0].effective_from == later and rows[0].document["shares"]["pool"] == 6000
    page = _page(client, "/pool/schemes")
    assert f'id="v{rows[0].id}"' in page and "scheduled" in page and "60%" in page
    session.refresh(loan)
    assert loan.scheme_version_id == first.id
    assert pool.scheme_in_force(session, business_date(session)) == first
    set_day(session, later)
    assert pool.scheme_in_force(session, later) == rows[0]
    assert "60%" in _page(client, "/pool/")


def test_the_form_starts_from_a_preset_or_the_version_in_force(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.users["bureau"])
    page = _page(client, "/pool/schemes")
    assert "&#34;name&#34;: &#34;demo-city-2026&#34;" in page or '"demo-city-2026"' in page
    assert 'name="partner_insurer"' in page and 'name="partner_guarantor"' not in page
    page = _page(client, "/pool/schemes?preset=anhui-4321")
    assert "anhui-4321" in page
    assert 'name="partner_guarantor"' in page and 'name="partner_re_guarantor"' in page
    assert 'name="partner_insurer"' not in page


def test_only_the_bureau_adds_versions(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.users["admin"])
    response = client.post("/pool/schemes", data=_scheme_form(session, world, DEMO_SCHEME))
    assert response.status_code == 403
    assert _versions(session) == 1


# --- the administrator's thresholds ----------------------------------------------------------


def test_the_thresholds_form_on_the_clock_page_reclassifies(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    set_day(session, first_due(session, loan) + timedelta(days=60))
    session.refresh(loan)
    assert loan.classification is Classification.SPECIAL_MENTION
    sign_in(client, world.admin)
    page = _page(client, "/admin/clock")
    # The 2023 rule (商业银行金融资产风险分类办法, 2023 No. 1): 0/90/270/360, "more than".
    assert "special mention after more than 0 days" in page
    assert "substandard after more than 90, doubtful after more than 270" in page
    assert "2023 No. 1" in page
    assert 'action="/admin/thresholds"' in page or "/admin/thresholds" in page

    bad = {"special_mention": "30", "substandard": "10", "doubtful": "180", "loss": "360"}
    response = client.post("/admin/thresholds", data=bad)
    assert response.status_code == 422
    assert "A grace of 0 to 7 days" in response.get_data(as_text=True)
    response = client.post("/admin/thresholds", data={**bad, "substandard": "many"})
    assert response.status_code == 422
    assert servicing.thresholds(session) == (0, 90, 270, 360)

    # A bank may classify earlier than the rule: substandard after more than 30 days.
    good = {"special_mention": "1", "substandard": "30", "doubtful": "180", "loss": "360"}
    response = client.post("/admin/thresholds", data=good)
    assert response.status_code == 302
    assert servicing.thresholds(session) == (1, 30, 180, 360)
    session.refresh(loan)
    assert loan.classification is Classification.SUBSTANDARD and loan.classification.is_npl
    assert "substandard after more than 30" in _page(client, "/admin/clock")


# --- links to the lending pages --------------------------------------------------------------


def _loan_link(client: FlaskClient, loan_id: int | None) -> str:
    assert loan_id is not None
    app = client.application
    with app.test_request_context():
        return loan_url(loan_id)


def test_loan_links_go_to_the_lending_loan_page(app: Flask) -> None:
    assert "lending.loan_detail" in app.view_functions
    with app.test_request_context():
        assert loan_url(7) == url_for("lending.loan_detail", loan_id=7)


def test_claims_page_links_the_loan(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    sign_in(client, world.users["admin"])
    page = _page(client, "/pool/claims")
    assert f'id="claim-{claim.id}"' in page
    assert f'href="{_loan_link(client, loan.id)}"' in page
