"""The previews of a contribution, a ledger reversal, a recovery and its reversal (issue 16,
"Confirm with a preview"): the figures shown are the ones then posted, nothing is posted by
the preview, and a preview that no longer holds is refused.

Worked by hand from the demo scheme (pool 54%, bank 26%, insurer 16%, valuer 4%; recoveries
pro rata to what each payer paid) and the fixtures (a 40,000,000.00 CNY pool; a claim on a
1,000,000.00 loss, so the payers paid 540,000 / 260,000 / 160,000 / 40,000): a recovery of
100,000.00 goes back 54,000.00 to the pool, 26,000.00 to the bank, 16,000.00 to the insurer
and 4,000.00 to the valuer; the pool's balance after the claim is 39,460,000.00, after the
recovery 39,514,000.00, and reversing the recovery takes the 54,000.00 back out.
"""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from market.models.pool import LedgerEntry, Recovery
from market.services import claim_decision, pool
from market.services.clock import business_date
from market.services.previews import FIELD
from tests.market.conftest import World, sign_in
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import POOL_FUNDS, lending_world, set_day, setup_pool
from tests.market.previewkit import confirmed, preview


def _lines(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(LedgerEntry)).one())


def test_a_contribution_is_previewed_with_the_balance_and_a_stale_day_is_refused(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.users["bureau"])
    lines = _lines(session)
    form = keyed({"amount": "1000", "memo": "Top-up"})
    page, digest = preview(client, "/pool/contributions", form)
    text = page.get_data(as_text=True)
    assert "40,000,000.00" in text and "40,001,000.00" in text  # balance before and after
    assert _lines(session) == lines
    # The business date moves before the confirmation: the posting day is not the one shown.
    set_day(session, business_date(session) + timedelta(days=1))
    refused = client.post("/pool/contributions", data={**form, FIELD: digest})
    assert refused.status_code == 200
    assert "The figures changed since your preview" in refused.get_data(as_text=True)
    assert _lines(session) == lines
    assert confirmed(client, "/pool/contributions", {"amount": "1000"}).status_code == 302
    assert pool.pool_balance(session) == POOL_FUNDS + 1_000_00


def test_a_ledger_reversal_is_previewed_with_its_mirror_lines(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    txn = pool.contribute(session, actor=world.users["bureau"], amount=5_000_00, memo="Typo")
    sign_in(client, world.users["bureau"])
    url = f"/pool/ledger/{txn}/reverse"
    page, _ = preview(client, url, keyed({"reason": "Entered twice"}))
    text = page.get_data(as_text=True)
    assert "5,000.00" in text and "40,005,000.00" in text and "40,000,000.00" in text
    assert pool.pool_balance(session) == POOL_FUNDS + 5_000_00  # not yet
    assert confirmed(client, url, {"reason": "Entered twice"}).status_code == 302
    assert pool.pool_balance(session) == POOL_FUNDS


def test_a_recovery_and_its_reversal_are_previewed_with_the_split_then_posted(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=lw.claim_id, approve=True, reason=""
    )
    assert pool.pool_balance(session) == 39_460_000_00
    sign_in(client, world.users["bank_officer"])
    url = f"/loans/{lw.loan_id}/recoveries"
    data = {"disposal": "licence", "proceeds": "100000", "counterparty": "Licensee Ltd"}
    page, _ = preview(client, url, keyed(data))
    text = page.get_data(as_text=True)
    for figure in ("54,000.00", "26,000.00", "16,000.00", "4,000.00", "100,000.00"):
        assert figure in text, figure
    assert session.exec(select(func.count()).select_from(Recovery)).one() == 0
    assert confirmed(client, url, data).status_code == 302
    row = session.exec(select(Recovery)).one()
    assert row.distribution == {
        "pool": 54_000_00,
        "bank": 26_000_00,
        "insurer": 16_000_00,
        "valuer": 4_000_00,
    }
    assert pool.pool_balance(session) == 39_514_000_00

    reverse = f"/loans/{lw.loan_id}/recoveries/{row.id}/reverse"
    page, _ = preview(client, reverse, keyed({"reason": "Wrong licensee"}))
    text = page.get_data(as_text=True)
    assert "39,514,000.00" in text and "39,460,000.00" in text and "54,000.00" in text
    assert pool.pool_balance(session) == 39_514_000_00
    assert confirmed(client, reverse, {"reason": "Wrong licensee"}).status_code == 302
    assert pool.pool_balance(session) == 39_460_000_00
